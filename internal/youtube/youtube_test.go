package youtube

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
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
)

// t0 is the test clock: 02:00 in California, whose midnight (08:00 UTC in
// winter) resets the quota.
var t0 = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

const (
	testKey = "AIzaSyD-test-key-0123456789abcdefghijk"
	epflCh  = "UCEbMkj4pP0yTcOqVp5b0fFw"
)

func readTestdata(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// fake is a local Data API and feed server answering as YouTube does,
// with a log of the calls.
type fake struct {
	t   *testing.T
	srv *httptest.Server

	mu    sync.Mutex
	calls []call
	// answer overrides the default answers: status and body, or 0 to
	// answer as usual.
	answer func(endpoint string, q url.Values) (int, []byte)
}

type call struct {
	endpoint string
	q        url.Values
}

func newFake(t *testing.T) *fake {
	f := &fake{t: t}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := r.URL.Query()
	endpoint := strings.TrimPrefix(r.URL.Path, "/youtube/v3/")
	f.calls = append(f.calls, call{endpoint, q})
	if endpoint == "/feeds/videos.xml" {
		f.feed(w, r)
		return
	}
	if q.Get("key") != testKey {
		w.WriteHeader(http.StatusBadRequest)
		w.Write(readTestdata(f.t, "error_key_invalid.json"))
		return
	}
	if f.answer != nil {
		if code, body := f.answer(endpoint, q); code != 0 {
			w.Header().Set("Content-Type", "application/json; charset=UTF-8")
			w.WriteHeader(code)
			w.Write(body)
			return
		}
	}
	var body []byte
	switch endpoint {
	case "search":
		if q.Get("part") != "snippet" || q.Get("type") != "video" || q.Get("order") != "date" || q.Get("maxResults") != "50" || q.Get("publishedAfter") == "" {
			f.t.Errorf("search asked with %v", q)
		}
		switch q.Get("pageToken") {
		case "":
			body = readTestdata(f.t, "search_page1.json")
		case "CDIQAA":
			body = readTestdata(f.t, "search_page2.json")
		}
	case "videos":
		if q.Get("part") != "snippet,statistics" || len(strings.Split(q.Get("id"), ",")) > 50 {
			f.t.Errorf("videos asked with %v", q)
		}
		body = readTestdata(f.t, "videos.json")
	case "playlistItems":
		if q.Get("playlistId") != "UU"+epflCh[2:] {
			f.t.Errorf("playlistItems asked with %v", q)
		}
		body = readTestdata(f.t, "uploads.json")
	case "commentThreads":
		if q.Get("allThreadsRelatedToChannelId") != epflCh || q.Get("textFormat") != "plainText" || q.Get("part") != "snippet,replies" || q.Get("order") != "time" {
			f.t.Errorf("commentThreads asked with %v", q)
		}
		body = readTestdata(f.t, "comment_threads.json")
	}
	if body == nil {
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"error": {"code": 404, "message": "Not Found", "errors": [{"message": "Not Found", "domain": "global", "reason": "notFound"}]}}`))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.Write(body)
}

func (f *fake) feed(w http.ResponseWriter, r *http.Request) {
	if f.answer != nil {
		if code, body := f.answer("feed", r.URL.Query()); code != 0 {
			w.WriteHeader(code)
			w.Write(body)
			return
		}
	}
	if r.URL.Query().Get("channel_id") != epflCh {
		http.NotFound(w, r)
		return
	}
	if r.Header.Get("If-None-Match") == `W/"feed-1"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", `W/"feed-1"`)
	w.Header().Set("Content-Type", "text/xml; charset=UTF-8")
	w.Write(readTestdata(f.t, "channel_feed.xml"))
}

// log returns the calls since the last log, as "endpoint" or
// "endpoint pageToken".
func (f *fake) log() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.calls {
		s := c.endpoint
		if p := c.q.Get("pageToken"); p != "" {
			s += " " + p
		}
		out = append(out, s)
	}
	f.calls = nil
	return out
}

