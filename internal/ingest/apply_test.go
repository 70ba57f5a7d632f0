package ingest

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
	"github.com/vigie-project/vigie/internal/recent"
)

// TestApplyDeletesEditsAndPosts: a batch's deletions reach stored posts and
// posts of the same batch, its edits re-match stored posts, and its posts
// are stored with the cursor.
func TestApplyDeletesEditsAndPosts(t *testing.T) {
	p, st, ws := newTestPipeline(t)
	ctx := context.Background()
	src, err := st.CreateSource(ctx, vigie.Source{WorkspaceID: ws, Kind: vigie.SourceSimulator, Name: "net", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	post := func(id, txt string) vigie.Post {
		return vigie.Post{ID: id, Source: "bluesky", Text: txt, PublishedAt: now.Add(-time.Minute), Author: vigie.Author{ID: "did:" + id[:1]}}
	}
	mentions := func() map[string]string {
		page, err := st.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: ws, MonitorID: "m"})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, m := range page.Mentions {
			out[m.Post.ID] = m.Post.Text
		}
		return out
	}
	_, _, err = p.Apply(ctx, &src, connector.Batch{Posts: []vigie.Post{post("a1", "Valmont one"), post("a2", "Valmont two"), post("b1", "Valmont three"), post("c1", "nothing")}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := mentions(); len(got) != 3 {
		t.Fatalf("stored %v", got)
	}
	state := src.SourceState
	state.Cursor = "42"
	res, ch, err := p.Apply(ctx, &src, connector.Batch{
		Posts:   []vigie.Post{post("d1", "Valmont four"), post("e1", "Valmont born and gone")},
		Edits:   []vigie.Post{post("a2", "Valmont two, edited"), post("b1", "no longer about it"), post("c1", "now about Valmont"), post("f1", "Valmont new via edit")},
		Deletes: []connector.Deletion{{Kind: "bluesky", ID: "e1"}, {Kind: "bluesky", ID: "a1"}, {Kind: "bluesky", ID: "zz"}},
	}, &state)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Deleted != 1 || ch.Edited != 2 || res.Posts != 3 {
		t.Errorf("changes %+v, %d new posts; want 1 deleted (a1; e1 never stored), 2 edited (a2, and b1 that matches no more), 3 new (d1, f1, and c1 that matched nothing before)", ch, res.Posts)
	}
	got := mentions()
	want := map[string]string{"a2": "Valmont two, edited", "c1": "now about Valmont", "f1": "Valmont new via edit", "d1": "Valmont four"}
	if len(got) != len(want) {
		t.Fatalf("mentions %v, want %v", got, want)
	}
	for id, txt := range want {
		if got[id] != txt {
			t.Errorf("mention %s: %q, want %q", id, got[id], txt)
		}
	}
	saved, _ := st.FindSourceByID(ctx, ws, src.ID)
	if saved.Cursor != "42" {
		t.Errorf("cursor %q", saved.Cursor)
	}
	// An author's account deleted: every post of theirs goes.
	if _, ch, err = p.Apply(ctx, &src, connector.Batch{Deletes: []connector.Deletion{{Kind: "bluesky", AuthorID: "did:c"}}}, nil); err != nil || ch.Deleted != 1 {
		t.Fatalf("author deletion: %+v %v", ch, err)
	}
	if _, ok := mentions()["c1"]; ok {
		t.Error("the deleted author's post is still a mention")
	}
}

// fakeStream hands over its batches, then fails with err (nil: waits for
// the end of ctx).
type fakeStream struct {
	batches []connector.Batch
	err     error
	runs    int
	saved   chan struct{} // closed once the batches are saved, if not nil
}

func (f *fakeStream) Stream(ctx context.Context, src *vigie.Source, sink connector.Sink) error {
	f.runs++
	sink.Connected()
	for _, b := range f.batches {
		if err := sink.Save(ctx, b); err != nil {
			return err
		}
	}
	if f.saved != nil {
		close(f.saved)
	}
	if f.err != nil {
		return f.err
	}
	<-ctx.Done()
	return nil
}

// TestRunStream: a stream's batches are stored with their cursor, its
// source is shown connected while it flows, and a failure is recorded and
// backed off (a rate limit waits until its time without counting as a
// failure).
func TestRunStream(t *testing.T) {
	p, st, ws := newTestPipeline(t)
	ctx := context.Background()
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	src, err := st.CreateSource(ctx, vigie.Source{WorkspaceID: ws, Kind: "fakestream", Name: "stream", Enabled: true,
		SourceState: vigie.SourceState{NextCheckAt: now}})
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeStream{
		batches: []connector.Batch{
			{Posts: []vigie.Post{{ID: "s1", Source: "bluesky", Text: "Valmont streams", PublishedAt: now.Add(-time.Second)}}, State: vigie.SourceState{Cursor: "c1", Lag: 1.5}},
			{Posts: []vigie.Post{{ID: "s2", Source: "bluesky", Text: "nothing", PublishedAt: now}}, State: vigie.SourceState{Cursor: "c2", Lag: 0.5}},
		},
		err: errors.New("connection reset by peer"),
	}
	s := &Scheduler{Pipeline: p, Now: func() time.Time { return now }, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Streamers: map[vigie.SourceKind]connector.Streamer{"fakestream": f}}
	s.RunStream(ctx, f, &src)
	got, _ := st.FindSourceByID(ctx, ws, src.ID)
	if got.Cursor != "c2" || got.PostsSeen != 2 || got.Lag != 0.5 || !got.LastSuccessAt.Equal(now) {
		t.Errorf("after the stream: %+v", got.SourceState)
	}
	if got.Connected || got.ErrorCount != 1 || got.LastError != "connection reset by peer" || !got.NextCheckAt.After(now) || got.NextCheckAt.After(now.Add(10*time.Second)) {
		t.Errorf("after the failure: %+v", got.SourceState)
	}
	page, _ := st.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: ws, MonitorID: "m"})
	if page.Total != 1 {
		t.Errorf("%d mentions from the stream", page.Total)
	}

	// A rate limit: next try at its time, not counted as a failure.
	until := now.Add(10 * time.Minute)
	f.batches, f.err = nil, &connector.RateLimitError{Network: "Testnet", Until: until}
	s.RunStream(ctx, f, &got)
	got2, _ := st.FindSourceByID(ctx, ws, src.ID)
	if got2.ErrorCount != 1 || !got2.NextCheckAt.Equal(until) || got2.Cursor != "c2" {
		t.Errorf("after a rate limit: %+v", got2.SourceState)
	}

	// A stream that stays open is connected; ending the context (the
	// process stops) leaves it due at once and not connected.
	f.err = nil
	sctx, cancel := context.WithCancel(ctx)
	f.batches = []connector.Batch{{State: vigie.SourceState{Cursor: "c3"}}}
	f.saved = make(chan struct{})
	done := make(chan struct{})
	go func() { s.RunStream(sctx, f, &got2); close(done) }()
	<-f.saved
	cur, _ := st.FindSourceByID(ctx, ws, src.ID)
	if cur.Cursor != "c3" || !cur.Connected || cur.ErrorCount != 0 || !cur.NextCheckAt.After(now) {
		t.Errorf("while streaming: %+v", cur.SourceState)
	}
	cancel()
	<-done
	cur, _ = st.FindSourceByID(ctx, ws, src.ID)
	if cur.Connected || !cur.NextCheckAt.Equal(now) {
		t.Errorf("after stopping: %+v", cur.SourceState)
	}
	// At start-up, streams left with a lease are resumed at once.
	if n, err := st.ResumeStreams(ctx, "", []vigie.SourceKind{"fakestream"}, now.Add(-time.Hour)); err != nil || n != 1 {
		t.Errorf("ResumeStreams: %d %v", n, err)
	}
}

