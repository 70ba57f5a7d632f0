package discourse

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
	"github.com/vigie-project/vigie/internal/netguard"
)

var now = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

func newRunner() *Runner {
	return New(connector.Deps{
		Client: netguard.Policy{AllowLoopback: true}.Client(10 * time.Second),
		Now:    func() time.Time { return now },
	})
}

func newServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func source(u string, settings map[string]string) *vigie.Source {
	return &vigie.Source{ID: 1, Kind: vigie.SourceDiscourse, Name: "forum", URL: u, Settings: settings}
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func ids(posts []vigie.Post) []string {
	var out []string
	for _, p := range posts {
		out = append(out, p.ID)
	}
	return out
}

func deleted(ds []connector.Deletion) []string {
	var out []string
	for _, d := range ds {
		if d.Kind != Source {
			out = append(out, "bad:"+d.ID)
			continue
		}
		out = append(out, d.ID)
	}
	sort.Strings(out)
	return out
}

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		name, url string
		settings  map[string]string
		wantURL   string
		err       string
	}{
		{name: "forum", url: "https://Forum.Example.org/", wantURL: "https://forum.example.org"},
		{name: "subfolder", url: "https://example.org/forum/", wantURL: "https://example.org/forum"},
		{name: "key and user", url: "https://forum.example.org", settings: map[string]string{"api_key": " abc123 ", "api_username": "system", "query": "epfl"}, wantURL: "https://forum.example.org"},
		{name: "loopback http", url: "http://localhost:3000", wantURL: "http://localhost:3000"},
		{name: "no address", err: "give the address"},
		{name: "plain http", url: "http://forum.example.org", err: "https://"},
		{name: "key without user", url: "https://forum.example.org", settings: map[string]string{"api_key": "abc"}, err: "needs its user"},
		{name: "user without key", url: "https://forum.example.org", settings: map[string]string{"api_username": "system"}, err: "needs its user"},
		{name: "key with a space", url: "https://forum.example.org", settings: map[string]string{"api_key": "ab c", "api_username": "system"}, err: "spaces"},
		{name: "unknown setting", url: "https://forum.example.org", settings: map[string]string{"category": "x"}, err: `unknown setting "category"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := source(c.url, c.settings)
			err := Check(src)
			if c.err != "" {
				if err == nil || !errors.Is(err, vigie.ErrInvalid) || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("Check = %v, want an invalid error with %q", err, c.err)
				}
				if strings.Contains(err.Error(), "ab c") || strings.Contains(err.Error(), "abc") {
					t.Errorf("the error shows the key: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if src.URL != c.wantURL || c.settings["api_key"] != "" && src.Settings["api_key"] != "abc123" {
				t.Errorf("url %q settings %v", src.URL, src.Settings)
			}
		})
	}
	k, ok := connector.Lookup(vigie.SourceDiscourse)
	if !ok || k.Interval != 5*time.Minute || k.Poll == nil || k.Check == nil {
		t.Errorf("registered kind %+v", k)
	}
}

// files serves testdata files by path (and query), 404 for the others.
type files struct {
	mu       sync.Mutex
	byPath   map[string]string
	requests []string
}

func (f *files) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r.URL.RequestURI())
	name := f.byPath[r.URL.Path]
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if name == "" {
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"errors":["The requested URL or resource could not be found."],"error_type":"not_found"}`))
		return
	}
	data, _ := os.ReadFile(filepath.Join("testdata", name))
	w.Write(data)
}

