package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
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
	st, key, err := openStoreKey(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := checkSecrets(ctx, st, key, log); err != nil {
		st.Close()
		return nil, err
	}
	a := &app{cfg: cfg, log: log, store: st, index: match.NewIndex()}
	a.monitors = &monitor.Service{Store: st, Index: a.index, Enrich: ingest.Enrichment}
	a.pipeline = ingest.NewPipeline(a.index, st)
	a.pipeline.KeepRecent = cfg.RecentWindow > 0
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

// checkSecrets says where the secret key is when it was just made, seals
// the credentials a version before left in clear, and warns of those the
// key cannot decrypt (the key changed, or processes sharing the database
// do not share it).
func checkSecrets(ctx context.Context, st *store.Store, key storeKey, log *slog.Logger) error {
	if key.created {
		log.Info("secret key made: it encrypts sources' credentials; back it up with the database (docs/operations.md)", "file", key.from)
		if st.Dialect() == store.Postgres {
			log.Warn("every process using this PostgreSQL database needs this same secret key: set VIGIE_SECRET_KEY to the file's content (docs/operations.md)", "file", key.from)
		}
	}
	c, err := st.SealSettings(ctx)
	if err != nil {
		return err
	}
	if c.Sealed > 0 {
		log.Info("credentials stored in clear are now encrypted", "count", c.Sealed)
	}
	if c.Undecryptable > 0 {
		log.Warn("some sources' credentials cannot be decrypted with this secret key: it changed, or processes sharing the database do not share it; restore the key, or enter the credentials again (docs/operations.md)",
			"count", c.Undecryptable, "sealed_with_keys", strings.Join(c.OtherKeys, ","), "key_in_use", key.id, "key_from", key.from)
	}
	return nil
}

// purgeRecent ends the stay of the posts kept in the recent window
// (internal/recent) received before it, then of the oldest while they
// take more than the cap; with the window at 0, of all of them.
func (a *app) purgeRecent(ctx context.Context) error {
	before := time.Now().Add(-a.cfg.RecentWindow)
	if a.cfg.RecentWindow <= 0 {
		before = time.Now().Add(365 * 24 * time.Hour) // whatever another process's clock wrote
	}
	p, err := a.store.PurgeRecent(ctx, before, a.cfg.RecentMaxBytes)
	if err != nil {
		return fmt.Errorf("purging the recent window: %w", err)
	}
	if p.Chunks > 0 {
		a.log.Info("recent window purged", "chunks", p.Chunks, "posts", p.Posts, "bytes", p.Bytes)
	}
	return nil
}

// recentPurgeEvery is how often vigie serve purges the recent window: its
// posts stay at most this much past the window.
const recentPurgeEvery = 10 * time.Minute

// purgeRecentEvery purges the recent window now and then every
// recentPurgeEvery until ctx ends; the channel closes when it has stopped.
func (a *app) purgeRecentEvery(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTimer(0)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if err := a.purgeRecent(ctx); err != nil && ctx.Err() == nil {
				a.log.Warn("purging the recent window (tried again later)", "err", err)
			}
			t.Reset(recentPurgeEvery)
		}
	}()
	return done
}

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
