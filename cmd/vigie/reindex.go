package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/config"
	"github.com/vigie-project/vigie/internal/ingest"
	"github.com/vigie-project/vigie/internal/match"
	"github.com/vigie-project/vigie/internal/monitor"
	"github.com/vigie-project/vigie/internal/store"
)

// runReindex matches every stored post against one monitor and records the
// mentions it finds: a new or changed monitor gets its history. Only posts
// that some monitor matched are stored, so the history is theirs.
func runReindex(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("reindex", stderr)
	cfg := config.Defaults()
	cfg.Flags(fs, false)
	id := fs.String("monitor", "", "id of the monitor to backfill")
	wsSlug := fs.String("workspace", "", "slug of the monitor's workspace (needed when several workspaces have a monitor of that id)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := cfg.Resolve(fs); err != nil {
		return badInput(err)
	}
	if strings.TrimSpace(*id) == "" {
		return usageErr("--monitor is required, e.g. vigie reindex --monitor m-epfl")
	}
	ctx := context.Background()
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	m, err := reindexTarget(ctx, st, *wsSlug, *id)
	if err != nil {
		return err
	}
	svc := &monitor.Service{Store: st, Index: match.NewIndex(), Enrich: ingest.Enrichment}
	tty := isTerminal(stderr)
	r, err := svc.Reindex(ctx, m.WorkspaceID, m.ID, time.Time{}, func(scanned, matched int) {
		if tty {
			fmt.Fprintf(stderr, "\rchecked %d stored posts, %d match", scanned, matched)
		}
	})
	if tty {
		fmt.Fprintln(stderr)
	}
	var qe *monitor.QueryError
	if errors.As(err, &qe) {
		return badInput(err)
	}
	if err != nil {
		return err
	}
	if r.Unreadable > 0 {
		fmt.Fprintf(stderr, "%d chunks of kept posts could not be read and were skipped: %v\n", r.Unreadable, r.UnreadableErr)
	}
	fmt.Fprintf(stdout, "monitor %q: %d stored or kept posts checked, %d match, %d new mentions recorded", *id, r.Scanned, r.Matched, r.Added)
	if r.Removed > 0 {
		fmt.Fprintf(stdout, ", %d that no longer match removed", r.Removed)
	}
	fmt.Fprintln(stdout)
	return nil
}

// reindexTarget finds the monitor an operator names: in the workspace given,
// or in the only workspace that has a monitor of that id (ids are per
// workspace: two may have one each, and then the workspace must be said).
func reindexTarget(ctx context.Context, st *store.Store, wsSlug, id string) (vigie.MonitorRecord, error) {
	if wsSlug != "" {
		ws, err := findWorkspace(ctx, st, wsSlug)
		if err != nil {
			return vigie.MonitorRecord{}, err
		}
		m, err := st.FindMonitorByID(ctx, ws.ID, id)
		if errors.Is(err, vigie.ErrNotFound) {
			return m, badInput(fmt.Errorf("workspace %s has no monitor %q", wsSlug, id))
		}
		return m, err
	}
	all, err := st.FindMonitors(ctx, 0)
	if err != nil {
		return vigie.MonitorRecord{}, err
	}
	all = slices.DeleteFunc(all, func(m vigie.MonitorRecord) bool { return m.ID != id })
	switch len(all) {
	case 0:
		return vigie.MonitorRecord{}, badInput(fmt.Errorf("monitor %q: %w", id, vigie.ErrNotFound))
	case 1:
		return all[0], nil
	}
	var slugs []string
	for _, m := range all {
		ws, err := st.FindWorkspaceByID(ctx, m.WorkspaceID)
		if err != nil {
			return vigie.MonitorRecord{}, err
		}
		slugs = append(slugs, ws.Slug)
	}
	return vigie.MonitorRecord{}, usageErr("monitor %q is in %d workspaces (%s): say which with --workspace", id, len(all), strings.Join(slugs, ", "))
}
