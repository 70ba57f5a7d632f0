package reddit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
)

// t0 is the clock of the test data (testdata's items are minutes older).
var t0 = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

const (
	testID     = "p-jcoLKBynTLew"
	testSecret = "gko_LXELoV07ZBNUXrvWZfzE3aI"
)

func readTestdata(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// fake is a local Reddit: a token endpoint and listings, as the real API
// answers them, with a log of what was asked.
type fake struct {
	t   *testing.T
	srv *httptest.Server

	mu        sync.Mutex
	tokens    int               // token requests
	tokenBody string            // the token endpoint's answer
	tokenCode int               // its status (200 if 0)
	issued    string            // the token the API takes
	pages     map[string][]byte // "/r/epfl+switzerland/new" or with "?after=…"
	requests  []string          // path?after of each listing request
	headers   http.Header       // sent with every listing answer
	refuse    int               // answer 401 to that many listing requests
	override  func(w http.ResponseWriter, r *http.Request) bool
	oauth     bool
}

func newFake(t *testing.T, oauth bool) *fake {
	f := &fake{t: t, oauth: oauth, pages: map[string][]byte{}, tokenBody: string(readTestdata(t, "token.json")), headers: http.Header{}}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.Unmarshal([]byte(f.tokenBody), &tok)
	f.issued = tok.AccessToken
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ua := r.UserAgent()
	if !strings.HasPrefix(ua, "server:vigie:") && !strings.HasPrefix(ua, "web:ch.example") {
		http.Error(w, "whoa there, pardner!", http.StatusTooManyRequests) // what Reddit does to a bad User-Agent
		return
	}
	if r.URL.Path == "/api/v1/access_token" {
		f.tokens++
		id, secret, ok := r.BasicAuth()
		r.ParseForm()
		if r.Method != http.MethodPost || r.PostForm.Get("grant_type") != "client_credentials" || !ok {
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"error": "unsupported_grant_type"}`))
			return
		}
		if id != testID || secret != testSecret {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"message": "Unauthorized", "error": 401}`))
			return
		}
		if f.tokenCode != 0 {
			w.WriteHeader(f.tokenCode)
		}
		w.Write([]byte(f.tokenBody))
		return
	}
	if f.override != nil && f.override(w, r) {
		return
	}
	path := r.URL.Path
	if f.oauth {
		if r.Header.Get("Authorization") != "bearer "+f.issued || f.refuse > 0 {
			f.refuse--
			w.Header().Set("Www-Authenticate", `Bearer realm="reddit", error="invalid_token"`)
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"message": "Unauthorized", "error": 401}`))
			return
		}
	} else {
		if r.Header.Get("Authorization") != "" {
			f.t.Errorf("credentials sent to the public listings")
		}
		var ok bool
		if path, ok = strings.CutSuffix(path, ".json"); !ok {
			http.Error(w, "an HTML page", http.StatusOK)
			return
		}
	}
	q := r.URL.Query()
	if q.Get("raw_json") != "1" || q.Get("limit") != "100" {
		f.t.Errorf("%s asked without raw_json=1 and limit=100: %s", path, r.URL.RawQuery)
	}
	key := path
	if path == "/search" {
		key += "?q=" + q.Get("q")
		if q.Get("sort") != "new" || q.Get("t") != "day" {
			f.t.Errorf("search not sorted by new over a day: %s", r.URL.RawQuery)
		}
	}
	if a := q.Get("after"); a != "" {
		key += "?after=" + a
	}
	f.requests = append(f.requests, key)
	body, ok := f.pages[key]
	if !ok {
		body = []byte(`{"kind": "Listing", "data": {"after": null, "dist": 0, "modhash": null, "geo_filter": "", "children": [], "before": null}}`)
	}
	for k, v := range f.headers {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.Write(body)
}

func (f *fake) log() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.requests
	f.requests = nil
	return out
}

func (f *fake) tokenRequests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tokens
}

func (f *fake) source(settings map[string]string) *vigie.Source {
	s := map[string]string{}
	if f.oauth {
		s[SettingClientID], s[SettingClientSecret] = testID, testSecret
	}
	for k, v := range settings {
		s[k] = v
	}
	return &vigie.Source{ID: 7, Kind: vigie.SourceReddit, Name: "reddit", URL: f.srv.URL, Settings: s}
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func (f *fake) runner(c *clock, terms []string) *Runner {
	return New(connector.Deps{Client: f.srv.Client(), Now: c.now, Terms: func(context.Context, *vigie.Source) ([]string, error) { return terms, nil }})
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
			out = append(out, "bad:"+d.Kind+d.AuthorID)
		}
		out = append(out, d.ID)
	}
	return out
}

// run runs src once and keeps its new state, as the scheduler does after a
// stored batch.
func runOnce(t *testing.T, r *Runner, src *vigie.Source) (connector.Batch, error) {
	t.Helper()
	b, err := r.Run(context.Background(), src)
	if err == nil {
		for _, p := range append(append([]vigie.Post{}, b.Posts...), b.Edits...) {
			if err := p.Validate(); err != nil {
				t.Errorf("invalid post: %v", err)
			}
		}
		src.SourceState = b.State
	}
	return b, err
}

func TestOAuthSubreddits(t *testing.T) {
	f := newFake(t, true)
	f.pages["/r/epfl+switzerland/new"] = readTestdata(t, "new_page1.json")
	f.pages["/r/epfl+switzerland/comments"] = readTestdata(t, "comments.json")
	f.headers.Set("X-Ratelimit-Used", "3")
	f.headers.Set("X-Ratelimit-Remaining", "97.0")
	f.headers.Set("X-Ratelimit-Reset", "420")
	c := &clock{t: t0}
	r := f.runner(c, nil)
	src := f.source(map[string]string{SettingSubreddits: "epfl, r/switzerland"})

	b, err := runOnce(t, r, src)
	if err != nil {
		t.Fatal(err)
	}
	// A first run reads one page of each listing: no history.
	if got, want := f.log(), []string{"/r/epfl+switzerland/new", "/r/epfl+switzerland/comments"}; !reflect.DeepEqual(got, want) {
		t.Errorf("requests %v, want %v", got, want)
	}
	if got, want := ids(b.Posts), []string{"t3_1h5zq9a", "t3_1h5zo2k", "t3_1h5zh4m", "t1_m0a1b2c", "t1_m0a19xy", "t1_m0a15kk"}; !reflect.DeepEqual(got, want) {
		t.Errorf("posts %v, want %v", got, want)
	}
	if got, want := deleted(b.Deletes), []string{"t3_1h5zl7c", "t3_1h5zk1x", "t1_m0a1a9z", "t1_m0a17rr"}; !reflect.DeepEqual(got, want) {
		t.Errorf("deletes %v, want %v", got, want)
	}
	if len(b.Edits) != 0 {
		t.Errorf("edits %v on a first run", ids(b.Edits))
	}
	self := b.Posts[0]
	want := vigie.Post{
		ID: "t3_1h5zq9a", Source: "reddit", URL: "https://www.reddit.com/r/epfl/comments/1h5zq9a/epfl_opens_its_new_climate_research_cent/",
		PublishedAt: t0.Add(-2 * time.Minute), Title: "EPFL opens its new climate research centre",
		Text:    "Anyone going to the open day on Saturday? **Free entry**, details on the [site](https://actu.epfl.ch).",
		Author:  vigie.Author{ID: "lausanne_dev", Handle: "lausanne_dev", URL: "https://www.reddit.com/user/lausanne_dev"},
		Metrics: vigie.Metrics{Likes: 14, Replies: 3},
	}
	if !reflect.DeepEqual(self, want) {
		t.Errorf("self post\n got %+v\nwant %+v", self, want)
	}
	if link := b.Posts[1]; link.Text != "" || !reflect.DeepEqual(link.Links, []string{"https://www.timeshighereducation.com/world-university-rankings/2027"}) || link.Metrics.Likes != 231 {
		t.Errorf("link post %+v", link)
	}
	if neg := b.Posts[2]; neg.Metrics.Likes != 0 || neg.Metrics.Replies != 5 {
		t.Errorf("a post with a score of -2: %+v (counts are 0 or more)", neg.Metrics)
	}
	com := b.Posts[3]
	if com.Title != "" || com.ReplyTo != "t3_1h5zq9a" || com.URL != "https://www.reddit.com/r/epfl/comments/1h5zq9a/x/m0a1b2c/" || com.Metrics != (vigie.Metrics{Likes: 4}) {
		t.Errorf("comment %+v", com)
	}
	// A comment of an old listing has no permalink: its address is built.
	if u := b.Posts[5].URL; u != "https://www.reddit.com/comments/1h5zh4m/_/m0a15kk/" {
		t.Errorf("built address %q", u)
	}
	if b.State.RateLimit != "97 requests left (3 used) until 10:07 UTC" {
		t.Errorf("rate limit %q", b.State.RateLimit)
	}
	if f.tokenRequests() != 1 {
		t.Errorf("%d token requests", f.tokenRequests())
	}
	if strings.Contains(b.State.Cursor, f.issued) || strings.Contains(b.State.Cursor, testSecret) {
		t.Error("a credential in the cursor")
	}
	var cur cursor
	if err := json.Unmarshal([]byte(b.State.Cursor), &cur); err != nil {
		t.Fatal(err)
	}
	if m := cur.Listings["/r/epfl+switzerland/new"]; m.Newest != "t3_1h5zq9a" || m.Checked != t0.Unix() {
		t.Errorf("cursor %+v", cur)
	}
}

// A later run reads back page by page to the newest item it had seen,
// reports edits of the items it had (edited since its last read), and keeps
// the token it has.
func TestPaginationCursorEdits(t *testing.T) {
	f := newFake(t, true)
	f.pages["/r/epfl/new"] = readTestdata(t, "new_page1.json")
	f.pages["/r/epfl/new?after=t3_1h5zh4m"] = readTestdata(t, "new_page2.json")
	c := &clock{t: t0}
	r := f.runner(c, nil)
	src := f.source(map[string]string{SettingSubreddits: "epfl"})
	// Last read 50 minutes ago, when t3_1h5z9a2 was the newest.
	src.Cursor = fmt.Sprintf(`{"listings":{"/r/epfl/new":{"newest":"t3_1h5z9a2","created":%d,"checked":%d},"/r/gone/new":{"newest":"t3_x"}}}`,
		t0.Add(-50*time.Minute).Unix(), t0.Add(-50*time.Minute).Unix())

	b, err := runOnce(t, r, src)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.log(), []string{"/r/epfl/new", "/r/epfl/new?after=t3_1h5zh4m", "/r/epfl/comments"}; !reflect.DeepEqual(got, want) {
		t.Errorf("requests %v, want %v", got, want)
	}
	if got, want := ids(b.Posts), []string{"t3_1h5zq9a", "t3_1h5zo2k", "t3_1h5zh4m", "t3_1h5zd8p"}; !reflect.DeepEqual(got, want) {
		t.Errorf("posts %v, want %v (not the one seen before)", got, want)
	}
	if len(b.Edits) != 0 {
		t.Errorf("edits %v", ids(b.Edits))
	}
	if strings.Contains(b.State.Cursor, "/r/gone/") {
		t.Errorf("cursor keeps a listing no longer followed: %s", b.State.Cursor)
	}

	// Five minutes on: nothing new on the first page; the post edited
	// at 09:36:40 was stored at 09:10, and is an edit now.
	src.Cursor = fmt.Sprintf(`{"listings":{"/r/epfl/new":{"newest":"t3_1h5zq9a","created":%d,"checked":%d}}}`,
		t0.Add(-2*time.Minute).Unix(), t0.Add(-50*time.Minute).Unix())
	c.add(5 * time.Minute)
	b, err = runOnce(t, r, src)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.log(); !reflect.DeepEqual(got, []string{"/r/epfl/new", "/r/epfl/comments"}) {
		t.Errorf("requests %v (the first page holds the newest seen: no more pages)", got)
	}
	if len(b.Posts) != 0 || !reflect.DeepEqual(ids(b.Edits), []string{"t3_1h5zh4m"}) {
		t.Errorf("posts %v edits %v", ids(b.Posts), ids(b.Edits))
	}
	if b.Edits[0].Text != "Check IS-Academia. Rooms are in the CE building this year.\n\nEdit: typo" {
		t.Errorf("edited text %q", b.Edits[0].Text)
	}
	// Deletions show on every read of the page.
	if got := deleted(b.Deletes); !reflect.DeepEqual(got, []string{"t3_1h5zl7c", "t3_1h5zk1x"}) {
		t.Errorf("deletes %v", got)
	}
	// Read again, the edit is not one any more.
	b, err = runOnce(t, r, src)
	if err != nil || len(b.Edits) != 0 || len(b.Posts) != 0 {
		t.Errorf("third run: %v edits %v posts %v", err, ids(b.Edits), ids(b.Posts))
	}
	if n := f.tokenRequests(); n != 1 {
		t.Errorf("%d token requests for three runs within the token's life", n)
	}
}

func TestTokenExpiryAndRefusal(t *testing.T) {
	f := newFake(t, true)
	f.tokenBody = strings.Replace(f.tokenBody, `"expires_in": 86400`, `"expires_in": 3600`, 1)
	c := &clock{t: t0}
	r := f.runner(c, nil)
	src := f.source(map[string]string{SettingQuery: "EPFL"})
	for i, step := range []struct {
		after  time.Duration
		tokens int
	}{{0, 1}, {30 * time.Minute, 1}, {29 * time.Minute, 2}, {10 * time.Minute, 2}} {
		c.add(step.after)
		if _, err := runOnce(t, r, src); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		if n := f.tokenRequests(); n != step.tokens {
			t.Errorf("run %d (+%v): %d token requests, want %d", i, step.after, n, step.tokens)
		}
	}
	// The API refuses a token before its end: a new one, the request again.
	f.mu.Lock()
	f.refuse = 1
	f.mu.Unlock()
	if _, err := runOnce(t, r, src); err != nil {
		t.Fatal(err)
	}
	if n := f.tokenRequests(); n != 3 {
		t.Errorf("%d token requests after a refused token, want 3", n)
	}
	// Refused again and again: the credentials are the problem.
	f.mu.Lock()
	f.refuse = 10
	f.mu.Unlock()
	_, err := runOnce(t, r, src)
	if !connector.IsAuth(err) || f.tokenRequests() != 4 {
		t.Errorf("err %v after %d token requests; want an AuthError after one new token", err, f.tokenRequests())
	}
}

func TestTokenRefused(t *testing.T) {
	for _, tt := range []struct {
		name   string
		secret string
		body   string
		code   int
		says   string
	}{
		{"wrong secret", "wrong", "", 0, "Unauthorized"},
		{"an error with 200", testSecret, `{"error": "invalid_grant"}`, 200, "invalid_grant"},
		{"not json", testSecret, `<html>`, 200, "not the JSON"},
		{"server error", testSecret, `{}`, 502, "HTTP 502"},
		{"too many", testSecret, `{}`, 429, "slow down"},
		{"another type", testSecret, `{"access_token": "x", "token_type": "mac", "expires_in": 60}`, 200, "not bearer"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, true)
			if tt.body != "" {
				f.tokenBody, f.tokenCode = tt.body, tt.code
			}
			src := f.source(map[string]string{SettingQuery: "EPFL"})
			src.Settings[SettingClientSecret] = tt.secret
			_, err := f.runner(&clock{t: t0}, nil).Run(context.Background(), src)
			if err == nil || !strings.Contains(err.Error(), tt.says) {
				t.Fatalf("err %v, want one saying %q", err, tt.says)
			}
			if strings.Contains(err.Error(), tt.secret) || strings.Contains(err.Error(), testID) {
				t.Errorf("a credential in the error: %v", err)
			}
			if tt.name == "wrong secret" && !connector.IsAuth(err) {
				t.Errorf("%v is not an AuthError", err)
			}
			if _, ok := connector.RateLimited(err); ok != (tt.code == 429) {
				t.Errorf("rate limited: %v", err)
			}
		})
	}
}

func TestRateLimit(t *testing.T) {
	f := newFake(t, true)
	f.override = func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/r/epfl/comments" {
			return false
		}
		w.Header().Set("X-Ratelimit-Used", "100")
		w.Header().Set("X-Ratelimit-Remaining", "0.0")
		w.Header().Set("X-Ratelimit-Reset", "240")
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.WriteHeader(http.StatusTooManyRequests)
		w.Write([]byte("<!doctype html><html><title>Too Many Requests</title></html>"))
		return true
	}
	src := f.source(map[string]string{SettingSubreddits: "epfl"})
	src.Cursor = `{"listings":{"/r/epfl/new":{"newest":"t3_old","created":1}}}`
	b, err := f.runner(&clock{t: t0}, nil).Run(context.Background(), src)
	rl, ok := connector.RateLimited(err)
	if !ok || !rl.Until.Equal(t0.Add(240*time.Second)) {
		t.Fatalf("err %v, want a rate limit until 10:04", err)
	}
	if b.State.Cursor != src.Cursor || len(b.Posts) != 0 {
		t.Errorf("a failed run moved the cursor or gave posts: %+v", b)
	}
	if b.State.RateLimit != "0 requests left (100 used) until 10:04 UTC" {
		t.Errorf("rate limit words %q", b.State.RateLimit)
	}

	// No request left: the next listing is not asked for.
	f2 := newFake(t, true)
	f2.headers.Set("X-Ratelimit-Used", "100")
	f2.headers.Set("X-Ratelimit-Remaining", "0")
	f2.headers.Set("X-Ratelimit-Reset", "30")
	_, err = f2.runner(&clock{t: t0}, nil).Run(context.Background(), f2.source(map[string]string{SettingSubreddits: "epfl"}))
	if rl, ok := connector.RateLimited(err); !ok || !rl.Until.Equal(t0.Add(30*time.Second)) {
		t.Errorf("err %v", err)
	}
	if got := f2.log(); len(got) != 1 {
		t.Errorf("requests %v: asked with none left", got)
	}
}

func TestPublicListings(t *testing.T) {
	f := newFake(t, false)
	f.pages["/search?q=EPFL"] = readTestdata(t, "search.json")
	src := f.source(map[string]string{SettingQuery: "EPFL"})
	b, err := runOnce(t, f.runner(&clock{t: t0}, nil), src)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(b.Posts); !reflect.DeepEqual(got, []string{"t3_1h5zq9a", "t3_1h5yx0q"}) {
		t.Errorf("posts %v", got)
	}
	if b.State.RateLimit != "public listings without credentials: about 10 requests a minute" {
		t.Errorf("rate limit %q", b.State.RateLimit)
	}
	if f.tokenRequests() != 0 {
		t.Error("a token asked for without credentials")
	}

	// Reddit blocks servers it does not like: a 403 that says how to
	// connect.
	f.override = func(w http.ResponseWriter, r *http.Request) bool {
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte("<html><body>blocked</body></html>"))
		return true
	}
	_, err = f.runner(&clock{t: t0}, nil).Run(context.Background(), src)
	if !connector.IsAuth(err) || !strings.Contains(err.Error(), "client_id and client_secret") {
		t.Errorf("err %v", err)
	}
}

func TestListingErrors(t *testing.T) {
	page := string(readTestdata(t, "new_page1.json"))
	tests := []struct {
		name string
		code int
		body string
		says string
		auth bool
	}{
		{"truncated", 200, page[:len(page)/2], "not JSON", false},
		{"not a listing", 200, `{"kind": "t5", "data": {}}`, `not a listing (kind "t5")`, false},
		{"an error with 200", 200, `{"message": "Not Found", "error": 404}`, "Reddit says: Not Found", false},
		{"children not an array", 200, `{"kind": "Listing", "data": {"children": {}}}`, "cannot be read", false},
		{"empty", 200, ``, "not JSON", false},
		{"private", 403, `{"reason": "private", "message": "Forbidden", "error": 403}`, "r/epfl is private (HTTP 403)", false},
		{"banned", 404, `{"reason": "banned", "message": "Not Found", "error": 404}`, "r/epfl is banned (HTTP 404)", false},
		{"server error", 500, `{"message": "Internal Server Error", "error": 500}`, "HTTP 500", false},
		{"forbidden", 403, `{"message": "Forbidden", "error": 403}`, "Forbidden", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, true)
			f.override = func(w http.ResponseWriter, r *http.Request) bool {
				w.WriteHeader(tt.code)
				w.Write([]byte(tt.body))
				return true
			}
			_, err := f.runner(&clock{t: t0}, nil).Run(context.Background(), f.source(map[string]string{SettingSubreddits: "epfl"}))
			if err == nil || !strings.Contains(err.Error(), tt.says) {
				t.Fatalf("err %v, want one saying %q", err, tt.says)
			}
			if connector.IsAuth(err) != tt.auth {
				t.Errorf("AuthError: %v, want %v", connector.IsAuth(err), tt.auth)
			}
		})
	}
}

// A subreddit that does not exist: Reddit sends the client to a search of
// subreddits.
func TestNoSuchSubreddit(t *testing.T) {
	f := newFake(t, false)
	f.override = func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasPrefix(r.URL.Path, "/r/") {
			http.Redirect(w, r, "/subreddits/search.json?q=nosuchsub&raw_json=1&limit=100", http.StatusFound)
			return true
		}
		return false
	}
	_, err := f.runner(&clock{t: t0}, nil).Run(context.Background(), f.source(map[string]string{SettingSubreddits: "nosuchsub"}))
	if err == nil || !strings.Contains(err.Error(), "no such subreddit") {
		t.Errorf("err %v", err)
	}
}

func TestDroppedConnection(t *testing.T) {
	f := newFake(t, false)
	page := readTestdata(t, "new_page1.json")
	f.override = func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Content-Length", fmt.Sprint(len(page)))
		w.Write(page[:len(page)/3])
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		return true
	}
	b, err := f.runner(&clock{t: t0}, nil).Run(context.Background(), f.source(map[string]string{SettingSubreddits: "epfl"}))
	if err == nil || !strings.Contains(err.Error(), "r/epfl") || len(b.Posts) != 0 {
		t.Errorf("err %v posts %d", err, len(b.Posts))
	}
	if strings.Contains(err.Error(), f.srv.URL) {
		t.Errorf("the error holds the address: %v", err)
	}
}

// Without subreddits or a query, the monitors' terms are searched, joined
// with OR, at most ten searches a run, in turn.
func TestTermsSearches(t *testing.T) {
	f := newFake(t, true)
	f.pages[`/search?q=EPFL OR "ETH Zurich" OR unil OR epflnews`] = readTestdata(t, "search.json")
	c := &clock{t: t0}
	src := f.source(nil)
	b, err := runOnce(t, f.runner(c, []string{"EPFL", `"ETH Zurich"`, "#unil", "@epflnews"}), src)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.log(); len(got) != 1 || len(b.Posts) != 2 {
		t.Errorf("requests %v posts %v", got, ids(b.Posts))
	}

	var terms []string
	for i := range 50 {
		terms = append(terms, fmt.Sprintf("%s%02d", strings.Repeat("w", 60), i))
	}
	r := f.runner(c, terms)
	groups := termQueries(terms)
	if len(groups) != 17 { // three terms of 62 bytes a search
		t.Fatalf("%d groups", len(groups))
	}
	for i, g := range groups {
		if len(g) > maxSearchLen {
			t.Errorf("group %d is %d bytes", i, len(g))
		}
	}
	var asked []string
	for range 3 {
		if _, err := runOnce(t, r, src); err != nil {
			t.Fatal(err)
		}
		asked = append(asked, f.log()...)
	}
	if len(asked) != 30 {
		t.Fatalf("%d searches in three runs, want 30", len(asked))
	}
	count := map[string]int{}
	for _, a := range asked {
		count[a]++
	}
	if len(count) != 17 {
		t.Errorf("%d groups searched in three runs, want all 17", len(count))
	}
	var cur cursor
	json.Unmarshal([]byte(src.Cursor), &cur)
	if len(cur.Listings) != 17 || cur.Next != 13 {
		t.Errorf("cursor: %d listings, next %d", len(cur.Listings), cur.Next)
	}

	_, err = f.runner(c, nil).Run(context.Background(), f.source(nil))
	if err == nil || !strings.Contains(err.Error(), "nothing to follow") {
		t.Errorf("no terms: %v", err)
	}
}

func TestCheck(t *testing.T) {
	good := []struct {
		name     string
		url      string
		settings map[string]string
		wantURL  string
		wantSubs string
	}{
		{"public", "", map[string]string{"subreddits": "epfl, r/switzerland ,/r/Lausanne/, https://www.reddit.com/r/EPFL/"}, DefaultPublic, "epfl,switzerland,Lausanne"},
		{"oauth", "", map[string]string{"client_id": testID, "client_secret": testSecret, "query": "EPFL"}, DefaultAPI, ""},
		{"gained credentials", DefaultPublic, map[string]string{"client_id": testID, "client_secret": testSecret}, DefaultAPI, ""},
		{"lost them", "https://oauth.reddit.com/", map[string]string{}, DefaultPublic, ""},
		{"a test server", "http://127.0.0.1:8080/", nil, "http://127.0.0.1:8080", ""},
		{"agent", "", map[string]string{"user_agent": "web:ch.example.vigie:2.1 (by /u/example_bot)"}, DefaultPublic, ""},
	}
	for _, tt := range good {
		src := &vigie.Source{Kind: vigie.SourceReddit, URL: tt.url, Settings: tt.settings}
		if err := Check(src); err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if src.URL != tt.wantURL || src.Settings["subreddits"] != tt.wantSubs {
			t.Errorf("%s: url %q subreddits %q", tt.name, src.URL, src.Settings["subreddits"])
		}
	}
	bad := []struct {
		name     string
		url      string
		settings map[string]string
		says     string
	}{
		{"id alone", "", map[string]string{"client_id": testID}, "without its client_secret"},
		{"secret alone", "", map[string]string{"client_secret": testSecret}, "without its client_id"},
		{"subreddit", "", map[string]string{"subreddits": "epfl, not a/name"}, `subreddit "a/name"`},
		{"long subreddit", "", map[string]string{"subreddits": strings.Repeat("a", 22)}, "2 to 21"},
		{"query", "", map[string]string{"query": strings.Repeat("a ", 300)}, "at most 512"},
		{"agent", "", map[string]string{"user_agent": "Mozilla/5.0"}, "platform:app:version"},
		{"agent bytes", "", map[string]string{"user_agent": "a:b:c (by /u/é)"}, "printable ASCII"},
		{"username", "", map[string]string{"username": "a b"}, "username"},
		{"address", "ftp://example.org", nil, "not a web address"},
		{"auth address", "", map[string]string{"auth_url": "https://example.org/?x=1"}, "auth_url"},
	}
	for _, tt := range bad {
		err := Check(&vigie.Source{Kind: vigie.SourceReddit, URL: tt.url, Settings: tt.settings})
		if !errors.Is(err, vigie.ErrInvalid) || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("%s: %v, want ErrInvalid saying %q", tt.name, err, tt.says)
		}
		if err != nil && strings.Contains(err.Error(), testSecret) {
			t.Errorf("%s: the secret in %v", tt.name, err)
		}
	}
	if ua := DefaultUserAgent("example_bot"); ua != "server:vigie:1.0 (by /u/example_bot)" || checkUserAgent(ua) != nil {
		t.Errorf("default agent %q", ua)
	}
	if ua := DefaultUserAgent(""); checkUserAgent(ua) != nil || !strings.HasPrefix(ua, "server:vigie:") {
		t.Errorf("default agent %q", ua)
	}
	cfg, _ := configOf(&vigie.Source{Settings: map[string]string{"client_id": testID, "client_secret": testSecret}})
	if cfg.auth != DefaultAuth || cfg.api != DefaultAPI {
		t.Errorf("default addresses %q %q", cfg.api, cfg.auth)
	}
}
