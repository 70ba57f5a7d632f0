package mastodon

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
)

const testToken = "s3cr3t-user-t0ken"

// recSink records what a stream saves.
type recSink struct {
	mu        sync.Mutex
	connected int
	batches   []connector.Batch
	saved     chan struct{}
	fail      error
}

func newSink() *recSink { return &recSink{saved: make(chan struct{}, 1000)} }

func (s *recSink) Connected() {
	s.mu.Lock()
	s.connected++
	s.mu.Unlock()
}

func (s *recSink) Save(ctx context.Context, b connector.Batch) error {
	if s.fail != nil {
		return s.fail
	}
	s.mu.Lock()
	s.batches = append(s.batches, b)
	s.mu.Unlock()
	s.saved <- struct{}{}
	return nil
}

// all is everything saved, in order.
func (s *recSink) all() (posts, edits []vigie.Post, dels []connector.Deletion, last connector.Batch) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range s.batches {
		posts = append(posts, b.Posts...)
		edits = append(edits, b.Edits...)
		dels = append(dels, b.Deletes...)
		last = b
	}
	return
}

// wait waits for n more saves (a guard ends a test that hangs).
func (s *recSink) wait(t *testing.T, n int) {
	t.Helper()
	for range n {
		select {
		case <-s.saved:
		case <-time.After(10 * time.Second):
			t.Fatal("no batch saved")
		}
	}
}

// instance is a fake Mastodon: /api/v2/instance gives the streaming
// address (this server unless streaming is set), the rest is handled by
// mux.
type instance struct {
	srv       *httptest.Server
	mux       *http.ServeMux
	streaming string // "" this server's ws:// address
	mu        sync.Mutex
	hits      map[string]int
}

func newInstance(t *testing.T) *instance {
	in := &instance{mux: http.NewServeMux(), hits: map[string]int{}}
	in.mux.HandleFunc("GET /api/v2/instance", func(w http.ResponseWriter, r *http.Request) {
		data, err := os.ReadFile("testdata/instance_v2.json")
		if err != nil {
			t.Error(err)
		}
		s := in.streaming
		if s == "" {
			s = "ws://" + r.Host
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-RateLimit-Limit", "300")
		w.Header().Set("X-RateLimit-Remaining", "298")
		w.Header().Set("X-RateLimit-Reset", "2026-11-20T10:20:00.000Z")
		w.Write([]byte(strings.ReplaceAll(string(data), "{{STREAMING}}", s)))
	})
	in.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in.mu.Lock()
		in.hits[r.URL.Path]++
		in.mu.Unlock()
		in.mux.ServeHTTP(w, r)
	}))
	t.Cleanup(in.srv.Close)
	return in
}

func (in *instance) hit(path string) int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.hits[path]
}

