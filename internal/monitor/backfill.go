package monitor

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/match"
)

// Reindex brings a monitor's mentions in line with its query: its stored
// mentions that no longer match are removed (the query changed), and the
// stored posts published at or after since (zero: all of them) that match
// are recorded. progress, when set, is called after each page of posts. It
// returns the posts read, those that match, the mentions added and removed.
func (s *Service) Reindex(ctx context.Context, workspaceID int64, id string, since time.Time, progress func(scanned, matched int)) (r ReindexResult, err error) {
	m, err := s.Store.FindMonitorByID(ctx, workspaceID, id)
	if err != nil {
		return r, err
	}
	q, err := Check(m.ID, m.Query)
	if err != nil {
		return r, err
	}
	ix := match.NewIndex()
	if err := ix.Add(m.ID, q); err != nil {
		return r, err
	}
	mt := match.NewMatcher(ix)
	// Mentions the query no longer matches.
	for after := int64(0); ; {
		page, err := s.Store.ScanMonitorPosts(ctx, m.WorkspaceID, m.ID, after, 1000)
		if err != nil {
			return r, err
		}
		if len(page) == 0 {
			break
		}
		var stale []int64
		for i := range page {
			if len(mt.Match(&page[i].Post)) == 0 {
				stale = append(stale, page[i].ID)
			}
		}
		n, err := s.Store.RemoveMentions(ctx, m.WorkspaceID, m.ID, stale)
		if err != nil {
			return r, err
		}
		r.Removed += n
		after = page[len(page)-1].ID
	}
	// Posts it matches, among those its workspace may see (from its own
	// sources and those shared with its organisation).
	for after := int64(0); ; {
		page, err := s.Store.ScanPostsSince(ctx, m.WorkspaceID, after, since, 1000)
		if err != nil {
			return r, err
		}
		if len(page) == 0 {
			break
		}
		var ids []int64
		for i := range page {
			r.Scanned++
			if len(mt.Match(&page[i].Post)) > 0 {
				ids = append(ids, page[i].ID)
			}
		}
		if len(ids) > 0 {
			n, err := s.Store.AddMentions(ctx, m.WorkspaceID, m.ID, ids)
			if err != nil {
				return r, err
			}
			r.Matched, r.Added = r.Matched+len(ids), r.Added+n
		}
		after = page[len(page)-1].ID
		if progress != nil {
			progress(r.Scanned, r.Matched)
		}
	}
	return r, nil
}

// ReindexResult counts what Reindex did.
type ReindexResult struct {
	Scanned, Matched, Added, Removed int
}

// StartBackfills gives each monitor created or re-queried through the
// service from now on (web app, API) the mentions among the posts stored in
// the last window, one monitor at a time, until ctx ends; the returned
// channel closes when the worker has stopped. Without it (CLI commands),
// monitors start from the next post.
func (s *Service) StartBackfills(ctx context.Context, window time.Duration, log *slog.Logger) <-chan struct{} {
	queue := make(chan vigie.MonitorRecord, 64)
	s.backfills = queue
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case m := <-queue:
				id := m.ID
				start := time.Now()
				r, err := s.Reindex(ctx, m.WorkspaceID, id, time.Now().Add(-window), nil)
				if s.Backfilled != nil {
					s.Backfilled(id, r.Added, err)
				}
				if err != nil {
					if ctx.Err() == nil {
						log.Warn("backfilling a monitor", "monitor", id, "err", err)
					}
					continue
				}
				log.Info("monitor backfilled", "monitor", id, "posts", r.Scanned, "matched", r.Matched, "added", r.Added,
					"removed", r.Removed, "seconds", fmt.Sprintf("%.1f", time.Since(start).Seconds()))
			}
		}
	}()
	return done
}

// requestBackfill queues a monitor's backfill if backfills run; a full
// queue drops the request (vigie reindex does it by hand).
func (s *Service) requestBackfill(m vigie.MonitorRecord) {
	if s.backfills == nil {
		return
	}
	select {
	case s.backfills <- m:
	default:
	}
}