// TestDeletedKeptPost: a post that matched no monitor is kept in the
// recent window; once its network deletes it, a query's test neither
// counts nor shows it, and it is not stored by a later backfill (its
// tombstone is known).
func TestDeletedKeptPost(t *testing.T) {
	p, st, ws := newTestPipeline(t)
	p.KeepRecent = true
	ctx := context.Background()
	src, err := st.CreateSource(ctx, vigie.Source{WorkspaceID: ws, Kind: vigie.SourceSimulator, Name: "net", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	kept := []vigie.Post{
		{ID: "z1", Source: "bluesky", Text: "zebras cross the campus", PublishedAt: now.Add(-time.Minute)},
		{ID: "z2", Source: "bluesky", Text: "zebras again", PublishedAt: now.Add(-time.Minute)},
	}
	if res, _, err := p.Apply(ctx, &src, connector.Batch{Posts: kept}, nil); err != nil || res.Kept != 2 {
		t.Fatalf("kept %d: %v", res.Kept, err)
	}
	try := func() recent.Tried {
		tr, err := recent.Try(ctx, st, recent.TryOptions{WorkspaceID: ws, Query: "zebras", Window: time.Hour, Kept: true, Samples: 10, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	if tr := try(); tr.Total != 2 || len(tr.Samples) != 2 {
		t.Fatalf("before the deletion: %+v", tr)
	}
	_, ch, err := p.Apply(ctx, &src, connector.Batch{Deletes: []connector.Deletion{{Kind: "bluesky", ID: "z1"}, {Kind: "bluesky", ID: "never-seen"}}}, nil)
	if err != nil || ch.Deleted != 0 {
		t.Fatalf("deletion: %+v %v", ch, err)
	}
	tr := try()
	if tr.Total != 1 || len(tr.Samples) != 1 || tr.Samples[0].ID != "z2" {
		t.Fatalf("after the deletion: total %d, samples %v", tr.Total, tr.Samples)
	}
	if known, err := st.KnownPosts(ctx, &src, "bluesky", []string{"z1", "never-seen"}); err != nil || !known["z1"] || known["never-seen"] {
		t.Fatalf("known %v %v: want the deleted kept post's tombstone only (a deletion of a post never kept leaves nothing)", known, err)
	}
}

// TestAuthorDeletedInTheSameBatch: an account deleted right after it
// posted (both in one batch): its post is not stored.
func TestAuthorDeletedInTheSameBatch(t *testing.T) {
	p, st, ws := newTestPipeline(t)
	ctx := context.Background()
	src, err := st.CreateSource(ctx, vigie.Source{WorkspaceID: ws, Kind: vigie.SourceSimulator, Name: "net", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().UTC().Add(-time.Minute)
	res, _, err := p.Apply(ctx, &src, connector.Batch{
		Posts:   []vigie.Post{{ID: "g1", Source: "bluesky", Text: "Valmont, then gone", PublishedAt: at, Author: vigie.Author{ID: "did:plc:gone"}}, {ID: "s1", Source: "bluesky", Text: "Valmont stays", PublishedAt: at, Author: vigie.Author{ID: "did:plc:stays"}}},
		Deletes: []connector.Deletion{{Kind: "bluesky", AuthorID: "did:plc:gone"}},
	}, nil)
	if err != nil || res.Posts != 1 {
		t.Fatalf("stored %d posts (%v), want only the one whose author stays", res.Posts, err)
	}
}