// wsLines are testdata/stream_ws.jsonl's messages.
func wsLines(t testing.TB) []string {
	t.Helper()
	data, err := os.ReadFile("testdata/stream_ws.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(data)), "\n")
}

// authorized answers 401 as Mastodon does unless the request carries the
// test token.
func authorized(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("Authorization") != "Bearer "+testToken {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"error":"Invalid access token"}`))
		return false
	}
	return true
}

func newTestStreamer(in *instance) *Streamer {
	s := NewStreamer(connector.Deps{Client: in.srv.Client(), Now: func() time.Time { return now }})
	s.FlushEvery = 1
	s.FlushInterval = time.Hour
	return s
}

func streamSource(u string, settings map[string]string) *vigie.Source {
	if settings == nil {
		settings = map[string]string{}
	}
	settings["token"] = testToken
	if settings["stream"] == "" {
		settings["stream"] = "public"
	}
	return &vigie.Source{ID: 7, Kind: vigie.SourceMastodon, Name: "stream", URL: u, Settings: settings}
}

// runStream streams src until it ends (a guard ends a test that hangs).
func runStream(t *testing.T, ctx context.Context, st *Streamer, src *vigie.Source, sink connector.Sink) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	return st.Stream(ctx, src, sink)
}

// checkFixtureEvents checks what testdata's stream (WebSocket or event
// stream) brought: two posts and a reblogged one, an edit, a delete of
// the second post by its local id; the private status, the unknown
// delete and filters_changed are nothing.
func checkFixtureEvents(t *testing.T, sink *recSink) {
	t.Helper()
	posts, edits, dels, last := sink.all()
	var ids []string
	for _, p := range posts {
		ids = append(ids, p.ID)
		if err := p.Validate(); err != nil {
			t.Error(err)
		}
	}
	want := []string{
		"https://social.example/users/labo_climat/statuses/113500000000000001",
		"https://wisskomm.example/users/hanna/statuses/113499999999000777",
		"https://uni.example/users/epfl/statuses/113499000000000123",
	}
	if strings.Join(ids, " ") != strings.Join(want, " ") {
		t.Errorf("posts %v, want %v", ids, want)
	}
	if len(posts) > 1 && posts[1].ReplyTo != want[0] {
		t.Errorf("the reply's ReplyTo = %q, want the URI of the status it answers", posts[1].ReplyTo)
	}
	if len(edits) != 1 || edits[0].ID != want[0] || !strings.Contains(edits[0].Text, "(corrigée)") {
		t.Errorf("edits %+v", edits)
	}
	if len(dels) != 1 || dels[0] != (connector.Deletion{Kind: "mastodon", ID: want[1]}) {
		t.Errorf("deletes %+v: the local id maps to the status URI", dels)
	}
	if last.State.Lag != now.Sub(time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)).Seconds() {
		t.Errorf("lag %v: now − the last status's created_at", last.State.Lag)
	}
	if last.State.RateLimit != "298 of 300 requests left until 10:20 UTC" {
		t.Errorf("rate limit %q", last.State.RateLimit)
	}
	if sink.connected != 1 {
		t.Errorf("Connected called %d times", sink.connected)
	}
}

func TestStreamWebSocket(t *testing.T) {
	in := newInstance(t)
	in.mux.HandleFunc("GET /api/v1/streaming", func(w http.ResponseWriter, r *http.Request) {
		if !authorized(w, r) {
			return
		}
		if r.URL.Query().Get("stream") != "public" || r.URL.Query().Has("access_token") {
			t.Errorf("query %q", r.URL.RawQuery)
		}
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			t.Error(err)
			return
		}
		for _, l := range wsLines(t) {
			if err := c.Write(r.Context(), websocket.MessageText, []byte(l)); err != nil {
				t.Error(err)
			}
		}
		c.Close(websocket.StatusGoingAway, "server restarting")
	})
	sink := newSink()
	err := runStream(t, context.Background(), newTestStreamer(in), streamSource(in.srv.URL, nil), sink)
	if err == nil || !strings.Contains(err.Error(), "closed the stream (WebSocket status 1001: server restarting)") {
		t.Errorf("Stream = %v", err)
	}
	checkFixtureEvents(t, sink)
	if in.hit("/api/v1/streaming/public") != 0 {
		t.Error("the event stream was opened too")
	}
}

func TestStreamHashtagSubscribes(t *testing.T) {
	in := newInstance(t)
	got := make(chan string, 10)
	in.mux.HandleFunc("GET /api/v1/streaming", func(w http.ResponseWriter, r *http.Request) {
		if !authorized(w, r) {
			return
		}
		got <- r.URL.RawQuery
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			t.Error(err)
			return
		}
		for range 2 {
			_, msg, err := c.Read(r.Context())
			if err != nil {
				t.Error(err)
				return
			}
			got <- string(msg)
		}
		line := strings.Replace(wsLines(t)[0], `"stream":["public"]`, `"stream":["hashtag","climat"]`, 1)
		c.Write(r.Context(), websocket.MessageText, []byte(line))
		<-r.Context().Done()
	})
	sink := newSink()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runStream(t, ctx, newTestStreamer(in), streamSource(in.srv.URL, map[string]string{"stream": "hashtag", "tags": "epfl,ethz,climat"}), sink)
	}()
	sink.wait(t, 1)
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Stream after its context ended = %v, want nil", err)
	}
	want := []string{"stream=hashtag&tag=epfl", `{"type":"subscribe","stream":"hashtag","tag":"ethz"}`, `{"type":"subscribe","stream":"hashtag","tag":"climat"}`}
	for _, w := range want {
		if g := <-got; g != w {
			t.Errorf("got %s, want %s", g, w)
		}
	}
	if posts, _, _, _ := sink.all(); len(posts) != 1 {
		t.Errorf("%d posts", len(posts))
	}
}

func TestStreamRefusedAtUpgrade(t *testing.T) {
	tests := []struct {
		name  string
		write func(w http.ResponseWriter)
		check func(t *testing.T, err error)
	}{
		{"token refused", func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":"Invalid access token"}`))
		}, func(t *testing.T, err error) {
			if !connector.IsAuth(err) || !strings.Contains(err.Error(), "access token was refused") || !strings.Contains(err.Error(), "Invalid access token") {
				t.Errorf("Stream = %v", err)
			}
		}},
		{"rate limited", func(w http.ResponseWriter) {
			w.Header().Set("X-RateLimit-Reset", "2026-11-20T10:30:00.000Z")
			w.WriteHeader(http.StatusTooManyRequests)
		}, func(t *testing.T, err error) {
			if rl, ok := connector.RateLimited(err); !ok || !rl.Until.Equal(time.Date(2026, 11, 20, 10, 30, 0, 0, time.UTC)) {
				t.Errorf("Stream = %v", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := newInstance(t)
			in.mux.HandleFunc("GET /api/v1/streaming", func(w http.ResponseWriter, r *http.Request) { tt.write(w) })
			sink := newSink()
			err := runStream(t, context.Background(), newTestStreamer(in), streamSource(in.srv.URL, nil), sink)
			tt.check(t, err)
			if strings.Contains(err.Error(), testToken) {
				t.Error("the error quotes the token")
			}
			if in.hit("/api/v1/streaming/public") != 0 || sink.connected != 0 {
				t.Error("a refusal fell back to the event stream")
			}
		})
	}
}

