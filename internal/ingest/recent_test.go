package ingest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/recent"
	"github.com/vigie-project/vigie/internal/store"
)

// keptTexts returns the texts of every post kept in the recent window.
func keptTexts(t *testing.T, st *store.Store) []string {
	t.Helper()
	cs, err := st.RecentChunks(context.Background(), store.RecentFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := range cs {
		ps, err := recent.Unpack(&cs[i])
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			out = append(out, p.Text)
		}
	}
	slices.Sort(out)
	return out
}

// TestPipelineKeepsUnmatchedPosts: the posts that match no monitor are
// kept in the recent window, once however often they come (in one batch,
// again later, or in a batch prepared while the previous one is stored);
// a batch the store refuses keeps nothing, and its posts are kept when
// they come again; switched off, nothing is kept.
func TestPipelineKeepsUnmatchedPosts(t *testing.T) {
	p, st, ws := newTestPipeline(t)
	p.KeepRecent = true
	ctx := context.Background()
	src, err := st.FindOrCreateSource(ctx, ws, vigie.SourceImport, "test", "")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	post := func(id, text string) vigie.Post {
		return vigie.Post{ID: id, Source: "mastodon", Text: text, PublishedAt: now.Add(-time.Hour)}
	}
	batch := []vigie.Post{post("1", "Valmont news"), post("2", "weather in Lausanne"), post("3", "football tonight"), post("3", "football tonight")}
	res, err := p.Process(ctx, &src, slices.Clone(batch), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Matched != 1 || res.Posts != 1 || res.Kept != 2 || res.Duplicates != 1 {
		t.Fatalf("first delivery: %+v", res)
	}
	res, err = p.Process(ctx, &src, slices.Clone(batch), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Kept != 0 || res.KeptBefore != 2 || res.Duplicates != 2 {
		t.Fatalf("delivered again: %+v", res)
	}

	// A bulk loader prepares a batch while the previous one is stored.
	x, err := p.Prepare(ctx, &src, []vigie.Post{post("4", "new bakery")})
	if err != nil {
		t.Fatal(err)
	}
	y, err := p.Prepare(ctx, &src, []vigie.Post{post("4", "new bakery"), post("5", "rain again")})
	if err != nil {
		t.Fatal(err)
	}
	for _, pr := range []*Prepared{x, y} {
		if _, err := p.Commit(ctx, pr, nil); err != nil {
			t.Fatal(err)
		}
	}

	// A batch the store refuses (here: its context ends) keeps nothing.
	z, err := p.Prepare(ctx, &src, []vigie.Post{post("6", "traffic jam")})
	if err != nil {
		t.Fatal(err)
	}
	gone, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := p.Commit(gone, z, &vigie.SourceState{Cursor: "later"}); err == nil {
		t.Fatal("a batch stored with an ended context")
	}
	if got := keptTexts(t, st); !slices.Equal(got, []string{"football tonight", "new bakery", "rain again", "weather in Lausanne"}) {
		t.Fatalf("kept %q", got)
	}
	if res, err := p.Process(ctx, &src, []vigie.Post{post("6", "traffic jam")}, nil); err != nil || res.Kept != 1 {
		t.Fatalf("delivered again after the failure: %+v %v", res, err)
	}

	// Another process (or this one restarted) knows what was kept.
	other := NewPipeline(p.Index, st)
	other.KeepRecent = true
	if res, err := other.Process(ctx, &src, []vigie.Post{post("2", "weather in Lausanne"), post("8", "snow")}, nil); err != nil || res.Kept != 1 || res.KeptBefore != 1 {
		t.Fatalf("another pipeline: %+v %v", res, err)
	}
	// Purged, a post is kept again when it comes again.
	if _, err := st.PurgeRecent(ctx, time.Now().Add(time.Hour), 0); err != nil {
		t.Fatal(err)
	}
	if res, err := p.Process(ctx, &src, []vigie.Post{post("2", "weather in Lausanne")}, nil); err != nil || res.Kept != 1 {
		t.Fatalf("delivered again after the purge: %+v %v", res, err)
	}
	if res, err := p.Process(ctx, &src, []vigie.Post{post("2", "weather in Lausanne")}, nil); err != nil || res.KeptBefore != 1 {
		t.Fatalf("and again: %+v %v", res, err)
	}

	// Off: nothing more is kept.
	p.KeepRecent = false
	if res, err := p.Process(ctx, &src, []vigie.Post{post("7", "sunny")}, nil); err != nil || res.Kept != 0 {
		t.Fatalf("switched off: %+v %v", res, err)
	}
	if got := keptTexts(t, st); !slices.Equal(got, []string{"weather in Lausanne"}) {
		t.Fatalf("kept %q", got)
	}
	if n := p.Stats().Kept.Load(); n != 6 {
		t.Fatalf("kept counter %d", n)
	}
}

// TestKeptKeysMerge: keys read chunk by chunk (merged as they pile up) are
// all found, and only they.
func TestKeptKeysMerge(t *testing.T) {
	_, st, ws := newTestPipeline(t)
	ctx := context.Background()
	src, err := st.FindOrCreateSource(ctx, ws, vigie.SourceImport, "test", "")
	if err != nil {
		t.Fatal(err)
	}
	k := newKeptKeys()
	var all []uint64
	for c := range 40 {
		keys := make([]uint64, c+1)
		for i := range keys {
			keys[i] = uint64(c*1000+i)*0x9e3779b97f4a7c15 | 1 // odd: even keys are never kept
		}
		all = append(all, keys...)
		chunk := store.RecentChunk{Posts: len(keys), Data: []byte("x"), FirstPublished: time.Now(), LastPublished: time.Now(), Keys: keys}
		if _, err := st.SaveBatch(ctx, src.ID, nil, nil, chunk); err != nil {
			t.Fatal(err)
		}
		if c%7 == 0 { // read now and then, as batches come
			if _, err := k.claim(ctx, st, src.ID, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	probe := append(slices.Clone(all), 2, 4, 6)
	fresh, err := k.claim(ctx, st, src.ID, probe)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range fresh {
		if f != (i >= len(all)) {
			t.Fatalf("key %d (%x): fresh %v", i, probe[i], f)
		}
	}
	if sk := k.source(src.ID); len(sk.runs) > 16 {
		t.Fatalf("%d runs left unmerged", len(sk.runs))
	}
}
