package monitor

import (
	"context"
	"fmt"
	"github.com/vigie-project/vigie/internal/apptest"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/match"
	"github.com/vigie-project/vigie/internal/store"
)

// The durable-work tests run on SQLite and, when VIGIE_TEST_POSTGRES_URL
// is set, on PostgreSQL (a schema per test), as the store's tests do:
// several processes sharing one PostgreSQL is what they are about.
var dialects = []string{store.SQLite, store.Postgres}

// testURL returns the URL of an empty database of the dialect; opening it
// twice gives two handles on one database, as two processes have.
func testURL(tb testing.TB, dialect string) string { return apptest.DatabaseURL(tb, dialect) }

// process is one running Vigie's monitor side: a store handle and a
// service with its own index.
type process struct {
	st  *store.Store
	svc *Service
}

// start opens a handle on the database and loads the monitors, as a
// process starting does. Hooks are set before Load so that nothing races.
func start(tb testing.TB, u string, hooks func(*Service)) *process {
	tb.Helper()
	st, err := store.Open(context.Background(), u)
	if err != nil {
		tb.Fatal(err)
	}
	p := &process{st: st, svc: &Service{Store: st, Index: match.NewIndex()}}
	if hooks != nil {
		hooks(p.svc)
	}
	if _, err := p.svc.Load(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return p
}

// worker runs backfills until the test ends or stop is called.
func (p *process) worker(tb testing.TB) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := p.svc.StartBackfills(ctx, BackfillConfig{Window: 30 * 24 * time.Hour, Poll: 10 * time.Millisecond, Log: quiet})
	stop = func() { cancel(); <-done }
	tb.Cleanup(stop)
	return stop
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// seed stores posts with these texts, published an hour ago, under a
// monitor "base" that matches them all ("news"); it returns the workspace.
func seed(tb testing.TB, st *store.Store, texts ...string) vigie.Workspace {
	tb.Helper()
	ctx := context.Background()
	ws, err := st.EnsureWorkspace(ctx, "w", "W")
	if err != nil {
		tb.Fatal(err)
	}
	src, err := st.CreateSource(ctx, vigie.Source{WorkspaceID: ws.ID, Kind: vigie.SourceImport, Name: "i", Enabled: true})
	if err != nil {
		tb.Fatal(err)
	}
	base, err := st.UpsertMonitor(ctx, vigie.MonitorRecord{WorkspaceID: ws.ID, Monitor: vigie.Monitor{ID: "base", Name: "Base", Query: "news"}})
	if err != nil {
		tb.Fatal(err)
	}
	at := time.Now().UTC().Add(-time.Hour)
	var items []store.Item
	for i, t := range texts {
		items = append(items, store.Item{Post: vigie.Post{ID: fmt.Sprint("p", i), Source: "rss", PublishedAt: at, Text: t + " news"}, MonitorKeys: []string{base.Key}})
	}
	if _, err := st.SaveBatch(ctx, src.ID, items, nil); err != nil {
		tb.Fatal(err)
	}
	return ws
}

// mentions counts a monitor's stored mentions; the tests give their
// monitors ids that no other workspace has.
func mentions(tb testing.TB, st *store.Store, id string) int {
	tb.Helper()
	all, err := st.FindMonitors(context.Background(), 0)
	if err != nil {
		tb.Fatal(err)
	}
	var ws []int64
	for _, m := range all {
		if m.ID == id {
			ws = append(ws, m.WorkspaceID)
		}
	}
	if len(ws) != 1 {
		tb.Fatalf("monitor %q is in %d workspaces", id, len(ws))
	}
	page, err := st.FindMentions(context.Background(), vigie.MentionFilter{WorkspaceID: ws[0], MonitorID: id})
	if err != nil {
		tb.Fatal(err)
	}
	return page.Total
}

type backfilled struct {
	id    string
	added int
	err   error
}

// waitBackfilled waits until each of ids has had a successful backfill
// reported on ch; a guard fails the test rather than hang it on a bug.
func waitBackfilled(tb testing.TB, ch <-chan backfilled, ids ...string) {
	tb.Helper()
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	guard := time.After(2 * time.Minute)
	for len(want) > 0 {
		select {
		case b := <-ch:
			if b.err != nil {
				tb.Logf("backfill of %s failed (retried): %v", b.id, b.err)
				continue
			}
			delete(want, b.id)
		case <-guard:
			tb.Fatalf("%d backfills never ran, e.g. %v", len(want), want)
		}
	}
}

// idsOf turns the monitor keys the engine gives ("<workspace>/<id>") into
// ids, for tests of one workspace.
func idsOf(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		_, id, ok := strings.Cut(k, "/")
		if !ok {
			id = k
		}
		out[i] = id
	}
	return out
}
