package bluesky

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/apptest"
	"github.com/vigie-project/vigie/internal/connector"
)

// replay is a Jetstream server that replays recorded events after the
// cursor it is asked for.
type replay struct {
	events    [][]byte
	dropAfter int // close the connection after this many events (0: never)
	status    int // answer the upgrade with this status instead

	mu      sync.Mutex
	queries []string
}

func (r *replay) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.queries = append(r.queries, req.URL.RawQuery)
	dropAfter := r.dropAfter
	r.mu.Unlock()
	if r.status != 0 {
		w.Header().Set("Retry-After", "60")
		http.Error(w, "no", r.status)
		return
	}
	c, err := websocket.Accept(w, req, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	cursor, _ := strconv.ParseInt(req.URL.Query().Get("cursor"), 10, 64)
	sent := 0
	for _, ev := range r.events {
		if timeOf(ev) != 0 && timeOf(ev) < cursor {
			continue
		}
		if err := c.Write(req.Context(), websocket.MessageText, ev); err != nil {
			return
		}
		sent++
		if sent == dropAfter {
			return // the connection drops
		}
	}
	c.Read(req.Context()) // until the client goes
}

func (r *replay) lastQuery() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.queries[len(r.queries)-1]
}

func readLines(t *testing.T, path string) [][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 {
			out = append(out, slices.Clone(line))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// recorder is a Sink that keeps the batches, and ends the stream once the
// cursor reaches until.
type recorder struct {
	until     string
	cancel    context.CancelFunc
	connected int
	batches   []connector.Batch
	failSave  error
}

func (r *recorder) Connected() { r.connected++ }

func (r *recorder) Save(ctx context.Context, b connector.Batch) error {
	if r.failSave != nil {
		return r.failSave
	}
	r.batches = append(r.batches, b)
	if b.State.Cursor == r.until && r.cancel != nil {
		r.cancel()
	}
	return nil
}

func (r *recorder) all() (posts, edits []vigie.Post, dels []connector.Deletion) {
	for _, b := range r.batches {
		posts = append(posts, b.Posts...)
		edits = append(edits, b.Edits...)
		dels = append(dels, b.Deletes...)
	}
	return
}

func stream(t *testing.T, srv *httptest.Server, src *vigie.Source, rec *recorder) error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec.cancel = cancel
	if src.URL == "" {
		src.URL = "ws" + strings.TrimPrefix(srv.URL, "http") + "/subscribe"
	}
	j := &Jetstream{Client: srv.Client(), Now: time.Now}
	return j.Stream(ctx, src, rec)
}

func TestJetstreamEvents(t *testing.T) {
	rp := &replay{events: readLines(t, filepath.Join("testdata", "events.jsonl"))}
	srv := httptest.NewServer(rp)
	defer srv.Close()
	rec := &recorder{until: "1796115600000012"}
	src := &vigie.Source{ID: 1, Kind: vigie.SourceBluesky}
	if err := stream(t, srv, src, rec); err != nil {
		t.Fatal(err)
	}
	if rec.connected != 1 {
		t.Errorf("connected %d times", rec.connected)
	}
	if q := rp.lastQuery(); !strings.Contains(q, "wantedCollections=app.bsky.feed.post") || strings.Contains(q, "cursor") {
		t.Errorf("query %q: want the post collection and no cursor at the first run", q)
	}
	posts, edits, dels := rec.all()
	ids := func(ps []vigie.Post) []string {
		var out []string
		for _, p := range ps {
			if err := p.Validate(); err != nil {
				t.Errorf("post %s: %v", p.ID, err)
			}
			out = append(out, strings.TrimPrefix(p.ID, "at://"))
		}
		return out
	}
	want := []string{"did:plc:uvalpress00000000000000/app.bsky.feed.post/3mzzaaaaaa22a", "did:plc:student00000000000000000/app.bsky.feed.post/3mzzaaaaac22a",
		"did:plc:troll000000000000000000/app.bsky.feed.post/3mzzaaaaae22a", "did:plc:gone0000000000000000000/app.bsky.feed.post/3mzzaaaaag22a",
		"did:plc:late000000000000000000/app.bsky.feed.post/3mzzaaaaaj22a"}
	if got := ids(posts); !slices.Equal(got, want) {
		t.Errorf("posts\n%v\nwant\n%v (noise, identity, the malformed and truncated events skipped)", got, want)
	}
	first := posts[0]
	if first.Lang != "fr" || first.URL != "https://bsky.app/profile/did:plc:uvalpress00000000000000/post/3mzzaaaaaa22a" ||
		!slices.Equal(first.Links, []string{"https://www.uval.example/news/robotics-centre"}) || first.Author.ID != "did:plc:uvalpress00000000000000" ||
		!first.PublishedAt.Equal(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)) || first.Source != "bluesky" {
		t.Errorf("first post %+v", first)
	}
	if posts[1].ReplyTo != "at://did:plc:uvalpress00000000000000/app.bsky.feed.post/3mzzaaaaaa22a" {
		t.Errorf("reply to %q", posts[1].ReplyTo)
	}
	if !slices.Equal(posts[2].Links, []string{"https://tabloid.example/valmont"}) {
		t.Errorf("embedded card's link: %v", posts[2].Links)
	}
	if late := posts[4]; !late.PublishedAt.Equal(time.UnixMicro(1796115600000012).UTC()) || late.Lang != "en-GB" {
		t.Errorf("a post dated in the future by its client is dated when the network received it: %v", late.PublishedAt)
	}
	if got := ids(edits); !slices.Equal(got, []string{"did:plc:student00000000000000000/app.bsky.feed.post/3mzzaaaaac22a"}) || !strings.Contains(edits[0].Text, "korrigiert") {
		t.Errorf("edits %v", got)
	}
	wantDels := []connector.Deletion{{Kind: "bluesky", ID: "at://did:plc:troll000000000000000000/app.bsky.feed.post/3mzzaaaaae22a"}, {Kind: "bluesky", AuthorID: "did:plc:gone0000000000000000000"}}
	if !slices.Equal(dels, wantDels) {
		t.Errorf("deletions %v, want %v", dels, wantDels)
	}
	last := rec.batches[len(rec.batches)-1].State
	if last.Cursor != "1796115600000012" || last.Lag < 0 {
		t.Errorf("last state %+v", last)
	}
}