// TestStreamDropped: the server drops the connection mid-stream, or cuts
// a frame short; what came before is saved, and Stream says why it ended.
func TestStreamDropped(t *testing.T) {
	lines := wsLines(t)
	t.Run("connection dropped", func(t *testing.T) {
		in := newInstance(t)
		in.mux.HandleFunc("GET /api/v1/streaming", func(w http.ResponseWriter, r *http.Request) {
			c, err := websocket.Accept(w, r, nil)
			if err != nil {
				return
			}
			c.Write(r.Context(), websocket.MessageText, []byte(lines[0]))
			c.Write(r.Context(), websocket.MessageText, []byte(lines[1]))
			c.CloseNow() // no close frame
		})
		st := newTestStreamer(in)
		st.FlushEvery = 200 // the end of the stream saves them
		sink := newSink()
		err := runStream(t, context.Background(), st, streamSource(in.srv.URL, nil), sink)
		if err == nil || ctxErr(err) {
			t.Fatalf("Stream = %v", err)
		}
		t.Logf("Stream: %v", err)
		if posts, _, _, _ := sink.all(); len(posts) != 2 || len(sink.batches) != 1 {
			t.Errorf("saved %d posts in %d batches, want 2 in 1", len(posts), len(sink.batches))
		}
	})
	t.Run("frame cut short", func(t *testing.T) {
		srv := rawWebSocket(t, func(bw *bufio.ReadWriter) {
			writeFrame(bw, []byte(lines[0]))
			// A frame that announces 4000 bytes and sends 100.
			bw.Write([]byte{0x81, 126, 0x0f, 0xa0})
			bw.Write([]byte(lines[1][:100]))
			bw.Flush()
		})
		in := newInstance(t)
		in.streaming = "ws://" + strings.TrimPrefix(srv.URL, "http://")
		st := newTestStreamer(in)
		st.FlushEvery = 200
		sink := newSink()
		err := runStream(t, context.Background(), st, streamSource(in.srv.URL, nil), sink)
		if err == nil || !strings.Contains(err.Error(), "dropped the stream's connection") && !strings.Contains(err.Error(), "broke") {
			t.Fatalf("Stream = %v", err)
		}
		t.Logf("Stream: %v", err)
		if posts, _, _, _ := sink.all(); len(posts) != 1 {
			t.Errorf("saved %d posts, want the one before the cut", len(posts))
		}
	})
}

func ctxErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// rawWebSocket is a streaming server that upgrades by hand and then writes
// whatever bytes the test wants, then closes the connection.
func rawWebSocket(t *testing.T, write func(bw *bufio.ReadWriter)) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sum := sha1.Sum([]byte(r.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
		conn, bw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		bw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
			base64.StdEncoding.EncodeToString(sum[:]) + "\r\n\r\n")
		write(bw)
		bw.Flush()
	}))
	t.Cleanup(srv.Close)
	return srv
}

// writeFrame writes an unmasked text frame, as a server does.
func writeFrame(bw *bufio.ReadWriter, p []byte) {
	switch {
	case len(p) < 126:
		bw.Write([]byte{0x81, byte(len(p))})
	case len(p) < 1<<16:
		bw.Write([]byte{0x81, 126})
		binary.Write(bw, binary.BigEndian, uint16(len(p)))
	default:
		bw.Write([]byte{0x81, 127})
		binary.Write(bw, binary.BigEndian, uint64(len(p)))
	}
	bw.Write(p)
}

