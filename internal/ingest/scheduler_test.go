package ingest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
	"github.com/vigie-project/vigie/internal/match"
	"github.com/vigie-project/vigie/internal/netguard"
	"github.com/vigie-project/vigie/internal/query"
	"github.com/vigie-project/vigie/internal/rss"
	"github.com/vigie-project/vigie/internal/store"
)

const goodFeed = `<?xml version="1.0"?><rss version="2.0"><channel><title>Good</title>
<item><guid>a1</guid><title>Valmont opens a lab</title><description>News about Valmont</description><pubDate>Fri, 20 Nov 2026 10:00:00 GMT</pubDate></item>
<item><guid>a2</guid><title>Weather</title><description>Rain</description><pubDate>Fri, 20 Nov 2026 11:00:00 GMT</pubDate></item>
</channel></rss>`

func newTestPipeline(t *testing.T) (*Pipeline, *store.Store, int64) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "vigie.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ws, err := st.EnsureWorkspace(ctx, "main", "Main")
	if err != nil {
		t.Fatal(err)
	}
	ix := match.NewIndex()
	q, _ := query.Parse("valmont")
	m, err := st.CreateMonitor(ctx, vigie.MonitorRecord{Monitor: vigie.Monitor{ID: "m", Kind: vigie.KindBrand, Query: "valmont"}, WorkspaceID: ws.ID})
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.AddOwned(m.Key, ws.ID, q); err != nil {
		t.Fatal(err)
	}
	return NewPipeline(ix, st), st, ws.ID
}

