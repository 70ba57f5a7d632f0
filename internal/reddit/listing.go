package reddit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
)

// Reddit answers with "things": {"kind": "t3", "data": {…}} for a
// submission, "t1" for a comment, "more" for a stub of comments not sent,
// and "Listing" for a page of things, {"kind": "Listing", "data": {"after":
// "t3_…", "before": …, "children": [things]}}. A comment page is an array
// of two Listings (the submission, then its comment tree, in which each
// comment's "replies" is a Listing or ""). [reddit/reddit wiki JSON;
// PRAW's recorded cassettes]

// Listing is a decoded page: its items in the order given (a comment
// tree depth first), and the fullname to ask for the next page after.
type Listing struct {
	Items []Item
	After string
	// Skipped counts children that were not submissions or comments
	// (subreddits, "more" stubs) or could not be read.
	Skipped int
}

// Item is a submission (Kind "t3") or a comment ("t1").
type Item struct {
	Kind      string  `json:"-"`
	Name      string  `json:"name"` // fullname: t3_abc, t1_def
	ID        string  `json:"id"`
	Author    string  `json:"author"`
	Title     string  `json:"title"`
	Selftext  string  `json:"selftext"`
	Body      string  `json:"body"`
	Permalink string  `json:"permalink"`
	LinkID    string  `json:"link_id"`
	ParentID  string  `json:"parent_id"`
	URL       string  `json:"url"`
	IsSelf    bool    `json:"is_self"`
	Created   number  `json:"created_utc"`
	Edited    edited  `json:"edited"`
	Score     number  `json:"score"`
	Comments  *number `json:"num_comments"`
	// RemovedBy is removed_by_category: null on a visible post, else who
	// removed it ("moderator", "deleted", "author", "reddit", …).
	RemovedBy *string         `json:"removed_by_category"`
	Replies   json.RawMessage `json:"replies"`
}

// number reads a JSON number, or a number in a string; null and anything
// else are 0.
type number float64

func (n *number) UnmarshalJSON(b []byte) error {
	*n = 0
	s := string(bytes.TrimSpace(b))
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return nil
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
		*n = number(f)
	}
	return nil
}

// edited is Reddit's "edited": false, or the Unix time of the last edit
// (true on some old things, with no time).
type edited struct {
	At  float64
	Any bool
}

func (e *edited) UnmarshalJSON(b []byte) error {
	*e = edited{}
	var f float64
	if json.Unmarshal(b, &f) == nil && f > 0 && !math.IsInf(f, 0) {
		e.At, e.Any = f, true
		return nil
	}
	var t bool
	if json.Unmarshal(b, &t) == nil {
		e.Any = t
	}
	return nil
}

type thing struct {
	Kind string          `json:"kind"`
	Data json.RawMessage `json:"data"`
}

type listingData struct {
	After    *string           `json:"after"`
	Children []json.RawMessage `json:"children"`
}

// maxDepth bounds how deep a comment tree is read.
const maxDepth = 200

// DecodeListing reads a Reddit answer: a Listing, or an array of Listings
// (a comment page). A child that cannot be read is skipped and counted;
// an answer that is not a listing at all is an error saying so.
func DecodeListing(data []byte) (Listing, error) {
	var out Listing
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '[' {
		var pages []json.RawMessage
		if err := json.Unmarshal(data, &pages); err != nil {
			return Listing{}, fmt.Errorf("the answer is not JSON Reddit sends (%v)", err)
		}
		if len(pages) == 0 {
			return Listing{}, errors.New("the answer is an empty array, not a listing")
		}
		for i, p := range pages {
			if err := out.add(p, 0, i == 0); err != nil {
				return Listing{}, err
			}
		}
		return out, nil
	}
	if err := out.add(data, 0, true); err != nil {
		return Listing{}, err
	}
	return out, nil
}

// add reads one Listing into l; top says it is a page of the answer (its
// "after" is the next page's), not a tree of replies.
func (l *Listing) add(raw json.RawMessage, depth int, top bool) error {
	var t thing
	if err := json.Unmarshal(raw, &t); err != nil {
		return fmt.Errorf("the answer is not JSON Reddit sends (%v)", err)
	}
	if t.Kind != "Listing" {
		return fmt.Errorf("the answer is not a listing (kind %q); %s", clip(t.Kind), whatItSays(raw))
	}
	var d listingData
	if err := json.Unmarshal(t.Data, &d); err != nil {
		return fmt.Errorf("the listing's data cannot be read (%v)", err)
	}
	if top && d.After != nil && l.After == "" {
		l.After = *d.After
	}
	for _, c := range d.Children {
		var ct thing
		if json.Unmarshal(c, &ct) != nil || ct.Kind != "t1" && ct.Kind != "t3" {
			l.Skipped++
			continue
		}
		var it Item
		if json.Unmarshal(ct.Data, &it) != nil {
			l.Skipped++
			continue
		}
		it.Kind = ct.Kind
		if it.Name == "" && it.ID != "" {
			it.Name = ct.Kind + "_" + it.ID
		}
		if !strings.HasPrefix(it.Name, ct.Kind+"_") || len(it.Name) > 64 {
			l.Skipped++
			continue
		}
		replies := it.Replies
		it.Replies = nil
		l.Items = append(l.Items, it)
		if r := bytes.TrimSpace(replies); len(r) > 0 && r[0] == '{' && depth < maxDepth {
			if err := l.add(r, depth+1, false); err != nil {
				l.Skipped++
			}
		}
	}
	return nil
}

