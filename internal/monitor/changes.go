package monitor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/vigie-project/vigie"
)

// A ChangeSignal says when monitor changes may have been committed,
// whoever made them. The store's change log stays the truth: on each
// signal the service reads the changes after the last one it applied, so a
// lost or repeated signal costs only latency. Poll is the signal of the
// embedded and PostgreSQL deployments; a JetStream subscription to a
// "monitor changed" subject can be another (issue 14).
type ChangeSignal interface {
	// Wait returns when changes may be waiting, or ctx's error.
	Wait(ctx context.Context) error
}

// Poll signals every interval: asking the store costs one indexed read.
type Poll time.Duration

// Wait waits one interval.
func (p Poll) Wait(ctx context.Context) error {
	t := time.NewTimer(time.Duration(p))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

var _ ChangeSignal = Poll(0)

// changesPage is how many changes one read of the log returns.
const changesPage = 1000

// Follow applies every monitor change to the index, whoever made it, each
// time sig fires, until ctx ends; the returned channel closes when it has
// stopped. A change that cannot be applied (a query this version rejects)
// is logged and left out of the index, as Load would.
func (s *Service) Follow(ctx context.Context, sig ChangeSignal, log *slog.Logger) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for sig.Wait(ctx) == nil {
			failed, err := s.catchUp(ctx)
			if err != nil && ctx.Err() == nil {
				log.Warn("reading monitor changes", "err", err)
			}
			for id, err := range failed {
				log.Warn("monitor changed elsewhere left out of the index", "monitor", id, "err", err)
			}
		}
	}()
	return done
}

// CatchUp applies the monitor changes after the last one applied.
func (s *Service) CatchUp(ctx context.Context) error {
	failed, err := s.catchUp(ctx)
	for _, e := range failed {
		err = errors.Join(err, e)
	}
	return err
}

func (s *Service) catchUp(ctx context.Context) (map[string]error, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.catchUpLocked(ctx)
}

// catchUpLocked reads the log after s.seq and applies each change's
// current state; it returns the monitors that could not be applied.
func (s *Service) catchUpLocked(ctx context.Context) (map[string]error, error) {
	var failed map[string]error
	for {
		cs, err := s.Store.MonitorChangesSince(ctx, s.seq, changesPage)
		if err != nil {
			return failed, err
		}
		for _, c := range cs {
			if c.Monitor != nil {
				err = s.applyStored(*c.Monitor)
			} else {
				s.removeStored(c.MonitorKey)
				err = nil
			}
			if err != nil {
				if failed == nil {
					failed = map[string]error{}
				}
				failed[c.MonitorKey] = err
			} else if failed != nil {
				delete(failed, c.MonitorKey)
			}
			s.seq = c.Seq
			if s.Changed != nil {
				s.Changed(c)
			}
		}
		if len(cs) > 0 {
			// Another process's change may have a backfill to run here.
			s.poke()
		}
		if len(cs) < changesPage {
			return failed, nil
		}
	}
}

// sync applies the change log up to now, which holds the caller's own
// change of the monitor with this key, and returns the error of applying
// that monitor. If
// the log cannot be read, fallback applies the caller's change directly;
// following the log brings any later change.
func (s *Service) sync(ctx context.Context, key string, fallback func() error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	failed, err := s.catchUpLocked(ctx)
	if err != nil {
		return fallback()
	}
	return failed[key]
}

// syncAll is sync for many monitors saved by the caller: it returns the
// errors of applying them (a query this version rejects).
func (s *Service) syncAll(ctx context.Context, saved []vigie.MonitorRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	failed, err := s.catchUpLocked(ctx)
	var errs []error
	for _, m := range saved {
		if err != nil {
			errs = append(errs, s.applyStored(m))
		} else {
			errs = append(errs, failed[m.Key])
		}
	}
	return errors.Join(errs...)
}

// applyStored puts a stored monitor, as it is now, into the index,
// replacing what was there for its key. Every path into the index comes
// through here (with s.mu held), so what the index keeps per monitor is
// decided in one place. Applying the same state twice does nothing.
func (s *Service) applyStored(m vigie.MonitorRecord) error {
	if q, ok := s.indexed[m.Key]; ok && q == m.Query {
		return nil
	}
	q, err := Check(m.ID, m.Query)
	if err != nil {
		return err
	}
	if err := s.Index.AddOwned(m.Key, m.WorkspaceID, q); err != nil {
		return fmt.Errorf("monitor %q: %w", m.ID, err)
	}
	if s.indexed == nil {
		s.indexed = map[string]string{}
	}
	s.indexed[m.Key] = m.Query
	return nil
}

// removeStored takes a deleted monitor out of the index (with s.mu held).
func (s *Service) removeStored(key string) {
	s.Index.Remove(key)
	delete(s.indexed, key)
}
