package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// jetstream is a local Jetstream v1 server: it replays its events from the
// cursor a client asks for, holding back those past hold until release is
// closed.
type jetstream struct {
	events  [][]byte
	times   []int64
	hold    int
	release chan struct{}

	mu      sync.Mutex
	cursors []string
}

func (j *jetstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	j.mu.Lock()
	j.cursors = append(j.cursors, r.URL.Query().Get("cursor"))
	j.mu.Unlock()
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	cursor, _ := strconv.ParseInt(r.URL.Query().Get("cursor"), 10, 64)
	for i, ev := range j.events {
		if j.times[i] < cursor {
			continue
		}
		if i == j.hold {
			select {
			case <-j.release:
			case <-r.Context().Done():
				return
			}
		}
		if err := c.Write(r.Context(), websocket.MessageText, ev); err != nil {
			return
		}
	}
	c.Read(r.Context())
}

// bskyEvents makes n post events a millisecond apart, every third about
// Valmont, and deletions of every fifth of those, a little later.
func bskyEvents(n int, base time.Time) (events [][]byte, times []int64, want map[string]bool) {
	want = map[string]bool{}
	t := base.UnixMicro()
	add := func(v map[string]any) {
		t += 1000
		v["time_us"] = t
		b, _ := json.Marshal(v)
		events = append(events, b)
		times = append(times, t)
	}
	var pendingDelete []string
	for i := range n {
		rkey := fmt.Sprintf("3mzz%09d", i)
		did := fmt.Sprintf("did:plc:author%04d", i%500)
		text := fmt.Sprintf("post %d about the weather", i)
		uri := "at://" + did + "/app.bsky.feed.post/" + rkey
		if i%3 == 0 {
			text = fmt.Sprintf("Valmont news number %d", i)
			want[uri] = true
			if i%5 == 0 {
				pendingDelete = append(pendingDelete, did+" "+rkey)
			}
		}
		add(map[string]any{"did": did, "kind": "commit", "commit": map[string]any{"rev": rkey, "operation": "create", "collection": "app.bsky.feed.post", "rkey": rkey,
			"record": map[string]any{"$type": "app.bsky.feed.post", "createdAt": base.Add(time.Duration(i) * time.Millisecond).Format(time.RFC3339Nano), "langs": []string{"en"}, "text": text},
			"cid":    "bafyrei" + rkey}})
		add(map[string]any{"did": did, "kind": "commit", "commit": map[string]any{"rev": rkey, "operation": "create", "collection": "app.bsky.feed.like", "rkey": rkey + "l",
			"record": map[string]any{"$type": "app.bsky.feed.like", "subject": map[string]any{"uri": uri}}}})
		if i%50 == 49 {
			for _, d := range pendingDelete {
				did, rkey, _ := strings.Cut(d, " ")
				add(map[string]any{"did": did, "kind": "commit", "commit": map[string]any{"rev": rkey + "d", "operation": "delete", "collection": "app.bsky.feed.post", "rkey": rkey}})
				delete(want, "at://"+did+"/app.bsky.feed.post/"+rkey)
			}
			pendingDelete = nil
		}
	}
	return events, times, want
}

// vigieServer runs `vigie serve` on a data folder as a separate process.
type vigieServer struct {
	t    testing.TB
	cmd  *exec.Cmd
	base string
	out  *bytes.Buffer
}

func startServe(t testing.TB, data string) *vigieServer {
	t.Helper()
	return startServeWith(t, nil, "--data", data)
}

// startServeWith starts vigie serve with args and env added, and waits
// for its /healthz.
func startServeWith(t testing.TB, env []string, args ...string) *vigieServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := cliCommand(append([]string{"serve", "--addr", addr, "--log-level", "warn"}, args...)...)
	cmd.Env = append(append(cmd.Env, "VIGIE_ALLOW_PRIVATE_FETCH=1"), env...)
	out := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &vigieServer{t: t, cmd: cmd, base: "http://" + addr, out: out}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	s.waitFor("the server to answer", func() bool {
		resp, err := http.Get(s.base + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return s
}

// waitFor polls cond until it holds, failing after a minute.
func (s *vigieServer) waitFor(what string, cond func() bool) {
	s.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			s.t.Fatalf("waited a minute for %s; vigie said:\n%s", what, s.out)
		}
		time.Sleep(20 * time.Millisecond) // polling a condition, not waiting for a guess
	}
}

