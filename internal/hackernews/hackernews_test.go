package hackernews

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
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

func source(url string, settings map[string]string) *vigie.Source {
	return &vigie.Source{ID: 1, Kind: vigie.SourceHackerNews, Name: "hn", URL: url, Settings: settings}
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		name, url string
		settings  map[string]string
		wantURL   string
		wantQuery string
		err       string
	}{
		{name: "default", wantURL: DefaultURL},
		{name: "api path dropped", url: "https://HN.algolia.com/api/v1/", wantURL: "https://hn.algolia.com"},
		{name: "query trimmed", settings: map[string]string{"query": "  epfl  "}, wantURL: DefaultURL, wantQuery: "epfl"},
		{name: "loopback http for tests", url: "http://127.0.0.1:8080", wantURL: "http://127.0.0.1:8080"},
		{name: "plain http", url: "http://hn.algolia.com", err: "https://"},
		{name: "not an address", url: "hn.algolia.com", err: "not the address"},
		{name: "query string", url: "https://hn.algolia.com/?x=1", err: "not the address"},
		{name: "unknown setting", settings: map[string]string{"quey": "x"}, err: `unknown setting "quey"`},
		{name: "control character", settings: map[string]string{"query": "a\x00b"}, err: "control character"},
		{name: "long query", settings: map[string]string{"query": strings.Repeat("a", 401)}, err: "at most 400"},
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
			if src.URL != c.wantURL || src.Settings["query"] != c.wantQuery {
				t.Errorf("got url %q query %q, want %q %q", src.URL, src.Settings["query"], c.wantURL, c.wantQuery)
			}
		})
	}
	k, ok := connector.Lookup(vigie.SourceHackerNews)
	if !ok || k.Interval != 5*time.Minute || k.Poll == nil || k.Check == nil {
		t.Errorf("registered kind %+v", k)
	}
}

