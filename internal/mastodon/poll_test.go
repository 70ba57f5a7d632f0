package mastodon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
)

// now is the tests' clock: after every status of the fixtures.
var now = time.Date(2026, 11, 20, 10, 15, 0, 0, time.UTC)

// baseID is the local id of the fixtures' first generated status.
const baseID = 113500000000100000

// template is testdata/statuses.json's first status, as JSON values, to
// make statuses of the real shape.
func template(t testing.TB) []byte {
	t.Helper()
	templateOnce.Do(func() {
		data, err := os.ReadFile("testdata/statuses.json")
		if err != nil {
			t.Fatal(err)
		}
		var all []json.RawMessage
		if err := json.Unmarshal(data, &all); err != nil {
			t.Fatal(err)
		}
		templateJSON = all[0]
	})
	return templateJSON
}

var (
	templateOnce sync.Once
	templateJSON []byte
)

// makeStatus is the template with local id baseID+n, tagged with tag.
func makeStatus(t testing.TB, n int, tag string) map[string]any {
	var s map[string]any
	if err := json.Unmarshal(template(t), &s); err != nil {
		t.Fatal(err)
	}
	id := strconv.Itoa(baseID + n)
	s["id"] = id
	s["uri"] = "https://social.example/users/labo_climat/statuses/" + id
	s["url"] = "https://social.example/@labo_climat/" + id
	s["created_at"] = time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Second).Format("2006-01-02T15:04:05.000Z")
	s["content"] = fmt.Sprintf(`<p>Post %d <a href="https://social.example/tags/%s" class="mention hashtag" rel="tag">#<span>%s</span></a></p>`, n, tag, tag)
	s["tags"] = []any{map[string]any{"name": tag, "url": "https://social.example/tags/" + tag}}
	return s
}

// tagServer is an instance's hashtag timelines: newest first, with
// Mastodon's paging (limit ≤ 40, since_id, max_id), Link and rate-limit
// headers.
type tagServer struct {
	t    testing.TB
	srv  *httptest.Server
	mu   sync.Mutex
	tags map[string][]map[string]any // newest first
	reqs []url.URL
	// answer, when set, answers instead of the timeline.
	answer func(w http.ResponseWriter, r *http.Request) bool
}

func newTagServer(t testing.TB) *tagServer {
	ts := &tagServer{t: t, tags: map[string][]map[string]any{}}
	ts.srv = httptest.NewServer(ts)
	t.Cleanup(ts.srv.Close)
	return ts
}

// add publishes statuses n in [from, to) on tag.
func (ts *tagServer) add(tag string, from, to int) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	for n := from; n < to; n++ {
		ts.tags[tag] = append([]map[string]any{makeStatus(ts.t, n, tag)}, ts.tags[tag]...)
	}
}

// put replaces a status of tag (same id) or adds it in its place.
func (ts *tagServer) put(tag string, s map[string]any) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	for i, old := range ts.tags[tag] {
		if old["id"] == s["id"] {
			ts.tags[tag][i] = s
			return
		}
	}
	ts.tags[tag] = append(ts.tags[tag], s)
	slices.SortFunc(ts.tags[tag], func(a, b map[string]any) int { return compareIDs(b["id"].(string), a["id"].(string)) })
}

// remove takes status n off tag and returns it.
func (ts *tagServer) remove(tag string, n int) map[string]any {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	id := strconv.Itoa(baseID + n)
	for i, s := range ts.tags[tag] {
		if s["id"] == id {
			ts.tags[tag] = slices.Delete(ts.tags[tag], i, i+1)
			return s
		}
	}
	ts.t.Fatalf("no status %d on #%s", n, tag)
	return nil
}

func (ts *tagServer) requests() []url.URL {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	out := ts.reqs
	ts.reqs = nil
	return out
}

