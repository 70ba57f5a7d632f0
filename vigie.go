// Package vigie holds the domain types shared by every part of Vigie: posts,
// monitors and their kinds. It depends on the standard library only, so that
// every other package can import it.
package vigie

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Errors that cross package boundaries. Stores and services wrap them with %w.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
	ErrInvalid  = errors.New("invalid")
)

// Post is one piece of content from any source, in the interchange format of
// shared/design/formats.md. Text may contain HTML from the source; it is turned
// into plain text before matching.
type Post struct {
	ID          string    `json:"id"`
	Source      string    `json:"source"`
	URL         string    `json:"url,omitempty"`
	PublishedAt time.Time `json:"published_at"`
	Author      Author    `json:"author,omitzero"`
	Title       string    `json:"title,omitempty"`
	Text        string    `json:"text,omitempty"`
	Lang        string    `json:"lang,omitempty"`
	Country     string    `json:"country,omitempty"`
	Links       []string  `json:"links,omitempty"`
	ReplyTo     string    `json:"reply_to,omitempty"`
	RepostOf    string    `json:"repost_of,omitempty"`
	Metrics     Metrics   `json:"metrics,omitzero"`
}

// Author is who published a post, as the source describes them.
type Author struct {
	ID        string `json:"id,omitempty"`
	Handle    string `json:"handle,omitempty"`
	Name      string `json:"name,omitempty"`
	Followers int64  `json:"followers,omitempty"`
	URL       string `json:"url,omitempty"`
}

// Metrics are the engagement counters a source reports for a post.
type Metrics struct {
	Likes   int64 `json:"likes,omitempty"`
	Reposts int64 `json:"reposts,omitempty"`
	Replies int64 `json:"replies,omitempty"`
	Views   int64 `json:"views,omitempty"`
}

// Bounds on what one post may carry.
const (
	// MaxCount is the ceiling of a post's counters and of its author's
	// followers: a hundred billion, beyond any real figure (the most viewed
	// videos have some tens of billions of views) and low enough that the
	// sums the dashboard and top authors make cannot overflow. ClampCounts
	// lowers larger values to it.
	MaxCount = 100_000_000_000
	// MaxTextBytes bounds a post's text and its title (each): a post longer
	// than a long article is refused rather than stored.
	MaxTextBytes = 1 << 20
	// MaxIDBytes bounds a post's id: ids are keys, shown in links and
	// exports; a network's are tens of bytes, an address a few hundred.
	MaxIDBytes = 2048
	// MaxSourceBytes bounds a post's source kind: with its id, a key of
	// the store's indexes (PostgreSQL's hold at most 2,704 bytes a row).
	MaxSourceBytes = 64
)

// Validate reports the first missing required field of a post, a negative
// counter or a text over MaxTextBytes.
func (p *Post) Validate() error {
	if err := p.validateRequired(); err != nil {
		return err
	}
	for _, c := range p.counters() {
		if *c.v < 0 {
			return fmt.Errorf("%w: post %q: %q is %d; counts are 0 or more (leave the field out when unknown)", ErrInvalid, p.ID, c.name, *c.v)
		}
	}
	switch {
	case len(p.ID) > MaxIDBytes:
		return fmt.Errorf("%w: post %.40q…: \"id\" is %d bytes; at most %d (an id is a key, not content)", ErrInvalid, p.ID, len(p.ID), MaxIDBytes)
	case len(p.Source) > MaxSourceBytes:
		return fmt.Errorf("%w: post %q: \"source\" is %d bytes; at most %d (a network's name, such as mastodon)", ErrInvalid, p.ID, len(p.Source), MaxSourceBytes)
	case len(p.Author.ID) > MaxIDBytes:
		return fmt.Errorf("%w: post %q: \"author.id\" is %d bytes; at most %d (an id is a key, not content)", ErrInvalid, p.ID, len(p.Author.ID), MaxIDBytes)
	case len(p.Text) > MaxTextBytes:
		return fmt.Errorf("%w: post %q: \"text\" is %d bytes; at most %d (1 MB) per post", ErrInvalid, p.ID, len(p.Text), MaxTextBytes)
	case len(p.Title) > MaxTextBytes:
		return fmt.Errorf("%w: post %q: \"title\" is %d bytes; at most %d (1 MB) per post", ErrInvalid, p.ID, len(p.Title), MaxTextBytes)
	}
	return nil
}

type counter struct {
	name string
	v    *int64
}

