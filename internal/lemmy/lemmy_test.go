package lemmy

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

func newRunner(terms ...string) *Runner {
	return New(connector.Deps{
		Client: netguard.Policy{AllowLoopback: true}.Client(10 * time.Second),
		Now:    func() time.Time { return now },
		Terms:  func(context.Context, *vigie.Source) ([]string, error) { return terms, nil },
	})
}

func newServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func source(u string, settings map[string]string) *vigie.Source {
	return &vigie.Source{ID: 1, Kind: vigie.SourceLemmy, Name: "lemmy", URL: u, Settings: settings}
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
		if d.Kind != Source || d.AuthorID != "" {
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
		want      map[string]string
		err       string
	}{
		{name: "instance", url: "https://Lemmy.World/", wantURL: "https://lemmy.world"},
		{name: "api path dropped", url: "https://lemmy.world/api/v3", wantURL: "https://lemmy.world"},
		{name: "community forms", url: "https://lemmy.world", settings: map[string]string{"community": " !Technology@Lemmy.World "},
			wantURL: "https://lemmy.world", want: map[string]string{"community": "technology@lemmy.world"}},
		{name: "query", url: "https://lemmy.world", settings: map[string]string{"query": " epfl "}, wantURL: "https://lemmy.world", want: map[string]string{"query": "epfl"}},
		{name: "loopback http", url: "http://127.0.0.1:8536", wantURL: "http://127.0.0.1:8536"},
		{name: "no address", err: "give the address"},
		{name: "plain http", url: "http://lemmy.world", err: "https://"},
		{name: "not an address", url: "lemmy.world", err: "not the address"},
		{name: "bad community", url: "https://lemmy.world", settings: map[string]string{"community": "tech nology"}, err: "not a Lemmy community"},
		{name: "unknown setting", url: "https://lemmy.world", settings: map[string]string{"token": "x"}, err: `unknown setting "token"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := source(c.url, c.settings)
			err := Check(src)
			if c.err != "" {
				if err == nil || !errors.Is(err, vigie.ErrInvalid) || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("Check = %v, want an invalid error with %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if src.URL != c.wantURL {
				t.Errorf("url %q, want %q", src.URL, c.wantURL)
			}
			for k, v := range c.want {
				if src.Settings[k] != v {
					t.Errorf("%s = %q, want %q", k, src.Settings[k], v)
				}
			}
		})
	}
	k, ok := connector.Lookup(vigie.SourceLemmy)
	if !ok || k.Interval != 10*time.Minute || k.Poll == nil || k.Check == nil {
		t.Errorf("registered kind %+v", k)
	}
}

// files serves testdata files by API path, and counts the requests.
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
	if name == "" {
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"error":"not_found"}`))
		return
	}
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(data)
}