func (f *fake) lastQuery(endpoint string) url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.calls) - 1; i >= 0; i-- {
		if f.calls[i].endpoint == endpoint {
			return f.calls[i].q
		}
	}
	return nil
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (f *fake) runner(c *clock, terms []string) *Runner {
	return New(connector.Deps{Client: f.srv.Client(), Now: c.now, Terms: func(context.Context, *vigie.Source) ([]string, error) { return terms, nil }})
}

func (f *fake) source(settings map[string]string) *vigie.Source {
	s := map[string]string{SettingKey: testKey}
	for k, v := range settings {
		if v == "" {
			delete(s, k)
		} else {
			s[k] = v
		}
	}
	u := f.srv.URL + "/youtube/v3"
	if s[SettingKey] == "" {
		u = f.srv.URL + "/feeds/videos.xml"
	}
	return &vigie.Source{ID: 3, Kind: vigie.SourceYouTube, URL: u, Settings: s}
}

func ids(posts []vigie.Post) []string {
	var out []string
	for _, p := range posts {
		out = append(out, p.ID)
	}
	return out
}

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
	if err != nil && strings.Contains(err.Error(), testKey) {
		t.Errorf("the key in the error: %v", err)
	}
	if strings.Contains(b.State.Cursor, testKey) || strings.Contains(b.State.RateLimit, testKey) {
		t.Error("the key in the state")
	}
	return b, err
}

func units(t *testing.T, src *vigie.Source) int {
	t.Helper()
	var c cursor
	if err := json.Unmarshal([]byte(src.Cursor), &c); err != nil {
		t.Fatal(err)
	}
	return c.Units
}

func TestSearchAndDetails(t *testing.T) {
	f := newFake(t)
	c := &clock{t: t0}
	r := f.runner(c, nil)
	src := f.source(map[string]string{SettingQuery: "EPFL", SettingLang: "fr", SettingRegion: "ch"})
	b, err := runOnce(t, r, src)
	if err != nil {
		t.Fatal(err)
	}
	// A first search reads one page, a day back; then the videos' details.
	if got := f.log(); !reflect.DeepEqual(got, []string{"search", "videos"}) {
		t.Errorf("calls %v", got)
	}
	if got := ids(b.Posts); !reflect.DeepEqual(got, []string{"Xk3bG7pQ2aE", "b7Rk2LmQx0c"}) {
		t.Fatalf("posts %v (the channel result is no video)", got)
	}
	want := vigie.Post{
		ID: "Xk3bG7pQ2aE", Source: "youtube", URL: "https://www.youtube.com/watch?v=Xk3bG7pQ2aE",
		PublishedAt: time.Date(2026, 12, 3, 9, 40, 6, 0, time.UTC), Title: "How a robot learns to walk | EPFL",
		Text:    "Researchers at the EPFL Biorobotics Laboratory show how a quadruped robot learns to walk.\n\nMore on https://actu.epfl.ch",
		Lang:    "en",
		Author:  vigie.Author{ID: epflCh, Name: "EPFL", URL: "https://www.youtube.com/channel/" + epflCh},
		Metrics: vigie.Metrics{Views: 15234, Likes: 812, Replies: 44},
	}
	if !reflect.DeepEqual(b.Posts[0], want) {
		t.Errorf("video\n got %+v\nwant %+v", b.Posts[0], want)
	}
	if p := b.Posts[1]; p.Title != "L'EPFL & l'ETH: ce qui change en 2027" || p.Lang != "fr" || p.Metrics != (vigie.Metrics{Views: 980, Replies: 3}) {
		t.Errorf("second video %+v", p)
	}
	if b.State.RateLimit != "quota: 101 of 10,000 units used today; resets at 08:00 UTC" {
		t.Errorf("rate limit %q", b.State.RateLimit)
	}
	var cur cursor
	json.Unmarshal([]byte(b.State.Cursor), &cur)
	if cur.Day != "2026-12-03" || cur.Units != 101 || cur.Searches["EPFL"] != "2026-12-03T09:40:06Z" {
		t.Errorf("cursor %+v", cur)
	}

	// Later: from an hour before the newest video seen, page after page
	// until a video seen before.
	src.Cursor = `{"day":"2026-12-03","units":101,"searches":{"EPFL":"2026-12-02T20:00:00Z"}}`
	b, err = runOnce(t, r, src)
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	first := f.calls[0].q
	f.mu.Unlock()
	if first.Get("publishedAfter") != "2026-12-02T19:00:00Z" || first.Get("relevanceLanguage") != "fr" || first.Get("regionCode") != "CH" {
		t.Errorf("search %v", first)
	}
	if got := f.log(); !reflect.DeepEqual(got, []string{"search", "search CDIQAA", "videos"}) {
		t.Errorf("calls %v", got)
	}
	if got := ids(b.Posts); !reflect.DeepEqual(got, []string{"Xk3bG7pQ2aE", "b7Rk2LmQx0c", "Zt8cW4nHq2s"}) {
		t.Errorf("posts %v", got)
	}
	if p := b.Posts[2]; p.Lang != "" || p.Text != "Une promenade sur le campus d'Ecublens, sans commentaire." {
		t.Errorf("a video without speech: %+v", p)
	}
	if u := units(t, src); u != 101+201 {
		t.Errorf("%d units, want 302", u)
	}
}

