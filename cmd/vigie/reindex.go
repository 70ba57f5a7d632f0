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
	"github.com/vigie-project/vigie/internal/match"
	"github.com/vigie-project/vigie/internal/monitor"
)

// runReindex matches every stored post against one monitor and records the
// mentions it finds: a new or changed monitor gets its history. Only posts
// that some monitor matched are stored, so the history is theirs.
func runReindex(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("reindex", stderr)
	cfg := config.Defaults()
	cfg.Flags(fs, false)
	id := fs.String("monitor", "", "id of the monitor to backfill")
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
	// Monitor ids are unique across workspaces; the operator names one.
	all, err := st.FindMonitors(ctx, 0)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(all, func(m vigie.MonitorRecord) bool { return m.ID == *id })
	if i < 0 {
		return badInput(fmt.Errorf("monitor %q: %w", *id, vigie.ErrNotFound))
	}
	m := all[i]
	svc := &monitor.Service{Store: st, Index: match.NewIndex()}
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
	fmt.Fprintf(stdout, "monitor %q: %d stored posts checked, %d match, %d new mentions recorded", *id, r.Scanned, r.Matched, r.Added)
	if r.Removed > 0 {
		fmt.Fprintf(stdout, ", %d that no longer match removed", r.Removed)
	}
	fmt.Fprintln(stdout)
	return nil
}