func TestRunSearchFixture(t *testing.T) {
	f := &files{byPath: map[string]string{"/api/v3/search": "search_all.json", "/api/v3/site": "site.json"}}
	srv := newServer(t, f)
	r := newRunner()
	b, err := r.Run(context.Background(), source(srv.URL, map[string]string{"query": "epfl"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.requests) != 2 || f.requests[0] != "/api/v3/search?limit=50&listing_type=All&page=1&q=epfl&sort=New&type_=All" || f.requests[1] != "/api/v3/site" {
		t.Fatalf("requests %q", f.requests)
	}
	want := []vigie.Post{
		{ID: "https://feddit.ch/post/88120", Source: "lemmy", URL: "https://feddit.ch/post/88120",
			PublishedAt: time.Date(2026, 12, 7, 11, 52, 40, 118293000, time.UTC),
			Author:      vigie.Author{ID: "https://feddit.ch/u/alice_ch", Handle: "@alice_ch@feddit.ch", Name: "Alice", URL: "https://feddit.ch/u/alice_ch"},
			Title:       "EPFL spin-off releases open RISC-V design tools",
			Text:        "The toolkit is **free software** and runs on a laptop.\n\nSee the [announcement](https://actu.epfl.ch/news/chip-toolkit/).",
			Lang:        "en", Links: []string{"https://actu.epfl.ch/news/chip-toolkit/"}, Metrics: vigie.Metrics{Likes: 33, Replies: 6}},
		{ID: "https://jlai.lu/post/40511", Source: "lemmy", URL: "https://jlai.lu/post/40511",
			PublishedAt: time.Date(2026, 12, 7, 11, 31, 9, 770012000, time.UTC),
			Author:      vigie.Author{ID: "https://jlai.lu/u/claire", Handle: "@claire@jlai.lu", Name: "Claire D.", URL: "https://jlai.lu/u/claire"},
			Title:       "Quelle école pour un doctorat en systèmes : EPFL ou ETH ?", Text: "Des avis sur la vie de labo à l'EPFL ?",
			Lang: "fr", Metrics: vigie.Metrics{Likes: 5, Replies: 2}},
		{ID: "https://lemmy.world/comment/70011", Source: "lemmy", URL: "https://lemmy.world/comment/70011",
			PublishedAt: time.Date(2026, 12, 7, 11, 58, 13, 442871000, time.UTC),
			Author:      vigie.Author{ID: "https://lemmy.world/u/bob", Handle: "@bob@lemmy.world", URL: "https://lemmy.world/u/bob"},
			Text:        "Tried it this morning, the EPFL docs are great.", Lang: "en", ReplyTo: "https://feddit.ch/post/88120",
			Metrics: vigie.Metrics{Likes: 4, Replies: 1}},
		{ID: "https://jlai.lu/comment/1200331", Source: "lemmy", URL: "https://jlai.lu/comment/1200331",
			PublishedAt: time.Date(2026, 12, 7, 11, 40, 55, 100200000, time.UTC),
			Author:      vigie.Author{ID: "https://jlai.lu/u/claire", Handle: "@claire@jlai.lu", Name: "Claire D.", URL: "https://jlai.lu/u/claire"},
			Text:        "L'EPFL a un très bon programme doctoral.", ReplyTo: "https://jlai.lu/post/40511", Metrics: vigie.Metrics{Likes: 3}},
	}
	if len(b.Posts) != len(want) || len(b.Edits) != 0 || len(b.Deletes) != 0 {
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
	if b.State.RateLimit != "1 searches and 1 other requests this run; the instance allows 60 searches per 600 s per address" {
		t.Errorf("rate limit %q", b.State.RateLimit)
	}

	// The instance's languages are read once a day.
	f.requests = nil
	src := source(srv.URL, map[string]string{"query": "epfl"})
	if _, err := r.Run(context.Background(), src); err != nil || len(f.requests) != 1 {
		t.Errorf("second run: %v, requests %q", err, f.requests)
	}
}

func TestRunCommunityFixture(t *testing.T) {
	f := &files{byPath: map[string]string{"/api/v3/post/list": "post_list.json", "/api/v3/comment/list": "comment_list.json", "/api/v3/site": "site.json"}}
	srv := newServer(t, f)
	b, err := newRunner().Run(context.Background(), source(srv.URL, map[string]string{"community": "technology"}))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.requests[:2], []string{
		"/api/v3/post/list?community_name=technology&limit=50&page=1&sort=New&type_=All",
		"/api/v3/comment/list?community_name=technology&limit=50&page=1&sort=New&type_=All"}) {
		t.Errorf("requests %q", f.requests)
	}
	if got := ids(b.Posts); !slices.Equal(got, []string{"https://lemmy.world/post/7001", "https://feddit.ch/post/88120", "https://jlai.lu/post/40511", "https://lemmy.world/comment/70011"}) {
		t.Errorf("posts %q", got)
	}
	if got := deleted(b.Deletes); !slices.Equal(got, []string{"https://lemmy.world/comment/70002"}) {
		t.Errorf("deletes %q (a deleted comment)", got)
	}
}

// instance is a fake Lemmy 0.19 instance: one community, posts and
// comments, lists and search as an anonymous visitor sees them (deleted
// and removed posts left out, deleted comments blanked).
type instance struct {
	mu       sync.Mutex
	posts    []*fpost
	comments []*fcomment
	requests []string
	status   int
	header   http.Header
	siteFail bool
}

type fpost struct {
	id                         int
	name, body                 string
	published, updated         time.Time
	deleted, removed, featured bool
}

type fcomment struct {
	id                 int
	post               *fpost
	content            string
	published, updated time.Time
	deleted            bool
}

func (x *instance) addPost(name string, at time.Time) *fpost {
	x.mu.Lock()
	defer x.mu.Unlock()
	p := &fpost{id: 1000 + len(x.posts), name: name, published: at}
	x.posts = append(x.posts, p)
	return p
}

func (x *instance) addComment(p *fpost, content string, at time.Time) *fcomment {
	x.mu.Lock()
	defer x.mu.Unlock()
	c := &fcomment{id: 5000 + len(x.comments), post: p, content: content, published: at}
	x.comments = append(x.comments, c)
	return c
}

func lemmyTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

func postJSON(p *fpost) map[string]any {
	m := map[string]any{"id": p.id, "name": p.name, "creator_id": 2, "community_id": 3, "removed": p.removed, "locked": false,
		"published": lemmyTime(p.published), "deleted": p.deleted, "nsfw": false, "ap_id": fmt.Sprintf("https://lemmy.test/post/%d", p.id),
		"local": true, "language_id": 37, "featured_community": p.featured, "featured_local": false}
	if p.body != "" {
		m["body"] = p.body
	}
	if !p.updated.IsZero() {
		m["updated"] = lemmyTime(p.updated)
	}
	return m
}

var (
	creatorJSON   = map[string]any{"id": 2, "name": "dana", "banned": false, "published": "2024-01-01T00:00:00.000000Z", "actor_id": "https://lemmy.test/u/dana", "local": true, "deleted": false, "bot_account": false, "instance_id": 1}
	communityJSON = map[string]any{"id": 3, "name": "tech", "title": "Tech", "removed": false, "published": "2024-01-01T00:00:00.000000Z", "deleted": false, "nsfw": false, "actor_id": "https://lemmy.test/c/tech", "local": true, "hidden": false, "posting_restricted_to_mods": false, "instance_id": 1, "visibility": "Public"}
)

func postViewJSON(p *fpost) map[string]any {
	return map[string]any{"post": postJSON(p), "creator": creatorJSON, "community": communityJSON,
		"creator_banned_from_community": false, "banned_from_community": false, "creator_is_moderator": false, "creator_is_admin": false,
		"counts":     map[string]any{"post_id": p.id, "comments": 0, "score": 1, "upvotes": 1, "downvotes": 0, "published": lemmyTime(p.published), "newest_comment_time": lemmyTime(p.published)},
		"subscribed": "NotSubscribed", "saved": false, "read": false, "hidden": false, "creator_blocked": false, "unread_comments": 0}
}

func commentViewJSON(c *fcomment) map[string]any {
	cm := map[string]any{"id": c.id, "creator_id": 2, "post_id": c.post.id, "content": c.content, "removed": false, "published": lemmyTime(c.published),
		"deleted": c.deleted, "ap_id": fmt.Sprintf("https://lemmy.test/comment/%d", c.id), "local": true, "path": fmt.Sprintf("0.%d", c.id),
		"distinguished": false, "language_id": 0}
	if c.deleted {
		cm["content"] = "" // Lemmy blanks a deleted comment for visitors
	}
	if !c.updated.IsZero() {
		cm["updated"] = lemmyTime(c.updated)
	}
	return map[string]any{"comment": cm, "creator": creatorJSON, "post": postJSON(c.post), "community": communityJSON,
		"counts":                        map[string]any{"comment_id": c.id, "score": 1, "upvotes": 1, "downvotes": 0, "published": lemmyTime(c.published), "child_count": 0},
		"creator_banned_from_community": false, "banned_from_community": false, "creator_is_moderator": false, "creator_is_admin": false,
		"subscribed": "NotSubscribed", "saved": false, "creator_blocked": false}
}

func (x *instance) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.requests = append(x.requests, r.URL.RequestURI())
	for k, v := range x.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	if x.status != 0 {
		w.WriteHeader(x.status)
		if x.status == http.StatusTooManyRequests {
			w.Write([]byte(`{"error":"rate_limit_error"}`))
		} else {
			w.Write([]byte(`{"error":"not_logged_in"}`))
		}
		return
	}
	q := r.URL.Query()
	lim, _ := strconv.Atoi(q.Get("limit"))
	page, _ := strconv.Atoi(q.Get("page"))
	if c := q.Get("page_cursor"); c != "" {
		page, _ = strconv.Atoi(strings.TrimPrefix(c, "p"))
	}
	if page < 1 {
		page = 1
	}
	visible := func(p *fpost) bool { return !p.deleted && !p.removed }
	newest := func(a, b time.Time) bool { return a.After(b) }
	pageOf := func(n int) (int, int) { return min((page-1)*lim, n), min(page*lim, n) }
	switch r.URL.Path {
	case "/api/v3/site":
		if x.siteFail {
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte(`{"error":"unknown"}`))
			return
		}
		data, _ := os.ReadFile(filepath.Join("testdata", "site.json"))
		w.Write(data)
	case "/api/v3/search":
		if q.Get("type_") != "All" || q.Get("sort") != "New" || q.Get("listing_type") != "All" {
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"error":"couldnt_find_object"}`))
			return
		}
		term := strings.ToLower(q.Get("q"))
		var ps []*fpost
		for _, p := range x.posts {
			if visible(p) && strings.Contains(strings.ToLower(p.name+" "+p.body), term) {
				ps = append(ps, p)
			}
		}
		var cs []*fcomment
		for _, c := range x.comments {
			if !c.deleted && strings.Contains(strings.ToLower(c.content), term) {
				cs = append(cs, c)
			}
		}
		sort.SliceStable(ps, func(i, j int) bool { return newest(ps[i].published, ps[j].published) })
		sort.SliceStable(cs, func(i, j int) bool { return newest(cs[i].published, cs[j].published) })
		out := map[string]any{"type_": "All", "posts": []any{}, "comments": []any{}, "communities": []any{}, "users": []any{}}
		a, b := pageOf(len(ps))
		for _, p := range ps[a:b] {
			out["posts"] = append(out["posts"].([]any), postViewJSON(p))
		}
		a, b = pageOf(len(cs))
		for _, c := range cs[a:b] {
			out["comments"] = append(out["comments"].([]any), commentViewJSON(c))
		}
		json.NewEncoder(w).Encode(out)
	case "/api/v3/post/list":
		var ps []*fpost
		for _, p := range x.posts {
			if visible(p) {
				ps = append(ps, p)
			}
		}
		sort.SliceStable(ps, func(i, j int) bool {
			if ps[i].featured != ps[j].featured {
				return ps[i].featured
			}
			return newest(ps[i].published, ps[j].published)
		})
		out := map[string]any{"posts": []any{}}
		a, b := pageOf(len(ps))
		for _, p := range ps[a:b] {
			out["posts"] = append(out["posts"].([]any), postViewJSON(p))
		}
		if b < len(ps) {
			out["next_page"] = fmt.Sprintf("p%d", page+1)
		}
		json.NewEncoder(w).Encode(out)
	case "/api/v3/comment/list":
		cs := slices.Clone(x.comments)
		sort.SliceStable(cs, func(i, j int) bool { return newest(cs[i].published, cs[j].published) })
		out := map[string]any{"comments": []any{}}
		a, b := pageOf(len(cs))
		for _, c := range cs[a:b] {
			out["comments"] = append(out["comments"].([]any), commentViewJSON(c))
		}
		json.NewEncoder(w).Encode(out)
	default:
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"error":"not_found"}`))
	}
}

