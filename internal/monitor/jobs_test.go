package monitor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

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
			if got := match.NewMatcher(p.svc.Index).Match(&vigie.Post{ID: "x", Source: "rss", Text: "topic12 news"}); !slices.Equal(got, []string{"base", "t12"}) {
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
