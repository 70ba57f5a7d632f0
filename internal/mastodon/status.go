package mastodon

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/text"
)

// status is the part of Mastodon's Status entity Vigie reads
// (docs.joinmastodon.org/entities/Status). Nullable strings decode to "".
type status struct {
	ID               string       `json:"id"`
	URI              string       `json:"uri"`
	URL              string       `json:"url"`
	CreatedAt        string       `json:"created_at"`
	EditedAt         string       `json:"edited_at"`
	InReplyToID      string       `json:"in_reply_to_id"`
	Visibility       string       `json:"visibility"`
	Language         string       `json:"language"`
	SpoilerText      string       `json:"spoiler_text"`
	Content          string       `json:"content"`
	RepliesCount     count        `json:"replies_count"`
	ReblogsCount     count        `json:"reblogs_count"`
	FavouritesCount  count        `json:"favourites_count"`
	Reblog           *status      `json:"reblog"`
	Account          account      `json:"account"`
	MediaAttachments []attachment `json:"media_attachments"`
	Poll             *poll        `json:"poll"`
}

type account struct {
	ID             string `json:"id"`
	Username       string `json:"username"`
	Acct           string `json:"acct"`
	DisplayName    string `json:"display_name"`
	URL            string `json:"url"`
	FollowersCount count  `json:"followers_count"`
}

type attachment struct {
	Description string `json:"description"`
}

type poll struct {
	Options []struct {
		Title string `json:"title"`
	} `json:"options"`
}

// count is a counter that a server may send as a number, a string or null
// (or a hidden one as -1): anything but a non-negative integer reads as 0.
type count int64

func (c *count) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(b, `"`)
	var n json.Number
	if json.Unmarshal(b, &n) != nil {
		*c = 0
		return nil
	}
	if i, err := n.Int64(); err == nil && i > 0 {
		*c = count(i)
	} else if f, err := n.Float64(); err == nil && f > 0 && f < 1e18 {
		*c = count(f)
	} else {
		*c = 0
	}
	return nil
}

// decodeStatus reads one Status.
func decodeStatus(data []byte) (*status, error) {
	var s status
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("not a status: %w", err)
	}
	if s.ID == "" && s.URI == "" && s.URL == "" {
		return nil, errors.New("not a status: it has no id, uri or url")
	}
	return &s, nil
}

// decodeStatuses reads a timeline page (an array of Status). A status that
// cannot be read is skipped and counted; ids holds the local id of every
// entry that has one, readable or not, in the page's order, for
// pagination.
func decodeStatuses(data []byte) (sts []*status, ids []string, bad int, err error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, nil, 0, fmt.Errorf("the answer is not a list of statuses (%v); is this a Mastodon instance?", err)
	}
	for _, r := range raw {
		s, err := decodeStatus(r)
		if err != nil {
			bad++
			var idOnly struct {
				ID string `json:"id"`
			}
			if json.Unmarshal(r, &idOnly) == nil && idOnly.ID != "" {
				ids = append(ids, idOnly.ID)
			}
			continue
		}
		sts = append(sts, s)
		if s.ID != "" {
			ids = append(ids, s.ID)
		}
	}
	return sts, ids, bad, nil
}

// content is the status that carries the text: the reblogged one for a
// reblog.
func (s *status) content() *status {
	if s.Reblog != nil {
		return s.Reblog
	}
	return s
}

// public reports whether a status may be listened to: public or unlisted
// (and, for a reblog, the reblogged status too). A server that does not
// say is taken at its word that the timeline is public.
func (s *status) public() bool {
	ok := func(v string) bool { return v == "" || v == "public" || v == "unlisted" }
	return ok(s.Visibility) && (s.Reblog == nil || ok(s.Reblog.Visibility))
}

// postID is the status's identity across instances: its URI, else its
// web address.
func (s *status) postID() string {
	if u := strings.TrimSpace(s.URI); u != "" {
		return u
	}
	return strings.TrimSpace(s.URL)
}

// parseTime reads a Mastodon date (ISO 8601 with milliseconds).
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		// Some servers leave out the zone: UTC.
		t, err = time.Parse("2006-01-02T15:04:05.999999999", s)
		if err != nil {
			return time.Time{}, false
		}
	}
	return t.UTC(), true
}

// mapper turns statuses into posts for one instance.
type mapper struct {
	// host is the instance's, for the handles of its local accounts
	// (acct "alice" is @alice@host); "" takes the account page's host.
	host string
	// replyURI gives the URI of a status of this instance by its local
	// id, when known, for ReplyTo.
	replyURI func(localID string) string
}