func (x *instance) set(f func()) {
	x.mu.Lock()
	defer x.mu.Unlock()
	f()
}

func TestRunCommunityEditsAndDeletions(t *testing.T) {
	x := &instance{}
	t0 := now.Add(-30 * time.Minute)
	a := x.addPost("A", t0)
	bp := x.addPost("B", t0.Add(time.Minute))
	c := x.addPost("C", t0.Add(2*time.Minute))
	old := x.addPost("Old", now.Add(-72*time.Hour))
	x.addPost("Oldest", now.Add(-96*time.Hour)) // below it, still listed
	ca := x.addComment(a, "on A", t0.Add(3*time.Minute))
	cb := x.addComment(bp, "on B", t0.Add(4*time.Minute))
	srv := newServer(t, x)
	r := newRunner()
	src := source(srv.URL, map[string]string{"community": "tech"})
	b, err := r.Run(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Posts) != 7 || len(b.Edits)+len(b.Deletes) != 0 {
		t.Fatalf("first run: posts %q edits %d deletes %d", ids(b.Posts), len(b.Edits), len(b.Deletes))
	}
	src.SourceState = b.State

	x.set(func() {
		bp.updated = now.Add(-time.Minute)
		bp.body = "edited"
		c.deleted = true
		cb.deleted = true
		cb.updated = now.Add(-time.Minute)
		old.removed = true // outside the hour read again, but within the page
	})
	d := x.addPost("D", now.Add(-10*time.Second))
	b, err = r.Run(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(b.Posts); !slices.Equal(got, []string{"https://lemmy.test/post/1005"}) {
		t.Errorf("posts %q, want the new one", got)
	}
	if got := ids(b.Edits); !slices.Equal(got, []string{"https://lemmy.test/post/1001"}) || b.Edits[0].Text != "edited" {
		t.Errorf("edits %+v", b.Edits)
	}
	want := []string{"https://lemmy.test/comment/5001", "https://lemmy.test/post/1002", "https://lemmy.test/post/1003"}
	if got := deleted(b.Deletes); !slices.Equal(got, want) {
		t.Errorf("deletes %q, want %q", got, want)
	}
	src.SourceState = b.State

	// Nothing changed: nothing reported, no deletion twice.
	b, err = r.Run(context.Background(), src)
	if err != nil || len(b.Posts)+len(b.Edits)+len(b.Deletes) != 0 {
		t.Errorf("third run: %+v %v", b, err)
	}
	src.SourceState = b.State

	// A deleted post restored comes back as an edit.
	x.set(func() { c.deleted = false })
	b, err = r.Run(context.Background(), src)
	if err != nil || !slices.Equal(ids(b.Edits), []string{"https://lemmy.test/post/1002"}) {
		t.Errorf("restored: edits %q, err %v", ids(b.Edits), err)
	}
	_, _ = ca, d
}

func TestRunSearchPagesAndCursor(t *testing.T) {
	x := &instance{}
	for i := range 70 {
		x.addPost(fmt.Sprintf("epfl old %d", i), now.Add(-5*time.Hour+time.Duration(i)*time.Minute))
	}
	srv := newServer(t, x)
	r := newRunner()
	src := source(srv.URL, map[string]string{"query": "epfl"})
	b, err := r.Run(context.Background(), src)
	if err != nil || len(b.Posts) != 50 {
		t.Fatalf("first run: %d posts, %v; want the newest page", len(b.Posts), err)
	}
	src.SourceState = b.State
	for i := range 120 {
		x.addPost(fmt.Sprintf("EPFL new %d", i), now.Add(-3*time.Hour+time.Duration(i)*time.Minute))
	}
	x.requests = nil
	b, err = r.Run(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Posts) != 120 || len(x.requests) != 3 {
		t.Fatalf("second run: %d posts in %d requests %q; want the 120 new in 3 pages", len(b.Posts), len(x.requests), x.requests)
	}
	for _, p := range b.Posts {
		if !strings.Contains(p.Title, "new") {
			t.Fatalf("post %q again", p.Title)
		}
	}
	src.SourceState = b.State
	x.requests = nil
	b, err = r.Run(context.Background(), src)
	if err != nil || len(b.Posts) != 0 || len(x.requests) != 2 {
		t.Errorf("third run: %d posts, %d requests, %v", len(b.Posts), len(x.requests), err)
	}
	if !strings.Contains(x.requests[0], "page=1") || !strings.Contains(x.requests[1], "page=2") {
		t.Errorf("requests %q: the hour before the newest is read again", x.requests)
	}
}

func TestRunMonitorTerms(t *testing.T) {
	x := &instance{}
	x.addPost("EPFL open source", now.Add(-time.Minute))
	srv := newServer(t, x)
	r := newRunner("#EPFL", "@epfl", `"open source"`, "epfl", " ")
	b, err := r.Run(context.Background(), source(srv.URL, nil))
	if err != nil {
		t.Fatal(err)
	}
	var qs []string
	for _, u := range x.requests {
		if v, err := url.ParseRequestURI(u); err == nil && v.Path == "/api/v3/search" {
			qs = append(qs, v.Query().Get("q"))
		}
	}
	if !slices.Equal(qs, []string{"EPFL", "open source"}) || len(b.Posts) != 1 {
		t.Errorf("searches %q, posts %q", qs, ids(b.Posts))
	}

	var many []string
	for i := range 13 {
		many = append(many, fmt.Sprintf("t%d", i))
	}
	r = newRunner(many...)
	src := source(srv.URL, nil)
	count := map[string]int{}
	for range 2 {
		x.requests = nil
		b, err := r.Run(context.Background(), src)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, u := range x.requests {
			if v, _ := url.ParseRequestURI(u); v.Path == "/api/v3/search" {
				count[v.Query().Get("q")]++
				n++
			}
		}
		if n != maxTerms {
			t.Fatalf("%d searches in a run, want %d", n, maxTerms)
		}
		src.SourceState = b.State
	}
	for _, term := range many {
		if count[term] == 0 {
			t.Errorf("term %s never searched in two runs", term)
		}
	}

	if _, err := newRunner().Run(context.Background(), source(srv.URL, nil)); err == nil || !strings.Contains(err.Error(), "nothing to search") {
		t.Errorf("no terms: %v", err)
	}
}

func TestRunRateLimited(t *testing.T) {
	x := &instance{status: http.StatusTooManyRequests}
	srv := newServer(t, x)
	src := source(srv.URL, map[string]string{"query": "epfl"})
	src.Cursor = `{"feeds":{}}`
	b, err := newRunner().Run(context.Background(), src)
	rl, ok := connector.RateLimited(err)
	if !ok || !rl.Until.Equal(now.Add(rateLimitWait)) || !strings.Contains(err.Error(), "rate_limit_error") {
		t.Fatalf("err %v, want a rate limit for 10 minutes (Lemmy gives no time)", err)
	}
	if b.State.RateLimit != "rate limited at 12:00 UTC until 12:10 UTC (Lemmy allows 60 searches per 600 s per address by default)" || b.State.Cursor != src.Cursor {
		t.Errorf("state %+v", b.State)
	}
	x.set(func() { x.header = http.Header{"Retry-After": {"30"}} })
	_, err = newRunner().Run(context.Background(), src)
	if rl, ok := connector.RateLimited(err); !ok || !rl.Until.Equal(now.Add(30*time.Second)) {
		t.Errorf("with Retry-After: %v", err)
	}
}

func TestRunRefused(t *testing.T) {
	for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		srv := newServer(t, &instance{status: status})
		_, err := newRunner().Run(context.Background(), source(srv.URL, map[string]string{"community": "tech"}))
		var auth *connector.AuthError
		if !errors.As(err, &auth) || auth.Status != status || !strings.Contains(err.Error(), "Lemmy (127.0.0.1") {
			t.Errorf("HTTP %d: %v, want an AuthError", status, err)
		}
	}
}

