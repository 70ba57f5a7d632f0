package web

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/account"
)

// createFeed makes a private Atom feed URL of a monitor for the user and
// shows it once (it is stored hashed).
func (w *Web) createFeed(rw http.ResponseWriter, r *http.Request, v *visit) error {
	m, err := w.workspaceMonitor(r, v)
	if err != nil {
		return err
	}
	tok, hash, err := account.NewToken("vgf_")
	if err != nil {
		return err
	}
	if err := w.Store.CreateFeedToken(r.Context(), hash, m.WorkspaceID, m.ID, v.User.ID); err != nil {
		return err
	}
	scheme := "http"
	if w.secure(r) || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return w.render(rw, v, http.StatusCreated, "feed", map[string]any{"M": m, "URL": scheme + "://" + r.Host + "/feeds/" + tok})
}

// Atom document types (RFC 4287).
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Link    []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
}

type atomEntry struct {
	ID        string     `xml:"id"`
	Title     string     `xml:"title"`
	Updated   string     `xml:"updated"`
	Published string     `xml:"published"`
	Author    atomAuthor `xml:"author"`
	Link      *atomLink  `xml:"link,omitempty"`
	Content   atomText   `xml:"content"`
	Category  []atomCat  `xml:"category"`
}

type atomAuthor struct {
	Name string `xml:"name"`
	URI  string `xml:"uri,omitempty"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomCat struct {
	Term string `xml:"term,attr"`
}

// feedSize is the number of mentions a feed carries.
const feedSize = 50

// serveFeed answers a feed reader: the monitor's latest mentions as Atom,
// for the token in the URL (no session: readers cannot sign in).
func (w *Web) serveFeed(rw http.ResponseWriter, r *http.Request) {
	tok := strings.TrimSuffix(r.PathValue("token"), ".atom")
	m, err := w.Store.FeedMonitor(r.Context(), account.HashToken(tok))
	if err != nil {
		http.Error(rw, "unknown or revoked feed", http.StatusNotFound)
		return
	}
	page, err := w.Store.FindMentions(r.Context(), vigie.MentionFilter{WorkspaceID: m.WorkspaceID, MonitorID: m.ID, Limit: feedSize})
	if err != nil {
		w.Log.Error("feed", "monitor", m.ID, "err", err)
		http.Error(rw, "internal error", http.StatusInternalServerError)
		return
	}
	// The workspace is in the id: two workspaces may each have a monitor "brand".
	f := atomFeed{ID: "urn:vigie:workspace:" + strconv.FormatInt(m.WorkspaceID, 10) + ":monitor:" + m.ID, Title: "Vigie — " + cmpOr(m.Name, m.ID), Updated: m.UpdatedAt.UTC().Format(time.RFC3339),
		Link: []atomLink{{Href: "/feeds/" + tok, Rel: "self"}}}
	for _, mm := range page.Mentions {
		p := &mm.Post
		title := p.Title
		if title == "" {
			title = shorten(strings.Join(strings.Fields(p.Text), " "), 100)
		}
		at := p.PublishedAt.UTC().Format(time.RFC3339)
		if at > f.Updated {
			f.Updated = at
		}
		e := atomEntry{ID: "urn:vigie:mention:" + strconv.FormatInt(mm.ID, 10), Title: title, Updated: at, Published: at,
			Author:  atomAuthor{Name: cmpOr(p.Author.Name, p.Author.Handle, p.Source), URI: httpURL(p.Author.URL)},
			Content: atomText{Type: "text", Body: p.Text}, Category: []atomCat{{Term: p.Source}}}
		if mm.Sentiment.Label != "" {
			e.Category = append(e.Category, atomCat{Term: mm.Sentiment.Label})
		}
		if u := httpURL(p.URL); u != "" {
			e.Link = &atomLink{Href: u}
		}
		f.Entries = append(f.Entries, e)
	}
	rw.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	rw.Header().Set("Cache-Control", "private, max-age=60")
	rw.Write([]byte(xml.Header))
	enc := xml.NewEncoder(rw)
	if err := enc.Encode(f); err != nil {
		w.Log.Warn("feed", "err", err)
	}
}

// httpURL returns u if it is an http(s) URL, else "": a feed reader may
// make links of what a post claims.
func httpURL(u string) string {
	l := strings.ToLower(strings.TrimSpace(u))
	if strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://") {
		return strings.TrimSpace(u)
	}
	return ""
}
