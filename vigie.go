// Package vigie holds the domain types shared by every part of Vigie: posts,
// monitors and their kinds. It depends on the standard library only, so that
// every other package can import it.
package vigie

import (
	"errors"
	"fmt"
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

// Validate reports the first missing required field of a post.
func (p *Post) Validate() error {
	switch {
	case p.ID == "":
		return fmt.Errorf("%w: post has no \"id\"", ErrInvalid)
	case p.Source == "":
		return fmt.Errorf("%w: post %q has no \"source\"", ErrInvalid, p.ID)
	case p.Text == "" && p.Title == "":
		return fmt.Errorf("%w: post %q has neither \"text\" nor \"title\"", ErrInvalid, p.ID)
	case p.PublishedAt.IsZero():
		return fmt.Errorf("%w: post %q has no \"published_at\" (RFC 3339, e.g. 2026-11-20T10:04:05Z)", ErrInvalid, p.ID)
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
