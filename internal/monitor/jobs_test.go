package monitor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/match"
	"github.com/vigie-project/vigie/internal/store"
)

// TestBackfillManyMonitorsAtOnce: 150 monitors created at once all get
// their mentions from the archive (an in-memory queue of 64 dropped 77 of
// them).
func TestBackfillManyMonitorsAtOnce(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			u := testURL(t, d)
			const n = 150
			var texts []string
			for i := range n {
				texts = append(texts, fmt.Sprintf("topic%d first", i), fmt.Sprintf("topic%d second", i))
			}
			setup := start(t, u, nil)
			ws := seed(t, setup.st, texts...)
			setup.st.Close()

			ch := make(chan backfilled, 2*n)
			p := start(t, u, func(s *Service) {
				s.Backfilled = func(id string, added int, err error) { ch <- backfilled{id, added, err} }
			})
			defer p.st.Close()
			p.worker(t)
			ctx := context.Background()
			var wg sync.WaitGroup
			var ids []string
			for g := range 10 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := g; i < n; i += 10 {
						id := fmt.Sprint("t", i)
						if _, err := p.svc.Create(ctx, vigie.MonitorRecord{WorkspaceID: ws.ID, Monitor: vigie.Monitor{ID: id, Query: fmt.Sprint("topic", i)}}); err != nil {
							t.Error(err)
						}
					}
				}()
				for i := g; i < n; i += 10 {
					ids = append(ids, fmt.Sprint("t", i))
				}
			}
			wg.Wait()
			waitBackfilled(t, ch, ids...)
			for i := range n {
				if got := mentions(t, p.st, fmt.Sprint("t", i)); got != 2 {
					t.Errorf("monitor t%d: %d mentions, want 2", i, got)
				}
			}
			bs, err := p.st.FindBackfills(ctx, ws.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range ids {
				if b := bs[id]; b.State != store.BackfillDone || b.Added != 2 {
					t.Errorf("job of %s: %+v", id, b)
				}
			}
		})
	}
}

// TestBackfillSurvivesRestart: a monitor created while no backfill runs
// (the process stopped, or was killed, before it ran) gets its mentions
// when a process starts again on the same database.
func TestBackfillSurvivesRestart(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			u := testURL(t, d)
			first := start(t, u, nil)
			ws := seed(t, first.st, "robot lab", "robot arm", "garden")
			if _, err := first.svc.Create(context.Background(), vigie.MonitorRecord{WorkspaceID: ws.ID, Monitor: vigie.Monitor{ID: "robots", Query: "robot"}}); err != nil {
				t.Fatal(err)
			}
			first.st.Close() // before any backfill ran

			ch := make(chan backfilled, 8)
			again := start(t, u, func(s *Service) {
				s.Backfilled = func(id string, added int, err error) { ch <- backfilled{id, added, err} }
			})
			defer again.st.Close()
			again.worker(t)
			waitBackfilled(t, ch, "robots")
			if got := mentions(t, again.st, "robots"); got != 2 {
				t.Fatalf("after the restart: %d mentions, want 2", got)
			}
		})
	}
}

// TestQueryChangedBeforeKill: a query changed just before the process
// died ends, after a restart, with the new query's mentions, not the old
// one's.
func TestQueryChangedBeforeKill(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			u := testURL(t, d)
			ch := make(chan backfilled, 8)
			hooks := func(s *Service) {
				s.Backfilled = func(id string, added int, err error) { ch <- backfilled{id, added, err} }
			}
			first := start(t, u, hooks)
			ws := seed(t, first.st, "robot lab", "robot arm", "robot sports")
			stop := first.worker(t)
			ctx := context.Background()
			if _, err := first.svc.Create(ctx, vigie.MonitorRecord{WorkspaceID: ws.ID, Monitor: vigie.Monitor{ID: "r", Query: "robot"}}); err != nil {
				t.Fatal(err)
			}
			waitBackfilled(t, ch, "base", "r")
			if got := mentions(t, first.st, "r"); got != 3 {
				t.Fatalf("first query: %d mentions, want 3", got)
			}
			stop()
			q := "robot NOT sports"
			if _, err := first.svc.Update(ctx, ws.ID, "r", store.MonitorUpdate{Query: &q}); err != nil {
				t.Fatal(err)
			}
			first.st.Close() // killed before the backfill ran

			again := start(t, u, hooks)
			defer again.st.Close()
			again.worker(t)
			waitBackfilled(t, ch, "r")
			if got := mentions(t, again.st, "r"); got != 2 {
				t.Fatalf("after the restart: %d mentions, want the new query's 2", got)
			}
		})
	}
}