func TestRunFixture(t *testing.T) {
	body := readTestdata(t, "search_by_date.json")
	var got []string
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.URL.RequestURI())
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(body)
	}))
	src := source(srv.URL, map[string]string{"query": "epfl"})
	b, err := newRunner().Run(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != "/api/v1/search_by_date?hitsPerPage=100&page=0&query=epfl&tags=%28story%2Ccomment%29" {
		t.Fatalf("requests %q (a first run reads the newest page, without a date filter)", got)
	}
	want := []vigie.Post{
		{ID: "46021522", Source: "hackernews", URL: "https://news.ycombinator.com/item?id=46021522",
			PublishedAt: time.Date(2026, 12, 7, 11, 58, 20, 0, time.UTC),
			Author:      vigie.Author{ID: "lena_k", Handle: "lena_k", URL: "https://news.ycombinator.com/user?id=lena_k"},
			Text:        "The EPFL group published the dataset too: https://example.org/data\nIt's under CC-BY & the code is Apache-2.0.",
			Links:       []string{"https://example.org/data"}, ReplyTo: "46021401"},
		{ID: "46021410", Source: "hackernews", URL: "https://news.ycombinator.com/item?id=46021410",
			PublishedAt: time.Date(2026, 12, 7, 11, 50, 31, 0, time.UTC),
			Author:      vigie.Author{ID: "throwaway_ch", Handle: "throwaway_ch", URL: "https://news.ycombinator.com/user?id=throwaway_ch"},
			Title:       "Ask HN: ETH or EPFL for a PhD in systems?",
			Text:        "I got offers from ETH and EPFL for a PhD in distributed systems.\nWhich lab culture is better for someone who wants to ship software?",
			Metrics:     vigie.Metrics{Likes: 5, Replies: 2}},
		{ID: "46021377", Source: "hackernews", URL: "https://news.ycombinator.com/item?id=46021377",
			PublishedAt: time.Date(2026, 12, 7, 11, 41, 7, 0, time.UTC),
			Author:      vigie.Author{ID: "mvdberg", Handle: "mvdberg", URL: "https://news.ycombinator.com/user?id=mvdberg"},
			Title:       "EPFL releases an open-source chip design toolkit",
			Links:       []string{"https://actu.epfl.ch/news/chip-toolkit/"},
			Metrics:     vigie.Metrics{Likes: 61, Replies: 14}},
	}
	if len(b.Posts) != len(want) {
		t.Fatalf("%d posts, want %d: %+v", len(b.Posts), len(want), b.Posts)
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
	if err := json.Unmarshal([]byte(b.State.Cursor), &cur); err != nil {
		t.Fatal(err)
	}
	if s := cur.Terms["epfl"]; s == nil || s.Last != 1796644700 || len(s.Seen) != 2 {
		// 46021377 is over 10 minutes older than the newest: never read again.
		t.Errorf("cursor %s", b.State.Cursor)
	}
	if !strings.Contains(b.State.RateLimit, "1 requests this run") {
		t.Errorf("rate limit %q", b.State.RateLimit)
	}
}

// index is a fake HN Search API over items: it filters on the query (a
// word of the title or text), numericFilters on created_at_i, sorts newest
// first and pages as Algolia does, retrieving at most 1 000 hits.
type index struct {
	mu       sync.Mutex
	items    []item
	requests []string
	status   int // answer with this status, if set
	header   http.Header
}

type item struct {
	ID      int64
	At      int64
	Comment bool
	Text    string
}

func (x *index) add(id, at int64, comment bool, text string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.items = append(x.items, item{id, at, comment, text})
}

func (x *index) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.requests = append(x.requests, r.URL.RequestURI())
	for k, v := range x.header {
		w.Header()[k] = v
	}
	if x.status != 0 {
		w.WriteHeader(x.status)
		fmt.Fprintf(w, `{"message":"too many requests","status":%d}`, x.status)
		return
	}
	if r.URL.Path != "/api/v1/search_by_date" || r.URL.Query().Get("tags") != "(story,comment)" {
		http.Error(w, `{"message":"unexpected request","status":400}`, http.StatusBadRequest)
		return
	}
	q := r.URL.Query()
	lo, hi := int64(-1<<62), int64(1<<62)
	if f := q.Get("numericFilters"); f != "" {
		for _, c := range strings.Split(f, ",") {
			switch {
			case strings.HasPrefix(c, "created_at_i>"):
				lo, _ = strconv.ParseInt(strings.TrimPrefix(c, "created_at_i>"), 10, 64)
				lo++
			case strings.HasPrefix(c, "created_at_i<="):
				hi, _ = strconv.ParseInt(strings.TrimPrefix(c, "created_at_i<="), 10, 64)
			default:
				http.Error(w, `{"message":"bad filter","status":400}`, http.StatusBadRequest)
				return
			}
		}
	}
	word := strings.ToLower(strings.Trim(q.Get("query"), `"`))
	var match []item
	for _, it := range x.items {
		if it.At >= lo && it.At <= hi && strings.Contains(strings.ToLower(it.Text), word) {
			match = append(match, it)
		}
	}
	sort.SliceStable(match, func(i, j int) bool { return match[i].At > match[j].At })
	hpp, _ := strconv.Atoi(q.Get("hitsPerPage"))
	page, _ := strconv.Atoi(q.Get("page"))
	reachable := min(len(match), 1000)
	nbPages := (reachable + hpp - 1) / hpp
	var hits []map[string]any
	for i := page * hpp; i < min((page+1)*hpp, reachable); i++ {
		hits = append(hits, hitJSON(match[i]))
	}
	if hits == nil {
		hits = []map[string]any{}
	}
	json.NewEncoder(w).Encode(map[string]any{"hits": hits, "nbHits": len(match), "page": page, "nbPages": nbPages,
		"hitsPerPage": hpp, "exhaustiveNbHits": true, "query": q.Get("query"), "params": r.URL.RawQuery, "processingTimeMS": 1})
}

