package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// fakeMastodon is a Mastodon server: a hashtag timeline (since_id,
// limit) and a public stream over WebSocket that sends its updates and
// deletions to each connection, then stays open.
type fakeMastodon struct {
	srv *httptest.Server

	mu      sync.Mutex
	tagged  []map[string]any // the #epfl timeline, oldest first
	updates []map[string]any // sent to each stream connection
	deletes []string         // local ids, sent after the updates
	streams int
}

func mastodonStatus(host string, id int, text string, at time.Time) map[string]any {
	sid := strconv.Itoa(113500000000000000 + id)
	return map[string]any{
		"id": sid, "created_at": at.UTC().Format("2006-01-02T15:04:05.000Z"), "in_reply_to_id": nil, "sensitive": false, "spoiler_text": "",
		"visibility": "public", "language": "en", "uri": "https://" + host + "/users/u" + strconv.Itoa(id%7) + "/statuses/" + sid,
		"url": "https://" + host + "/@u" + strconv.Itoa(id%7) + "/" + sid, "replies_count": 0, "reblogs_count": 1, "favourites_count": 2,
		"edited_at": nil, "content": "<p>" + text + "</p>", "reblog": nil, "media_attachments": []any{}, "mentions": []any{}, "tags": []any{},
		"account": map[string]any{"id": strconv.Itoa(id % 7), "username": "u" + strconv.Itoa(id%7), "acct": "u" + strconv.Itoa(id%7),
			"display_name": "User", "url": "https://" + host + "/@u" + strconv.Itoa(id%7), "followers_count": 10},
	}
}

