package monitor

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/vigie-project/vigie/internal/match"
)

// Reindex matches the stored posts published at or after since (zero: all
// of them) against one monitor and records the mentions it finds: a new or
// changed monitor gets its history. progress, when set, is called after
// each page of posts. It returns the posts read, those that match and the
// mentions added.
func (s *Service) Reindex(ctx context.Context, id string, since time.Time, progress func(scanned, matched int)) (scanned, matched, added int, err error) {
	m, err := s.Store.FindMonitorByID(ctx, id)
	if err != nil {
		return 0, 0, 0, err
	}
	q, err := Check(m.ID, m.Query)
	if err != nil {
		return 0, 0, 0, err
	}
	ix := match.NewIndex()
	if err := ix.Add(m.ID, q); err != nil {
		return 0, 0, 0, err
	}
	mt := match.NewMatcher(ix)
	for after := int64(0); ; {
		page, err := s.Store.ScanPostsSince(ctx, after, since, 1000)
		if err != nil {
			return scanned, matched, added, err
		}
		if len(page) == 0 {
			break
		}
		var ids []int64
		for i := range page {
			scanned++
			if len(mt.Match(&page[i].Post)) > 0 {
				ids = append(ids, page[i].ID)
			}
		}
		if len(ids) > 0 {
			n, err := s.Store.AddMentions(ctx, m.ID, ids)
			if err != nil {
				return scanned, matched, added, err
			}
			matched, added = matched+len(ids), added+n
		}
		after = page[len(page)-1].ID
		if progress != nil {
			progress(scanned, matched)
		}
	}
	return scanned, matched, added, nil
}

// StartBackfills gives each monitor created or re-queried through the
// service from now on (web app, API) the mentions among the posts stored in
// the last window, one monitor at a time, until ctx ends; the returned
// channel closes when the worker has stopped. Without it (CLI commands),
// monitors start from the next post.
func (s *Service) StartBackfills(ctx context.Context, window time.Duration, log *slog.Logger) <-chan struct{} {
	queue := make(chan string, 64)
	s.backfills = queue
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case id := <-queue:
				start := time.Now()
				scanned, matched, added, err := s.Reindex(ctx, id, time.Now().Add(-window), nil)
				if s.Backfilled != nil {
					s.Backfilled(id, added, err)
				}
				if err != nil {
					if ctx.Err() == nil {
						log.Warn("backfilling a monitor", "monitor", id, "err", err)
					}
					continue
				}
				log.Info("monitor backfilled", "monitor", id, "posts", scanned, "matched", matched, "added", added,
					"seconds", fmt.Sprintf("%.1f", time.Since(start).Seconds()))
			}
		}
	}()
	return done
}

// requestBackfill queues a monitor's backfill if backfills run; a full
// queue drops the request (vigie reindex does it by hand).
func (s *Service) requestBackfill(id string) {
	if s.backfills == nil {
		return
	}
	select {
	case s.backfills <- id:
	default:
	}
}
