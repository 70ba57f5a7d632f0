package store

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
)

// chunk is a kept chunk of n posts with these keys; its data is opaque to
// the store (internal/recent encodes it).
func chunk(data string, n int, keys ...uint64) RecentChunk {
	return RecentChunk{Posts: n, Data: []byte(data), FirstPublished: t0.Add(-time.Hour), LastPublished: t0, Keys: keys}
}

// keptKeys returns the keys of a source's chunks after one, sorted.
func keptKeys(t testing.TB, s *Store, sourceID, after int64) []uint64 {
	t.Helper()
	var out []uint64
	for _, c := range must(s.RecentKeys(context.Background(), sourceID, after))(t).Chunks {
		if !slices.IsSorted(c.Keys) {
			t.Errorf("chunk %d's keys are not sorted: %v", c.ID, c.Keys)
		}
		out = append(out, c.Keys...)
	}
	slices.Sort(out)
	return out
}

func chunkIDs(cs []RecentChunk) []int64 {
	out := make([]int64, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

// TestSaveBatchKeepsChunks: the chunks of a batch's unmatched posts are
// written with its posts and cursor, with their keys (read by source, after
// a chunk); each workspace reads the chunks of the sources it may see only,
// newest first, page by page.
func TestSaveBatchKeepsChunks(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "m")
		theirs := must(s.CreateSource(ctx, vigie.Source{WorkspaceID: f.other.ID, Kind: vigie.SourceRSS, Name: "feed", URL: "https://other.example/rss", Enabled: true}))(t)
		clock := t0
		s.now = func() time.Time { return clock }

		high := uint64(1)<<63 + 5 // the top bit
		state := vigie.SourceState{Cursor: "c1", NextCheckAt: t0}
		saved := must(s.SaveBatch(ctx, f.source.ID, keyed(s, items("m", post("1", "m", t0))), &state, chunk("first", 2, high, 1)))(t)
		if saved.Posts != 1 || saved.Kept != 2 {
			t.Fatalf("saved %+v", saved)
		}
		clock = t0.Add(time.Minute)
		must(s.SaveBatch(ctx, f.source.ID, nil, nil, chunk("second", 2, 3)))(t)
		clock = t0.Add(2 * time.Minute)
		must(s.SaveBatch(ctx, theirs.ID, nil, nil, chunk("theirs", 1, 4)))(t)

		if got := keptKeys(t, s, f.source.ID, 0); !slices.Equal(got, []uint64{1, 3, high}) {
			t.Errorf("kept keys %v", got)
		}
		keys := must(s.RecentKeys(ctx, f.source.ID, 0))(t)
		if len(keys.Chunks) != 2 || keys.First != keys.Chunks[0].ID || !slices.Equal(keptKeys(t, s, f.source.ID, keys.First), []uint64{3}) {
			t.Errorf("keys after the first chunk: %+v", keys)
		}
		if got := keptKeys(t, s, theirs.ID, 0); !slices.Equal(got, []uint64{4}) {
			t.Errorf("the other source's keys %v", got)
		}
		mine := must(s.RecentChunks(ctx, RecentFilter{WorkspaceID: f.ws.ID}))(t)
		if len(mine) != 2 || string(mine[0].Data) != "second" || string(mine[1].Data) != "first" || mine[0].SourceID != f.source.ID ||
			mine[0].SourceKind != vigie.SourceSimulator || mine[1].Posts != 2 || !mine[1].ReceivedAt.Equal(t0) ||
			!mine[1].FirstPublished.Equal(t0.Add(-time.Hour)) || !mine[1].LastPublished.Equal(t0) {
			t.Fatalf("the workspace's chunks: %+v", mine)
		}
		if other := must(s.RecentChunks(ctx, RecentFilter{WorkspaceID: f.other.ID}))(t); len(other) != 1 || string(other[0].Data) != "theirs" {
			t.Fatalf("the other workspace's chunks: %+v", other)
		}
		if all := must(s.RecentChunks(ctx, RecentFilter{}))(t); len(all) != 3 {
			t.Fatalf("every chunk: %d", len(all))
		}
		if since := must(s.RecentChunks(ctx, RecentFilter{WorkspaceID: f.ws.ID, Since: t0.Add(time.Second)}))(t); len(since) != 1 || string(since[0].Data) != "second" {
			t.Fatalf("received since: %+v", since)
		}
		// Page by page.
		var paged []int64
		for after := (RecentCursor{}); ; {
			page := must(s.RecentChunks(ctx, RecentFilter{After: after, Limit: 1}))(t)
			if len(page) == 0 {
				break
			}
			paged = append(paged, page[0].ID)
			after = page[0].Cursor()
		}
		if all := chunkIDs(must(s.RecentChunks(ctx, RecentFilter{}))(t)); !slices.Equal(paged, all) {
			t.Fatalf("paged %v, at once %v", paged, all)
		}
		tot := must(s.RecentTotals(ctx, f.ws.ID, time.Time{}))(t)
		if tot.Chunks != 2 || tot.Posts != 4 || tot.Bytes != int64(len("first")+len("second")) || !tot.Oldest.Equal(t0) {
			t.Fatalf("totals %+v", tot)
		}

		// A deleted source's posts go with it.
		if err := s.DeleteSource(ctx, f.other.ID, theirs.ID); err != nil {
			t.Fatal(err)
		}
		if all := must(s.RecentChunks(ctx, RecentFilter{}))(t); len(all) != 2 {
			t.Fatalf("after deleting a source: %d chunks", len(all))
		}
		if got := must(s.RecentKeys(ctx, theirs.ID, 0))(t); got.First != 0 || len(got.Chunks) != 0 {
			t.Fatalf("its keys stayed: %+v", got)
		}
	})
}

