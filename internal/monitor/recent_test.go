package monitor

import (
	"context"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/ingest"
	"github.com/vigie-project/vigie/internal/match"
	"github.com/vigie-project/vigie/internal/store"
)

// TestBackfillFromKeptPosts: a new monitor's backfill finds the posts that
// matched no monitor when they came, kept in the recent window, of the
// sources its workspace may see (not another workspace's), published in
// its window; it stores them enriched as the pipeline would, with its
// mention; run again, it adds nothing.
func TestBackfillFromKeptPosts(t *testing.T) {
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			st, err := store.Open(ctx, testURL(t, d))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			ws, err := st.CreateWorkspace(ctx, vigie.Workspace{Name: "W", Slug: "w"})
			if err != nil {
				t.Fatal(err)
			}
			other, err := st.CreateWorkspace(ctx, vigie.Workspace{Name: "Other", Slug: "other"})
			if err != nil {
				t.Fatal(err)
			}
			svc := &Service{Store: st, Index: match.NewIndex(), Enrich: ingest.Enrichment}
			pipe := ingest.NewPipeline(svc.Index, st)
			pipe.KeepRecent = true
			now := time.Now().UTC()
			for _, x := range []struct {
				ws    int64
				posts []vigie.Post
			}{
				{ws.ID, []vigie.Post{
					{ID: "a", Source: "rss", Text: "The Valmont robotics lab is wonderful, a great success", PublishedAt: now.Add(-time.Hour)},
					{ID: "b", Source: "rss", Text: "Football tonight", PublishedAt: now.Add(-time.Hour)},
					{ID: "old", Source: "rss", Text: "Robots of the past", PublishedAt: now.Add(-60 * 24 * time.Hour)},
				}},
				{other.ID, []vigie.Post{{ID: "c", Source: "rss", Text: "Secret robotics plans", PublishedAt: now.Add(-time.Hour)}}},
			} {
				src, err := st.CreateSource(ctx, vigie.Source{WorkspaceID: x.ws, Kind: vigie.SourceImport, Name: "import", Enabled: true})
				if err != nil {
					t.Fatal(err)
				}
				if res, err := pipe.Process(ctx, &src, x.posts, nil); err != nil || res.Kept != len(x.posts) {
					t.Fatalf("ingest: %+v %v", res, err)
				}
			}
			if _, err := svc.Create(ctx, vigie.MonitorRecord{WorkspaceID: ws.ID, Monitor: vigie.Monitor{ID: "robots", Name: "Robots", Query: "robot*"}}); err != nil {
				t.Fatal(err)
			}
			r, err := svc.Reindex(ctx, ws.ID, "robots", now.Add(-30*24*time.Hour), nil)
			if err != nil || r.Added != 1 || r.Matched != 1 || r.Scanned != 2 {
				t.Fatalf("backfill: %+v %v (want the lab's post of the 2 of the window)", r, err)
			}
			page, err := st.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: ws.ID, MonitorID: "robots"})
			if err != nil || page.Total != 1 {
				t.Fatalf("mentions: %d %v", page.Total, err)
			}
			m := page.Mentions[0]
			if m.Post.ID != "a" || m.Post.Lang != "en" || m.Sentiment.Label != "positive" || m.Simhash == "" {
				t.Fatalf("stored as %+v (want post a, in English, positive)", m)
			}
			r, err = svc.Reindex(ctx, ws.ID, "robots", now.Add(-30*24*time.Hour), nil)
			if err != nil || r.Added != 0 {
				t.Fatalf("again: %+v %v", r, err)
			}
			if page, _ := st.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: ws.ID, MonitorID: "robots"}); page.Total != 1 {
				t.Fatalf("mentions after a second run: %d", page.Total)
			}
			// The other workspace's monitor finds its own post only.
			if _, err := svc.Create(ctx, vigie.MonitorRecord{WorkspaceID: other.ID, Monitor: vigie.Monitor{ID: "robots", Name: "Robots", Query: "robot*"}}); err != nil {
				t.Fatal(err)
			}
			r, err = svc.Reindex(ctx, other.ID, "robots", now.Add(-30*24*time.Hour), nil)
			if err != nil || r.Added != 1 || r.Scanned != 1 {
				t.Fatalf("the other workspace's backfill: %+v %v", r, err)
			}
			page, err = st.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: other.ID, MonitorID: "robots"})
			if err != nil || page.Total != 1 || page.Mentions[0].Post.ID != "c" {
				t.Fatalf("the other workspace's mentions: %+v %v", page, err)
			}
		})
	}
}
