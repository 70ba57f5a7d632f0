// Package bluesky is the connector of Bluesky: it follows the whole network
// through Jetstream v1 (bluesky-social/jetstream, docs/README.md §5.1), a
// WebSocket of JSON events — post creates, updates and deletes, account and
// identity changes — filtered here to posts, and matched locally against
// every monitor: Bluesky offers no keyword stream. Its cursor is Jetstream's
// time cursor (Unix microseconds), saved with the posts before it.
package bluesky

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
)

// The collection of posts; every other one (likes, reposts, follows…) is
// noise to a listener.
const postCollection = "app.bsky.feed.post"

// event is a Jetstream v1 event, as much of it as Vigie reads.
type event struct {
	Did     string   `json:"did"`
	TimeUS  int64    `json:"time_us"`
	Kind    string   `json:"kind"` // commit, identity, account
	Commit  *commit  `json:"commit"`
	Account *account `json:"account"`
}

type commit struct {
	Operation  string  `json:"operation"` // create, update, delete
	Collection string  `json:"collection"`
	Rkey       string  `json:"rkey"`
	Record     *record `json:"record"` // decoded with the event: one pass`
}

type account struct {
	Active bool   `json:"active"`
	Status string `json:"status"` // deactivated, deleted, suspended, takendown
}

// record is an app.bsky.feed.post record (lexicons/app/bsky/feed/post.json).
type record struct {
	Text      string   `json:"text"`
	CreatedAt string   `json:"createdAt"`
	Langs     []string `json:"langs"`
	Reply     *struct {
		Parent struct {
			URI string `json:"uri"`
		} `json:"parent"`
	} `json:"reply"`
	Facets []struct {
		Features []struct {
			Type string `json:"$type"`
			URI  string `json:"uri"`
		} `json:"features"`
	} `json:"facets"`
	Embed *embed `json:"embed"`
}

type embed struct {
	Type     string `json:"$type"`
	External *struct {
		URI   string `json:"uri"`
		Title string `json:"title"`
	} `json:"external"`
	Record *struct {
		URI    string `json:"uri"`
		Record *struct {
			URI string `json:"uri"`
		} `json:"record"` // recordWithMedia nests the quoted record
	} `json:"record"`
}

// change is what one event means to the archive.
type change struct {
	at     int64 // the event's time_us, the cursor after it
	post   *vigie.Post
	edit   bool
	delete *connector.Deletion
}

// errNoise marks an event that is not about posts (or accounts): skipped.
var errNoise = errors.New("not a post event")

// decode reads one Jetstream message. Noise (other collections, identity
// changes, an active account) is errNoise; a malformed message an error
// saying what is wrong.
func decode(msg []byte) (change, error) {
	// Most of the network's events are likes, reposts and follows: they are
	// skipped without being decoded.
	if !fieldIs(msg, "collection", postCollection) && !fieldIs(msg, "kind", "account") {
		return change{at: timeOf(msg)}, errNoise
	}
	var ev event
	if err := json.Unmarshal(msg, &ev); err != nil {
		return change{at: timeOf(msg)}, fmt.Errorf("not a Jetstream event: %v", err)
	}
	c := change{at: ev.TimeUS}
	switch ev.Kind {
	case "account":
		if ev.Account == nil || ev.Account.Active || ev.Did == "" {
			return c, errNoise
		}
		// Deactivated, deleted, suspended or taken down: the author's
		// posts leave the archive (networks.md: purge the author).
		c.delete = &connector.Deletion{Kind: string(vigie.SourceBluesky), AuthorID: ev.Did}
		return c, nil
	case "commit":
	default:
		return c, errNoise
	}
	cm := ev.Commit
	if cm == nil || cm.Collection != postCollection {
		return c, errNoise
	}
	if ev.Did == "" || cm.Rkey == "" || strings.ContainsAny(cm.Rkey, "/?#") {
		return c, fmt.Errorf("a post event without its author or record key")
	}
	uri := "at://" + ev.Did + "/" + postCollection + "/" + cm.Rkey
	switch cm.Operation {
	case "delete":
		c.delete = &connector.Deletion{Kind: string(vigie.SourceBluesky), ID: uri}
		return c, nil
	case "create", "update":
	default:
		return c, fmt.Errorf("unknown operation %q", cm.Operation)
	}
	if cm.Record == nil {
		return c, fmt.Errorf("post %s: the event has no record", uri)
	}
	r := *cm.Record
	p := &vigie.Post{
		ID:     uri,
		Source: string(vigie.SourceBluesky),
		URL:    "https://bsky.app/profile/" + ev.Did + "/post/" + cm.Rkey,
		Author: vigie.Author{ID: ev.Did, URL: "https://bsky.app/profile/" + ev.Did},
		Text:   r.Text,
	}
	if len(r.Langs) > 0 {
		p.Lang = r.Langs[0]
	}
	p.PublishedAt = published(r.CreatedAt, ev.TimeUS)
	if r.Reply != nil {
		p.ReplyTo = r.Reply.Parent.URI
	}
	p.Links = links(&r)
	if p.Text == "" {
		// An image, a video or a card alone: the card's title, else its
		// address, is what there is to match.
		if r.Embed != nil && r.Embed.External != nil {
			p.Title = r.Embed.External.Title
		}
		if p.Title == "" && len(p.Links) > 0 {
			p.Text = p.Links[0]
		}
		if p.Title == "" && p.Text == "" {
			return c, errNoise // nothing a monitor could match
		}
	}
	c.post, c.edit = p, cm.Operation == "update"
	return c, nil
}