// TestUpsertManyIndexesAndBackfills: monitors imported together are in the
// index when the call returns and each gets its mentions from the archive;
// an invalid query among them is an error naming its monitor, and nothing
// is saved.
func TestUpsertManyIndexesAndBackfills(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			u := testURL(t, d)
			const n = 40
			var texts []string
			for i := range n {
				texts = append(texts, fmt.Sprintf("topic%d", i))
			}
			ch := make(chan backfilled, 2*n)
			p := start(t, u, func(s *Service) {
				s.Backfilled = func(id string, added int, err error) { ch <- backfilled{id, added, err} }
			})
			defer p.st.Close()
			ws := seed(t, p.st, texts...)
			ctx := context.Background()
			var ms []vigie.MonitorRecord
			var ids []string
			for i := range n {
				ids = append(ids, fmt.Sprint("t", i))
				ms = append(ms, vigie.MonitorRecord{Monitor: vigie.Monitor{ID: ids[i], Query: fmt.Sprint("topic", i)}})
			}

			bad := slices.Clone(ms)
			bad[7].Query = "topic7 AND ("
			_, err := p.svc.UpsertMany(ctx, ws.ID, bad)
			var qe *QueryError
			if !errors.As(err, &qe) || qe.MonitorID != "t7" {
				t.Fatalf("an invalid query: %v, want a QueryError naming t7", err)
			}
			if all, err := p.st.FindMonitors(ctx, ws.ID); err != nil || len(all) != 1 {
				t.Fatalf("after the invalid query: %d monitors (%v), want only base", len(all), err)
			}

			saved, err := p.svc.UpsertMany(ctx, ws.ID, ms)
			if err != nil || len(saved) != n {
				t.Fatalf("UpsertMany: %d saved, %v", len(saved), err)
			}
			if got := idsOf(match.NewMatcher(p.svc.Index).Match(&vigie.Post{ID: "x", Source: "rss", Text: "topic12 news"})); !slices.Equal(got, []string{"base", "t12"}) {
				t.Fatalf("index after UpsertMany: %v", got)
			}
			p.worker(t)
			waitBackfilled(t, ch, ids...)
			for _, id := range ids {
				if got := mentions(t, p.st, id); got != 1 {
					t.Errorf("monitor %s: %d mentions, want 1", id, got)
				}
			}
		})
	}
}

