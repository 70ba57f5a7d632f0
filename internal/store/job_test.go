package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
)

// TestMonitorChangeLog: every create, update and delete of a monitor,
// through any store method, leaves a change in the log, in order, with the
// monitor as it is now; a change that changes nothing leaves none; a new
// monitor or a new query requests a backfill.
func TestMonitorChangeLog(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		start := must(s.LastMonitorChange(ctx))(t)
		ws := f.ws.ID
		must(s.CreateMonitor(ctx, vigie.MonitorRecord{Monitor: vigie.Monitor{ID: "a", Query: "alpha"}, WorkspaceID: ws}))(t)
		must(s.UpsertMonitor(ctx, vigie.MonitorRecord{Monitor: vigie.Monitor{ID: "b", Query: "beta"}, WorkspaceID: ws}))(t)
		// Nothing changes: no entry, no new backfill.
		must(s.UpsertMonitor(ctx, vigie.MonitorRecord{Monitor: vigie.Monitor{ID: "b", Query: "beta"}, WorkspaceID: ws}))(t)
		name := "Alpha"
		must(s.UpdateMonitor(ctx, ws, "a", MonitorUpdate{Name: &name}))(t)
		q := "alpha OR alef"
		must(s.UpdateMonitor(ctx, ws, "a", MonitorUpdate{Query: &q}))(t)
		if err := s.DeleteMonitor(ctx, ws, "b"); err != nil {
			t.Fatal(err)
		}
		// A failed change leaves nothing.
		if err := s.DeleteMonitor(ctx, ws, "b"); !errors.Is(err, vigie.ErrNotFound) {
			t.Fatalf("deleting twice: %v", err)
		}
		if _, err := s.CreateMonitor(ctx, vigie.MonitorRecord{Monitor: vigie.Monitor{ID: "a", Query: "x"}, WorkspaceID: ws}); !errors.Is(err, vigie.ErrConflict) {
			t.Fatalf("creating a taken id: %v", err)
		}

		cs := must(s.MonitorChangesSince(ctx, start, 100))(t)
		var got []string
		last := start
		for _, c := range cs {
			if c.Seq <= last {
				t.Errorf("seq %d after %d", c.Seq, last)
			}
			last = c.Seq
			now := "gone"
			if c.Monitor != nil {
				now = c.Monitor.Query
			}
			got = append(got, fmt.Sprintf("%s %s %d → %s", c.Op, idOf(c.MonitorKey), c.WorkspaceID, now))
		}
		want := []string{
			fmt.Sprintf("create a %d → alpha OR alef", ws),
			fmt.Sprintf("create b %d → gone", ws),
			fmt.Sprintf("update a %d → alpha OR alef", ws),
			fmt.Sprintf("update a %d → alpha OR alef", ws),
			fmt.Sprintf("delete b %d → gone", ws),
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("changes:\n%q\nwant\n%q", got, want)
		}
		if n := must(s.LastMonitorChange(ctx))(t); n != last {
			t.Errorf("last change %d, want %d", n, last)
		}
		if page := must(s.MonitorChangesSince(ctx, start, 2))(t); len(page) != 2 || page[1].Seq != cs[1].Seq {
			t.Errorf("a page of 2: %+v", page)
		}

		// a: created, then its query changed: one job, second generation.
		b := must(s.FindBackfill(ctx, ws, "a"))(t)
		if b.State != BackfillPending || b.Generation != 2 || !b.Busy() {
			t.Errorf("backfill of a: %+v", b)
		}
		// b's job went with it.
		if _, err := s.FindBackfill(ctx, ws, "b"); !errors.Is(err, vigie.ErrNotFound) {
			t.Errorf("backfill of a deleted monitor: %v", err)
		}
		if _, err := s.FindBackfill(ctx, f.other.ID, "a"); !errors.Is(err, vigie.ErrNotFound) {
			t.Errorf("backfill seen from another workspace: %v", err)
		}
	})
}

