package monitor

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/store"
)

// BackfillConfig says how the backfill worker runs.
type BackfillConfig struct {
	// Window is the past a new or changed monitor is matched against.
	Window time.Duration
	// Settle is how long a request waits before it runs, so that every
	// process following the change log has the new query in its index
	// before the archive is read: posts stored meanwhile by a process still
	// matching the old query are then read by the backfill.
	Settle time.Duration
	// Poll is how often the store is asked for due jobs (retries, jobs of
	// workers that died) when nothing woke the worker; 0: one second.
	Poll time.Duration
	// Batch is how many jobs share one pass over the archive; 0: 256.
	Batch int
	Log   *slog.Logger
}

// backfillLease is how long a claimed job stays a worker's without being
// renewed; the worker renews it every third of that while it runs, so a
// lease runs out only when its worker died (or its clock is a minute off).
const backfillLease = 90 * time.Second

// StartBackfills runs the stored backfill jobs — requested by every
// monitor creation or query change, through this process or another —
// until ctx ends; the returned channel closes when the worker has stopped.
// Jobs left by a process that stopped or died are resumed. Several
// processes on one database share the jobs through leases; a failed job is
// retried with back-off. Without it (CLI commands) the jobs wait in the
// store for a process that runs them.
func (s *Service) StartBackfills(ctx context.Context, cfg BackfillConfig) <-chan struct{} {
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 256
	}
	owner := workerName()
	wake := s.wakeCh()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			jobs, err := s.Store.ClaimBackfills(ctx, owner, time.Now().Add(-cfg.Settle), backfillLease, cfg.Batch)
			if err != nil && ctx.Err() == nil {
				cfg.Log.Warn("claiming monitor backfills", "err", err)
			}
			if len(jobs) > 0 {
				s.runBackfills(ctx, owner, jobs, cfg)
				continue
			}
			t := time.NewTimer(cfg.Poll)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-wake:
			case <-t.C:
			}
			t.Stop()
		}
	}()
	return done
}

// runBackfills runs claimed jobs in one pass over the archive and records
// each one's outcome.
func (s *Service) runBackfills(ctx context.Context, owner string, jobs []store.Backfill, cfg BackfillConfig) {
	start := time.Now()
	var ts []*target
	job := map[*target]store.Backfill{}
	for _, j := range jobs {
		m, err := s.Store.FindMonitorByKey(ctx, j.MonitorKey)
		if errors.Is(err, vigie.ErrNotFound) || err == nil && m.WorkspaceID != j.WorkspaceID {
			continue // deleted since: its job went with it
		}
		t := &target{m: m, err: err}
		ts = append(ts, t)
		job[t] = j
	}
	lastRenew := time.Now()
	keep := func() error {
		if time.Since(lastRenew) < backfillLease/3 {
			return nil
		}
		var ids []string
		for _, t := range ts {
			if t.live() {
				ids = append(ids, t.m.Key)
			}
		}
		held, err := s.Store.RenewBackfills(ctx, owner, ids, backfillLease)
		if err != nil {
			return err
		}
		lastRenew = time.Now()
		for _, t := range ts {
			if !t.live() {
				continue
			}
			gen, ok := held[t.m.Key]
			switch {
			case !ok:
				t.gone = true
			case gen != job[t].Generation:
				// A newer change: let it run, with its query, rather than
				// finish this one.
				t.gone = true
				if err := s.Store.ReleaseBackfill(ctx, owner, t.m.Key); err != nil {
					return err
				}
			}
		}
		return nil
	}
	since := time.Now().Add(-cfg.Window)
	passErr := s.backfill(ctx, ts, since, keep, nil)
	for _, t := range ts {
		if t.gone {
			continue
		}
		err := t.err
		if err == nil {
			err = passErr
		}
		j := job[t]
		if t.r.Unreadable > 0 {
			cfg.Log.Warn("backfilling a monitor: chunks of kept posts could not be read and were skipped", "monitor", t.m.ID, "chunks", t.r.Unreadable, "err", t.r.UnreadableErr)
		}
		if ctx.Err() != nil {
			// Stopping: not a failure (that would delay it). Released, the
			// job is resumed by the next process at once rather than when
			// its lease runs out.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			_ = s.Store.ReleaseBackfill(rctx, owner, j.MonitorKey)
			cancel()
			continue
		}
		if err != nil {
			// Back-off: 5 s, 10 s, 20 s… up to 30 minutes, retried for as
			// long as it fails, with the error kept on the job.
			delay := min(5*time.Second<<min(j.Attempts, 10), 30*time.Minute)
			cfg.Log.Warn("backfilling a monitor", "workspace", t.m.WorkspaceID, "monitor", t.m.ID, "attempt", j.Attempts+1, "retry_in", delay, "err", err)
			if ferr := s.Store.FailBackfill(ctx, owner, j, err, time.Now().Add(delay)); ferr != nil {
				cfg.Log.Warn("recording a failed backfill (its lease runs out and it is retried)", "monitor", t.m.ID, "err", ferr)
			}
		} else {
			j.Scanned, j.Added, j.Removed = int64(t.r.Scanned), int64(t.r.Added), int64(t.r.Removed)
			finished, ferr := s.Store.FinishBackfill(ctx, owner, j)
			if ferr != nil {
				cfg.Log.Warn("recording a finished backfill (its lease runs out and it runs again)", "monitor", t.m.ID, "err", ferr)
			} else {
				cfg.Log.Info("monitor backfilled", "workspace", t.m.WorkspaceID, "monitor", t.m.ID, "posts", t.r.Scanned, "matched", t.r.Matched, "added", t.r.Added,
					"removed", t.r.Removed, "superseded", !finished, "batch", len(ts), "seconds", fmt.Sprintf("%.1f", time.Since(start).Seconds()))
			}
		}
		if s.Backfilled != nil {
			s.Backfilled(t.m.ID, t.r.Added, err)
		}
	}
}

// wakeCh is the channel that wakes the backfill worker.
func (s *Service) wakeCh() chan struct{} {
	s.wakeOnce.Do(func() { s.wake = make(chan struct{}, 1) })
	return s.wake
}

// poke wakes the backfill worker, if it sleeps, to claim a job just
// requested; the job is in the store whether or not a worker runs here.
func (s *Service) poke() {
	select {
	case s.wakeCh() <- struct{}{}:
	default:
	}
}

// workerName names a worker's leases: host, process and a random part, so
// that two workers never share a name.
func workerName() string {
	host, _ := os.Hostname()
	var r [4]byte
	_, _ = rand.Read(r[:])
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(r[:]))
}