// post maps a status (the reblogged one for a reblog); ok is false for a
// status that is not public, has no identity, no date or nothing to read.
func (m *mapper) post(s *status) (vigie.Post, bool) {
	if s == nil || !s.public() {
		return vigie.Post{}, false
	}
	c := s.content()
	id := c.postID()
	if id == "" || len(id) > vigie.MaxIDBytes {
		return vigie.Post{}, false
	}
	published, ok := parseTime(c.CreatedAt)
	if !ok {
		return vigie.Post{}, false
	}
	p := vigie.Post{
		ID:          id,
		Source:      Source,
		URL:         webURL(c.URL, c.URI),
		PublishedAt: published,
		Author:      m.author(&c.Account),
		Text:        body(c),
		Lang:        strings.TrimSpace(c.Language),
		Links:       links(c.Content),
		Metrics: vigie.Metrics{
			Replies: int64(c.RepliesCount),
			Reposts: int64(c.ReblogsCount),
			Likes:   int64(c.FavouritesCount),
		},
	}
	if c.InReplyToID != "" && m.replyURI != nil {
		p.ReplyTo = m.replyURI(c.InReplyToID)
	}
	p.StripNUL()
	if p.Validate() != nil {
		return vigie.Post{}, false
	}
	return p, true
}

// body is a status's text: its content warning, then its content as plain
// text; for a status with no text (a picture), its media descriptions and
// poll options.
func body(c *status) string {
	t := text.FromHTML(c.Content)
	if t == "" {
		var parts []string
		for _, a := range c.MediaAttachments {
			if d := strings.TrimSpace(a.Description); d != "" {
				parts = append(parts, d)
			}
		}
		if c.Poll != nil {
			for _, o := range c.Poll.Options {
				if o.Title = strings.TrimSpace(o.Title); o.Title != "" {
					parts = append(parts, o.Title)
				}
			}
		}
		t = strings.Join(parts, "\n")
	}
	if cw := strings.TrimSpace(c.SpoilerText); cw != "" {
		if t == "" {
			return cw
		}
		return cw + "\n\n" + t
	}
	return t
}

// webURL is the status's page: url, else uri when it is a web address.
func webURL(u, uri string) string {
	for _, s := range []string{u, uri} {
		s = strings.TrimSpace(s)
		if strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://") {
			return s
		}
	}
	return ""
}

func (m *mapper) author(a *account) vigie.Author {
	acct := strings.TrimPrefix(strings.TrimSpace(a.Acct), "@")
	if acct == "" {
		acct = strings.TrimSpace(a.Username)
	}
	if acct != "" && !strings.Contains(acct, "@") {
		host := m.host
		if host == "" {
			if u, err := url.Parse(a.URL); err == nil {
				host = u.Hostname()
			}
		}
		if host != "" {
			acct += "@" + host
		}
	}
	out := vigie.Author{
		ID:        strings.TrimSpace(a.URL),
		Name:      strings.TrimSpace(a.DisplayName),
		Followers: int64(a.FollowersCount),
		URL:       webURL(a.URL, ""),
	}
	if acct != "" {
		out.Handle = "@" + acct
	}
	if out.ID == "" {
		out.ID = acct
	}
	if out.Name == "" {
		out.Name = strings.TrimSpace(a.Username)
	}
	return out
}

// maxLinks bounds the links kept of one status.
const maxLinks = 20

// links are the web addresses a status's content links to, but for its
// mentions and hashtags (links to profiles and tag pages).
func links(content string) []string {
	if !strings.Contains(content, "<a") {
		return nil
	}
	z := xhtml.NewTokenizer(strings.NewReader(content))
	var out []string
	for len(out) < maxLinks {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			break
		}
		if tt != xhtml.StartTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		if atom.Lookup(name) != atom.A {
			continue
		}
		var href string
		skip := false
		for hasAttr {
			var k, v []byte
			k, v, hasAttr = z.TagAttr()
			switch string(k) {
			case "href":
				href = strings.TrimSpace(string(v))
			case "class":
				for _, c := range strings.Fields(string(v)) {
					if c == "mention" || c == "hashtag" {
						skip = true
					}
				}
			case "rel":
				for _, r := range strings.Fields(string(v)) {
					if r == "tag" {
						skip = true
					}
				}
			}
		}
		if skip || !(strings.HasPrefix(href, "https://") || strings.HasPrefix(href, "http://")) || len(href) > vigie.MaxIDBytes {
			continue
		}
		if u, err := url.Parse(href); err != nil || u.Host == "" {
			continue
		}
		if !slices.Contains(out, href) {
			out = append(out, href)
		}
	}
	return out
}