func (s *vigieServer) call(method, path, token string, body any, into any) int {
	s.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.base+path, r)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if into != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(data, into); err != nil {
			s.t.Fatalf("%s %s: %v\n%s", method, path, err, data)
		}
	} else if resp.StatusCode >= 300 {
		s.t.Logf("%s %s: %d %s", method, path, resp.StatusCode, data)
	}
	return resp.StatusCode
}

// TestStreamSurvivesKill adds a Bluesky source through the API against a
// local Jetstream, kills vigie with SIGKILL while the stream flows,
// restarts it, and checks that the stream resumed from its cursor: every
// matching post stored once, the deleted ones gone.
func TestStreamSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts vigie twice")
	}
	base := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	events, times, want := bskyEvents(6000, base)
	js := &jetstream{events: events, times: times, hold: len(events) / 3, release: make(chan struct{})}
	jsrv := httptest.NewServer(js)
	defer jsrv.Close()

	data := filepath.Join(t.TempDir(), "data")
	s := startServe(t, data)
	out, err := cliCommand("token", "create", "--data", data, "--name", "test").CombinedOutput()
	if err != nil {
		t.Fatalf("token: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	token := lines[len(lines)-1]
	if code := s.call("POST", "/api/v1/monitors", token, map[string]any{"id": "valmont", "name": "Valmont", "kind": "brand", "query": "valmont"}, nil); code != http.StatusCreated {
		t.Fatalf("monitor: %d", code)
	}
	var src struct {
		ID     int64  `json:"id"`
		Kind   string `json:"kind"`
		URL    string `json:"url"`
		Cursor string `json:"cursor"`
	}
	wsURL := "ws" + strings.TrimPrefix(jsrv.URL, "http") + "/subscribe"
	if code := s.call("POST", "/api/v1/sources", token, map[string]any{"kind": "bluesky", "url": wsURL}, &src); code != http.StatusCreated || src.Kind != "bluesky" {
		t.Fatalf("source: %d %+v", code, src)
	}
	cursorIs := func(s *vigieServer, want int64) func() bool {
		return func() bool {
			var cur struct {
				Cursor string `json:"cursor"`
			}
			s.call("GET", fmt.Sprintf("/api/v1/sources/%d", src.ID), token, nil, &cur)
			n, _ := strconv.ParseInt(cur.Cursor, 10, 64)
			return n >= want
		}
	}
	// The first third is stored with its cursor; then the rest flows and
	// vigie is killed in its middle.
	s.waitFor("the first third to be stored", cursorIs(s, times[js.hold-1]))
	close(js.release)
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	s.cmd.Wait()

	s2 := startServe(t, data)
	s2.waitFor("the stream to resume and reach its end", cursorIs(s2, times[len(times)-1]))
	js.mu.Lock()
	cursors := append([]string(nil), js.cursors...)
	js.mu.Unlock()
	if len(cursors) < 2 || cursors[0] != "" || cursors[len(cursors)-1] == "" {
		t.Errorf("cursors asked for: %v (want none first, then the saved one rewound)", cursors)
	}

	got := map[string]int{}
	cursor := ""
	total := -1
	for {
		var page struct {
			Mentions []struct {
				Post struct {
					ID     string `json:"id"`
					Source string `json:"source"`
				} `json:"post"`
			} `json:"mentions"`
			Total      int    `json:"total"`
			NextCursor string `json:"next_cursor"`
		}
		path := "/api/v1/mentions?source=bluesky&limit=500"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		if code := s2.call("GET", path, token, nil, &page); code != http.StatusOK {
			t.Fatalf("mentions: %d", code)
		}
		if total < 0 {
			total = page.Total
		}
		for _, m := range page.Mentions {
			got[m.Post.ID]++
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	for id, n := range got {
		if n != 1 {
			t.Errorf("%s listed %d times", id, n)
		}
		if !want[id] {
			t.Errorf("%s is a mention but should not be (deleted, or not about Valmont)", id)
		}
	}
	for id := range want {
		if got[id] == 0 {
			t.Errorf("%s lost", id)
		}
	}
	if total != len(want) {
		t.Errorf("the API counts %d mentions from Bluesky, want %d", total, len(want))
	}
	var other struct {
		Total int `json:"total"`
	}
	s2.call("GET", "/api/v1/mentions?source=rss", token, nil, &other)
	if other.Total != 0 {
		t.Errorf("source=rss lists %d mentions", other.Total)
	}
	t.Logf("%d events, killed after %s; resumed from %v; %d mentions stored once, deletions applied", len(events), "a third", cursors[1:], len(want))
}

// TestSourceAddressesFollowTheFetchPolicy: without
// VIGIE_ALLOW_PRIVATE_FETCH, a source of any kind on a loopback or private
// address — ws:// and wss:// included — is refused when it is added or
// tried, saying why; a public host name is taken.
func TestSourceAddressesFollowTheFetchPolicy(t *testing.T) {
	_, srv, tok := testInstance(t, false)
	api := client{t: t, base: srv.URL, token: tok}
	for _, in := range []map[string]any{
		{"kind": "bluesky", "url": "ws://127.0.0.1:6008/subscribe"},
		{"kind": "bluesky", "url": "wss://[::1]/subscribe"},
		{"kind": "mastodon", "url": "https://10.0.0.8", "settings": map[string]string{"tags": "epfl"}},
		{"kind": "lemmy", "url": "http://169.254.169.254"},
		{"kind": "discourse", "url": "http://192.168.1.1"},
		{"kind": "rss", "url": "http://127.0.0.1/feed"},
	} {
		for _, path := range []string{"/api/v1/sources", "/api/v1/sources/test"} {
			code, body := api.do("POST", path, in)
			if code != http.StatusBadRequest || !strings.Contains(fmt.Sprint(body), "address") {
				t.Errorf("%s %v: %d %v", path, in, code, body)
			}
		}
	}
	if code, body := api.do("POST", "/api/v1/sources", map[string]any{"kind": "bluesky"}); code != http.StatusCreated || !strings.Contains(fmt.Sprint(body), "jetstream2.us-east.bsky.network") {
		t.Errorf("the default Jetstream: %d %v", code, body)
	}
	if code, body := api.do("POST", "/api/v1/sources", map[string]any{"kind": "nosuchnetwork"}); code != http.StatusBadRequest || !strings.Contains(fmt.Sprint(body), "bluesky") {
		t.Errorf("an unknown kind: %d %v", code, body)
	}
}

// TestSourcesAreNotFollowedTwice: the same stream or search twice in a
// workspace is refused, naming the source that follows it (it would store
// each post twice); a misspelt setting is refused, saying which the kind
// takes.
func TestSourcesAreNotFollowedTwice(t *testing.T) {
	_, srv, tok := testInstance(t, false)
	api := client{t: t, base: srv.URL, token: tok}
	bsky := map[string]any{"kind": "bluesky", "url": "wss://jetstream.example.org/subscribe", "settings": map[string]string{"langs": "fr,de"}}
	if code, body := api.do("POST", "/api/v1/sources", bsky); code != http.StatusCreated {
		t.Fatalf("first: %d %v", code, body)
	}
	if code, body := api.do("POST", "/api/v1/sources", bsky); code != http.StatusConflict || !strings.Contains(fmt.Sprint(body), "already followed") {
		t.Errorf("the same stream again: %d %v", code, body)
	}
	other := map[string]any{"kind": "bluesky", "url": "wss://jetstream.example.org/subscribe", "settings": map[string]string{"langs": "it"}}
	if code, body := api.do("POST", "/api/v1/sources", other); code != http.StatusCreated {
		t.Errorf("the same stream for other languages: %d %v", code, body)
	}
	typo := map[string]any{"kind": "reddit", "settings": map[string]string{"subreddit": "valmont"}}
	if code, body := api.do("POST", "/api/v1/sources", typo); code != http.StatusBadRequest || !strings.Contains(fmt.Sprint(body), `"subreddit"`) || !strings.Contains(fmt.Sprint(body), "subreddits") {
		t.Errorf("a misspelt setting: %d %v", code, body)
	}
}

// TestWebhookTokenTaken: a webhook whose hook_token another source has
// (in any workspace) is refused: both would stop taking deliveries.
func TestWebhookTokenTaken(t *testing.T) {
	_, srv, tok := testInstance(t, false)
	api := client{t: t, base: srv.URL, token: tok}
	code, body := api.do("POST", "/api/v1/sources", map[string]any{"kind": "webhook", "name": "one"})
	path, _ := body["hook_path"].(string)
	if code != http.StatusCreated || !strings.HasPrefix(path, "/hooks/") {
		t.Fatalf("first: %d %v", code, body)
	}
	code, body = api.do("POST", "/api/v1/sources", map[string]any{"kind": "webhook", "name": "two", "settings": map[string]string{"hook_token": strings.TrimPrefix(path, "/hooks/")}})
	if code != http.StatusBadRequest || !strings.Contains(fmt.Sprint(body), "taken") {
		t.Errorf("the same token again: %d %v", code, body)
	}
}