func TestStreamBadMessages(t *testing.T) {
	lines := wsLines(t)
	t.Run("truncated then good", func(t *testing.T) {
		in := newInstance(t)
		in.mux.HandleFunc("GET /api/v1/streaming", func(w http.ResponseWriter, r *http.Request) {
			c, err := websocket.Accept(w, r, nil)
			if err != nil {
				return
			}
			c.Write(r.Context(), websocket.MessageText, []byte(lines[0][:200]))                                              // cut JSON
			c.Write(r.Context(), websocket.MessageText, []byte(`{"stream":["public"],"event":"update","payload":"{\"id\":`)) // cut payload
			c.Write(r.Context(), websocket.MessageText, []byte(`{"stream":["public"],"event":"update","payload":"[1,2]"}`))  // not a status
			c.Write(r.Context(), websocket.MessageText, []byte(`{"stream":["public"],"event":"delete","payload":"1 2"}`))    // not an id
			c.Write(r.Context(), websocket.MessageText, []byte(lines[1]))
			c.Close(websocket.StatusNormalClosure, "")
		})
		sink := newSink()
		err := runStream(t, context.Background(), newTestStreamer(in), streamSource(in.srv.URL, nil), sink)
		if err == nil {
			t.Error("Stream ended without error")
		}
		t.Logf("Stream: %v", err)
		if posts, _, _, _ := sink.all(); len(posts) != 1 || !strings.Contains(posts[0].ID, "hanna") {
			t.Errorf("posts %+v: the good event after bad ones", posts)
		}
	})
	t.Run("nothing readable", func(t *testing.T) {
		in := newInstance(t)
		in.mux.HandleFunc("GET /api/v1/streaming", func(w http.ResponseWriter, r *http.Request) {
			c, err := websocket.Accept(w, r, nil)
			if err != nil {
				return
			}
			for range maxBadEvents {
				c.Write(r.Context(), websocket.MessageText, []byte(`<html>`))
			}
			<-r.Context().Done()
		})
		err := runStream(t, context.Background(), newTestStreamer(in), streamSource(in.srv.URL, nil), newSink())
		if err == nil || !strings.Contains(err.Error(), "could not be read") {
			t.Errorf("Stream = %v", err)
		}
	})
	t.Run("server error message", func(t *testing.T) {
		for _, tc := range []struct{ msg, want string }{
			{`{"error":"Unknown stream type","status":400}`, "refused: Unknown stream type (status 400)"},
			{`{"error":"Invalid access token","status":401}`, "access token was refused"},
		} {
			in := newInstance(t)
			in.mux.HandleFunc("GET /api/v1/streaming", func(w http.ResponseWriter, r *http.Request) {
				c, err := websocket.Accept(w, r, nil)
				if err != nil {
					return
				}
				c.Write(r.Context(), websocket.MessageText, []byte(tc.msg))
				<-r.Context().Done()
			})
			err := runStream(t, context.Background(), newTestStreamer(in), streamSource(in.srv.URL, nil), newSink())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Stream = %v, want %q", err, tc.want)
			}
		}
	})
}

func TestStreamSSEFallback(t *testing.T) {
	in := newInstance(t)
	in.mux.HandleFunc("GET /api/v1/streaming", func(w http.ResponseWriter, r *http.Request) {
		// A proxy that does not pass WebSockets.
		http.Error(w, "Not Found", http.StatusNotFound)
	})
	in.mux.HandleFunc("GET /api/v1/streaming/public", func(w http.ResponseWriter, r *http.Request) {
		if !authorized(w, r) {
			return
		}
		data, err := os.ReadFile("testdata/stream.sse")
		if err != nil {
			t.Error(err)
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "private, no-store")
		w.Write(data)
		w.(http.Flusher).Flush()
		w.Write([]byte("event: update\ndata: {\"id\":\"1135")) // cut off by the end
	})
	sink := newSink()
	err := runStream(t, context.Background(), newTestStreamer(in), streamSource(in.srv.URL, nil), sink)
	if err == nil || !strings.Contains(err.Error(), "closed the stream") {
		t.Errorf("Stream = %v", err)
	}
	checkFixtureEvents(t, sink)
}