// The quota is counted in the cursor and in memory; a run that cannot pay
// for its next call stops, and waits for midnight in California.
func TestQuota(t *testing.T) {
	f := newFake(t)
	c := &clock{t: t0}
	r := f.runner(c, []string{"EPFL", `"ETH Zürich"`, "@unil"})
	src := f.source(map[string]string{SettingQuota: "250"})
	for i, want := range []int{101, 202} {
		if _, err := runOnce(t, r, src); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		if u := units(t, src); u != want {
			t.Errorf("run %d: %d units, want %d", i, u, want)
		}
	}
	if q := f.lastQuery("search").Get("q"); q != `EPFL|"ETH Zürich"|unil` {
		t.Errorf("search %q", q)
	}
	f.log()
	b, err := runOnce(t, r, src)
	rl, ok := connector.RateLimited(err)
	if !ok || !rl.Until.Equal(time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)) {
		t.Fatalf("err %v, want a rate limit until 08:00 UTC", err)
	}
	if !strings.Contains(err.Error(), "quota: 202 of 250 units used today") || b.State.RateLimit != "quota: 202 of 250 units used today; resets at 08:00 UTC" {
		t.Errorf("err %v, rate limit %q", err, b.State.RateLimit)
	}
	if got := f.log(); len(got) != 0 {
		t.Errorf("calls %v past the quota", got)
	}
	// A new day in California (08:00 UTC in winter): a new quota.
	c.set(time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC))
	if _, err := runOnce(t, r, src); err != nil {
		t.Fatal(err)
	}
	if u := units(t, src); u != 101 {
		t.Errorf("%d units on a new day", u)
	}
	// In summer the day ends at 07:00 UTC.
	if got := quotaReset(time.Date(2026, 7, 1, 6, 59, 0, 0, time.UTC)); !got.Equal(time.Date(2026, 7, 1, 7, 0, 0, 0, time.UTC)) {
		t.Errorf("summer reset %v", got)
	}

	// A run that fails spends its units all the same: counted in memory.
	f.answer = func(endpoint string, q url.Values) (int, []byte) {
		if endpoint == "videos" {
			return 503, []byte(`{"error": {"code": 503, "message": "The service is currently unavailable.", "errors": [{"message": "The service is currently unavailable.", "domain": "global", "reason": "backendError"}]}}`)
		}
		return 0, nil
	}
	saved := src.SourceState
	if _, err := runOnce(t, r, src); err == nil || !strings.Contains(err.Error(), "HTTP 503") || !strings.Contains(err.Error(), "currently unavailable") {
		t.Fatalf("err %v", err)
	}
	f.answer = nil
	src.SourceState = saved // the scheduler keeps the old cursor, of 101 units
	_, err = runOnce(t, r, src)
	if err == nil || !strings.Contains(err.Error(), "quota: 202 of 250 units") {
		t.Errorf("err %v: the failed run's calls were not counted", err)
	}
	// A second source with the same key shares the project's quota.
	other := f.source(map[string]string{SettingQuota: "250", SettingQuery: "UNIL"})
	if _, err := runOnce(t, r, other); !isRateLimit(err) {
		t.Errorf("a source sharing the key: %v", err)
	}
}

