package lemmy

import (
	"net/url"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
)

// The answers Vigie reads, in the shapes of Lemmy 0.19's API v3
// (lemmy-js-client 0.19 src/types: SearchResponse, GetPostsResponse,
// GetCommentsResponse, PostView, CommentView, Post, Comment, Person,
// PostAggregates, CommentAggregates, GetSiteResponse, Language). Absent
// optional fields are left out by Lemmy; fields Vigie does not read are not
// declared.

// searchResponse is GET /api/v3/search.
type searchResponse struct {
	Posts    []postView    `json:"posts"`
	Comments []commentView `json:"comments"`
}

// postsResponse is GET /api/v3/post/list.
type postsResponse struct {
	Posts    []postView `json:"posts"`
	NextPage str        `json:"next_page"`
}

// commentsResponse is GET /api/v3/comment/list.
type commentsResponse struct {
	Comments []commentView `json:"comments"`
}

// siteResponse is GET /api/v3/site: the instance's languages (ids are the
// instance's) and rate limits.
type siteResponse struct {
	AllLanguages []struct {
		ID   num `json:"id"`
		Code str `json:"code"`
	} `json:"all_languages"`
	SiteView struct {
		RateLimit struct {
			Search          num `json:"search"`
			SearchPerSecond num `json:"search_per_second"`
		} `json:"local_site_rate_limit"`
	} `json:"site_view"`
}

type postView struct {
	Post    post       `json:"post"`
	Creator person     `json:"creator"`
	Counts  postCounts `json:"counts"`
}

type post struct {
	Name              str  `json:"name"`
	URL               str  `json:"url"`
	Body              str  `json:"body"`
	Removed           bool `json:"removed"`
	Deleted           bool `json:"deleted"`
	Published         str  `json:"published"`
	Updated           str  `json:"updated"`
	APID              str  `json:"ap_id"`
	LanguageID        num  `json:"language_id"`
	FeaturedCommunity bool `json:"featured_community"`
}

type postCounts struct {
	Comments num `json:"comments"`
	Score    num `json:"score"`
	Upvotes  num `json:"upvotes"`
}

type commentView struct {
	Comment comment       `json:"comment"`
	Creator person        `json:"creator"`
	Post    post          `json:"post"`
	Counts  commentCounts `json:"counts"`
}

type comment struct {
	Content    str  `json:"content"`
	Removed    bool `json:"removed"`
	Deleted    bool `json:"deleted"`
	Published  str  `json:"published"`
	Updated    str  `json:"updated"`
	APID       str  `json:"ap_id"`
	LanguageID num  `json:"language_id"`
}

type commentCounts struct {
	Upvotes    num `json:"upvotes"`
	ChildCount num `json:"child_count"`
}

type person struct {
	Name        str `json:"name"`
	DisplayName str `json:"display_name"`
	ActorID     str `json:"actor_id"`
}

// entry is a post or a comment as a run sees it.
type entry struct {
	post      vigie.Post
	langID    int64
	published int64 // Unix seconds
	updated   int64 // Unix seconds; 0: never edited
	gone      bool  // deleted by its author or removed by a moderator
	featured  bool  // pinned in its community: listed first whatever its date
}

// entry maps a post view; ok is false for one without an ActivityPub id
// or a date.
func (v *postView) entry() (entry, bool) {
	e, ok := newEntry(string(v.Post.APID), string(v.Post.Published), string(v.Post.Updated), &v.Creator)
	if !ok {
		return e, false
	}
	e.post.Title = strings.Join(strings.Fields(string(v.Post.Name)), " ")
	e.post.Text = strings.TrimSpace(string(v.Post.Body)) // Markdown, kept as written
	if u := strings.TrimSpace(string(v.Post.URL)); connector.WebAddress(u) {
		e.post.Links = []string{u}
	}
	e.post.Metrics = vigie.Metrics{Likes: max(int64(v.Counts.Upvotes), 0), Replies: max(int64(v.Counts.Comments), 0)}
	e.langID = int64(v.Post.LanguageID)
	e.gone = v.Post.Deleted || v.Post.Removed
	e.featured = v.Post.FeaturedCommunity
	return e.finish()
}

// entry maps a comment view. ReplyTo is the post the comment is under (a
// reply's parent comment is named by its local number only, in "path").
func (v *commentView) entry() (entry, bool) {
	e, ok := newEntry(string(v.Comment.APID), string(v.Comment.Published), string(v.Comment.Updated), &v.Creator)
	if !ok {
		return e, false
	}
	e.post.Text = strings.TrimSpace(string(v.Comment.Content))
	if id := strings.TrimSpace(string(v.Post.APID)); connector.WebAddress(id) {
		e.post.ReplyTo = id
	}
	e.post.Metrics = vigie.Metrics{Likes: max(int64(v.Counts.Upvotes), 0), Replies: max(int64(v.Counts.ChildCount), 0)}
	e.langID = int64(v.Comment.LanguageID)
	e.gone = v.Comment.Deleted || v.Comment.Removed
	return e.finish()
}

func newEntry(apID, published, updated string, creator *person) (entry, bool) {
	apID = strings.TrimSpace(apID)
	pub, ok := parseTime(published)
	if !connector.WebAddress(apID) || len(apID) > vigie.MaxIDBytes || !ok {
		return entry{}, false
	}
	e := entry{published: pub.Unix()}
	if t, ok := parseTime(updated); ok {
		e.updated = t.Unix()
	}
	e.post = vigie.Post{ID: apID, Source: Source, URL: apID, PublishedAt: pub}
	if actor := strings.TrimSpace(string(creator.ActorID)); connector.WebAddress(actor) {
		e.post.Author = vigie.Author{ID: actor, URL: actor, Name: strings.TrimSpace(string(creator.DisplayName))}
		if name := strings.TrimSpace(string(creator.Name)); name != "" {
			e.post.Author.Handle = "@" + name
			if u, err := url.Parse(actor); err == nil && u.Host != "" {
				e.post.Author.Handle += "@" + strings.ToLower(u.Host)
			}
		}
	}
	return e, true
}

// finish bounds the entry's texts and says whether it is a post: a gone
// one is kept (its deletion is news) whatever its text.
func (e entry) finish() (entry, bool) {
	e.post.Title, e.post.Text = connector.ClipText(e.post.Title), connector.ClipText(e.post.Text)
	e.post.StripNUL()
	e.post.ClampCounts()
	if !e.gone && strings.TrimSpace(e.post.Title) == "" && strings.TrimSpace(e.post.Text) == "" {
		return e, false
	}
	return e, true
}

// parseTime reads Lemmy's times: RFC 3339 with microseconds since 0.19,
// without a zone (UTC) before.
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), true
	}
	if t, err := time.Parse("2006-01-02T15:04:05.999999999", s); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// The tolerant field types of package connector.
type (
	str = connector.Str
	num = connector.Num
)