func (ts *tagServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ts.mu.Lock()
	ts.reqs = append(ts.reqs, *r.URL)
	ts.mu.Unlock()
	if ts.answer != nil && ts.answer(w, r) {
		return
	}
	tag, ok := strings.CutPrefix(r.URL.Path, "/api/v1/timelines/tag/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit <= 0 {
		limit = 20
	}
	limit = min(limit, 40)
	ts.mu.Lock()
	var page []map[string]any
	for _, s := range ts.tags[tag] {
		id := s["id"].(string)
		if since := q.Get("since_id"); since != "" && compareIDs(id, since) <= 0 {
			continue
		}
		if max := q.Get("max_id"); max != "" && compareIDs(id, max) >= 0 {
			continue
		}
		if len(page) < limit {
			page = append(page, s)
		}
	}
	ts.mu.Unlock()
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-RateLimit-Limit", "300")
	h.Set("X-RateLimit-Remaining", "299")
	h.Set("X-RateLimit-Reset", "2026-11-20T10:20:00.204837Z")
	if len(page) > 0 {
		// As Mastodon writes it: next keeps limit and gives max_id, prev
		// gives min_id; neither keeps since_id.
		base := "http://" + r.Host + r.URL.Path + "?limit=" + strconv.Itoa(limit)
		h.Set("Link", fmt.Sprintf(`<%s&max_id=%s>; rel="next", <%s&min_id=%s>; rel="prev"`,
			base, page[len(page)-1]["id"], base, page[0]["id"]))
	}
	json.NewEncoder(w).Encode(page)
}

func pollSource(u string, settings map[string]string) *vigie.Source {
	return &vigie.Source{ID: 1, Kind: vigie.SourceMastodon, Name: "test", URL: u, Settings: settings}
}

func newTestPoller(ts *tagServer) *Poller {
	return NewPoller(connector.Deps{Client: ts.srv.Client(), Now: func() time.Time { return now }})
}

