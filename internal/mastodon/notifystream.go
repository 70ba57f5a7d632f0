package mastodon

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
)

// StreamNotifications follows the account's notifications as they come
// (the user:notification stream over Server-Sent Events,
// GET /api/v1/streaming/user/notification with the account's token;
// methods/streaming.md) and calls arrived for each one, until ctx ends or
// the stream does (an error then; the caller reconnects, and reads the
// notifications themselves with Notifications, which keeps the cursor).
// A stream silent for quiet (Mastodon sends a heartbeat every 15 s) is
// closed as dead.
func (p *Publisher) StreamNotifications(ctx context.Context, link *vigie.AccountLink, arrived func()) error {
	t, err := readTarget(link, true)
	if err != nil {
		return err
	}
	// The streaming server may have a host of its own (the instance says
	// which): the token goes to it directly, never across a redirect.
	endpoint := t.url("/api/v1/streaming/user/notification", nil)
	if in, err := p.instance(ctx, t); err == nil {
		raw := in.Configuration.URLs.Streaming
		if raw == "" {
			raw = in.URLs.StreamingAPI
		}
		if u, err := url.Parse(raw); err == nil && u.Host != "" && u.Host != t.base.Host {
			u.Scheme = map[string]string{"wss": "https", "ws": "http", "https": "https", "http": "http"}[u.Scheme]
			if u.Scheme != "" {
				u.Path, u.RawQuery = "/api/v1/streaming/user/notification", ""
				endpoint = u.String()
			}
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", t.host, err)
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+t.token)
	// The client's own timeout would cut a stream: this request has none
	// but its context, watched below for silence.
	c := *p.client()
	c.Timeout = 0
	resp, err := connector.Do(&c, t.host, req, p.now())
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	lines := make(chan struct{}, 1)
	go func() {
		timer := time.NewTimer(quiet)
		defer timer.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-lines:
				timer.Reset(quiet)
			case <-timer.C:
				cancel()
				return
			}
		}
	}()
	r := bufio.NewReaderSize(resp.Body, 64<<10)
	var parser sseParser
	for {
		line, err := readLine(r, 4<<20)
		if err != nil {
			if ctx.Err() != nil && errors.Is(err, context.Canceled) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
				return fmt.Errorf("%s: the notification stream ended", t.host)
			}
			return connector.Plain(t.host, err)
		}
		select {
		case lines <- struct{}{}:
		default:
		}
		if event, _, ok := parser.feed(line); ok && event == "notification" {
			arrived()
		}
	}
}

// quiet is how long a notification stream may say nothing.
const quiet = 60 * time.Second