// TestFailingFeedsAreMarkedAndRetried runs broken feeds beside a healthy
// one: each broken source is marked failing with its reason in plain words
// and scheduled for a later retry, the healthy one keeps flowing, and
// nothing crashes.
func TestFailingFeedsAreMarkedAndRetried(t *testing.T) {
	p, st, ws := newTestPipeline(t)
	ctx := context.Background()
	mux := http.NewServeMux()
	mux.HandleFunc("/good", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, goodFeed) })
	mux.HandleFunc("/500", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	mux.HandleFunc("/huge", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		chunk := []byte(strings.Repeat("<item><title>x</title></item>", 1000))
		for sent := 0; sent < 50<<20; sent += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/garbage", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("\x00\x01 not a feed {{{")) })
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop2", http.StatusFound) })
	mux.HandleFunc("/loop2", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	srv := httptest.NewServer(mux)
	defer srv.Close()

	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	cases := map[string]string{ // path → words the error must contain
		"/500": "500", "/slow": "no answer", "/huge": "larger than", "/garbage": "not an RSS", "/loop": "redirect",
	}
	ids := map[string]int64{}
	for _, path := range []string{"/good", "/500", "/slow", "/huge", "/garbage", "/loop"} {
		src, err := st.CreateSource(ctx, vigie.Source{WorkspaceID: ws, Kind: vigie.SourceRSS, Name: path, URL: srv.URL + path,
			Interval: 15 * time.Minute, Enabled: true, SourceState: vigie.SourceState{NextCheckAt: now}})
		if err != nil {
			t.Fatal(err)
		}
		ids[path] = src.ID
	}
	client := netguard.Policy{AllowLoopback: true}.Client(2 * time.Second)
	s := &Scheduler{
		Pipeline: p, Now: func() time.Time { return now }, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Runners: map[vigie.SourceKind]Runner{vigie.SourceRSS: &rss.Runner{Fetcher: rss.NewFetcher(rss.Options{Client: client})}},
	}
	due, err := st.FindDueSources(ctx, now, 100)
	if err != nil || len(due) != 6 {
		t.Fatalf("due: %d %v", len(due), err)
	}
	var wg sync.WaitGroup
	for i := range due {
		wg.Add(1)
		go func() { defer wg.Done(); s.RunSource(ctx, &due[i]) }()
	}
	wg.Wait()

	for path, words := range cases {
		src, err := st.FindSourceByID(ctx, ws, ids[path])
		if err != nil {
			t.Fatal(err)
		}
		if src.ErrorCount != 1 || !strings.Contains(src.LastError, words) || !src.LastErrorAt.Equal(now) {
			t.Errorf("%s: error_count %d, last_error %q, want it to mention %q", path, src.ErrorCount, src.LastError, words)
		}
		if !src.NextCheckAt.After(now.Add(time.Minute)) {
			t.Errorf("%s: next check %v, want a later retry", path, src.NextCheckAt)
		}
	}
	good, err := st.FindSourceByID(ctx, ws, ids["/good"])
	if err != nil {
		t.Fatal(err)
	}
	if good.ErrorCount != 0 || good.LastSuccessAt.IsZero() || good.PostsSeen != 2 || !good.NextCheckAt.Equal(now.Add(15*time.Minute)) {
		t.Errorf("healthy source: %+v", good.SourceState)
	}
	page, err := st.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: ws, MonitorID: "m"})
	if err != nil || page.Total != 1 {
		t.Fatalf("mentions from the healthy feed: %d %v", page.Total, err)
	}

	// A second failure backs off further.
	bad, _ := st.FindSourceByID(ctx, ws, ids["/500"])
	first := bad.NextCheckAt
	s.RunSource(ctx, &bad)
	bad, _ = st.FindSourceByID(ctx, ws, ids["/500"])
	if bad.ErrorCount != 2 || !bad.NextCheckAt.After(first) {
		t.Errorf("second failure: %d errors, next check %v (first was %v)", bad.ErrorCount, bad.NextCheckAt, first)
	}
	// Running the healthy feed again stores nothing twice.
	good, _ = st.FindSourceByID(ctx, ws, ids["/good"])
	s.RunSource(ctx, &good)
	if page, _ := st.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: ws, MonitorID: "m"}); page.Total != 1 {
		t.Fatalf("re-fetch duplicated mentions: %d", page.Total)
	}
}

type panicRunner struct{}

func (panicRunner) Run(context.Context, *vigie.Source) (connector.Batch, error) {
	panic("connector bug")
}

func TestConnectorPanicBecomesSourceError(t *testing.T) {
	p, st, ws := newTestPipeline(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	src, err := st.CreateSource(ctx, vigie.Source{WorkspaceID: ws, Kind: vigie.SourceSimulator, Name: "sim",
		Interval: time.Minute, Enabled: true, SourceState: vigie.SourceState{NextCheckAt: now}})
	if err != nil {
		t.Fatal(err)
	}
	s := &Scheduler{Pipeline: p, Now: func() time.Time { return now }, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Runners: map[vigie.SourceKind]Runner{vigie.SourceSimulator: panicRunner{}}}
	s.RunSource(ctx, &src)
	got, _ := st.FindSourceByID(ctx, ws, src.ID)
	if got.ErrorCount != 1 || !strings.Contains(got.LastError, "connector bug") {
		t.Fatalf("panic not recorded: %+v", got.SourceState)
	}
}

// unavailable is an Applier whose bus is away.
type unavailable struct{}

func (unavailable) Apply(context.Context, *vigie.Source, connector.Batch, *vigie.SourceState) (Result, Changes, error) {
	return Result{}, Changes{}, fmt.Errorf("%w: NATS cannot be reached", ErrUnavailable)
}

// TestBusAwayIsNotASourceFailure: while the bus cannot take a source's
// batch, the source keeps its cursor, shows why, and runs again within
// seconds — without the back-off of a failing source.
func TestBusAwayIsNotASourceFailure(t *testing.T) {
	p, st, ws := newTestPipeline(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	src, err := st.CreateSource(ctx, vigie.Source{WorkspaceID: ws, Kind: "fake", Name: "f", Interval: time.Hour, Enabled: true,
		SourceState: vigie.SourceState{Cursor: "c1", ErrorCount: 2}})
	if err != nil {
		t.Fatal(err)
	}
	s := &Scheduler{Pipeline: p, Send: unavailable{}, Now: func() time.Time { return now },
		Runners: map[vigie.SourceKind]Runner{"fake": runnerFunc(func(context.Context, *vigie.Source) (connector.Batch, error) {
			return connector.Batch{Posts: []vigie.Post{{ID: "1", Source: "rss", Text: "valmont", PublishedAt: now}}, State: vigie.SourceState{Cursor: "c2"}}, nil
		})}}
	s.RunSource(ctx, &src)
	got, err := st.FindSourceByID(ctx, ws, src.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Cursor != "c1" || got.ErrorCount != 2 || !got.NextCheckAt.Equal(now.Add(unavailableRetry)) || !strings.Contains(got.LastError, "NATS") {
		t.Fatalf("after a run the bus could not take: cursor %q, errors %d, next %v, error %q", got.Cursor, got.ErrorCount, got.NextCheckAt, got.LastError)
	}
}

type runnerFunc func(context.Context, *vigie.Source) (connector.Batch, error)

func (f runnerFunc) Run(ctx context.Context, src *vigie.Source) (connector.Batch, error) {
	return f(ctx, src)
}