func TestStreamSSEHashtags(t *testing.T) {
	in := newInstance(t)
	in.mux.HandleFunc("GET /api/v1/streaming", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("OK")) // answered, not upgraded
	})
	var mu sync.Mutex
	tags := map[string]bool{}
	in.mux.HandleFunc("GET /api/v1/streaming/hashtag", func(w http.ResponseWriter, r *http.Request) {
		if !authorized(w, r) {
			return
		}
		tag := r.URL.Query().Get("tag")
		mu.Lock()
		tags[tag] = true
		mu.Unlock()
		lines := wsLines(t)
		var m struct{ Payload string }
		json.Unmarshal([]byte(lines[map[string]int{"epfl": 0, "ethz": 1}[tag]]), &m)
		w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
		w.Write([]byte(":)\n\n:thump\n\nevent: update\ndata: " + m.Payload + "\n\n"))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	sink := newSink()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runStream(t, ctx, newTestStreamer(in), streamSource(in.srv.URL, map[string]string{"stream": "hashtag", "tags": "epfl,ethz"}), sink)
	}()
	sink.wait(t, 2)
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Stream = %v", err)
	}
	if posts, _, _, _ := sink.all(); len(posts) != 2 || !tags["epfl"] || !tags["ethz"] {
		t.Errorf("posts %d, tags %v: one event stream per tag", len(posts), tags)
	}
}