func isRateLimit(err error) bool { _, ok := connector.RateLimited(err); return ok }

// Cut short by the quota, a run gives what it read and keeps its search's
// old mark.
func TestQuotaCutsARun(t *testing.T) {
	f := newFake(t)
	c := &clock{t: t0}
	src := f.source(map[string]string{SettingQuery: "EPFL", SettingQuota: "150"})
	src.Cursor = `{"day":"2026-12-03","units":0,"searches":{"EPFL":"2026-12-02T20:00:00Z"}}`
	b, err := runOnce(t, f.runner(c, nil), src)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.log(); !reflect.DeepEqual(got, []string{"search", "videos"}) {
		t.Errorf("calls %v", got)
	}
	var cur cursor
	json.Unmarshal([]byte(src.Cursor), &cur)
	if len(b.Posts) != 2 || cur.Searches["EPFL"] != "2026-12-02T20:00:00Z" || cur.Units != 101 {
		t.Errorf("posts %v cursor %+v", ids(b.Posts), cur)
	}
}

func TestAPIErrors(t *testing.T) {
	quotaBody := readTestdata(t, "error_quota.json")
	tests := []struct {
		name  string
		code  int
		body  []byte
		kind  string // "rate", "auth" or "error"
		says  string
		until time.Time
	}{
		{"quota", 403, quotaBody, "rate", "daily quota is used up", time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)},
		{"key invalid", 400, readTestdata(t, "error_key_invalid.json"), "auth", "API key not valid", time.Time{}},
		{"key invalid, older answer", 400, readTestdata(t, "error_key_invalid_legacy.json"), "auth", "Bad Request", time.Time{}},
		{"API not enabled", 403, readTestdata(t, "error_access_not_configured.json"), "auth", "not enabled", time.Time{}},
		{"rate", 403, []byte(`{"error": {"code": 403, "message": "Rate Limit Exceeded", "errors": [{"message": "Rate Limit Exceeded", "domain": "usageLimits", "reason": "rateLimitExceeded"}]}}`), "rate", "too many", t0.Add(time.Minute)},
		{"429", 429, []byte(`{"error": {"code": 429, "message": "Quota exceeded for quota metric 'Queries'", "status": "RESOURCE_EXHAUSTED", "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "RATE_LIMIT_EXCEEDED", "domain": "googleapis.com"}]}}`), "rate", "too many", t0.Add(time.Minute)},
		{"bad request", 400, []byte(`{"error": {"code": 400, "message": "Request contains an invalid argument.", "errors": [{"message": "Request contains an invalid argument.", "domain": "global", "reason": "badRequest"}], "status": "INVALID_ARGUMENT"}}`), "error", "HTTP 400 to the search for \"EPFL\": Request contains an invalid argument.", time.Time{}},
		{"html", 502, []byte(`<!DOCTYPE html><html><title>Error 502 (Server Error)!!1</title></html>`), "error", "HTTP 502", time.Time{}},
		{"truncated", 200, readTestdata(t, "search_page1.json")[:300], "error", "not the JSON expected", time.Time{}},
		{"wrong shape", 200, []byte(`{"items": {"id": 1}}`), "error", "not the JSON expected", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.answer = func(endpoint string, q url.Values) (int, []byte) {
				if endpoint == "search" {
					return tt.code, tt.body
				}
				return 0, nil
			}
			r := f.runner(&clock{t: t0}, nil)
			_, err := runOnce(t, r, f.source(map[string]string{SettingQuery: "EPFL"}))
			if err == nil || !strings.Contains(err.Error(), tt.says) {
				t.Fatalf("err %v, want one saying %q", err, tt.says)
			}
			rl, rated := connector.RateLimited(err)
			if got := map[bool]string{true: "rate"}[rated] + map[bool]string{true: "auth"}[connector.IsAuth(err)]; got != tt.kind && !(got == "" && tt.kind == "error") {
				t.Errorf("%v: kind %q, want %q", err, got, tt.kind)
			}
			if rated && !rl.Until.Equal(tt.until) {
				t.Errorf("until %v, want %v", rl.Until, tt.until)
			}
			if tt.name == "quota" {
				// Google said the quota is spent: no more calls today.
				f.log()
				_, err := runOnce(t, r, f.source(map[string]string{SettingQuery: "EPFL"}))
				if !isRateLimit(err) || len(f.log()) != 0 {
					t.Errorf("after quotaExceeded: %v", err)
				}
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	f := newFake(t)
	f.answer = func(string, url.Values) (int, []byte) { return 0, nil }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	src := f.source(map[string]string{SettingQuery: "EPFL"})
	src.URL = srv.URL
	_, err := New(connector.Deps{Client: srv.Client(), Now: func() time.Time { return t0 }}).Run(context.Background(), src)
	if rl, ok := connector.RateLimited(err); !ok || !rl.Until.Equal(t0.Add(30*time.Second)) {
		t.Errorf("err %v", err)
	}
}

func TestDroppedConnection(t *testing.T) {
	f := newFake(t)
	page := readTestdata(t, "search_page1.json")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(len(page)))
		w.Write(page[:len(page)/2])
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.Close()
		}
	}))
	defer srv.Close()
	src := f.source(map[string]string{SettingQuery: "EPFL"})
	src.URL = srv.URL
	b, err := runOnce(t, New(connector.Deps{Client: srv.Client(), Now: func() time.Time { return t0 }}), src)
	if err == nil || !strings.Contains(err.Error(), `the search for "EPFL"`) || len(b.Posts) != 0 {
		t.Errorf("err %v", err)
	}
	if strings.Contains(err.Error(), srv.URL) {
		t.Errorf("the address (with the key) in %v", err)
	}
	// Nobody listening.
	srv.Close()
	_, err = runOnce(t, New(connector.Deps{Client: srv.Client(), Now: func() time.Time { return t0 }}), src)
	if err == nil || strings.Contains(err.Error(), "key=") {
		t.Errorf("err %v", err)
	}
}

