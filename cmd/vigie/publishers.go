package main

import (
	"net/http"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/bluesky"
	"github.com/vigie-project/vigie/internal/mastodon"
	"github.com/vigie-project/vigie/internal/publish"
	"github.com/vigie-project/vigie/internal/simulator"
)

// The networks Vigie publishes on, with their clients: like connectors.go
// for listening, the only place that names them.

// mastodonClient is mastodon's publisher as a publish.Client.
type mastodonClient struct{ *mastodon.Publisher }

func (mastodonClient) Length(text string, lim vigie.AccountLimits) int {
	return mastodon.Length(text, lim)
}

// blueskyClient is bluesky's publisher as a publish.Client: it counts
// graphemes, whatever the limits say.
type blueskyClient struct{ *bluesky.Publisher }

func (blueskyClient) Length(text string, _ vigie.AccountLimits) int { return bluesky.Length(text) }

// demoClient is the demo's simulated network (internal/simulator),
// counted as Mastodon counts.
type demoClient struct{ *simulator.Network }

func (demoClient) Length(text string, lim vigie.AccountLimits) int { return mastodon.Length(text, lim) }

// publishClients returns a client per network over c, the HTTP client
// that carries the fetch policy (SSRF guard).
func publishClients(c *http.Client, now func() time.Time) map[vigie.Network]publish.Client {
	return map[vigie.Network]publish.Client{
		vigie.NetworkMastodon: mastodonClient{&mastodon.Publisher{Client: c, Now: now}},
		vigie.NetworkBluesky:  blueskyClient{&bluesky.Publisher{Client: c, Now: now}},
	}
}

// Mastodon's notifications are followed live (the inbox polls the others).
var _ publish.NotificationStreamer = mastodonClient{}