func TestStreamDiscovery(t *testing.T) {
	// The streaming server is elsewhere, given by an older server's
	// /api/v1/instance.
	streaming := newInstance(t)
	streaming.mux.HandleFunc("GET /api/v1/streaming", func(w http.ResponseWriter, r *http.Request) {
		if !authorized(w, r) {
			return
		}
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		c.Write(r.Context(), websocket.MessageText, []byte(wsLines(t)[0]))
		c.Close(websocket.StatusNormalClosure, "")
	})
	older := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v2/instance":
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"error":"Record not found"}`))
		case "/api/v1/instance":
			data, _ := os.ReadFile("testdata/instance_v1.json")
			w.Write([]byte(strings.ReplaceAll(string(data), "{{STREAMING}}", "ws://"+strings.TrimPrefix(streaming.srv.URL, "http://"))))
		default:
			t.Errorf("unexpected request %s", r.URL.Path)
			http.NotFound(w, r)
		}
	}))
	defer older.Close()
	st := NewStreamer(connector.Deps{Client: older.Client(), Now: func() time.Time { return now }})
	st.FlushEvery = 1
	sink := newSink()
	runStream(t, context.Background(), st, streamSource(older.URL, nil), sink)
	if posts, _, _, _ := sink.all(); len(posts) != 1 {
		t.Errorf("%d posts from the streaming server /api/v1/instance names", len(posts))
	}

	// A secure instance must not send its token to an insecure address.
	cfg := &config{base: mustURL("https://social.example"), host: "social.example"}
	for raw, ok := range map[string]bool{"wss://streaming.social.example": true, "https://streaming.social.example/": true,
		"ws://streaming.social.example": false, "ftp://x": false, "wss://": false} {
		if _, err := streamingURL(cfg, raw); (err == nil) != ok {
			t.Errorf("streamingURL(%q) = %v", raw, err)
		}
	}
}

func TestStreamTickerFlushes(t *testing.T) {
	in := newInstance(t)
	in.mux.HandleFunc("GET /api/v1/streaming", func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		c.Write(r.Context(), websocket.MessageText, []byte(wsLines(t)[0]))
		<-r.Context().Done()
	})
	st := newTestStreamer(in)
	st.FlushEvery = 200
	st.FlushInterval = 5 * time.Millisecond
	sink := newSink()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runStream(t, ctx, st, streamSource(in.srv.URL, nil), sink) }()
	sink.wait(t, 1) // the tick saves the one event, the stream still open
	cancel()
	<-done
	if posts, _, _, _ := sink.all(); len(posts) != 1 {
		t.Errorf("%d posts", len(posts))
	}
}

func TestStreamSaveFails(t *testing.T) {
	in := newInstance(t)
	in.mux.HandleFunc("GET /api/v1/streaming", func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		c.Write(r.Context(), websocket.MessageText, []byte(wsLines(t)[0]))
		<-r.Context().Done()
	})
	sink := newSink()
	sink.fail = errors.New("disk full")
	err := runStream(t, context.Background(), newTestStreamer(in), streamSource(in.srv.URL, nil), sink)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Stream = %v", err)
	}
}

func TestIDRing(t *testing.T) {
	r := &idRing{size: 3, uris: map[string]string{}}
	for _, id := range []string{"1", "2", "3", "2", "4"} {
		r.put(id, "uri"+id)
	}
	if r.get("1") != "" || r.get("2") != "uri2" || r.get("4") != "uri4" || len(r.uris) != 3 {
		t.Errorf("ring: %v", r.uris)
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// TestStreamSilent: a connection that stays open but says nothing (no
// event, no heartbeat, no pong) is ended.
func TestStreamSilent(t *testing.T) {
	t.Run("websocket without pong", func(t *testing.T) {
		in := newInstance(t)
		in.mux.HandleFunc("GET /api/v1/streaming", func(w http.ResponseWriter, r *http.Request) {
			c, err := websocket.Accept(w, r, nil)
			if err != nil {
				return
			}
			defer c.CloseNow()
			<-r.Context().Done() // never reads: pings go unanswered
		})
		st := newTestStreamer(in)
		st.IdleTimeout = 40 * time.Millisecond
		err := runStream(t, context.Background(), st, streamSource(in.srv.URL, nil), newSink())
		if err == nil || !strings.Contains(err.Error(), "did not answer a ping") {
			t.Errorf("Stream = %v", err)
		}
	})
	t.Run("event stream without heartbeat", func(t *testing.T) {
		in := newInstance(t)
		in.mux.HandleFunc("GET /api/v1/streaming", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "Not Found", http.StatusNotFound)
		})
		in.mux.HandleFunc("GET /api/v1/streaming/public", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			w.WriteHeader(http.StatusOK)
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		})
		st := newTestStreamer(in)
		st.IdleTimeout = 40 * time.Millisecond
		err := runStream(t, context.Background(), st, streamSource(in.srv.URL, nil), newSink())
		if err == nil || !strings.Contains(err.Error(), "not even its heartbeat") {
			t.Errorf("Stream = %v", err)
		}
	})
}

// TestStreamOverTLS: an https instance whose server speaks HTTP/2, as
// most do: the WebSocket handshake still goes over HTTP/1.1 (wss://), and
// the streaming address must be secure.
func TestStreamOverTLS(t *testing.T) {
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	mux.HandleFunc("GET /api/v2/instance", func(w http.ResponseWriter, r *http.Request) {
		data, _ := os.ReadFile("testdata/instance_v2.json")
		w.Write([]byte(strings.ReplaceAll(string(data), "{{STREAMING}}", "wss://"+r.Host)))
	})
	mux.HandleFunc("GET /api/v1/streaming", func(w http.ResponseWriter, r *http.Request) {
		if !authorized(w, r) {
			return
		}
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			t.Errorf("upgrade over %s: %v", r.Proto, err)
			return
		}
		c.Write(r.Context(), websocket.MessageText, []byte(wsLines(t)[0]))
		c.Close(websocket.StatusNormalClosure, "")
	})
	client := srv.Client()
	client.Transport.(*http.Transport).ForceAttemptHTTP2 = true
	st := NewStreamer(connector.Deps{Client: client, Now: func() time.Time { return now }})
	st.FlushEvery = 1
	sink := newSink()
	runStream(t, context.Background(), st, streamSource(srv.URL, nil), sink)
	if posts, _, _, _ := sink.all(); len(posts) != 1 {
		t.Errorf("%d posts over wss", len(posts))
	}
}

// TestStreamSSEEndlessEvent: an event stream whose data lines never end an
// event fails once the event passes the size limit, rather than growing
// the process's memory without bound (an outside trial's server took it
// to 7 GB).
func TestStreamSSEEndlessEvent(t *testing.T) {
	in := newInstance(t)
	in.mux.HandleFunc("GET /api/v1/streaming", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no WebSocket here", http.StatusBadRequest)
	})
	in.mux.HandleFunc("GET /api/v1/streaming/public", func(w http.ResponseWriter, r *http.Request) {
		if !authorized(w, r) {
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.Write([]byte("event: update\n"))
		line := []byte("data: " + strings.Repeat("z", 64<<10) + "\n")
		for i := 0; i < 2*maxMessage/len(line)+2; i++ {
			if _, err := w.Write(line); err != nil {
				return
			}
		}
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	err := runStream(t, context.Background(), newTestStreamer(in), streamSource(in.srv.URL, nil), newSink())
	if err == nil || !strings.Contains(err.Error(), "over 4 MB") {
		t.Errorf("Stream = %v", err)
	}
}