func newFakeMastodon(t *testing.T) *fakeMastodon {
	f := &fakeMastodon{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v2/instance", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"domain": "social.example", "version": "4.5.2",
			"configuration": map[string]any{"urls": map[string]any{"streaming": "ws" + strings.TrimPrefix(f.srv.URL, "http")}}})
	})
	mux.HandleFunc("GET /api/v1/timelines/tag/{tag}", func(w http.ResponseWriter, r *http.Request) {
		since, _ := strconv.ParseInt(r.URL.Query().Get("since_id"), 10, 64)
		maxID, _ := strconv.ParseInt(r.URL.Query().Get("max_id"), 10, 64)
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		if limit <= 0 || limit > 40 {
			limit = 20
		}
		f.mu.Lock()
		var page []map[string]any
		for i := len(f.tagged) - 1; i >= 0 && len(page) < limit; i-- {
			id, _ := strconv.ParseInt(f.tagged[i]["id"].(string), 10, 64)
			if id > since && (maxID == 0 || id < maxID) {
				page = append(page, f.tagged[i])
			}
		}
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(page)
	})
	mux.HandleFunc("GET /api/v1/streaming", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer user-token-0123456789" {
			http.Error(w, `{"error":"The access token is invalid"}`, http.StatusUnauthorized)
			return
		}
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		f.mu.Lock()
		f.streams++
		updates, deletes := append([]map[string]any(nil), f.updates...), append([]string(nil), f.deletes...)
		f.mu.Unlock()
		send := func(event, payload string) bool {
			b, _ := json.Marshal(map[string]any{"stream": []string{"public"}, "event": event, "payload": payload})
			return c.Write(r.Context(), websocket.MessageText, b) == nil
		}
		for _, u := range updates {
			b, _ := json.Marshal(u)
			if !send("update", string(b)) {
				return
			}
		}
		for _, id := range deletes {
			if !send("delete", id) {
				return
			}
		}
		c.Read(r.Context())
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// TestMastodonSurvivesKill adds two Mastodon sources through the API
// against a local server — a public stream with a token, and a hashtag
// polled without one — then kills vigie with SIGKILL and restarts it with
// more posts waiting: every matching post is stored once, and the posts
// the stream deleted are gone.
func TestMastodonSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts vigie twice")
	}
	f := newFakeMastodon(t)
	at := time.Now().UTC().Add(-30 * time.Minute)
	want := map[string]bool{}
	add := func(list *[]map[string]any, id int) {
		text := fmt.Sprintf("status %d about the weather", id)
		if id%2 == 0 {
			text = fmt.Sprintf("Valmont news %d", id)
		}
		st := mastodonStatus("social.example", id, text, at.Add(time.Duration(id)*time.Second))
		*list = append(*list, st)
		if id%2 == 0 {
			want[st["uri"].(string)] = true
		}
	}
	for id := 1; id <= 30; id++ {
		add(&f.updates, id)
	}
	for _, id := range []int{2, 4, 6} { // the stream deletes three of its Valmont posts
		f.deletes = append(f.deletes, f.updates[id-1]["id"].(string))
		delete(want, f.updates[id-1]["uri"].(string))
	}
	for id := 101; id <= 120; id++ {
		add(&f.tagged, id)
	}

	data := t.TempDir() + "/data"
	s := startServe(t, data)
	out, err := cliCommand("token", "create", "--data", data, "--name", "test").CombinedOutput()
	if err != nil {
		t.Fatalf("token: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	token := lines[len(lines)-1]
	if code := s.call("POST", "/api/v1/monitors", token, map[string]any{"id": "valmont", "name": "Valmont", "query": "valmont"}, nil); code != http.StatusCreated {
		t.Fatalf("monitor: %d", code)
	}
	var stream, tags struct {
		ID       int64             `json:"id"`
		Settings map[string]string `json:"settings"`
	}
	if code := s.call("POST", "/api/v1/sources", token, map[string]any{"kind": "mastodon", "url": f.srv.URL,
		"settings": map[string]string{"stream": "public", "token": "user-token-0123456789"}}, &stream); code != http.StatusCreated {
		t.Fatalf("stream source: %d", code)
	}
	if got := stream.Settings["token"]; got == "user-token-0123456789" || !strings.HasSuffix(got, "6789") {
		t.Errorf("the API shows the token as %q", got)
	}
	if code := s.call("POST", "/api/v1/sources", token, map[string]any{"kind": "mastodon", "url": f.srv.URL, "name": "epfl tag",
		"interval": "1m", "settings": map[string]string{"tags": "epfl"}}, &tags); code != http.StatusCreated {
		t.Fatalf("tag source: %d", code)
	}
	mentions := func(s *vigieServer) map[string]int {
		got := map[string]int{}
		var page struct {
			Mentions []struct {
				Post struct {
					ID string `json:"id"`
				} `json:"post"`
			} `json:"mentions"`
			Total int `json:"total"`
		}
		s.call("GET", "/api/v1/mentions?source=mastodon&limit=500", token, nil, &page)
		for _, m := range page.Mentions {
			got[m.Post.ID]++
		}
		return got
	}
	same := func(got map[string]int) bool {
		if len(got) != len(want) {
			return false
		}
		for id := range want {
			if got[id] != 1 {
				return false
			}
		}
		return true
	}
	// 15 Valmont posts streamed, 3 deleted; 10 from the hashtag.
	s.waitFor("the first posts, without the deleted ones", func() bool { return same(mentions(s)) })
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	s.cmd.Wait()

	// While vigie is down: 20 more tagged posts; the stream will send 10
	// more (a stream has no cursor: it sends what it has again).
	f.mu.Lock()
	for id := 121; id <= 140; id++ {
		add(&f.tagged, id)
	}
	for id := 31; id <= 40; id++ {
		add(&f.updates, id)
	}
	f.mu.Unlock()
	s2 := startServe(t, data)
	s2.waitFor("the posts published while vigie was down", func() bool { return same(mentions(s2)) })
	got := mentions(s2)
	ids := make([]string, 0, len(got))
	for id, n := range got {
		if n != 1 || !want[id] {
			t.Errorf("%s listed %d times (wanted: %v)", id, n, want[id])
		}
		ids = append(ids, id)
	}
	sort.Strings(ids)
	f.mu.Lock()
	streams := f.streams
	f.mu.Unlock()
	if streams < 2 {
		t.Errorf("the stream connected %d times", streams)
	}
	t.Logf("%d Mastodon mentions stored once after a kill -9 (stream connections: %d); 3 deleted by the stream stay deleted", len(ids), streams)
}