// TestSaveBatchKeepsNothingHalfWritten: a batch that fails (a crash before
// its commit, an invalid chunk) keeps none of its chunks, keys or cursor.
func TestSaveBatchKeepsNothingHalfWritten(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "m")
		state := vigie.SourceState{Cursor: "after", NextCheckAt: t0}
		crash := errors.New("power cut")
		s.beforeCommit = func() error { return crash }
		if _, err := s.SaveBatch(ctx, f.source.ID, items("m", post("1", "m", t0)), &state, chunk("c", 2, 1, 2)); !errors.Is(err, crash) {
			t.Fatalf("got %v, want the crash", err)
		}
		s.beforeCommit = nil
		for _, bad := range []RecentChunk{chunk("", 1, 1), chunk("x", 0), chunk("x", 1, 1, 2), {Posts: 1, Data: []byte("x")}} {
			_, err := s.SaveBatch(ctx, f.source.ID, nil, &state, bad)
			wantErr(t, err, vigie.ErrInvalid, "an invalid chunk")
		}
		if cs := must(s.RecentChunks(ctx, RecentFilter{}))(t); len(cs) != 0 {
			t.Errorf("%d chunks after failed batches", len(cs))
		}
		if got := keptKeys(t, s, f.source.ID, 0); len(got) != 0 {
			t.Errorf("keys after failed batches: %v", got)
		}
		if src := must(s.FindSourceByID(ctx, f.ws.ID, f.source.ID))(t); src.Cursor != "" {
			t.Errorf("cursor %q saved without its posts", src.Cursor)
		}
	})
}