// published is when a post was published: its createdAt, which its author's
// client sets, unless it is missing, unreadable, or more than five minutes
// after the network received the post (a wrong clock; a post from the
// future is refused by the pipeline); then the time the network received it.
func published(createdAt string, timeUS int64) time.Time {
	seen := time.UnixMicro(timeUS).UTC()
	t, err := time.Parse(time.RFC3339Nano, createdAt)
	if err != nil || timeUS > 0 && t.After(seen.Add(5*time.Minute)) || t.Year() < 2000 {
		return seen
	}
	return t.UTC()
}

// links are the addresses a post links to: its link facets (the full
// addresses behind text that shows them shortened) and its embedded card.
func links(r *record) []string {
	var out []string
	add := func(u string) {
		if (strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://")) && utf8.ValidString(u) && len(out) < 20 {
			for _, x := range out {
				if x == u {
					return
				}
			}
			out = append(out, u)
		}
	}
	for _, f := range r.Facets {
		for _, ft := range f.Features {
			if ft.Type == "app.bsky.richtext.facet#link" {
				add(ft.URI)
			}
		}
	}
	if r.Embed != nil && r.Embed.External != nil {
		add(r.Embed.External.URI)
	}
	return out
}

// fieldIs reports whether msg has a member key whose value is the string
// value (JSON without escapes in either), wherever it is: a quick test
// before decoding. A false positive costs a decoding; there is no false
// negative for the events Jetstream writes.
func fieldIs(msg []byte, key, value string) bool {
	k := `"` + key + `"`
	for rest := msg; ; {
		i := bytes.Index(rest, []byte(k))
		if i < 0 {
			return false
		}
		rest = rest[i+len(k):]
		j := 0
		for j < len(rest) && (rest[j] == ' ' || rest[j] == ':' || rest[j] == '\t' || rest[j] == '\n' || rest[j] == '\r') {
			j++
		}
		v := rest[j:]
		if len(v) > len(value)+1 && v[0] == '"' && string(v[1:1+len(value)]) == value && v[1+len(value)] == '"' {
			return true
		}
	}
}

// timeOf reads time_us from an event without decoding it: the cursor moves
// past noise too.
func timeOf(msg []byte) int64 {
	i := bytes.Index(msg, []byte(`"time_us":`))
	if i < 0 {
		return 0
	}
	var n int64
	for _, b := range msg[i+len(`"time_us":`):] {
		if b < '0' || b > '9' {
			break
		}
		if n > (1<<62)/10 {
			return 0
		}
		n = n*10 + int64(b-'0')
	}
	return n
}
