package main

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/config"
	"github.com/vigie-project/vigie/internal/ingest"
	"github.com/vigie-project/vigie/internal/match"
	"github.com/vigie-project/vigie/internal/monitor"
	"github.com/vigie-project/vigie/internal/store"
)

// app is the embedded wiring: one process, one store, one index.
type app struct {
	cfg       config.Config
	log       *slog.Logger
	store     *store.Store
	index     *match.Index
	monitors  *monitor.Service
	pipeline  *ingest.Pipeline
	workspace vigie.Workspace
}

// The workspace made when there is none.
const (
	defaultWorkspaceSlug = "main"
	defaultWorkspaceName = "Main workspace"
)

// openApp opens the store (applying migrations), picks the workspace and
// loads every monitor into the index.
func openApp(ctx context.Context, cfg config.Config, stderr io.Writer, workspaceSlug, workspaceName string) (*app, error) {
	level, err := cfg.Level()
	if err != nil {
		return nil, badInput(err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, log: log, store: st, index: match.NewIndex()}
	a.monitors = &monitor.Service{Store: st, Index: a.index}
	a.pipeline = ingest.NewPipeline(a.index, st)
	if workspaceSlug == "" {
		ws, err := st.FindWorkspaces(ctx)
		if err != nil {
			st.Close()
			return nil, err
		}
		if len(ws) > 0 {
			a.workspace = ws[0]
		} else {
			workspaceSlug, workspaceName = defaultWorkspaceSlug, defaultWorkspaceName
		}
	}
	if a.workspace.ID == 0 {
		if a.workspace, err = st.EnsureWorkspace(ctx, workspaceSlug, workspaceName); err != nil {
			st.Close()
			return nil, err
		}
	}
	n, err := a.monitors.Load(ctx)
	if err != nil {
		st.Close()
		return nil, err
	}
	r, err := a.pipeline.LoadRecent(ctx, time.Now())
	if err != nil {
		st.Close()
		return nil, err
	}
	log.Debug("monitors loaded", "count", n, "recent_posts_for_near_duplicates", r)
	return a, nil
}

func (a *app) Close() error { return a.store.Close() }

// monitorPoll is how often a running process reads the monitor change log.
const monitorPoll = time.Second

// followMonitors keeps the index in step with monitor changes made by
// other processes (vigie import while vigie serve runs, another vigie on
// the same PostgreSQL) until ctx ends or the returned stop is called.
func (a *app) followMonitors(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := a.monitors.Follow(ctx, monitor.Poll(monitorPoll), a.log)
	return func() { cancel(); <-done }
}