// TestBackfillLeases: a job is held by one worker at a time, across store
// handles (processes); a newer change replaces it without letting two runs
// overlap; a failed run is retried after its back-off; the job of a worker
// that died is taken over when its lease runs out.
func TestBackfillLeases(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			u := testURL(t, d)
			a, b := openURL(t, u), openURL(t, u)
			ctx := context.Background()
			clock := time.Now().UTC()
			a.now = func() time.Time { return clock }
			b.now = func() time.Time { return clock }
			f := newFixture(t, a)
			for i := range 3 {
				must(a.CreateMonitor(ctx, vigie.MonitorRecord{Monitor: vigie.Monitor{ID: fmt.Sprint("m", i), Query: "x"}, WorkspaceID: f.ws.ID}))(t)
			}
			lease := time.Minute

			ja := must(a.ClaimBackfills(ctx, "A", clock, lease, 2))(t)
			jb := must(b.ClaimBackfills(ctx, "B", clock, lease, 10))(t)
			if len(ja) != 2 || len(jb) != 1 || idOf(jb[0].MonitorKey) != "m2" {
				t.Fatalf("claims: A %+v, B %+v", ja, jb)
			}
			if more := must(b.ClaimBackfills(ctx, "B", clock, lease, 10))(t); len(more) != 0 {
				t.Fatalf("claimed held jobs: %+v", more)
			}
			// Not yet settled: not due.
			must(a.CreateMonitor(ctx, vigie.MonitorRecord{Monitor: vigie.Monitor{ID: "late", Query: "x"}, WorkspaceID: f.ws.ID}))(t)
			if got := must(b.ClaimBackfills(ctx, "B", clock.Add(-time.Second), lease, 10))(t); len(got) != 0 {
				t.Fatalf("claimed before it settled: %+v", got)
			}

			// m0's query changes while A runs it: B may not start the new
			// generation before A lets go.
			q := "y"
			must(a.UpdateMonitor(ctx, f.ws.ID, "m0", MonitorUpdate{Query: &q}))(t)
			if got := must(b.ClaimBackfills(ctx, "B", clock, lease, 10))(t); len(got) != 1 || idOf(got[0].MonitorKey) != "late" {
				t.Fatalf("claimed a superseded job still running: %+v", got)
			}
			held := must(a.RenewBackfills(ctx, "A", keysOf(a, "m0", "m1", "m2"), lease))(t)
			if len(held) != 2 || held[keysOf(a, "m0")[0]] != 2 || held[keysOf(a, "m1")[0]] != 1 {
				t.Fatalf("renewed: %v (m2 is B's)", held)
			}
			if err := a.ReleaseBackfill(ctx, "A", keysOf(a, "m0")[0]); err != nil {
				t.Fatal(err)
			}
			got := must(b.ClaimBackfills(ctx, "B", clock, lease, 10))(t)
			if len(got) != 1 || idOf(got[0].MonitorKey) != "m0" || got[0].Generation != 2 {
				t.Fatalf("new generation: %+v", got)
			}
			// A's late result for generation 1 is not taken.
			if done := must(a.FinishBackfill(ctx, "A", ja[0]))(t); done {
				t.Fatal("a lost lease finished the job")
			}
			got[0].Added = 7
			if done := must(b.FinishBackfill(ctx, "B", got[0]))(t); !done {
				t.Fatal("not finished")
			}
			if bf := must(a.FindBackfill(ctx, f.ws.ID, "m0"))(t); bf.State != BackfillDone || bf.Added != 7 || bf.Busy() {
				t.Fatalf("finished: %+v", bf)
			}

			// m1 fails: retried after its back-off, not before.
			if err := a.FailBackfill(ctx, "A", ja[1], errors.New("disk full"), clock.Add(10*time.Second)); err != nil {
				t.Fatal(err)
			}
			if bf := must(a.FindBackfill(ctx, f.ws.ID, "m1"))(t); bf.State != BackfillPending || bf.Attempts != 1 || bf.LastError != "disk full" {
				t.Fatalf("failed: %+v", bf)
			}
			if got := must(b.ClaimBackfills(ctx, "B", clock, lease, 10))(t); len(got) != 0 {
				t.Fatalf("before the retry: %+v", got)
			}
			clock = clock.Add(11 * time.Second)
			if got := must(b.ClaimBackfills(ctx, "B", clock, lease, 10))(t); len(got) != 1 || idOf(got[0].MonitorKey) != "m1" || got[0].Attempts != 1 {
				t.Fatalf("the retry: %+v", got)
			}

			// B dies holding m2: A takes it over once the lease has run out.
			if got := must(a.ClaimBackfills(ctx, "A", clock, lease, 10))(t); len(got) != 0 {
				t.Fatalf("took a live lease: %+v", got)
			}
			clock = clock.Add(lease + time.Second)
			got = must(a.ClaimBackfills(ctx, "A", clock, lease, 10))(t)
			if len(got) != 3 {
				t.Fatalf("after B's leases ran out: %+v", got)
			}
			if held := must(b.RenewBackfills(ctx, "B", keysOf(a, "m0", "m1", "m2", "late"), lease))(t); len(held) != 0 {
				t.Fatalf("B still holds %v", held)
			}
		})
	}
}

// TestBackfillClaimsRace: workers on two handles claiming at once never
// get the same job.
func TestBackfillClaimsRace(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			u := testURL(t, d)
			handles := []*Store{openURL(t, u), openURL(t, u)}
			ctx := context.Background()
			f := newFixture(t, handles[0])
			const jobs = 60
			for i := range jobs {
				must(handles[0].CreateMonitor(ctx, vigie.MonitorRecord{Monitor: vigie.Monitor{ID: fmt.Sprint("m", i), Query: "x"}, WorkspaceID: f.ws.ID}))(t)
			}
			var mu sync.Mutex
			owners := map[string]string{}
			var wg sync.WaitGroup
			errs := make(chan error, 8)
			for w := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					s, owner := handles[w%2], fmt.Sprint("w", w)
					for {
						got, err := s.ClaimBackfills(ctx, owner, time.Now(), time.Hour, 3)
						if err != nil {
							errs <- err
							return
						}
						if len(got) == 0 {
							return
						}
						mu.Lock()
						for _, j := range got {
							if prev, ok := owners[j.MonitorKey]; ok {
								errs <- fmt.Errorf("%s claimed by %s and %s", j.MonitorKey, prev, owner)
							}
							owners[j.MonitorKey] = owner
						}
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			if len(owners) != jobs {
				t.Errorf("%d jobs claimed, want %d", len(owners), jobs)
			}
		})
	}
}