// TestJetstreamResumes: a connection that drops ends the stream with an
// error after saving what came; the next one resumes from the saved
// cursor, rewound.
func TestJetstreamResumes(t *testing.T) {
	rp := &replay{events: readLines(t, filepath.Join("testdata", "events.jsonl")), dropAfter: 3}
	srv := httptest.NewServer(rp)
	defer srv.Close()
	rec := &recorder{until: "never"}
	src := &vigie.Source{ID: 1, Kind: vigie.SourceBluesky}
	err := stream(t, srv, src, rec)
	if err == nil || !strings.Contains(err.Error(), "connection") {
		t.Fatalf("a dropped connection: %v", err)
	}
	if len(rec.batches) == 0 || rec.batches[len(rec.batches)-1].State.Cursor != "1796115600000003" {
		t.Fatalf("saved before the drop: %+v", rec.batches)
	}
	src.Cursor = rec.batches[len(rec.batches)-1].State.Cursor
	rp.mu.Lock()
	rp.dropAfter = 0
	rp.mu.Unlock()
	rec2 := &recorder{until: "1796115600000012"}
	if err := stream(t, srv, src, rec2); err != nil {
		t.Fatal(err)
	}
	if q := rp.lastQuery(); !strings.Contains(q, "cursor="+strconv.FormatInt(1796115600000003-Rewind.Microseconds(), 10)) {
		t.Errorf("resumed with %q, want the cursor rewound by %v", q, Rewind)
	}
}

func TestJetstreamRefused(t *testing.T) {
	for status, rateLimited := range map[int]bool{http.StatusTooManyRequests: true, http.StatusForbidden: false, http.StatusBadGateway: false} {
		srv := httptest.NewServer(&replay{status: status})
		err := stream(t, srv, &vigie.Source{ID: 1, Kind: vigie.SourceBluesky}, &recorder{})
		srv.Close()
		if _, ok := connector.RateLimited(err); err == nil || ok != rateLimited {
			t.Errorf("HTTP %d: %v (rate limit: %v)", status, err, ok)
		}
	}
	// A store that fails: the stream ends with its error.
	srv := httptest.NewServer(&replay{events: readLines(t, filepath.Join("testdata", "events.jsonl"))})
	defer srv.Close()
	boom := errors.New("disk full")
	if err := stream(t, srv, &vigie.Source{ID: 1, Kind: vigie.SourceBluesky}, &recorder{failSave: boom}); !errors.Is(err, boom) {
		t.Errorf("a failing save: %v", err)
	}
}

func TestJetstreamLanguages(t *testing.T) {
	srv := httptest.NewServer(&replay{events: readLines(t, filepath.Join("testdata", "events.jsonl"))})
	defer srv.Close()
	src := &vigie.Source{ID: 1, Kind: vigie.SourceBluesky, URL: "ws" + strings.TrimPrefix(srv.URL, "http"), Settings: map[string]string{"langs": "FR, en"}}
	if err := Check(src); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{until: "1796115600000012"}
	if err := stream(t, srv, src, rec); err != nil {
		t.Fatal(err)
	}
	posts, _, dels := rec.all()
	var langs []string
	for _, p := range posts {
		langs = append(langs, p.Lang)
	}
	if !slices.Equal(langs, []string{"fr", "en", "en-GB"}) || len(dels) != 2 {
		t.Errorf("languages kept %v, deletions %d", langs, len(dels))
	}
}