func TestRunLatestFixture(t *testing.T) {
	f := &files{byPath: map[string]string{"/posts.json": "posts_latest.json"}}
	srv := newServer(t, f)
	b, err := newRunner().Run(context.Background(), source(srv.URL, nil))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.requests, []string{"/posts.json"}) {
		t.Errorf("requests %q (a first run reads the newest page)", f.requests)
	}
	base := srv.URL
	want := []vigie.Post{
		{ID: base + "/p/88213", Source: "discourse", URL: base + "/t/mirror-down-since-this-morning/4127/3",
			PublishedAt: time.Date(2026, 12, 7, 11, 57, 31, 612000000, time.UTC),
			Author:      vigie.Author{ID: base + "/u/mhoffmann", Handle: "mhoffmann", Name: "Martin Hoffmann", URL: base + "/u/mhoffmann"},
			Text:        "Thanks @lea, the EPFL mirror works again.\n\nSee the incident.", Links: []string{"https://status.example.org/incidents/42"}},
		{ID: base + "/p/88207", Source: "discourse", URL: base + "/t/mirror-down-since-this-morning/4127/2",
			PublishedAt: time.Date(2026, 12, 7, 11, 43, 2, 208000000, time.UTC),
			Author:      vigie.Author{ID: base + "/u/lea", Handle: "lea", Name: "Léa Martin", URL: base + "/u/lea"},
			Text:        "Same here. It looks like the certificate expired:\n\ncurl: (60) SSL certificate problem: certificate has expired",
			Metrics:     vigie.Metrics{Likes: 3, Replies: 1}},
		{ID: base + "/p/88190", Source: "discourse", URL: base + "/t/mirror-down-since-this-morning/4127/1",
			PublishedAt: time.Date(2026, 12, 7, 11, 20, 47, 4000000, time.UTC),
			Author:      vigie.Author{ID: base + "/u/kwan", Handle: "kwan", URL: base + "/u/kwan"},
			Title:       "Mirror down since this morning",
			Text:        "The package mirror at mirror.example.org returns errors & times out since 09:00.",
			Metrics:     vigie.Metrics{Likes: 1, Replies: 2}},
	}
	if len(b.Posts) != len(want) || len(b.Edits)+len(b.Deletes) != 0 {
		t.Fatalf("batch %+v", b)
	}
	for i := range want {
		g, _ := json.Marshal(b.Posts[i])
		w, _ := json.Marshal(want[i])
		if string(g) != string(w) {
			t.Errorf("post %d:\n got %s\nwant %s", i, g, w)
		}
		if err := b.Posts[i].Validate(); err != nil {
			t.Error(err)
		}
	}
	var cur cursor
	if err := json.Unmarshal([]byte(b.State.Cursor), &cur); err != nil || cur.Mode != "latest" || cur.Last != 88213 || len(cur.Seen) != 3 {
		t.Errorf("cursor %s", b.State.Cursor)
	}
	if !strings.HasPrefix(b.State.RateLimit, "1 requests this run; Discourse allows 200 requests a minute") {
		t.Errorf("rate limit %q", b.State.RateLimit)
	}
}

func TestRunSearchFixture(t *testing.T) {
	f := &files{byPath: map[string]string{"/search.json": "search.json", "/posts/88207.json": "post_88207.json"}}
	srv := newServer(t, f)
	b, err := newRunner().Run(context.Background(), source(srv.URL, map[string]string{"query": "epfl"}))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/search.json?q=epfl+order%3Alatest", "/posts/88213.json", "/posts/88207.json", "/posts/87990.json"}
	if !slices.Equal(f.requests, want) {
		t.Errorf("requests %q, want %q", f.requests, want)
	}
	// 88213 and 87990 are gone (404) since the search: left out.
	if len(b.Posts) != 1 {
		t.Fatalf("posts %q", ids(b.Posts))
	}
	p := b.Posts[0]
	if p.ID != srv.URL+"/p/88207" || p.URL != srv.URL+"/t/mirror-down-since-this-morning/4127/2" || p.Title != "" ||
		!strings.HasSuffix(p.Text, "certificate has expired") || p.Metrics.Likes != 3 || p.Author.Handle != "lea" {
		t.Errorf("post %+v", p)
	}
	var cur cursor
	if json.Unmarshal([]byte(b.State.Cursor), &cur); cur.Mode != "search:epfl" || cur.Last != 88213 {
		t.Errorf("cursor %s", b.State.Cursor)
	}
}

// forumServer is a fake Discourse forum: /posts.json, /posts/{id}.json and
// /search.json as an anonymous reader (or an API key's user) sees them.
type forumServer struct {
	mu       sync.Mutex
	posts    []*fpost
	requests []string
	key      string // required Api-Key, if set
	status   int
	header   http.Header
	body     string
}

type fpost struct {
	id, topic, number            int64
	cooked                       string
	created, updated             time.Time
	deleted, userDeleted, hidden bool
}

func (x *forumServer) add(topic, number int64, cooked string, at time.Time) *fpost {
	x.mu.Lock()
	defer x.mu.Unlock()
	p := &fpost{id: int64(1000 + len(x.posts)), topic: topic, number: number, cooked: cooked, created: at, updated: at}
	x.posts = append(x.posts, p)
	return p
}

