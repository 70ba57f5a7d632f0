package bus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/apptest"
	"github.com/vigie-project/vigie/internal/connector"
	"github.com/vigie-project/vigie/internal/ingest"
	"github.com/vigie-project/vigie/internal/match"
	"github.com/vigie-project/vigie/internal/postjson"
	"github.com/vigie-project/vigie/internal/query"
	"github.com/vigie-project/vigie/internal/store"
)

// fixture is a store with one monitor ("valmont") and its pipeline.
type fixture struct {
	st       *store.Store
	pipeline *ingest.Pipeline
	src      vigie.Source
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "vigie.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ws, err := st.EnsureWorkspace(ctx, "main", "Main")
	if err != nil {
		t.Fatal(err)
	}
	m, err := st.CreateMonitor(ctx, vigie.MonitorRecord{Monitor: vigie.Monitor{ID: "m", Kind: vigie.KindBrand, Query: "valmont"}, WorkspaceID: ws.ID})
	if err != nil {
		t.Fatal(err)
	}
	ix := match.NewIndex()
	q, _ := query.Parse("valmont")
	if err := ix.AddOwned(m.Key, ws.ID, q); err != nil {
		t.Fatal(err)
	}
	src, err := st.FindOrCreateSource(ctx, ws.ID, vigie.SourceImport, "test", "")
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{st: st, pipeline: ingest.NewPipeline(ix, st), src: src}
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func posts(from, n int, text string) []vigie.Post {
	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	out := make([]vigie.Post, n)
	for i := range out {
		out[i] = vigie.Post{ID: fmt.Sprintf("p%d", from+i), Source: "rss", Text: fmt.Sprintf("%s %d", text, from+i), PublishedAt: at}
	}
	return out
}

// waitFor polls cond (the store's or the server's state) until it holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond) // polling state, not waiting for an event
	}
}

// stored counts the posts stored (a deleted post's tombstone too).
func (f *fixture) stored(t *testing.T) int64 {
	c, err := f.st.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c.Posts
}

func (f *fixture) mentions(t *testing.T) int64 {
	c, err := f.st.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c.Mentions
}

func connect(t *testing.T, url, prefix string, st *store.Store) *JetStream {
	t.Helper()
	js, err := Connect(Config{URL: url, Prefix: prefix, Store: st, Log: quiet(), PublishTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { js.Close() })
	return js
}

func runWorker(t *testing.T, js *JetStream, p *ingest.Pipeline) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = (&Worker{Bus: js, Pipeline: p, Log: quiet()}).Run(ctx)
	}()
	t.Cleanup(func() { cancel(); <-done })
}