func TestRunBadAnswers(t *testing.T) {
	full := readTestdata(t, "search_all.json")
	for _, c := range []struct{ name, body string }{
		{"truncated", string(full[:len(full)/3])},
		{"html", "<html><body>502 Bad Gateway</body></html>"},
		{"posts not a list", `{"posts":{"0":{}},"comments":[]}`},
		{"empty", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(c.body)) }))
			_, err := newRunner().Run(context.Background(), source(srv.URL, map[string]string{"query": "epfl"}))
			if err == nil || !strings.Contains(err.Error(), "not the JSON expected") || !strings.Contains(err.Error(), `searching Lemmy for "epfl"`) {
				t.Errorf("err %v", err)
			}
		})
	}
}

func TestRunConnectionDropped(t *testing.T) {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "50000")
		w.Write([]byte(`{"posts":[{"post":{"id":1,`))
		w.(http.Flusher).Flush()
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
		}
	}))
	b, err := newRunner().Run(context.Background(), source(srv.URL, map[string]string{"community": "tech"}))
	if err == nil || !strings.Contains(err.Error(), "reading the answer") || b.State.Cursor != "" {
		t.Errorf("err %v, state %+v", err, b.State)
	}
}

func TestRunWithoutLanguages(t *testing.T) {
	x := &instance{siteFail: true}
	x.addPost("EPFL", now.Add(-time.Minute))
	srv := newServer(t, x)
	b, err := newRunner().Run(context.Background(), source(srv.URL, map[string]string{"query": "epfl"}))
	if err != nil || len(b.Posts) != 1 || b.Posts[0].Lang != "" {
		t.Errorf("posts %+v, err %v: a failing /site leaves posts without a language", b.Posts, err)
	}
}
