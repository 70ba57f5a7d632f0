package ingest

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/match"
	"github.com/vigie-project/vigie/internal/query"
	"github.com/vigie-project/vigie/internal/store"
)

// TestSourcesFeedTheirWorkspace: a workspace's private feed feeds only its
// own monitors; the same item id published by another workspace's feed is
// another post, with its own text (no feed speaks for another's items); a
// source an administrator shares feeds every workspace of the organisation.
func TestSourcesFeedTheirWorkspace(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "vigie.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	a, err := st.EnsureWorkspace(ctx, "a", "A")
	if err != nil {
		t.Fatal(err)
	}
	b, err := st.EnsureWorkspace(ctx, "b", "B")
	if err != nil {
		t.Fatal(err)
	}
	ix := match.NewIndex()
	for _, m := range []struct {
		id string
		ws int64
	}{{"valmont", a.ID}, {"valmont", b.ID}} { // one id, two workspaces: two monitors
		saved, err := st.CreateMonitor(ctx, vigie.MonitorRecord{Monitor: vigie.Monitor{ID: m.id, Kind: vigie.KindBrand, Query: "valmont"}, WorkspaceID: m.ws})
		if err != nil {
			t.Fatal(err)
		}
		q, _ := query.Parse("valmont")
		if err := ix.AddOwned(saved.Key, m.ws, q); err != nil {
			t.Fatal(err)
		}
	}
	feed := func(ws int64, name string) vigie.Source {
		src, err := st.CreateSource(ctx, vigie.Source{WorkspaceID: ws, Kind: vigie.SourceRSS, Name: name, URL: "https://" + name + ".example/feed", Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		return src
	}
	srcA, srcB := feed(a.ID, "a-news"), feed(b.ID, "b-news")
	p := NewPipeline(ix, st)
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	article := func(text string) []vigie.Post {
		return []vigie.Post{{ID: "https://news.example/2026/valmont-ranking", Source: "rss", URL: "https://news.example/2026/valmont-ranking", Text: text, PublishedAt: at}}
	}
	mentions := func(ws int64) []vigie.Mention {
		t.Helper()
		page, err := st.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: ws})
		if err != nil {
			t.Fatal(err)
		}
		return page.Mentions
	}

	// A's private feed: A's monitor only.
	if _, err := p.Process(ctx, &srcA, article("Valmont climbs in the ranking"), nil); err != nil {
		t.Fatal(err)
	}
	if got := mentions(b.ID); len(got) != 0 {
		t.Fatalf("A's private feed became B's mentions: %+v", got)
	}
	if got := mentions(a.ID); len(got) != 1 || got[0].Post.ID != "https://news.example/2026/valmont-ranking" {
		t.Fatalf("A's mentions: %+v", got)
	}

	// B's feed publishes the same URL with other words: B's post, B's text;
	// A's stays as A's feed said.
	if _, err := p.Process(ctx, &srcB, article("Valmont falls in the ranking (planted)"), nil); err != nil {
		t.Fatal(err)
	}
	gotA, gotB := mentions(a.ID), mentions(b.ID)
	if len(gotA) != 1 || gotA[0].Post.Text != "Valmont climbs in the ranking" {
		t.Fatalf("A's article after B's feed: %+v", gotA)
	}
	if len(gotB) != 1 || gotB[0].Post.Text != "Valmont falls in the ranking (planted)" || gotB[0].ID == gotA[0].ID {
		t.Fatalf("B's article: %+v", gotB)
	}

	// Shared by an administrator: A's feed now feeds B's monitor too.
	if _, err := st.ShareSource(ctx, a.ID, srcA.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ShareSource(ctx, b.ID, srcA.ID, true); err == nil {
		t.Fatal("B shared A's source")
	}
	if got, err := st.FindSharedSources(ctx, b.ID); err != nil || len(got) != 1 || got[0].ID != srcA.ID {
		t.Fatalf("B's list of sources shared with it: %+v %v", got, err)
	}
	if got, err := st.FindSharedSources(ctx, a.ID); err != nil || len(got) != 0 {
		t.Fatalf("A's own shared source listed as shared with A: %+v %v", got, err)
	}
	next := []vigie.Post{{ID: "https://news.example/2026/valmont-lab", Source: "rss", Text: "Valmont opens a lab", PublishedAt: at.Add(time.Hour)}}
	if _, err := p.Process(ctx, &srcA, next, nil); err != nil {
		t.Fatal(err)
	}
	if got := mentions(b.ID); len(got) != 2 || got[0].Post.Text != "Valmont opens a lab" {
		t.Fatalf("B's mentions with A's feed shared: %+v", got)
	}
}