func (x *forumServer) set(f func()) {
	x.mu.Lock()
	defer x.mu.Unlock()
	f()
}

func dtime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func (p *fpost) json() map[string]any {
	slug := fmt.Sprintf("topic-%d", p.topic)
	m := map[string]any{"id": p.id, "name": "", "username": fmt.Sprintf("user%d", p.id%7), "avatar_template": "/letter_avatar_proxy/v4/letter/u/8c91f0/{size}.png",
		"created_at": dtime(p.created), "cooked": p.cooked, "post_number": p.number, "post_type": 1, "posts_count": 1, "updated_at": dtime(p.updated),
		"reply_count": 0, "reply_to_post_number": nil, "quote_count": 0, "incoming_link_count": 0, "reads": 1, "readers_count": 0, "score": 0,
		"yours": false, "topic_id": p.topic, "topic_slug": slug, "topic_title": fmt.Sprintf("Topic %d", p.topic), "topic_html_title": fmt.Sprintf("Topic %d", p.topic),
		"category_id": 1, "display_username": "", "version": 1, "can_edit": false, "can_delete": false, "can_recover": false, "can_see_hidden_post": false,
		"can_wiki": false, "user_title": nil, "bookmarked": false, "raw": p.cooked, "actions_summary": []any{map[string]any{"id": 2, "can_act": true}},
		"moderator": false, "admin": false, "staff": false, "user_id": 5, "hidden": p.hidden, "trust_level": 1, "deleted_at": nil,
		"user_deleted": p.userDeleted, "edit_reason": nil, "can_view_edit_history": true, "wiki": false, "post_url": fmt.Sprintf("/t/%s/%d/%d", slug, p.topic, p.number)}
	if p.userDeleted {
		m["cooked"] = "<p>(post withdrawn by author, will be automatically deleted in 24 hours unless flagged)</p>"
	}
	return m
}