// TestPurgeRecent: chunks received before the window go, then the oldest
// while all of them pass the cap, with their keys.
func TestPurgeRecent(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		for i, size := range []int{100, 200, 300, 400} {
			s.now = func() time.Time { return t0.Add(time.Duration(i) * time.Hour) }
			must(s.SaveBatch(ctx, f.source.ID, nil, nil, chunk(string(make([]byte, size)), i+1, uint64(10+i))))(t)
		}
		p := must(s.PurgeRecent(ctx, t0.Add(90*time.Minute), 0))(t)
		if p.Chunks != 2 || p.Posts != 3 || p.Bytes != 300 {
			t.Fatalf("purged by age: %+v", p)
		}
		if got := keptKeys(t, s, f.source.ID, 0); !slices.Equal(got, []uint64{12, 13}) {
			t.Fatalf("keys after the purge by age: %v", got)
		}
		// 700 bytes left, 450 allowed: the oldest (300) goes, then 400 fits.
		p = must(s.PurgeRecent(ctx, t0, 450))(t)
		if p.Chunks != 1 || p.Bytes != 300 {
			t.Fatalf("purged by size: %+v", p)
		}
		if got := keptKeys(t, s, f.source.ID, 0); !slices.Equal(got, []uint64{13}) {
			t.Fatalf("keys after the purge by size: %v", got)
		}
		if p := must(s.PurgeRecent(ctx, t0, 400))(t); p.Chunks != 0 {
			t.Fatalf("purged what fits: %+v", p)
		}
		// A window of 0 purges all.
		if p := must(s.PurgeRecent(ctx, t0.Add(time.Hour*24*365), 0))(t); p.Chunks != 1 {
			t.Fatalf("purged all: %+v", p)
		}
		if tot := must(s.RecentTotals(ctx, 0, time.Time{}))(t); tot.Chunks != 0 || tot.Bytes != 0 || !tot.Oldest.IsZero() {
			t.Fatalf("left %+v", tot)
		}
	})
}

// TestRecentDamagedDate: a chunk whose reception date is unreadable (a row
// edited by hand) or over a day ahead is skipped by readers, which go on
// to the others, and removed by the next purge (an outside trial: every
// test and backfill that met it failed, and the purge never took it).
func TestRecentDamagedDate(t *testing.T) {
	s := openStore(t, SQLite)
	ctx := context.Background()
	f := newFixture(t, s)
	s.now = func() time.Time { return t0 }
	var ids []int64
	for i := range 3 {
		must(s.SaveBatch(ctx, f.source.ID, nil, nil, chunk("x", 1, uint64(i))))(t)
	}
	for _, c := range must(s.RecentChunks(ctx, RecentFilter{WorkspaceID: f.ws.ID}))(t) {
		ids = append(ids, c.ID)
	}
	if _, err := s.db.Exec("UPDATE recent_chunks SET received_at = 'garbage' WHERE id = ?", ids[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec("UPDATE recent_chunks SET received_at = ? WHERE id = ?", s.tm(t0.Add(72*time.Hour)), ids[1]); err != nil {
		t.Fatal(err)
	}
	got := must(s.RecentChunks(ctx, RecentFilter{WorkspaceID: f.ws.ID}))(t)
	if !slices.Equal(chunkIDs(got), ids[2:]) {
		t.Fatalf("read %v, want only %v", chunkIDs(got), ids[2:])
	}
	if p := must(s.PurgeRecent(ctx, t0.Add(-time.Hour), 0))(t); p.Chunks != 2 {
		t.Fatalf("purged %+v, want the two damaged chunks", p)
	}
}

// TestMentionedPosts: which kept posts are stored with a mention of the
// workspace, published since when (those its search would count).
func TestMentionedPosts(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "m", "other-m")
		must(saveBatch(s, ctx, f.source.ID, items("m", post("1", "m", t0)), nil))(t)
		must(s.SaveBatch(ctx, f.source.ID, items("", post("2", "none", t0)), nil))(t) // stored without a mention
		refs := []PostRef{StoredRef(f.source.Kind, f.source.ID, &vigie.Post{ID: "1", Source: "mastodon"}),
			StoredRef(f.source.Kind, f.source.ID, &vigie.Post{ID: "2", Source: "mastodon"}), {"mastodon", "3"}}
		got := must(s.MentionedPosts(ctx, f.ws.ID, t0, refs))(t)
		if len(got) != 1 || !got[refs[0]].Equal(t0) {
			t.Fatalf("mentioned: %v", got)
		}
		if got := must(s.MentionedPosts(ctx, f.ws.ID, t0.Add(time.Second), refs))(t); len(got) != 0 {
			t.Fatalf("published before since: %v", got)
		}
		if got := must(s.MentionedPosts(ctx, f.other.ID, t0, refs))(t); len(got) != 0 {
			t.Fatalf("another workspace's mention: %v", got)
		}
		_, err := s.MentionedPosts(ctx, 0, t0, refs)
		wantErr(t, err, vigie.ErrInvalid, "no workspace")
	})
}