// run polls src and carries its cursor forward, as the scheduler does.
func run(t *testing.T, p *Poller, src *vigie.Source) connector.Batch {
	t.Helper()
	b, err := p.Run(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	for _, post := range append(slices.Clone(b.Posts), b.Edits...) {
		if err := post.Validate(); err != nil {
			t.Errorf("invalid post: %v", err)
		}
	}
	src.SourceState = b.State
	return b
}

func postNumbers(posts []vigie.Post) []int {
	var out []int
	for _, p := range posts {
		i := strings.LastIndexByte(p.ID, '/')
		n, _ := strconv.Atoi(p.ID[i+1:])
		out = append(out, n-baseID)
	}
	slices.Sort(out)
	return out
}

func span(from, to int) []int {
	var out []int
	for n := from; n < to; n++ {
		out = append(out, n)
	}
	return out
}

func TestPollNewestPageThenSinceIDWithPages(t *testing.T) {
	ts := newTagServer(t)
	ts.add("epfl", 0, 100)
	p := newTestPoller(ts)
	src := pollSource(ts.srv.URL, map[string]string{"tags": "epfl"})

	// First poll: the newest page only.
	b := run(t, p, src)
	reqs := ts.requests()
	if len(reqs) != 1 || reqs[0].Path != "/api/v1/timelines/tag/epfl" || reqs[0].Query().Get("limit") != "40" || reqs[0].Query().Has("since_id") {
		t.Fatalf("first poll requests: %v", reqs)
	}
	if got := postNumbers(b.Posts); !slices.Equal(got, span(60, 100)) || len(b.Edits) != 0 {
		t.Fatalf("first poll posts %v", got)
	}
	if b.State.RateLimit != "299 of 300 requests left until 10:20 UTC" {
		t.Errorf("rate limit: %q", b.State.RateLimit)
	}
	var c cursor
	if err := json.Unmarshal([]byte(b.State.Cursor), &c); err != nil || c["epfl"] == nil ||
		c["epfl"].SinceID != strconv.Itoa(baseID+89) || len(c["epfl"].Recent) != overlap {
		t.Fatalf("cursor %s (%v)", b.State.Cursor, err)
	}

	// Nothing new: one request, from the overlap; nothing comes back.
	b = run(t, p, src)
	if reqs := ts.requests(); len(reqs) != 1 || reqs[0].Query().Get("since_id") != strconv.Itoa(baseID+89) {
		t.Fatalf("quiet poll requests: %v", reqs)
	}
	if len(b.Posts)+len(b.Edits) != 0 {
		t.Errorf("a quiet poll brought %d posts, %d edits", len(b.Posts), len(b.Edits))
	}

	// 95 new statuses: three full pages down to the cursor, nothing lost;
	// one of them (188) reaches the instance late.
	ts.add("epfl", 100, 195)
	late := ts.remove("epfl", 188)
	b = run(t, p, src)
	reqs = ts.requests()
	if len(reqs) != 3 {
		t.Fatalf("busy poll: %d requests, want 3: %v", len(reqs), reqs)
	}
	for i, r := range reqs {
		if r.Query().Get("since_id") != strconv.Itoa(baseID+89) {
			t.Errorf("request %d has no since_id: %v", i, r.RawQuery)
		}
	}
	if reqs[0].Query().Has("max_id") || reqs[1].Query().Get("max_id") != strconv.Itoa(baseID+154) || reqs[2].Query().Get("max_id") != strconv.Itoa(baseID+114) {
		t.Errorf("max_id does not follow the Link header: %v", reqs)
	}
	want := slices.DeleteFunc(span(100, 195), func(n int) bool { return n == 188 })
	if got := postNumbers(b.Posts); !slices.Equal(got, want) {
		t.Errorf("busy poll posts %v, want 100…194 but 188", got)
	}

	// The late status, older than the newest seen but within the
	// overlap, is still heard.
	ts.put("epfl", late)
	b = run(t, p, src)
	if got := postNumbers(b.Posts); !slices.Equal(got, []int{188}) || len(b.Edits) != 0 {
		t.Errorf("late status: posts %v", got)
	}
}

func TestPollStopsAfterMaxPages(t *testing.T) {
	ts := newTagServer(t)
	ts.add("epfl", 0, 50)
	p := newTestPoller(ts)
	src := pollSource(ts.srv.URL, map[string]string{"tags": "epfl"})
	run(t, p, src)
	ts.requests()
	ts.add("epfl", 50, 400)
	b := run(t, p, src)
	if reqs := ts.requests(); len(reqs) != maxPages {
		t.Errorf("%d requests, want %d", len(reqs), maxPages)
	}
	if got := postNumbers(b.Posts); !slices.Equal(got, span(200, 400)) {
		t.Errorf("posts %d…, want the newest %d", got[:3], maxPages*pageLimit)
	}
}

func TestPollEdits(t *testing.T) {
	ts := newTagServer(t)
	ts.add("epfl", 0, 5)
	p := newTestPoller(ts)
	src := pollSource(ts.srv.URL, map[string]string{"tags": "epfl"})
	if b := run(t, p, src); len(b.Posts) != 5 {
		t.Fatalf("%d posts", len(b.Posts))
	}
	s := makeStatus(t, 3, "epfl")
	s["edited_at"] = "2026-11-20T10:00:00.000Z"
	s["content"] = "<p>Post 3, corrected</p>"
	ts.put("epfl", s)
	b := run(t, p, src)
	if len(b.Posts) != 0 || len(b.Edits) != 1 || b.Edits[0].Text != "Post 3, corrected" {
		t.Fatalf("edit: posts %v edits %+v", b.Posts, b.Edits)
	}
	if b := run(t, p, src); len(b.Posts)+len(b.Edits) != 0 {
		t.Errorf("the same edit came twice: %+v", b)
	}
	s["edited_at"] = "2026-11-20T10:01:00.000Z"
	s["content"] = "<p>Post 3, corrected twice</p>"
	ts.put("epfl", s)
	if b := run(t, p, src); len(b.Edits) != 1 || b.Edits[0].Text != "Post 3, corrected twice" {
		t.Errorf("second edit: %+v", b.Edits)
	}
	// A new status already edited is an edit (stored elsewhere already, it
	// is updated; else it is taken as new).
	s = makeStatus(t, 5, "epfl")
	s["edited_at"] = "2026-11-20T10:02:00.000Z"
	ts.put("epfl", s)
	if b := run(t, p, src); len(b.Edits) != 1 || len(b.Posts) != 0 {
		t.Errorf("new edited status: posts %d edits %d", len(b.Posts), len(b.Edits))
	}
}

func TestPollTagsAndTerms(t *testing.T) {
	ts := newTagServer(t)
	ts.add("epfl", 0, 3)
	ts.add("ethz", 3, 5)
	both := makeStatus(t, 1, "epfl") // tagged #epfl and #ethz: one post
	ts.put("ethz", both)
	terms := []string{"#EPFL", "climat", `"open day"`, "@epfl", "#ethz", "#c++"}
	p := NewPoller(connector.Deps{Client: ts.srv.Client(), Now: func() time.Time { return now },
		Terms: func(context.Context, *vigie.Source) ([]string, error) { return terms, nil }})
	src := pollSource(ts.srv.URL, nil)
	b := run(t, p, src)
	var paths []string
	for _, r := range ts.requests() {
		paths = append(paths, r.Path)
	}
	if !slices.Equal(paths, []string{"/api/v1/timelines/tag/epfl", "/api/v1/timelines/tag/ethz"}) {
		t.Errorf("requests %v: the monitors' hashtags only", paths)
	}
	if got := postNumbers(b.Posts); !slices.Equal(got, []int{0, 1, 2, 3, 4}) {
		t.Errorf("posts %v", got)
	}

	terms = []string{"epfl", "@epfl"}
	_, err := p.Run(context.Background(), pollSource(ts.srv.URL, nil))
	if !errors.Is(err, vigie.ErrInvalid) || !strings.Contains(err.Error(), "set the source's tags") || !strings.Contains(err.Error(), "#hashtag") {
		t.Errorf("no hashtag anywhere: %v", err)
	}
}

func TestPollAnswers(t *testing.T) {
	tests := []struct {
		name   string
		status int
		header map[string]string
		body   string
		check  func(t *testing.T, b connector.Batch, err error)
	}{
		{"rate limited", 429, map[string]string{"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "2026-11-20T10:20:00.204837Z"},
			`{"error":"Too many requests"}`,
			func(t *testing.T, b connector.Batch, err error) {
				rl, ok := connector.RateLimited(err)
				if !ok || !rl.Until.Equal(time.Date(2026, 11, 20, 10, 20, 0, 204837000, time.UTC)) {
					t.Fatalf("429: %v", err)
				}
				if b.State.RateLimit != "no requests left until 10:20 UTC" {
					t.Errorf("rate limit state %q", b.State.RateLimit)
				}
			}},
		{"login required", 401, nil, `{"error":"This method requires an authenticated user"}`,
			func(t *testing.T, b connector.Batch, err error) {
				if !connector.IsAuth(err) || !strings.Contains(err.Error(), "signed-in users") || !strings.Contains(err.Error(), "#epfl") {
					t.Errorf("401: %v", err)
				}
			}},
		{"forbidden", 403, nil, `{"error":"This action is not allowed"}`,
			func(t *testing.T, b connector.Batch, err error) {
				if !connector.IsAuth(err) {
					t.Errorf("403: %v", err)
				}
			}},
		{"unknown tag on an older server", 404, nil, `{"error":"Record not found"}`,
			func(t *testing.T, b connector.Batch, err error) {
				if err != nil || len(b.Posts) != 0 {
					t.Errorf("404: %v %v", b.Posts, err)
				}
			}},
		{"server error", 502, nil, `<html><body>Bad gateway</body></html>`,
			func(t *testing.T, b connector.Batch, err error) {
				if err == nil || !strings.Contains(err.Error(), "HTTP 502") {
					t.Errorf("502: %v", err)
				}
			}},
		{"not JSON", 200, nil, `<!DOCTYPE html><html><body>Welcome</body></html>`,
			func(t *testing.T, b connector.Batch, err error) {
				if err == nil || !strings.Contains(err.Error(), "not a list of statuses") {
					t.Errorf("HTML: %v", err)
				}
			}},
		{"truncated JSON", 200, nil, `[{"id":"113500000000100001","created_at":"2026-11-20T08:00:01.000Z","uri":"https://soc`,
			func(t *testing.T, b connector.Batch, err error) {
				if err == nil || !strings.Contains(err.Error(), "not a list of statuses") {
					t.Errorf("truncated: %v", err)
				}
			}},
		{"no status readable", 200, nil, `[{"id":"1","account":"nobody","created_at":5}]`,
			func(t *testing.T, b connector.Batch, err error) {
				if err == nil || !strings.Contains(err.Error(), "could be read") {
					t.Errorf("unreadable: %v", err)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTagServer(t)
			ts.answer = func(w http.ResponseWriter, r *http.Request) bool {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
				return true
			}
			src := pollSource(ts.srv.URL, map[string]string{"tags": "epfl"})
			b, err := newTestPoller(ts).Run(context.Background(), src)
			tt.check(t, b, err)
		})
	}
}

func TestPollSkipsUnreadableStatuses(t *testing.T) {
	ts := newTagServer(t)
	good, _ := json.Marshal(makeStatus(t, 1, "epfl"))
	ts.answer = func(w http.ResponseWriter, r *http.Request) bool {
		fmt.Fprintf(w, `[%s, {"id":"113500000000100000","account":"nobody"}]`, good)
		return true
	}
	b, err := newTestPoller(ts).Run(context.Background(), pollSource(ts.srv.URL, map[string]string{"tags": "epfl"}))
	if err != nil || len(b.Posts) != 1 {
		t.Fatalf("%d posts, %v", len(b.Posts), err)
	}
	var c cursor
	json.Unmarshal([]byte(b.State.Cursor), &c)
	if _, ok := c["epfl"].Recent["113500000000100000"]; !ok {
		t.Errorf("the unreadable status's id is not in the cursor: %s", b.State.Cursor)
	}
}

func TestPollDamagedCursor(t *testing.T) {
	ts := newTagServer(t)
	ts.add("epfl", 0, 3)
	src := pollSource(ts.srv.URL, map[string]string{"tags": "epfl"})
	src.Cursor = `{"epfl":` // cut off
	b := run(t, newTestPoller(ts), src)
	if len(b.Posts) != 3 {
		t.Errorf("a damaged cursor starts again from the newest page: %d posts", len(b.Posts))
	}
}

// TestPollQuietTagTurnsBusy: a tag with few statuses (no since_id yet)
// that gets more than a page between two polls is read down to the
// statuses known.
func TestPollQuietTagTurnsBusy(t *testing.T) {
	ts := newTagServer(t)
	ts.add("epfl", 0, 5)
	p := newTestPoller(ts)
	src := pollSource(ts.srv.URL, map[string]string{"tags": "epfl"})
	run(t, p, src)
	ts.requests()
	ts.add("epfl", 5, 65)
	b := run(t, p, src)
	if reqs := ts.requests(); len(reqs) != 2 || reqs[1].Query().Get("max_id") != strconv.Itoa(baseID+25) {
		t.Errorf("requests %v", reqs)
	}
	if got := postNumbers(b.Posts); !slices.Equal(got, span(5, 65)) {
		t.Errorf("posts %v, want 5…64", got)
	}
}

// TestPollServerIgnoresSinceID: a server that answers the newest page
// whatever since_id says gives nothing twice and is not paged through.
func TestPollServerIgnoresSinceID(t *testing.T) {
	ts := newTagServer(t)
	ts.add("epfl", 0, 100)
	ts.answer = func(w http.ResponseWriter, r *http.Request) bool {
		q := r.URL.Query()
		q.Del("since_id")
		r.URL.RawQuery = q.Encode()
		return false
	}
	p := newTestPoller(ts)
	src := pollSource(ts.srv.URL, map[string]string{"tags": "epfl"})
	run(t, p, src)
	ts.requests()
	ts.add("epfl", 100, 103)
	b := run(t, p, src)
	if got := postNumbers(b.Posts); !slices.Equal(got, span(100, 103)) || len(b.Edits) != 0 {
		t.Errorf("posts %v, want 100…102", got)
	}
	if reqs := ts.requests(); len(reqs) != 1 {
		t.Errorf("%d requests", len(reqs))
	}
}