func (x *forumServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.requests = append(x.requests, r.URL.RequestURI())
	for k, v := range x.header {
		w.Header()[k] = v
	}
	if x.status != 0 {
		w.WriteHeader(x.status)
		w.Write([]byte(x.body))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if x.key != "" && (r.Header.Get("Api-Key") != x.key || r.Header.Get("Api-Username") != "system") {
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(`{"errors":["You are not permitted to view the requested resource."],"error_type":"invalid_access"}`))
		return
	}
	visible := func(p *fpost) bool { return !p.deleted && !p.hidden }
	switch {
	case r.URL.Path == "/posts.json":
		before := int64(1 << 62)
		if v := r.URL.Query().Get("before"); v != "" {
			before, _ = strconv.ParseInt(v, 10, 64)
		}
		var ps []*fpost
		for _, p := range x.posts {
			if visible(p) && p.id <= before {
				ps = append(ps, p)
			}
		}
		sort.Slice(ps, func(i, j int) bool { return ps[i].id > ps[j].id })
		out := []any{}
		for _, p := range ps[:min(len(ps), 50)] {
			out = append(out, p.json())
		}
		json.NewEncoder(w).Encode(map[string]any{"latest_posts": out})
	case strings.HasPrefix(r.URL.Path, "/posts/"):
		id, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/posts/"), ".json"), 10, 64)
		for _, p := range x.posts {
			if p.id == id && visible(p) {
				m := p.json()
				delete(m, "topic_title")
				delete(m, "topic_html_title")
				json.NewEncoder(w).Encode(m)
				return
			}
		}
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"errors":["The requested URL or resource could not be found."],"error_type":"not_found"}`))
	case r.URL.Path == "/search.json":
		q := r.URL.Query().Get("q")
		term, ok := strings.CutSuffix(q, " order:latest")
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		page = max(page, 1)
		var ps []*fpost
		for _, p := range x.posts {
			if visible(p) && strings.Contains(strings.ToLower(p.cooked), strings.ToLower(term)) {
				ps = append(ps, p)
			}
		}
		sort.Slice(ps, func(i, j int) bool { return ps[i].created.After(ps[j].created) })
		a, b := min((page-1)*50, len(ps)), min(page*50, len(ps))
		posts, topics, seenTopic := []any{}, []any{}, map[int64]bool{}
		for _, p := range ps[a:b] {
			posts = append(posts, map[string]any{"id": p.id, "name": "", "username": fmt.Sprintf("user%d", p.id%7), "avatar_template": "/a/{size}.png",
				"created_at": dtime(p.created), "like_count": 0, "blurb": "… " + strings.TrimSuffix(strings.TrimPrefix(p.cooked, "<p>"), "</p>") + " …",
				"post_number": p.number, "topic_id": p.topic})
			if !seenTopic[p.topic] {
				seenTopic[p.topic] = true
				topics = append(topics, map[string]any{"id": p.topic, "title": fmt.Sprintf("Topic %d", p.topic), "fancy_title": fmt.Sprintf("Topic %d", p.topic),
					"slug": fmt.Sprintf("topic-%d", p.topic), "posts_count": 1, "reply_count": 0, "highest_post_number": 1, "archetype": "regular", "visible": true, "category_id": 1})
			}
		}
		var more any
		if b < len(ps) {
			more = true
		}
		json.NewEncoder(w).Encode(map[string]any{"posts": posts, "topics": topics, "users": []any{}, "categories": []any{}, "tags": []any{}, "groups": []any{},
			"grouped_search_result": map[string]any{"more_posts": nil, "more_users": nil, "more_categories": nil, "term": q, "search_log_id": 1,
				"more_full_page_results": more, "can_create_topic": false, "error": nil, "post_ids": []any{}, "user_ids": []any{}, "category_ids": []any{}, "tag_ids": []any{}, "group_ids": []any{}}})
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

func TestRunLatestEditsAndDeletions(t *testing.T) {
	x := &forumServer{}
	t0 := now.Add(-40 * time.Minute)
	var ps []*fpost
	for i := range int64(6) {
		ps = append(ps, x.add(10+i, 1, fmt.Sprintf("<p>post %d</p>", i), t0.Add(time.Duration(i)*time.Minute)))
	}
	srv := newServer(t, x)
	r := newRunner()
	src := source(srv.URL, nil)
	b, err := r.Run(context.Background(), src)
	if err != nil || len(b.Posts) != 6 {
		t.Fatalf("first run: %q %v", ids(b.Posts), err)
	}
	src.SourceState = b.State

	x.set(func() {
		ps[1].cooked, ps[1].updated = "<p>post 1, edited</p>", now.Add(-time.Minute)
		ps[2].deleted = true
		ps[3].userDeleted, ps[3].updated = true, now.Add(-time.Minute)
		ps[4].hidden = true
	})
	x.add(20, 1, "<p>new</p>", now.Add(-time.Minute))
	b, err = r.Run(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	base := srv.URL + "/p/"
	if got := ids(b.Posts); !slices.Equal(got, []string{base + "1006"}) {
		t.Errorf("posts %q", got)
	}
	if got := ids(b.Edits); !slices.Equal(got, []string{base + "1001"}) || b.Edits[0].Text != "post 1, edited" {
		t.Errorf("edits %+v", b.Edits)
	}
	if got, want := deleted(b.Deletes), []string{base + "1002", base + "1003", base + "1004"}; !slices.Equal(got, want) {
		t.Errorf("deletes %q, want %q (deleted, withdrawn, hidden)", got, want)
	}
	src.SourceState = b.State

	b, err = r.Run(context.Background(), src)
	if err != nil || len(b.Posts)+len(b.Edits)+len(b.Deletes) != 0 {
		t.Errorf("third run: %+v %v", b, err)
	}
	src.SourceState = b.State

	x.set(func() { ps[4].hidden = false }) // restored by a moderator
	b, err = r.Run(context.Background(), src)
	if err != nil || !slices.Equal(ids(b.Edits), []string{base + "1004"}) {
		t.Errorf("restored: edits %q %v", ids(b.Edits), err)
	}
}

func TestRunLatestPages(t *testing.T) {
	x := &forumServer{}
	for i := range 60 {
		x.add(1, int64(i+1), "<p>old</p>", now.Add(-10*time.Hour+time.Duration(i)*time.Second))
	}
	srv := newServer(t, x)
	r := newRunner()
	src := source(srv.URL, nil)
	b, err := r.Run(context.Background(), src)
	if err != nil || len(b.Posts) != 50 {
		t.Fatalf("first run: %d posts %v", len(b.Posts), err)
	}
	src.SourceState = b.State
	for i := range 120 {
		x.add(2, int64(i+1), "<p>new</p>", now.Add(-2*time.Hour+time.Duration(i)*time.Minute/2))
	}
	x.requests = nil
	b, err = r.Run(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	// Down to the newest seen (1059), then the hour before it: the old
	// posts, a second apart, to the forum's first (and an empty page).
	if len(b.Posts) != 130 || len(b.Deletes) != 0 || !slices.Equal(x.requests, []string{"/posts.json", "/posts.json?before=1129", "/posts.json?before=1079", "/posts.json?before=1029", "/posts.json?before=999"}) {
		t.Fatalf("second run: %d posts, %d deletes, requests %q; want the 120 new and the 10 oldest", len(b.Posts), len(b.Deletes), x.requests)
	}
	for _, p := range b.Posts { // and the ten oldest, read for the first time
		if n, _ := strconv.Atoi(strings.TrimPrefix(p.ID, srv.URL+"/p/")); p.Text != "new" && n >= 1010 {
			t.Fatalf("post %s again", p.ID)
		}
	}
	src.SourceState = b.State
	x.requests = nil
	b, err = r.Run(context.Background(), src)
	// The hour before the newest seen holds the 120 new posts: three pages.
	if err != nil || len(b.Posts)+len(b.Edits)+len(b.Deletes) != 0 || len(x.requests) != 3 {
		t.Errorf("third run: %d posts, %d edits, %d deletes, %d requests, %v", len(b.Posts), len(b.Edits), len(b.Deletes), len(x.requests), err)
	}
}

func TestRunSearchPagesAndExcerpts(t *testing.T) {
	x := &forumServer{}
	for i := range 70 {
		x.add(int64(i), 1, fmt.Sprintf("<p>EPFL story %d</p>", i), now.Add(-5*time.Hour+time.Duration(i)*time.Minute))
	}
	x.add(500, 1, "<p>unrelated</p>", now.Add(-time.Minute))
	srv := newServer(t, x)
	r := newRunner()
	src := source(srv.URL, map[string]string{"query": "epfl"})
	b, err := r.Run(context.Background(), src)
	if err != nil || len(b.Posts) != 50 {
		t.Fatalf("first run: %d posts %v", len(b.Posts), err)
	}
	full, excerpts := 0, 0
	for _, p := range b.Posts {
		switch {
		case strings.HasPrefix(p.Text, "EPFL story"):
			full++
		case strings.HasPrefix(p.Text, "… EPFL story"):
			excerpts++
		default:
			t.Errorf("post text %q", p.Text)
		}
		if p.Title == "" {
			t.Errorf("first post %s without its topic's title", p.ID)
		}
	}
	if full != maxFullPosts || excerpts != 30 || len(x.requests) != 1+maxFullPosts {
		t.Errorf("%d read whole, %d excerpts, %d requests", full, excerpts, len(x.requests))
	}
	src.SourceState = b.State

	for i := range 3 {
		x.add(int64(100+i), 1, "<p>more EPFL</p>", now.Add(-time.Duration(3-i)*time.Minute))
	}
	x.requests = nil
	b, err = r.Run(context.Background(), src)
	if err != nil || len(b.Posts) != 3 || len(x.requests) != 4 {
		t.Fatalf("second run: %q, %d requests, %v", ids(b.Posts), len(x.requests), err)
	}
	src.SourceState = b.State
	x.requests = nil
	if b, err = r.Run(context.Background(), src); err != nil || len(b.Posts) != 0 || len(x.requests) != 1 {
		t.Errorf("third run: %q, %d requests, %v", ids(b.Posts), len(x.requests), err)
	}

	// Another query starts afresh.
	src.Settings["query"] = "more"
	if b, err = r.Run(context.Background(), src); err != nil || len(b.Posts) != 3 {
		t.Errorf("new query: %q %v", ids(b.Posts), err)
	}
}

func TestRunSearchError(t *testing.T) {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"posts":[],"users":[],"categories":[],"tags":[],"groups":[],"grouped_search_result":{"more_posts":null,"more_users":null,"more_categories":null,"term":"ai order:latest","search_log_id":null,"more_full_page_results":null,"can_create_topic":false,"error":"Your search term is too short.","post_ids":[],"user_ids":[],"category_ids":[],"tag_ids":[],"group_ids":[]}}`))
	}))
	_, err := newRunner().Run(context.Background(), source(srv.URL, map[string]string{"query": "ai"}))
	if err == nil || !strings.Contains(err.Error(), "Your search term is too short.") || !strings.Contains(err.Error(), "change the source's query") {
		t.Errorf("err %v", err)
	}
}