// whatItSays is the error an answer that is not a listing carries, if any.
func whatItSays(raw []byte) string {
	var e struct {
		Message string `json:"message"`
		Error   any    `json:"error"`
		Reason  string `json:"reason"`
	}
	if json.Unmarshal(raw, &e) == nil {
		for _, s := range []string{e.Reason, e.Message} {
			if s != "" {
				return "Reddit says: " + clip(s)
			}
		}
		if e.Error != nil {
			return "Reddit says: error " + clip(fmt.Sprint(e.Error))
		}
	}
	return "the API may have changed"
}

func clip(s string) string {
	if r := []rune(s); len(r) > 80 {
		return string(r[:80]) + "…"
	}
	return s
}

// Deleted reports whether the item is gone: its author deleted it or their
// account ("[deleted]"), or a moderator or Reddit removed it ("[removed]",
// removed_by_category).
func (it *Item) Deleted() bool {
	if it.Author == "[deleted]" {
		return true
	}
	for _, s := range []string{it.Body, it.Selftext} {
		if s == "[deleted]" || s == "[removed]" {
			return true
		}
	}
	return it.RemovedBy != nil && *it.RemovedBy != ""
}

// EditedAfter reports whether the item was edited after t (Unix seconds).
func (it *Item) EditedAfter(t float64) bool {
	return it.Edited.At > t
}

// Web is the address of Reddit's site, where posts are read (whatever API
// address a source uses).
const Web = "https://www.reddit.com"

// Post maps the item to a post; ok is false when it has nothing to store
// (neither title nor text) or no date. Deleted items are for Deletes, not
// for this.
func (it *Item) Post() (vigie.Post, bool) {
	created := float64(it.Created)
	if created <= 0 || created > 1e11 {
		return vigie.Post{}, false
	}
	sec, frac := math.Modf(created)
	p := vigie.Post{
		ID:          it.Name,
		Source:      Source,
		URL:         it.webURL(),
		PublishedAt: time.Unix(int64(sec), int64(frac*1e9)).UTC(),
		Title:       strings.TrimSpace(it.Title),
		Text:        strings.TrimSpace(it.Body),
	}
	if it.Kind == "t3" {
		p.Text = strings.TrimSpace(it.Selftext)
		if it.Comments != nil && *it.Comments > 0 {
			p.Metrics.Replies = int64(min(float64(*it.Comments), vigie.MaxCount))
		}
		if l := linkOut(it.URL); l != "" && !it.IsSelf && l != p.URL {
			p.Links = []string{l}
		}
	} else {
		p.Title = "" // a comment has none (link_title is its submission's)
		p.ReplyTo = it.ParentID
	}
	if it.Score > 0 {
		p.Metrics.Likes = int64(min(float64(it.Score), vigie.MaxCount))
	}
	if a := strings.TrimSpace(it.Author); a != "" {
		p.Author = vigie.Author{ID: a, Handle: a, URL: Web + "/user/" + url.PathEscape(a)}
	}
	if p.Title == "" && p.Text == "" {
		return vigie.Post{}, false
	}
	return p, true
}

// webURL is the item's address on reddit.com: its permalink, else (comments
// of old listings have none) one built from its submission and id.
func (it *Item) webURL() string {
	if pl := strings.TrimSpace(it.Permalink); strings.HasPrefix(pl, "/") && !strings.HasPrefix(pl, "//") {
		return Web + pl
	}
	id := strings.TrimPrefix(it.Name, it.Kind+"_")
	if it.Kind == "t1" {
		if link := strings.TrimPrefix(it.LinkID, "t3_"); link != "" && link != it.LinkID {
			return Web + "/comments/" + url.PathEscape(link) + "/_/" + url.PathEscape(id) + "/"
		}
		return ""
	}
	return Web + "/comments/" + url.PathEscape(id) + "/"
}

// linkOut is a submission's link if it is a web address.
func linkOut(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}