func TestChannelUploadsAndComments(t *testing.T) {
	f := newFake(t)
	c := &clock{t: t0}
	r := f.runner(c, nil)
	src := f.source(map[string]string{SettingChannelID: "https://www.youtube.com/channel/" + epflCh})
	b, err := runOnce(t, r, src)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.log(); !reflect.DeepEqual(got, []string{"playlistItems", "commentThreads", "videos"}) {
		t.Errorf("calls %v", got)
	}
	wantIDs := []string{"Xk3bG7pQ2aE", "q9Lm2Zt0v4Y", "UgzK3nP9a1bQr2sT4uV4AaABAg", "UgzK3nP9a1bQr2sT4uV4AaABAg.AAbbCCddEEf", "Ugw7hXy2Zk9mN0pQ1rS4AaABAg"}
	if got := ids(b.Posts); !reflect.DeepEqual(got, wantIDs) {
		t.Fatalf("posts %v, want %v (not the private video)", got, wantIDs)
	}
	top := b.Posts[2]
	want := vigie.Post{
		ID: "UgzK3nP9a1bQr2sT4uV4AaABAg", Source: "youtube", URL: "https://www.youtube.com/watch?v=Xk3bG7pQ2aE&lc=UgzK3nP9a1bQr2sT4uV4AaABAg",
		PublishedAt: time.Date(2026, 12, 3, 9, 55, 10, 0, time.UTC), Text: "Amazing work, how long did the training take?",
		Author:  vigie.Author{ID: "UCa1b2c3d4e5f6g7h8i9j0kL", Handle: "@roboticsfan", Name: "@roboticsfan", URL: "http://www.youtube.com/@roboticsfan"},
		ReplyTo: "Xk3bG7pQ2aE", Metrics: vigie.Metrics{Likes: 12, Replies: 1},
	}
	if !reflect.DeepEqual(top, want) {
		t.Errorf("comment\n got %+v\nwant %+v", top, want)
	}
	if reply := b.Posts[3]; reply.ReplyTo != "UgzK3nP9a1bQr2sT4uV4AaABAg" || reply.Author.ID != epflCh {
		t.Errorf("reply %+v", reply)
	}
	if v := b.Posts[1]; v.PublishedAt != time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC) || v.Title != "Magistrale 2026 – la cérémonie" {
		t.Errorf("upload %+v", v)
	}
	if u := units(t, src); u != 3 {
		t.Errorf("%d units", u)
	}

	// Later: the reply came after the last read, the second thread's
	// comment was edited since.
	src.Cursor = `{"day":"2026-12-03","units":3,"uploads":{"` + epflCh + `":"2026-12-03T09:40:06Z"},"comments":{"` + epflCh + `":{"newest":"2026-12-03T09:55:10Z","checked":"2026-12-03T09:00:00Z"}}}`
	b, err = runOnce(t, r, src)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.log(); !reflect.DeepEqual(got, []string{"playlistItems", "commentThreads"}) {
		t.Errorf("calls %v (nothing new to detail)", got)
	}
	if got, edits := ids(b.Posts), ids(b.Edits); !reflect.DeepEqual(got, []string{"UgzK3nP9a1bQr2sT4uV4AaABAg.AAbbCCddEEf"}) || !reflect.DeepEqual(edits, []string{"Ugw7hXy2Zk9mN0pQ1rS4AaABAg"}) {
		t.Errorf("posts %v edits %v", got, edits)
	}
	var cur cursor
	json.Unmarshal([]byte(src.Cursor), &cur)
	if m := cur.Comments[epflCh]; m.Checked != "2026-12-03T10:00:00Z" || m.Newest != "2026-12-03T09:55:10Z" {
		t.Errorf("comment mark %+v", m)
	}

	// Comments disabled on the channel: its videos are read all the same.
	f.answer = func(endpoint string, q url.Values) (int, []byte) {
		if endpoint == "commentThreads" {
			return 403, readTestdata(t, "error_comments_disabled.json")
		}
		return 0, nil
	}
	if _, err := runOnce(t, r, f.source(map[string]string{SettingChannelID: epflCh})); err != nil {
		t.Errorf("comments disabled: %v", err)
	}
	f.answer = func(endpoint string, q url.Values) (int, []byte) {
		if endpoint == "playlistItems" {
			return 404, []byte(`{"error": {"code": 404, "message": "The playlist identified with the request's <code>playlistId</code> parameter cannot be found.", "errors": [{"message": "x", "domain": "youtube.playlistItem", "reason": "playlistNotFound", "location": "playlistId", "locationType": "parameter"}]}}`)
		}
		return 0, nil
	}
	if _, err := runOnce(t, r, f.source(map[string]string{SettingChannelID: epflCh})); err == nil || !strings.Contains(err.Error(), "check the source's channel_id") {
		t.Errorf("no such channel: %v", err)
	}
}