func TestRunAPIKey(t *testing.T) {
	x := &forumServer{key: "s3cret-key-0123"}
	x.add(1, 1, "<p>members only</p>", now.Add(-time.Minute))
	srv := newServer(t, x)
	b, err := newRunner().Run(context.Background(), source(srv.URL, map[string]string{"api_key": "s3cret-key-0123", "api_username": "system"}))
	if err != nil || len(b.Posts) != 1 {
		t.Fatalf("with the key: %q %v", ids(b.Posts), err)
	}
	_, err = newRunner().Run(context.Background(), source(srv.URL, map[string]string{"api_key": "wrong-key-999", "api_username": "system"}))
	var auth *connector.AuthError
	if !errors.As(err, &auth) || auth.Status != http.StatusForbidden || strings.Contains(err.Error(), "wrong-key") {
		t.Errorf("wrong key: %v", err)
	}
	if _, err := newRunner().Run(context.Background(), source(srv.URL, nil)); !connector.IsAuth(err) {
		t.Errorf("no key on a private forum: %v", err)
	}
	x.set(func() {
		x.status = http.StatusUnauthorized
		x.body = `{"errors":["You are not logged in."],"error_type":"not_logged_in"}`
	})
	if _, err := newRunner().Run(context.Background(), source(srv.URL, nil)); !connector.IsAuth(err) || !strings.Contains(err.Error(), "You are not logged in.") {
		t.Errorf("401: %v", err)
	}
}

