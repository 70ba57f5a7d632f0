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

	// Off: nothing more is kept.
	p.KeepRecent = false
	if res, err := p.Process(ctx, &src, []vigie.Post{post("7", "sunny")}, nil); err != nil || res.Kept != 0 {
		t.Fatalf("switched off: %+v %v", res, err)
	}
	if got := keptTexts(t, st); len(got) != 5 {
		t.Fatalf("kept %q", got)
	}
	if n := p.Stats().Kept.Load(); n != 5 {
		t.Fatalf("kept counter %d", n)
	}
}