// TestSharingASourceBackfills: when a source is shared, the other
// workspaces' monitors get its stored posts of the backfill window as
// mentions (they saw only its new posts); when it is no longer shared,
// they lose all their mentions of it. The source's own workspace keeps
// its mentions throughout, and after the source is deleted.
func TestSharingASourceBackfills(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			u := testURL(t, d)
			ch := make(chan backfilled, 16)
			p := start(t, u, func(s *Service) {
				s.Backfilled = func(id string, added int, err error) { ch <- backfilled{id, added, err} }
			})
			defer p.st.Close()
			ctx := context.Background()
			a := seed(t, p.st, "Valmont opens a lab", "Valmont wins", "Valmont again") // monitor "base", source of A
			b, err := p.st.EnsureWorkspace(ctx, "b", "B")
			if err != nil {
				t.Fatal(err)
			}
			srcs, err := p.st.FindSources(ctx, a.ID)
			if err != nil || len(srcs) != 1 {
				t.Fatalf("A's sources: %v %v", srcs, err)
			}
			src := srcs[0]
			// A post older than the backfill window (30 days in p.worker).
			base, err := p.st.FindMonitorByID(ctx, a.ID, "base")
			if err != nil {
				t.Fatal(err)
			}
			old := store.Item{Post: vigie.Post{ID: "old", Source: "rss", PublishedAt: time.Now().UTC().Add(-60 * 24 * time.Hour), Text: "Valmont long ago news"},
				MonitorKeys: []string{base.Key}}
			if _, err := p.st.SaveBatch(ctx, src.ID, []store.Item{old}, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := p.svc.Create(ctx, vigie.MonitorRecord{WorkspaceID: b.ID, Monitor: vigie.Monitor{ID: "b-valmont", Query: "valmont"}}); err != nil {
				t.Fatal(err)
			}
			p.worker(t)
			waitBackfilled(t, ch, "base", "b-valmont")
			if got := mentions(t, p.st, "b-valmont"); got != 0 {
				t.Fatalf("B's monitor has %d mentions of A's private source", got)
			}
			// Run in one pass with A's monitor, B's job counts only the posts
			// B may see: none (it told B the size of A's archive).
			if job, err := p.st.FindBackfill(ctx, b.ID, "b-valmont"); err != nil || job.Scanned != 0 {
				t.Fatalf("B's backfill read %d posts, want 0 (%v)", job.Scanned, err)
			}
			if job, err := p.st.FindBackfill(ctx, a.ID, "base"); err != nil || job.Scanned != 3 {
				t.Fatalf("A's backfill read %d posts, want the 3 of the window (%v)", job.Scanned, err)
			}

			if _, err := p.st.ShareSource(ctx, a.ID, src.ID, true); err != nil {
				t.Fatal(err)
			}
			waitBackfilled(t, ch, "b-valmont")
			if got := mentions(t, p.st, "b-valmont"); got != 3 {
				t.Errorf("after sharing: B's monitor has %d mentions, want the 3 posts of the window", got)
			}
			if got := mentions(t, p.st, "base"); got != 4 {
				t.Errorf("after sharing: A's monitor has %d mentions, want 4", got)
			}
			if job, err := p.st.FindBackfill(ctx, a.ID, "base"); err != nil || job.Generation != 1 {
				t.Errorf("A's own monitor was backfilled again: %+v %v", job, err)
			}
			// Sharing what is shared requests nothing.
			before, err := p.st.FindBackfill(ctx, b.ID, "b-valmont")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.st.ShareSource(ctx, a.ID, src.ID, true); err != nil {
				t.Fatal(err)
			}
			if job, err := p.st.FindBackfill(ctx, b.ID, "b-valmont"); err != nil || job.Generation != before.Generation {
				t.Errorf("sharing again requested a backfill: %+v → %+v (%v)", before, job, err)
			}

			if _, err := p.st.ShareSource(ctx, a.ID, src.ID, false); err != nil {
				t.Fatal(err)
			}
			waitBackfilled(t, ch, "b-valmont")
			if got := mentions(t, p.st, "b-valmont"); got != 0 {
				t.Errorf("after unsharing: B's monitor has %d mentions of A's source, want 0", got)
			}
			if got := mentions(t, p.st, "base"); got != 4 {
				t.Errorf("after unsharing: A's monitor has %d mentions, want 4", got)
			}

			// A deleted source's posts stay in the archive with their
			// mentions, whatever backfills run since.
			if err := p.st.DeleteSource(ctx, a.ID, src.ID); err != nil {
				t.Fatal(err)
			}
			q := "news OR valmont"
			if _, err := p.svc.Update(ctx, a.ID, "base", store.MonitorUpdate{Query: &q}); err != nil {
				t.Fatal(err)
			}
			waitBackfilled(t, ch, "base")
			if got := mentions(t, p.st, "base"); got != 4 {
				t.Errorf("after its source was deleted and its query changed: A's monitor has %d mentions, want 4", got)
			}
		})
	}
}
