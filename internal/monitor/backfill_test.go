package monitor

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/match"
	"github.com/vigie-project/vigie/internal/store"
)

// TestBackfill: a monitor created through the service gets the mentions of
// the posts stored in the window, not older ones.
func TestBackfill(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "v.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ws, err := st.CreateWorkspace(ctx, vigie.Workspace{Name: "W", Slug: "w"})
	if err != nil {
		t.Fatal(err)
	}
	src, err := st.CreateSource(ctx, vigie.Source{WorkspaceID: ws.ID, Kind: vigie.SourceImport, Name: "i", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	svc := &Service{Store: st, Index: match.NewIndex()}
	all, err := svc.Create(ctx, vigie.MonitorRecord{WorkspaceID: ws.ID, Monitor: vigie.Monitor{ID: "all", Name: "All", Query: "valmont"}})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	var items []store.Item
	for i, at := range []time.Time{now.Add(-time.Hour), now.Add(-48 * time.Hour), now.Add(-60 * 24 * time.Hour)} {
		items = append(items, store.Item{Post: vigie.Post{ID: string(rune('a' + i)), Source: "rss", PublishedAt: at, Text: "Valmont robotics lab"}, MonitorKeys: []string{all.Key}})
	}
	items = append(items, store.Item{Post: vigie.Post{ID: "z", Source: "rss", PublishedAt: now, Text: "Valmont sports"}, MonitorKeys: []string{all.Key}})
	if _, err := st.SaveBatch(ctx, src.ID, items, nil); err != nil {
		t.Fatal(err)
	}

	done := make(chan backfilled, 16)
	svc.Backfilled = func(id string, added int, err error) { done <- backfilled{id, added, err} }
	stopped := svc.StartBackfills(ctx, BackfillConfig{Window: 30 * 24 * time.Hour, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	// "all", created before the worker started, has its job too: its
	// mentions are all there already.
	if r := <-done; r.id != "all" || r.err != nil || r.added != 0 {
		t.Fatalf("backfill of a monitor whose mentions are there: %+v", r)
	}
	if _, err := svc.Create(ctx, vigie.MonitorRecord{WorkspaceID: ws.ID, Monitor: vigie.Monitor{ID: "robots", Name: "Robots", Query: "robot*"}}); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.id != "robots" || r.err != nil || r.added != 2 {
		t.Fatalf("backfill: %+v, want 2 mentions (the 60-day-old post is outside the window)", r)
	}
	page, err := st.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: ws.ID, MonitorID: "robots"})
	if err != nil || page.Total != 2 {
		t.Fatalf("robots mentions: %d %v", page.Total, err)
	}

	// The query changes: mentions it no longer matches go, new ones come.
	q := "robot* lab NOT sports"
	if _, err := svc.Update(ctx, ws.ID, "all", store.MonitorUpdate{Query: &q}); err != nil {
		t.Fatal(err)
	}
	if r := <-done; r.id != "all" || r.err != nil {
		t.Fatalf("refresh: %+v", r)
	}
	page, err = st.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: ws.ID, MonitorID: "all"})
	if err != nil || page.Total != 3 {
		t.Fatalf("after the query changed: %d mentions (want the 3 robotics posts, not the sports one) %v", page.Total, err)
	}
	ov, err := st.Overview(ctx, vigie.OverviewFilter{WorkspaceID: ws.ID, MonitorIDs: []string{"all"}, From: now.Add(-90 * 24 * time.Hour), To: now.Add(time.Hour), Bucket: 24 * time.Hour})
	if err != nil || ov.Volume[0].Total != 3 {
		t.Fatalf("the dashboard follows: %+v %v", ov.Volume, err)
	}
	cancel()
	<-stopped
}
