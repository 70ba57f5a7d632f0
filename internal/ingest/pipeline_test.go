package ingest

import (
	"context"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/match"
	"github.com/vigie-project/vigie/internal/query"
)

// TestNearDuplicatesSurviveRestart stores a post, starts a new pipeline on
// the same store (a restart), and sends a copy: it is linked to the original.
func TestNearDuplicatesSurviveRestart(t *testing.T) {
	p, st, ws := newTestPipeline(t)
	ctx := context.Background()
	src, err := st.FindOrCreateSource(ctx, ws, vigie.SourceImport, "test", "")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	story := "Valmont opens a new robotics centre for students and researchers from the whole region this autumn"
	if _, err := p.Process(ctx, &src, []vigie.Post{{ID: "a", Source: "mastodon", Text: story, PublishedAt: now.Add(-time.Hour)}}, nil); err != nil {
		t.Fatal(err)
	}

	ix := match.NewIndex()
	q, _ := query.Parse("valmont")
	m, err := st.FindMonitorByID(ctx, ws, "m")
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.AddOwned(m.Key, ws, q); err != nil {
		t.Fatal(err)
	}
	restarted := NewPipeline(ix, st)
	if n, err := restarted.LoadRecent(ctx, now); err != nil || n != 1 {
		t.Fatalf("loaded %d recent posts: %v", n, err)
	}
	if _, err := restarted.Process(ctx, &src, []vigie.Post{{ID: "b", Source: "bluesky", Text: "RT @uval: " + story, PublishedAt: now}}, nil); err != nil {
		t.Fatal(err)
	}
	page, err := st.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: ws, MonitorID: "m"})
	if err != nil || len(page.Mentions) != 2 {
		t.Fatalf("%d mentions: %v", len(page.Mentions), err)
	}
	copyOf, original := page.Mentions[0], page.Mentions[1]
	if copyOf.Post.ID != "b" || copyOf.NearDuplicateOf != original.ID {
		t.Fatalf("copy %q near-duplicate of %d, want %d", copyOf.Post.ID, copyOf.NearDuplicateOf, original.ID)
	}
}