// TestSendThenWorkerStores: a batch sent is stored by a worker, its
// cursor saved once the server holds it; a whole batch with a deletion
// keeps the batch's meaning; a message nobody can read is removed and
// the next ones flow.
func TestSendThenWorkerStores(t *testing.T) {
	url, prefix := apptest.NATS(t)
	f := newFixture(t)
	js := connect(t, url, prefix, f.st)
	ctx := context.Background()

	b := connector.Batch{Posts: append(posts(0, 30, "valmont news"), posts(30, 10, "other news")...)}
	b.Posts = append(b.Posts, vigie.Post{ID: "bad", Source: "rss"}) // no date: refused here
	// Valid, and over NATS's default max_payload (1 MB): refused alone.
	big := posts(1000, 1, "valmont")[0]
	big.ID, big.Text = "big", strings.Repeat("valmont ", vigie.MaxTextBytes/8-1)
	b.Posts = append(b.Posts, big)
	res, _, err := js.Apply(ctx, &f.src, b, &vigie.SourceState{Cursor: "after-40"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Received != 42 || res.Invalid != 2 || len(res.Rejected) != 2 || res.Rejected[0].ID != "bad" || res.Rejected[1].ID != "big" ||
		!strings.Contains(res.Rejected[1].Err.Error(), "max_payload") {
		t.Fatalf("result %+v", res)
	}
	src, err := f.st.FindSourceByID(ctx, f.src.WorkspaceID, f.src.ID)
	if err != nil || src.Cursor != "after-40" {
		t.Fatalf("cursor %q after the send: %v", src.Cursor, err)
	}
	if f.stored(t) != 0 {
		t.Fatal("stored before any worker ran")
	}
	// A re-send (the source ran again from an older cursor) is dropped by
	// the server.
	res, _, err = js.Apply(ctx, &f.src, connector.Batch{Posts: posts(0, 5, "valmont news")}, nil)
	if err != nil || res.Duplicates != 5 {
		t.Fatalf("re-send: %+v %v", res, err)
	}

	// A message another program put there, and a post whose header names
	// another source than its subject.
	if err := js.nc.PublishMsg(&nats.Msg{Subject: prefix + ".posts.1", Data: []byte("{not json"), Header: nats.Header{hdrSource: {"x"}}}); err != nil {
		t.Fatal(err)
	}
	p := posts(500, 1, "valmont elsewhere")[0]
	if err := js.nc.PublishMsg(&nats.Msg{Subject: prefix + ".posts.999", Data: postjson.Append(nil, &p),
		Header: nats.Header{hdrSource: {fmt.Sprintf("%d.%d", f.src.WorkspaceID, f.src.ID)}, hdrKind: {kindPost}}}); err != nil {
		t.Fatal(err)
	}
	runWorker(t, js, f.pipeline)
	// A batch that deletes one of its own posts: that post is not stored.
	del := connector.Batch{Posts: posts(100, 3, "valmont deleted"), Deletes: []connector.Deletion{{Kind: "rss", ID: "p101"}}}
	if _, _, err := js.Apply(ctx, &f.src, del, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "32 mentions stored", func() bool { return f.mentions(t) == 32 })
	waitFor(t, "the bad messages removed", func() bool { return js.stats.Bad.Load() == 2 })
	page, err := f.st.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: f.src.WorkspaceID, MonitorID: "m", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range page.Mentions {
		if m.Post.ID == "p101" {
			t.Fatal("a post deleted in its own batch was stored")
		}
	}
	if len(page.Mentions) != 32 {
		t.Fatalf("%d mentions, want 32", len(page.Mentions))
	}
}

// TestBusAwayAndBack: while the NATS server cannot be reached, a source's
// batch fails and its cursor stays where it was; once it is back, the
// source's next run sends the batch and the worker, which waited, stores
// it — every post once.
func TestBusAwayAndBack(t *testing.T) {
	url, prefix := apptest.NATS(t)
	px := apptest.NewProxy(t, strings.TrimPrefix(url, "nats://"))
	f := newFixture(t)
	js := connect(t, "nats://"+px.Addr, prefix, f.st)
	ctx := context.Background()
	runWorker(t, js, f.pipeline)

	if _, _, err := js.Apply(ctx, &f.src, connector.Batch{Posts: posts(0, 20, "valmont")}, &vigie.SourceState{Cursor: "c1"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first batch stored", func() bool { return f.stored(t) == 20 })

	px.Down()
	waitFor(t, "the client to see the cut", func() bool { return !js.nc.IsConnected() })
	_, _, err := js.Apply(ctx, &f.src, connector.Batch{Posts: posts(20, 20, "valmont")}, &vigie.SourceState{Cursor: "c2"})
	if err == nil {
		t.Fatal("a batch was taken while the bus was away")
	}
	src, _ := f.st.FindSourceByID(ctx, f.src.WorkspaceID, f.src.ID)
	if src.Cursor != "c1" {
		t.Fatalf("the cursor moved to %q while the bus was away", src.Cursor)
	}
	if !errors.Is(err, ingest.ErrUnavailable) {
		t.Errorf("while away: %v, want ingest.ErrUnavailable", err)
	}
	t.Logf("while away: %v", err)

	px.Up(t)
	waitFor(t, "the client to reconnect", js.nc.IsConnected)
	// The source runs again from its cursor: the same batch.
	if _, _, err := js.Apply(ctx, &f.src, connector.Batch{Posts: posts(20, 20, "valmont")}, &vigie.SourceState{Cursor: "c2"}); err != nil {
		t.Fatalf("after the bus came back: %v", err)
	}
	src, _ = f.st.FindSourceByID(ctx, f.src.WorkspaceID, f.src.ID)
	if src.Cursor != "c2" {
		t.Fatalf("cursor %q, want c2", src.Cursor)
	}
	waitFor(t, "both batches stored", func() bool { return f.stored(t) == 40 })
	if n := f.stored(t); n != 40 {
		t.Fatalf("%d posts stored, want 40", n)
	}
}

// TestLocalSignals: the in-process bus calls every handler of a signal.
func TestLocalSignals(t *testing.T) {
	l := NewLocal(nil)
	var got []string
	l.OnSignal(SignalStored, func(b []byte) { got = append(got, "a:"+string(b)) })
	l.OnSignal(SignalStored, func(b []byte) { got = append(got, "b:"+string(b)) })
	l.Signal(SignalStored, []byte("k1"))
	l.Signal(SignalLive, nil)
	if strings.Join(got, ",") != "a:k1,b:k1" {
		t.Fatalf("handlers saw %v", got)
	}
}

// TestSignalsCrossProcesses: a signal sent on one connection reaches the
// handlers of another (another process).
func TestSignalsCrossProcesses(t *testing.T) {
	url, prefix := apptest.NATS(t)
	a, b := connect(t, url, prefix, nil), connect(t, url, prefix, nil)
	got := make(chan string, 1)
	b.OnSignal(SignalStored, func(d []byte) { got <- string(d) })
	if err := b.nc.Flush(); err != nil { // the subscription is on the server
		t.Fatal(err)
	}
	a.Signal(SignalStored, []byte("1/m\n1/n"))
	select {
	case d := <-got:
		if d != "1/m\n1/n" {
			t.Fatalf("got %q", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the signal did not arrive")
	}
}

func FuzzDecodeMessage(f *testing.F) {
	f.Add("1.2", kindPost, []byte(`{"id":"a","source":"rss","published_at":"2026-11-20T10:00:00Z","text":"x"}`))
	f.Add("1.2", kindBatch, []byte(`{"posts":[{"id":"a","source":"rss","published_at":"2026-11-20T10:00:00Z"}],"deletes":[{"kind":"rss","id":"b"}]}`))
	f.Add("x", "y", []byte("{"))
	f.Fuzz(func(t *testing.T, source, kind string, data []byte) {
		m, err := decodeMessage(source, kind, data)
		if err != nil {
			if !errors.Is(err, errBadMessage) {
				t.Fatalf("an error that is not errBadMessage: %v", err)
			}
			return
		}
		if m.ref.Workspace <= 0 || m.ref.Source <= 0 {
			t.Fatalf("accepted source %q as %+v", source, m.ref)
		}
	})
}

// TestStreamLostAndMadeAgain: the stream deleted under a running worker
// (an operator's mistake, or a NATS server restarted without its store):
// the next send makes it again, and the worker takes the new posts.
func TestStreamLostAndMadeAgain(t *testing.T) {
	url, prefix := apptest.NATS(t)
	f := newFixture(t)
	js := connect(t, url, prefix, f.st)
	ctx := context.Background()
	runWorker(t, js, f.pipeline)
	if _, _, err := js.Apply(ctx, &f.src, connector.Batch{Posts: posts(0, 5, "valmont")}, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first posts stored", func() bool { return f.mentions(t) == 5 })
	if err := js.js.DeleteStream(ctx, js.Stream()); err != nil {
		t.Fatal(err)
	}
	// The first send after may fail (the client's stream was gone); the
	// source runs again, as the scheduler would.
	var err error
	for range 3 {
		if _, _, err = js.Apply(ctx, &f.src, connector.Batch{Posts: posts(5, 5, "valmont")}, nil); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("sending after the stream was lost: %v", err)
	}
	waitFor(t, "the worker to take posts from the new stream", func() bool { return f.mentions(t) == 10 })
}

// TestEditsAndDeletionsAfterTheirPosts: with two workers, a post and its
// edit (or deletion) sent right after are stored in that order: the edit
// waits until the post is stored, not taken by the other worker before it.
func TestEditsAndDeletionsAfterTheirPosts(t *testing.T) {
	url, prefix := apptest.NATS(t)
	f := newFixture(t)
	js := connect(t, url, prefix, f.st)
	runWorker(t, js, f.pipeline)
	runWorker(t, connect(t, url, prefix, f.st), ingest.NewPipeline(f.pipeline.Index, f.st))
	ctx := context.Background()
	for i := range 20 {
		p := posts(2*i, 2, "valmont")
		edited := p[0]
		edited.Text = "nothing to see"
		for _, b := range []connector.Batch{{Posts: p[:1]}, {Edits: []vigie.Post{edited}}, {Posts: p[1:]}, {Deletes: []connector.Deletion{{Kind: "rss", ID: p[1].ID}}}} {
			if _, _, err := js.Apply(ctx, &f.src, b, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	waitFor(t, "the bus drained", func() bool {
		st, err := js.Status(ctx)
		return err == nil && st.Drained()
	})
	if n := f.mentions(t); n != 0 {
		t.Fatalf("%d mentions left of posts edited or deleted after they were sent", n)
	}
}