func TestFeeds(t *testing.T) {
	f := newFake(t)
	c := &clock{t: t0}
	r := f.runner(c, []string{"ignored without a key"})
	src := f.source(map[string]string{SettingKey: "", SettingChannelID: epflCh})
	b, err := runOnce(t, r, src)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(b.Posts); !reflect.DeepEqual(got, []string{"Xk3bG7pQ2aE", "q9Lm2Zt0v4Y"}) {
		t.Fatalf("posts %v", got)
	}
	p := b.Posts[0]
	if p.Source != "youtube" || p.URL != "https://www.youtube.com/watch?v=Xk3bG7pQ2aE" || p.Author != (vigie.Author{ID: epflCh, Name: "EPFL", URL: "https://www.youtube.com/channel/" + epflCh}) ||
		p.Metrics.Views != 15234 || !strings.HasPrefix(p.Text, "Researchers at the EPFL") || p.Links != nil {
		t.Errorf("post %+v", p)
	}
	if b.State.RateLimit != "" || strings.Contains(b.State.Cursor, "units") {
		t.Errorf("state %+v", b.State)
	}
	// Unchanged: a conditional request, nothing new.
	b, err = runOnce(t, r, src)
	if err != nil || len(b.Posts) != 0 || !strings.Contains(b.State.Cursor, `feed-1`) {
		t.Errorf("second run: %v %v %s", err, ids(b.Posts), b.State.Cursor)
	}
	for _, tt := range []struct {
		code int
		body string
		says string
	}{
		{404, "", "no feed for channel " + epflCh},
		{200, "<!doctype html><html><body>consent</body></html>", "web page, not a feed"},
		{200, `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry><id>yt:video:x`, ""},
	} {
		f.answer = func(endpoint string, q url.Values) (int, []byte) { return tt.code, []byte(tt.body) }
		_, err := runOnce(t, r, f.source(map[string]string{SettingKey: "", SettingChannelID: epflCh}))
		if tt.says == "" {
			continue // a cut feed: whatever the parser makes of it, no panic
		}
		if err == nil || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("%d %q: %v", tt.code, tt.body, err)
		}
	}
}