func TestCheck(t *testing.T) {
	src := &vigie.Source{}
	if err := Check(src); err != nil || src.URL != DefaultURL {
		t.Fatalf("default: %q %v", src.URL, err)
	}
	src = &vigie.Source{URL: "wss://jetstream.example.org/?cursor=12&compress=true&wantedDids=did:plc:x"}
	if err := Check(src); err != nil || src.URL != "wss://jetstream.example.org/subscribe?wantedDids=did%3Aplc%3Ax" {
		t.Fatalf("normalised: %q %v", src.URL, err)
	}
	for _, bad := range []vigie.Source{{URL: "https://bsky.app"}, {URL: "wss://"}, {Settings: map[string]string{"langs": "french"}}, {Settings: map[string]string{"tags": "x"}}} {
		if err := Check(&bad); !errors.Is(err, vigie.ErrInvalid) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}

// TestJetstreamFailover: after failures, a source on a public instance
// reconnects to the next one.
func TestJetstreamFailover(t *testing.T) {
	j := &Jetstream{}
	src := &vigie.Source{URL: DefaultURL, SourceState: vigie.SourceState{Cursor: "1796115600000000"}}
	seen := map[string]bool{}
	for n := range len(PublicHosts) {
		src.ErrorCount = n
		addr, err := j.address(src)
		if err != nil {
			t.Fatal(err)
		}
		seen[hostOf(addr)] = true
	}
	if len(seen) != len(PublicHosts) {
		t.Errorf("hosts tried %v", seen)
	}
}

// TestSharedJetstreamSample decodes the real events recorded from the
// network: every post is valid, the noise is skipped.
func TestSharedJetstreamSample(t *testing.T) {
	dir := apptest.Shared(t, "data/api-samples/bluesky-jetstream")
	var posts, dels, noise int
	for i, line := range readLines(t, filepath.Join(dir, "expected_v1.jsonl")) {
		c, err := decode(line)
		switch {
		case errors.Is(err, errNoise):
			noise++
		case err != nil:
			t.Errorf("event %d: %v", i, err)
		case c.delete != nil:
			dels++
		default:
			posts++
			if err := c.post.Validate(); err != nil || c.post.Text == "" && len(c.post.Links) == 0 {
				t.Errorf("event %d: post %+v: %v", i, c.post, err)
			}
		}
		if c.at == 0 {
			t.Errorf("event %d: no time", i)
		}
	}
	// The sample's README: 17 post creates, 1 post delete, the rest noise.
	if posts != 17 || dels != 1 || noise != 152-18 {
		t.Errorf("%d posts, %d deletions, %d noise", posts, dels, noise)
	}
}

func FuzzDecode(f *testing.F) {
	data, err := os.ReadFile(filepath.Join("testdata", "events.jsonl"))
	if err != nil {
		f.Fatal(err)
	}
	for _, line := range bytes.Split(data, []byte("\n")) {
		f.Add(line)
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		c, err := decode(msg)
		if err != nil {
			return
		}
		if c.post != nil {
			if !strings.HasPrefix(c.post.ID, "at://") || c.post.Source != "bluesky" {
				t.Fatalf("post %+v", c.post)
			}
		} else if c.delete == nil {
			t.Fatal("neither a post nor a deletion, and no error")
		}
	})
}

// TestJetstreamSilentAndFutureEvents: a connection that goes silent is
// taken for dead (the network never is), and an event dated far in the
// future neither freezes the cursor nor is stored.
func TestJetstreamSilentAndFutureEvents(t *testing.T) {
	good := readLines(t, filepath.Join("testdata", "events.jsonl"))[0]
	future := bytes.Replace(good, []byte(`"time_us":`+strconv.FormatInt(timeOf(good), 10)), []byte(`"time_us":4611686018427387904`), 1)
	future = bytes.Replace(future, []byte("3mzzaaaaaa22a"), []byte("3mzzfuture22a"), -1)
	srv := httptest.NewServer(&replay{events: [][]byte{good, future}})
	defer srv.Close()
	rec := &recorder{until: "never"}
	src := &vigie.Source{ID: 1, Kind: vigie.SourceBluesky, URL: "ws" + strings.TrimPrefix(srv.URL, "http") + "/subscribe"}
	j := &Jetstream{Client: srv.Client(), Now: time.Now, Idle: 1500 * time.Millisecond}
	err := j.Stream(context.Background(), src, rec)
	if err == nil || !strings.Contains(err.Error(), "sent nothing") {
		t.Fatalf("a silent connection: %v", err)
	}
	posts, _, _ := rec.all()
	last := rec.batches[len(rec.batches)-1].State.Cursor
	if len(posts) != 1 || last != strconv.FormatInt(timeOf(good), 10) {
		t.Errorf("posts %d, cursor %s: want the good event only", len(posts), last)
	}
}
