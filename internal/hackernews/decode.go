package hackernews

import (
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
	"github.com/vigie-project/vigie/internal/text"
)

// searchResponse is an answer of /api/v1/search and /api/v1/search_by_date
// (the fields Vigie reads; others, such as _highlightResult, exhaustive or
// processingTimeMS, are ignored).
type searchResponse struct {
	Hits        []hit `json:"hits"`
	NbHits      num   `json:"nbHits"`
	Page        num   `json:"page"`
	NbPages     num   `json:"nbPages"`
	HitsPerPage num   `json:"hitsPerPage"`
}

// hit is a story or a comment. Fields are null when they do not apply
// (a comment's title, a story's comment_text); story_text is "" or null.
type hit struct {
	ObjectID    str   `json:"objectID"`
	CreatedAt   str   `json:"created_at"`
	CreatedAtI  num   `json:"created_at_i"`
	Author      str   `json:"author"`
	Title       str   `json:"title"`
	URL         str   `json:"url"`
	StoryText   str   `json:"story_text"`
	CommentText str   `json:"comment_text"`
	Points      num   `json:"points"`
	NumComments num   `json:"num_comments"`
	StoryID     num   `json:"story_id"`
	ParentID    num   `json:"parent_id"`
	Tags        []str `json:"_tags"`
}

// decodeSearch reads a search answer.
func decodeSearch(data []byte) (searchResponse, error) {
	var r searchResponse
	err := json.Unmarshal(data, &r)
	return r, err
}

// posts maps the answer's hits, skipping those that are not posts.
func (r *searchResponse) posts() []vigie.Post {
	var out []vigie.Post
	for _, h := range r.Hits {
		if p, ok := h.post(); ok {
			out = append(out, p)
		}
	}
	return out
}

// ItemURL is the address of a Hacker News item.
func ItemURL(id string) string { return "https://news.ycombinator.com/item?id=" + id }

// post maps a hit; ok is false for one without a numeric id, a date, or
// any text.
func (h *hit) post() (vigie.Post, bool) {
	id := strings.TrimSpace(string(h.ObjectID))
	if !digits(id) {
		return vigie.Post{}, false
	}
	p := vigie.Post{ID: id, Source: Source, URL: ItemURL(id)}
	switch {
	case h.CreatedAtI > 0:
		p.PublishedAt = time.Unix(int64(h.CreatedAtI), 0).UTC()
	default:
		t, err := time.Parse(time.RFC3339, strings.TrimSpace(string(h.CreatedAt)))
		if err != nil {
			return vigie.Post{}, false
		}
		p.PublishedAt = t.UTC()
	}
	if a := strings.TrimSpace(string(h.Author)); a != "" {
		p.Author = vigie.Author{ID: a, Handle: a, URL: "https://news.ycombinator.com/user?id=" + url.QueryEscape(a)}
	}
	var links []string
	if h.isComment() {
		p.Text, links = text.PlainText(string(h.CommentText))
		switch {
		case h.ParentID > 0:
			p.ReplyTo = strconv.FormatInt(int64(h.ParentID), 10)
		case h.StoryID > 0:
			p.ReplyTo = strconv.FormatInt(int64(h.StoryID), 10)
		}
	} else {
		p.Title = strings.Join(strings.Fields(string(h.Title)), " ") // titles are plain text
		p.Text, links = text.PlainText(string(h.StoryText))
		if u := strings.TrimSpace(string(h.URL)); connector.WebAddress(u) {
			p.Links = append(p.Links, u)
		}
		p.Metrics.Replies = max(int64(h.NumComments), 0)
	}
	p.Metrics.Likes = max(int64(h.Points), 0)
	for _, l := range links {
		if !slices.Contains(p.Links, l) {
			p.Links = append(p.Links, l)
		}
	}
	p.Title, p.Text = connector.ClipText(p.Title), connector.ClipText(p.Text)
	p.StripNUL()
	p.ClampCounts()
	if strings.TrimSpace(p.Text) == "" && strings.TrimSpace(p.Title) == "" {
		return vigie.Post{}, false
	}
	return p, true
}

func (h *hit) isComment() bool {
	for _, t := range h.Tags {
		if t == "comment" {
			return true
		}
	}
	return h.CommentText != "" && h.Title == ""
}

func digits(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// The tolerant field types of package connector.
type (
	str = connector.Str
	num = connector.Num
)
