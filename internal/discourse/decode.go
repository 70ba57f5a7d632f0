package discourse

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
	"github.com/vigie-project/vigie/internal/text"
)

// The answers Vigie reads, in Discourse's shapes (discourse/discourse_api_docs
// openapi.json: listPosts, getPost, search; the search serializers of
// discourse/discourse). Fields Vigie does not read are not declared.

// latestResponse is GET /posts.json: the forum's newest posts, 50 at most,
// by id from the newest (or from "before", included).
type latestResponse struct {
	LatestPosts []postJSON `json:"latest_posts"`
}

// postJSON is a post as PostSerializer writes it (/posts.json and
// /posts/{id}.json).
type postJSON struct {
	ID                num          `json:"id"`
	Name              str          `json:"name"`
	Username          str          `json:"username"`
	CreatedAt         str          `json:"created_at"`
	UpdatedAt         str          `json:"updated_at"`
	Cooked            str          `json:"cooked"`
	PostNumber        num          `json:"post_number"`
	ReplyCount        num          `json:"reply_count"`
	ReplyToPostNumber num          `json:"reply_to_post_number"`
	TopicID           num          `json:"topic_id"`
	TopicSlug         str          `json:"topic_slug"`
	TopicTitle        str          `json:"topic_title"`
	PostURL           str          `json:"post_url"`
	LikeCount         *num         `json:"like_count"`
	ActionsSummary    []actionJSON `json:"actions_summary"`
	Hidden            bool         `json:"hidden"`
	DeletedAt         str          `json:"deleted_at"`
	UserDeleted       bool         `json:"user_deleted"`
}

type actionJSON struct {
	ID    num `json:"id"`
	Count num `json:"count"`
}

// likeAction is the id of a like in actions_summary.
const likeAction = 2

// searchResponse is GET /search.json: matching posts (an excerpt each, the
// "blurb"; no cooked text) and their topics alongside.
type searchResponse struct {
	Posts  []searchPost  `json:"posts"`
	Topics []searchTopic `json:"topics"`
	Result struct {
		MoreFullPageResults any `json:"more_full_page_results"`
		Error               str `json:"error"`
	} `json:"grouped_search_result"`
}

type searchPost struct {
	ID         num `json:"id"`
	Name       str `json:"name"`
	Username   str `json:"username"`
	CreatedAt  str `json:"created_at"`
	LikeCount  num `json:"like_count"`
	Blurb      str `json:"blurb"`
	PostNumber num `json:"post_number"`
	TopicID    num `json:"topic_id"`
}

type searchTopic struct {
	ID    num `json:"id"`
	Title str `json:"title"`
	Slug  str `json:"slug"`
}

// more reports whether the search has another page.
func (r *searchResponse) more() bool {
	switch v := r.Result.MoreFullPageResults.(type) {
	case bool:
		return v
	case string:
		return v != "" && v != "false"
	case float64:
		return v != 0
	}
	return false
}

// item is a post as a run sees it.
type item struct {
	id      int64
	post    vigie.Post
	created int64 // Unix seconds
	updated int64 // Unix seconds
	gone    bool  // deleted, withdrawn by its author, or hidden after flags
}

// forum builds a forum's addresses and ids.
type forum struct{ base string }

// PostID is the id of a forum's post: its short address, which Discourse
// redirects to the post (so unique across forums, and a working link).
func (f forum) PostID(id int64) string { return f.base + "/p/" + strconv.FormatInt(id, 10) }

func (f forum) userURL(username string) string { return f.base + "/u/" + url.PathEscape(username) }

func (f forum) topicURL(slug string, topicID, number int64) string {
	if slug == "" {
		slug = "topic"
	}
	return f.base + "/t/" + url.PathEscape(slug) + "/" + strconv.FormatInt(topicID, 10) + "/" + strconv.FormatInt(max(number, 1), 10)
}

// item maps a post of /posts.json or /posts/{id}.json; ok is false for one
// without an id or a date.
func (f forum) item(p *postJSON) (item, bool) {
	id := int64(p.ID)
	created, ok := parseTime(string(p.CreatedAt))
	if id <= 0 || !ok {
		return item{}, false
	}
	it := item{id: id, created: created.Unix()}
	if t, ok := parseTime(string(p.UpdatedAt)); ok {
		it.updated = t.Unix()
	}
	it.gone = p.DeletedAt != "" || p.UserDeleted || p.Hidden
	post := vigie.Post{ID: f.PostID(id), Source: Source, PublishedAt: created}
	if u := strings.TrimSpace(string(p.PostURL)); strings.HasPrefix(u, "/t/") {
		post.URL = f.base + u
	} else {
		post.URL = f.topicURL(strings.TrimSpace(string(p.TopicSlug)), int64(p.TopicID), int64(p.PostNumber))
	}
	if int64(p.PostNumber) == 1 {
		post.Title = strings.Join(strings.Fields(string(p.TopicTitle)), " ")
	}
	post.Text, post.Links = text.PlainText(string(p.Cooked))
	f.author(&post, string(p.Username), string(p.Name))
	likes := int64(-1)
	if p.LikeCount != nil {
		likes = int64(*p.LikeCount)
	}
	for _, a := range p.ActionsSummary {
		if a.ID == likeAction && likes < 0 {
			likes = int64(a.Count)
		}
	}
	post.Metrics = vigie.Metrics{Likes: max(likes, 0), Replies: max(int64(p.ReplyCount), 0)}
	it.post = post
	return it.finish()
}

// searchItem maps a search result: its text is the result's excerpt,
// until the post itself is read.
func (f forum) searchItem(p *searchPost, topics map[int64]*searchTopic) (item, bool) {
	id := int64(p.ID)
	created, ok := parseTime(string(p.CreatedAt))
	if id <= 0 || !ok {
		return item{}, false
	}
	post := vigie.Post{ID: f.PostID(id), Source: Source, PublishedAt: created}
	var slug string
	if t := topics[int64(p.TopicID)]; t != nil {
		slug = strings.TrimSpace(string(t.Slug))
		if int64(p.PostNumber) == 1 {
			post.Title = strings.Join(strings.Fields(string(t.Title)), " ")
		}
	}
	post.URL = f.topicURL(slug, int64(p.TopicID), int64(p.PostNumber))
	post.Text, _ = text.PlainText(string(p.Blurb))
	f.author(&post, string(p.Username), string(p.Name))
	post.Metrics.Likes = max(int64(p.LikeCount), 0)
	return item{id: id, post: post, created: created.Unix()}.finish()
}

func (f forum) author(p *vigie.Post, username, name string) {
	username = strings.TrimSpace(username)
	if username == "" {
		return
	}
	p.Author = vigie.Author{ID: f.userURL(username), Handle: username, Name: strings.TrimSpace(name), URL: f.userURL(username)}
}

// finish bounds the item's texts and says whether it is a post: a gone
// one is kept (its deletion is news) whatever its text.
func (it item) finish() (item, bool) {
	it.post.Title, it.post.Text = connector.ClipText(it.post.Title), connector.ClipText(it.post.Text)
	it.post.StripNUL()
	it.post.ClampCounts()
	if !it.gone && strings.TrimSpace(it.post.Title) == "" && strings.TrimSpace(it.post.Text) == "" {
		return it, false
	}
	return it, true
}

func parseTime(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// The tolerant field types of package connector.
type (
	str = connector.Str
	num = connector.Num
)