func (p *Post) counters() [5]counter {
	return [5]counter{{"metrics.likes", &p.Metrics.Likes}, {"metrics.reposts", &p.Metrics.Reposts},
		{"metrics.replies", &p.Metrics.Replies}, {"metrics.views", &p.Metrics.Views}, {"author.followers", &p.Author.Followers}}
}

// StripNUL removes NUL characters from every text field of the post: they
// carry nothing a reader sees, PostgreSQL refuses them in text, and one
// would otherwise fail the whole batch the post came in. It reports
// whether it removed any.
func (p *Post) StripNUL() bool {
	changed := false
	for _, f := range []*string{&p.ID, &p.Source, &p.URL, &p.Title, &p.Text, &p.Lang, &p.Country, &p.ReplyTo, &p.RepostOf,
		&p.Author.ID, &p.Author.Handle, &p.Author.Name, &p.Author.URL} {
		if strings.IndexByte(*f, 0) >= 0 {
			*f, changed = strings.ReplaceAll(*f, "\x00", ""), true
		}
	}
	for i, l := range p.Links {
		if strings.IndexByte(l, 0) >= 0 {
			p.Links[i], changed = strings.ReplaceAll(l, "\x00", ""), true
		}
	}
	return changed
}

// ClampCounts lowers counters and followers above MaxCount to it (a
// source's absurd figure, or a hostile one, would otherwise outweigh every
// real post in the rollups), and reports whether it changed any.
func (p *Post) ClampCounts() bool {
	changed := false
	for _, c := range p.counters() {
		if *c.v > MaxCount {
			*c.v, changed = MaxCount, true
		}
	}
	return changed
}

// MaxFuture is how far ahead of the clock a post may be dated: a source
// whose clock runs a little ahead is clock skew, but a post dated in 9999
// (a typo, a wrong time zone, a hostile feed) would sit at the top of every
// newest-first list until then.
const MaxFuture = 24 * time.Hour

// CheckDate refuses a post dated more than MaxFuture after now, naming the
// field, its value and the fix.
func (p *Post) CheckDate(now time.Time) error {
	if p.PublishedAt.After(now.Add(MaxFuture)) {
		return fmt.Errorf("%w: post %q: \"published_at\" is %s, more than a day after now (%s); give the time it was published, in UTC or with its offset (a clock or time zone set wrong at the source?)",
			ErrInvalid, p.ID, p.PublishedAt.Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	return nil
}

func (p *Post) validateRequired() error {
	switch {
	case p.ID == "":
		return fmt.Errorf("%w: post has no \"id\"", ErrInvalid)
	case p.Source == "":
		return fmt.Errorf("%w: post %q has no \"source\"", ErrInvalid, p.ID)
	case p.Text == "" && p.Title == "":
		return fmt.Errorf("%w: post %q has neither \"text\" nor \"title\"", ErrInvalid, p.ID)
	case p.PublishedAt.IsZero():
		return fmt.Errorf("%w: post %q has no \"published_at\" (RFC 3339, e.g. 2026-11-20T10:04:05Z)", ErrInvalid, p.ID)
	case p.PublishedAt.UTC().Year() < 1 || p.PublishedAt.UTC().Year() > 9999:
		// Stored in UTC, as RFC 3339: years 1 to 9999 only.
		return fmt.Errorf("%w: post %q: \"published_at\" is in year %d in UTC; give a date from year 1 to 9999", ErrInvalid, p.ID, p.PublishedAt.UTC().Year())
	}
	return nil
}

// MonitorKind says what a monitor listens for; it drives reports such as share
// of voice (brand against competitor monitors).
type MonitorKind string

// The monitor kinds of formats.md.
const (
	KindBrand      MonitorKind = "brand"
	KindProduct    MonitorKind = "product"
	KindCompetitor MonitorKind = "competitor"
	KindKeyword    MonitorKind = "keyword"
	KindInfluencer MonitorKind = "influencer"
	KindCampaign   MonitorKind = "campaign"
)

// MonitorKinds lists the valid kinds in a stable order.
var MonitorKinds = []MonitorKind{KindBrand, KindProduct, KindCompetitor, KindKeyword, KindInfluencer, KindCampaign}

// Valid reports whether k is one of MonitorKinds.
func (k MonitorKind) Valid() bool {
	for _, v := range MonitorKinds {
		if k == v {
			return true
		}
	}
	return false
}

// Monitor is a saved query: every post that matches it becomes a mention.
type Monitor struct {
	ID    string      `json:"id"`
	Name  string      `json:"name,omitempty"`
	Kind  MonitorKind `json:"kind,omitempty"`
	Query string      `json:"query"`
}