func TestCheck(t *testing.T) {
	good := []struct {
		name     string
		url      string
		settings map[string]string
		wantURL  string
		channels string
	}{
		{"feeds", "", map[string]string{"channel_id": epflCh + ", https://www.youtube.com/channel/" + epflCh + "/, https://www.youtube.com/feeds/videos.xml?channel_id=UCx5XG1OV2P6uZZ5FSM9Ttw0"}, DefaultFeeds, epflCh + ",UCx5XG1OV2P6uZZ5FSM9Ttw0"},
		{"api", "", map[string]string{"key": testKey}, DefaultAPI, ""},
		{"gained a key", DefaultFeeds, map[string]string{"key": testKey, "quota": "1,000,000"}, DefaultAPI, ""},
		{"lost it", DefaultAPI + "/", map[string]string{"channel_id": epflCh}, DefaultFeeds, epflCh},
		{"test server", "http://127.0.0.1:9/youtube/v3", map[string]string{"key": testKey}, "http://127.0.0.1:9/youtube/v3", ""},
	}
	for _, tt := range good {
		src := &vigie.Source{Kind: vigie.SourceYouTube, URL: tt.url, Settings: tt.settings}
		if err := Check(src); err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if src.URL != tt.wantURL || src.Settings["channel_id"] != tt.channels {
			t.Errorf("%s: url %q channels %q", tt.name, src.URL, src.Settings["channel_id"])
		}
	}
	bad := []struct {
		name     string
		settings map[string]string
		says     string
	}{
		{"nothing", map[string]string{}, "without an API key"},
		{"handle", map[string]string{"channel_id": "@epfl"}, "handle"},
		{"short id", map[string]string{"channel_id": "UC123"}, "UC"},
		{"quota", map[string]string{"key": testKey, "quota": "lots"}, "daily units"},
		{"zero quota", map[string]string{"key": testKey, "quota": "0"}, "daily units"},
		{"key", map[string]string{"key": "AIza with spaces"}, "not an API key"},
		{"lang", map[string]string{"key": testKey, "lang": "français"}, "language code"},
		{"region", map[string]string{"key": testKey, "region": "CHE"}, "two-letter"},
		{"query", map[string]string{"key": testKey, "query": strings.Repeat("é", 501)}, "at most 500"},
	}
	for _, tt := range bad {
		err := Check(&vigie.Source{Kind: vigie.SourceYouTube, Settings: tt.settings})
		if !errors.Is(err, vigie.ErrInvalid) || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("%s: %v, want ErrInvalid saying %q", tt.name, err, tt.says)
		}
		if err != nil && strings.Contains(err.Error(), "AIza") {
			t.Errorf("%s: the key in %v", tt.name, err)
		}
	}
	if got := thousands(9800); got != "9,800" {
		t.Error(got)
	}
	if got := thousands(1234567); got != "1,234,567" {
		t.Error(got)
	}
}

func TestTermQueries(t *testing.T) {
	got := termQueries([]string{"EPFL", "@epflnews", "#robotics", `"ETH Zürich"`, "", "@"})
	if want := []string{`EPFL|epflnews|#robotics|"ETH Zürich"`}; !reflect.DeepEqual(got, want) {
		t.Errorf("%q", got)
	}
	var many []string
	for i := range 30 {
		many = append(many, fmt.Sprintf("term%02d-%s", i, strings.Repeat("x", 30)))
	}
	groups := termQueries(many)
	for _, g := range groups {
		if len(g) > maxSearchLen {
			t.Errorf("%d bytes", len(g))
		}
	}
	if len(groups) < 5 {
		t.Errorf("%d groups", len(groups))
	}
}
