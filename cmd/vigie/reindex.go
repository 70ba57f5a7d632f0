package main

import (
	"context"
	"fmt"
	"io"
	"strings"

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
	m, err := st.FindMonitorByID(ctx, *id)
	if err != nil {
		return badInput(fmt.Errorf("monitor %q: %w", *id, err))
	}
	q, err := monitor.Check(m.ID, m.Query)
	if err != nil {
		return badInput(err)
	}
	ix := match.NewIndex()
	if err := ix.Add(m.ID, q); err != nil {
		return err
	}
	mt := match.NewMatcher(ix)
	tty := isTerminal(stderr)
	scanned, matched, added := 0, 0, 0
	for after := int64(0); ; {
		page, err := st.ScanPosts(ctx, after, 1000)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			break
		}
		var ids []int64
		for i := range page {
			if len(mt.Match(&page[i].Post)) > 0 {
				ids = append(ids, page[i].ID)
			}
		}
		n, err := st.AddMentions(ctx, m.ID, ids)
		if err != nil {
			return err
		}
		scanned, matched, added = scanned+len(page), matched+len(ids), added+n
		after = page[len(page)-1].ID
		if tty {
			fmt.Fprintf(stderr, "\rchecked %d stored posts, %d match", scanned, matched)
		}
	}
	if tty {
		fmt.Fprintln(stderr)
	}
	fmt.Fprintf(stdout, "monitor %q: %d stored posts checked, %d match, %d new mentions recorded\n", m.ID, scanned, matched, added)
	return nil
}
