package monitor

import (
	"context"
	"path"
	"slices"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/match"
	"github.com/vigie-project/vigie/internal/store"
)

// TestFollowOtherProcess: a monitor created, changed or deleted by another
// process on the same database (vigie import while vigie serve runs, a
// second vigie on one PostgreSQL) is matched, rematched or dropped by a
// running process as soon as it reads the change log, without a restart.
func TestFollowOtherProcess(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			u := testURL(t, d)
			changes := make(chan store.MonitorChange, 64)
			running := start(t, u, func(s *Service) {
				s.Changed = func(c store.MonitorChange) { changes <- c }
			})
			defer running.st.Close()
			ws := seed(t, running.st)
			ctx, cancel := context.WithCancel(context.Background())
			following := running.svc.Follow(ctx, Poll(time.Millisecond), quiet)
			defer func() { cancel(); <-following }()

			other := start(t, u, nil) // vigie import
			defer other.st.Close()
			// waitChange waits for the running process to apply a change of
			// monitor id (a guard fails the test rather than hang it).
			waitChange := func(id string) {
				t.Helper()
				guard := time.After(time.Minute)
				for {
					select {
					case c := <-changes:
						if path.Base(c.MonitorKey) == id && c.Seq >= mustLast(t, other.st) {
							return
						}
					case <-guard:
						t.Fatalf("the change of %s was never applied", id)
					}
				}
			}
			post := &vigie.Post{ID: "x", Source: "rss", Text: "Acme rocks"}
			matches := func() []string {
				return idsOf(match.NewMatcher(running.svc.Index).Match(post))
			}

			if _, err := other.svc.Upsert(context.Background(), vigie.MonitorRecord{WorkspaceID: ws.ID, Monitor: vigie.Monitor{ID: "acme", Query: "acme"}}); err != nil {
				t.Fatal(err)
			}
			waitChange("acme")
			if got := matches(); !slices.Equal(got, []string{"acme"}) {
				t.Fatalf("after the other process created acme: %v", got)
			}

			q := "acme NOT rocks"
			if _, err := other.svc.Update(context.Background(), ws.ID, "acme", store.MonitorUpdate{Query: &q}); err != nil {
				t.Fatal(err)
			}
			waitChange("acme")
			if got := matches(); len(got) != 0 {
				t.Fatalf("after the other process changed acme's query: %v", got)
			}

			q = "rocks"
			if _, err := other.svc.Update(context.Background(), ws.ID, "acme", store.MonitorUpdate{Query: &q}); err != nil {
				t.Fatal(err)
			}
			waitChange("acme")
			if got := matches(); !slices.Equal(got, []string{"acme"}) {
				t.Fatalf("after the second change: %v", got)
			}
			if err := other.svc.Delete(context.Background(), ws.ID, "acme"); err != nil {
				t.Fatal(err)
			}
			waitChange("acme")
			if got := matches(); len(got) != 0 || running.svc.Index.Len() != 1 {
				t.Fatalf("after the other process deleted acme: %v (%d monitors indexed, want base)", got, running.svc.Index.Len())
			}

			// The running process's own changes are in the index when the
			// call returns, and reading them back from the log changes
			// nothing.
			if _, err := running.svc.Create(context.Background(), vigie.MonitorRecord{WorkspaceID: ws.ID, Monitor: vigie.Monitor{ID: "own", Query: "rocks"}}); err != nil {
				t.Fatal(err)
			}
			if got := matches(); !slices.Equal(got, []string{"own"}) {
				t.Fatalf("own monitor: %v", got)
			}
			if err := running.svc.CatchUp(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := matches(); !slices.Equal(got, []string{"own"}) || running.svc.Index.Len() != 2 {
				t.Fatalf("own monitor read back: %v, %d indexed", got, running.svc.Index.Len())
			}
		})
	}
}

func mustLast(tb testing.TB, st *store.Store) int64 {
	tb.Helper()
	n, err := st.LastMonitorChange(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return n
}