func TestRunRateLimited(t *testing.T) {
	x := &forumServer{status: http.StatusTooManyRequests,
		header: http.Header{"Retry-After": {"12"}, "Discourse-Rate-Limit-Error-Code": {"ip_10_secs_limit"}, "Content-Type": {"text/plain"}},
		body:   "Slow down, too many requests from this IP address.\nPlease retry again in 12 seconds.\nError code: ip_10_secs_limit.\n"}
	srv := newServer(t, x)
	src := source(srv.URL, nil)
	src.Cursor = `{"mode":"latest","last":5}`
	b, err := newRunner().Run(context.Background(), src)
	rl, ok := connector.RateLimited(err)
	if !ok || !rl.Until.Equal(now.Add(12*time.Second)) {
		t.Fatalf("err %v, want a rate limit of 12 s", err)
	}
	if !strings.HasPrefix(b.State.RateLimit, "rate limited at 12:00:00 UTC until 12:00:12 UTC") || !strings.HasSuffix(b.State.RateLimit, ", ip_10_secs_limit)") || b.State.Cursor != src.Cursor {
		t.Errorf("state %+v", b.State)
	}
}

func TestRunBadAnswers(t *testing.T) {
	full := readTestdata(t, "posts_latest.json")
	for _, c := range []struct{ name, body string }{
		{"truncated", string(full[:len(full)/2])},
		{"html", "<!DOCTYPE html><html><body>Maintenance</body></html>"},
		{"wrong type", `{"latest_posts":"none"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(c.body)) }))
			_, err := newRunner().Run(context.Background(), source(srv.URL, nil))
			if err == nil || !strings.Contains(err.Error(), "not the JSON expected") || !strings.Contains(err.Error(), "reading the forum's newest posts") {
				t.Errorf("err %v", err)
			}
		})
	}
}

func TestRunConnectionDropped(t *testing.T) {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "80000")
		w.Write([]byte(`{"latest_posts":[{"id":1,"cooked":"<p>`))
		w.(http.Flusher).Flush()
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
		}
	}))
	b, err := newRunner().Run(context.Background(), source(srv.URL, nil))
	if err == nil || !strings.Contains(err.Error(), "reading the answer") || b.State.Cursor != "" {
		t.Errorf("err %v, state %+v", err, b.State)
	}
}

func TestPostIDs(t *testing.T) {
	f := forum{base: "https://forum.example.org"}
	if got := f.PostID(42); got != "https://forum.example.org/p/42" {
		t.Errorf("PostID = %q", got)
	}
	if got := f.topicURL("", 7, 0); got != "https://forum.example.org/t/topic/7/1" {
		t.Errorf("topicURL = %q", got)
	}
	if u, _ := url.Parse(f.userURL("a b")); u.Path != "/u/a b" {
		t.Errorf("userURL = %q", f.userURL("a b"))
	}
}