// hitJSON writes an item as Algolia does (2025 shape: absent rather than
// null fields).
func hitJSON(it item) map[string]any {
	id := strconv.FormatInt(it.ID, 10)
	created := time.Unix(it.At, 0).UTC().Format("2006-01-02T15:04:05Z")
	if it.Comment {
		return map[string]any{"_tags": []string{"comment", "author_u" + id, "story_1"}, "author": "u" + id,
			"comment_text": it.Text, "created_at": created, "created_at_i": it.At, "objectID": id, "parent_id": 1,
			"story_id": 1, "story_title": "Story", "updated_at": created, "children": []int{}}
	}
	return map[string]any{"_tags": []string{"story", "author_u" + id, "story_" + id}, "author": "u" + id,
		"created_at": created, "created_at_i": it.At, "num_comments": 0, "objectID": id, "points": 1,
		"story_id": it.ID, "title": it.Text, "updated_at": created, "url": "https://example.org/" + id}
}

func ids(posts []vigie.Post) []string {
	var out []string
	for _, p := range posts {
		out = append(out, p.ID)
	}
	return out
}

func TestRunCursorAdvances(t *testing.T) {
	x := &index{}
	base := now.Unix() - 3600
	for i := range int64(150) {
		x.add(1000+i, base+i*10, i%2 == 0, fmt.Sprintf("epfl item %d", i))
	}
	x.add(5000, base+5, false, "nothing to see")
	srv := newServer(t, x)
	r := newRunner()
	src := source(srv.URL, map[string]string{"query": "epfl"})

	b, err := r.Run(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Posts) != 100 || b.Posts[0].ID != "1149" || b.Posts[99].ID != "1050" {
		t.Fatalf("first run: %d posts %v…; want the newest page only", len(b.Posts), ids(b.Posts)[:3])
	}
	src.SourceState = b.State

	// Two new items, one of them indexed late (older than the newest seen).
	x.add(2000, base+1500, false, "EPFL news")
	x.add(2001, base+1485, true, "late epfl comment")
	b, err = r.Run(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(b.Posts); !slices.Equal(got, []string{"2000", "2001"}) {
		t.Fatalf("second run: %v, want only the two new items", got)
	}
	last := x.requests[len(x.requests)-1]
	if want := "numericFilters=created_at_i%3E" + strconv.FormatInt(base+149*10-overlap, 10); !strings.Contains(last, want) {
		t.Errorf("request %s lacks %s", last, want)
	}
	src.SourceState = b.State

	b, err = r.Run(context.Background(), src)
	if err != nil || len(b.Posts) != 0 {
		t.Fatalf("third run: %v %v, want nothing new", ids(b.Posts), err)
	}
}

func TestRunPaginatesPastTheHitCap(t *testing.T) {
	x := &index{}
	start := now.Unix() - 100000
	x.add(1, start, false, "epfl first")
	srv := newServer(t, x)
	r := newRunner()
	src := source(srv.URL, map[string]string{"query": "epfl"})
	b, err := r.Run(context.Background(), src)
	if err != nil || len(b.Posts) != 1 {
		t.Fatalf("first run: %v %v", ids(b.Posts), err)
	}
	src.SourceState = b.State
	// 2 500 new items, some sharing a second, after a long outage.
	for i := range int64(2500) {
		x.add(10+i, start+1000+i/3, i%2 == 1, "epfl backlog")
	}
	x.requests = nil
	b, err = r.Run(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, p := range b.Posts {
		if seen[p.ID] {
			t.Fatalf("post %s twice", p.ID)
		}
		seen[p.ID] = true
	}
	if len(b.Posts) != 2500 {
		t.Fatalf("%d posts, want the 2 500 new ones (%d requests)", len(b.Posts), len(x.requests))
	}
	if n := len(x.requests); n > maxRequestsPerTerm {
		t.Errorf("%d requests", n)
	}
	if !strings.Contains(x.requests[len(x.requests)-1], "created_at_i%3C%3D") {
		t.Errorf("the last request does not slide below the cap: %s", x.requests[len(x.requests)-1])
	}

	// A backlog beyond what a run reads: the run stops at its bound.
	src.SourceState = b.State
	for i := range int64(3500) {
		x.add(100000+i, start+5000+i, false, "epfl flood")
	}
	x.requests = nil
	b, err = r.Run(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	// Three windows of 1 000 hits; each slide reads the oldest second's
	// item again (one a second here).
	if len(x.requests) != maxRequestsPerTerm || len(b.Posts) != 2998 {
		t.Errorf("%d requests, %d posts; want %d and 2 998", len(x.requests), len(b.Posts), maxRequestsPerTerm)
	}
}

func TestRunMonitorTerms(t *testing.T) {
	x := &index{}
	x.add(1, now.Unix()-60, false, "EPFL open source")
	srv := newServer(t, x)
	r := newRunner("#epfl", "@EPFL", "epfl", `"open source"`, "  ", "#")
	b, err := r.Run(context.Background(), source(srv.URL, nil))
	if err != nil {
		t.Fatal(err)
	}
	var queries []string
	for _, u := range x.requests {
		req, _ := http.NewRequest("GET", u, nil)
		queries = append(queries, req.URL.Query().Get("query"))
	}
	if !slices.Equal(queries, []string{"epfl", `"open source"`}) {
		t.Errorf("queries %q: one per term, without '#' or '@', phrases quoted", queries)
	}
	if len(b.Posts) != 1 { // found by both terms, sent once
		t.Errorf("posts %v", ids(b.Posts))
	}

	// More terms than a run searches: taken in turn.
	var many []string
	for i := range 25 {
		many = append(many, fmt.Sprintf("term%d", i))
	}
	r = newRunner(many...)
	src := source(srv.URL, nil)
	counts := map[string]int{}
	for range 3 {
		x.requests = nil
		b, err := r.Run(context.Background(), src)
		if err != nil {
			t.Fatal(err)
		}
		if len(x.requests) != maxTerms {
			t.Fatalf("%d requests in a run, want %d", len(x.requests), maxTerms)
		}
		for _, u := range x.requests {
			req, _ := http.NewRequest("GET", u, nil)
			counts[req.URL.Query().Get("query")]++
		}
		src.SourceState = b.State
	}
	for _, term := range many {
		if counts[term] < 2 {
			t.Errorf("term %s searched %d times in 3 runs", term, counts[term])
		}
	}

	_, err = newRunner().Run(context.Background(), source(srv.URL, nil))
	if err == nil || !strings.Contains(err.Error(), "nothing to search") {
		t.Errorf("no terms: %v", err)
	}
}

func TestRunRateLimited(t *testing.T) {
	for _, c := range []struct {
		name   string
		header http.Header
		until  time.Time
	}{
		{"retry-after", http.Header{"Retry-After": {"120"}}, now.Add(2 * time.Minute)},
		{"no time given", nil, now.Add(rateLimitWait)},
	} {
		t.Run(c.name, func(t *testing.T) {
			x := &index{status: http.StatusTooManyRequests, header: c.header}
			srv := newServer(t, x)
			src := source(srv.URL, map[string]string{"query": "epfl"})
			src.Cursor = `{"terms":{"epfl":{"last":1}}}`
			b, err := newRunner().Run(context.Background(), src)
			rl, ok := connector.RateLimited(err)
			if !ok || !rl.Until.Equal(c.until) {
				t.Fatalf("err %v, want a rate limit until %s", err, c.until)
			}
			if !strings.Contains(err.Error(), `"epfl"`) || !strings.Contains(b.State.RateLimit, "rate limited at 12:00 UTC until "+c.until.Format("15:04")) {
				t.Errorf("err %q, state %q", err, b.State.RateLimit)
			}
			if b.State.Cursor != src.Cursor || len(b.Posts) != 0 {
				t.Errorf("a failed run changed the cursor: %+v", b)
			}
		})
	}
}

func TestRunRefused(t *testing.T) {
	for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		x := &index{status: status}
		srv := newServer(t, x)
		_, err := newRunner().Run(context.Background(), source(srv.URL, map[string]string{"query": "epfl"}))
		var auth *connector.AuthError
		if !errors.As(err, &auth) || auth.Status != status {
			t.Errorf("HTTP %d: %v, want an AuthError", status, err)
		}
	}
}

func TestRunBadAnswers(t *testing.T) {
	full := readTestdata(t, "search_by_date.json")
	for _, c := range []struct {
		name, body, want string
	}{
		{"truncated", string(full[:len(full)/2]), "not the JSON expected"},
		{"html", "<!doctype html><p>maintenance</p>", "not the JSON expected"},
		{"hits not a list", `{"hits":{"a":1},"nbPages":1}`, "not the JSON expected"},
		{"empty", "", "not the JSON expected"},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Write([]byte(c.body))
			}))
			_, err := newRunner().Run(context.Background(), source(srv.URL, map[string]string{"query": "epfl"}))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err %v, want %q", err, c.want)
			}
		})
	}
	// Fields of unexpected types do not lose the page.
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"hits":[{"objectID":42,"created_at_i":"1796644700","title":"EPFL","points":null,"num_comments":3.0,"_tags":["story"],"url":{"x":1}},
			{"objectID":"x1","created_at_i":1,"title":"not an HN id"},{"objectID":"43","title":"no date"},{"objectID":"44","created_at_i":1796644700,"_tags":["comment"]}],"nbHits":4,"nbPages":1,"hitsPerPage":100}`))
	}))
	b, err := newRunner().Run(context.Background(), source(srv.URL, map[string]string{"query": "epfl"}))
	if err != nil || len(b.Posts) != 1 || b.Posts[0].ID != "42" || b.Posts[0].Metrics.Replies != 3 || len(b.Posts[0].Links) != 0 {
		t.Errorf("posts %+v, err %v", b.Posts, err)
	}
}

func TestRunConnectionDropped(t *testing.T) {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100000")
		w.Write([]byte(`{"hits":[{"objectID":"1",`))
		w.(http.Flusher).Flush()
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	src := source(srv.URL, map[string]string{"query": "epfl"})
	b, err := newRunner().Run(context.Background(), src)
	if err == nil || !strings.Contains(err.Error(), "reading the answer") || b.State.Cursor != "" {
		t.Errorf("err %v, state %+v", err, b.State)
	}
}

func TestRunUnreadableCursor(t *testing.T) {
	x := &index{}
	x.add(1, now.Unix()-60, false, "epfl")
	srv := newServer(t, x)
	src := source(srv.URL, map[string]string{"query": "epfl"})
	src.Cursor = "{not json"
	b, err := newRunner().Run(context.Background(), src)
	if err != nil || len(b.Posts) != 1 || !json.Valid([]byte(b.State.Cursor)) {
		t.Errorf("posts %v err %v cursor %q: an unreadable cursor starts afresh", ids(b.Posts), err, b.State.Cursor)
	}
}

func TestRunRateLimitHeaders(t *testing.T) {
	x := &index{header: http.Header{"X-Ratelimit-Limit": {"10000"}, "X-Ratelimit-Remaining": {"9876"}, "X-Ratelimit-Reset": {strconv.FormatInt(now.Add(40*time.Minute).Unix(), 10)}}}
	srv := newServer(t, x)
	b, err := newRunner().Run(context.Background(), source(srv.URL, map[string]string{"query": "epfl"}))
	if err != nil || b.State.RateLimit != "9876 of 10000 requests left until 12:40 UTC" {
		t.Errorf("rate limit %q, err %v", b.State.RateLimit, err)
	}
}
