package store

import (
	"context"
	"database/sql"
	"fmt"
)

// SQLite has one writer at a time, and writers left to its busy handler
// retry by sleeping: one that wakes while another holds the lock sleeps
// again, so behind back-to-back transactions (an import's) it starves,
// for tens of seconds or past busy_timeout (SQLITE_BUSY). So on SQLite
// every write goes through a lane, in turn:
//
//   - in the process, a channel queues the writers, first come first
//     served, for as long as their context allows;
//   - the writer at the head of that queue then takes the lock files next
//     to the database (fileLane), which hand the lock over between the
//     processes writing to the same file (vigie serve and vigie import):
//     a writer that has to wait for another process waits at most about
//     one of its transactions.
//
// PostgreSQL has row locks and no lane.

// inTx runs fn in a transaction, committed if fn returns nil. fn must not
// start another transaction nor call write: on SQLite it would wait for
// its own lane.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if s.lane != nil {
		if err := s.enterLane(ctx); err != nil {
			return err
		}
		defer s.leaveLane()
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.translate(err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return s.translate(err)
	}
	return nil
}

// write runs fn, writes outside a transaction (a session's last activity,
// a token's last use), on SQLite in the lane like a transaction, so that
// they neither starve behind another process's transactions nor make
// its writers wait in the busy handler. On PostgreSQL fn runs as is.
func (s *Store) write(ctx context.Context, fn func(q querier) error) error {
	if s.lane != nil {
		if err := s.enterLane(ctx); err != nil {
			return err
		}
		defer s.leaveLane()
	}
	return fn(s.db)
}

// exec runs one write statement through write.
func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	var res sql.Result
	err := s.write(ctx, func(q querier) error {
		var err error
		res, err = q.ExecContext(ctx, query, args...)
		return err
	})
	return res, err
}

// errLaneWait is how a writer that gave up waiting for its turn fails.
func errLaneWait(err error) error {
	return fmt.Errorf("waiting for the database's write lock: %w", err)
}

// enterLane waits for SQLite's write lane: the process's, first come first
// served (a channel's waiting senders are queued in order), then the other
// processes' (fileLane.lock), or for the end of ctx.
func (s *Store) enterLane(ctx context.Context) error {
	select {
	case s.lane <- struct{}{}:
	default:
		if s.laneWait != nil {
			s.laneWait()
		}
		select {
		case s.lane <- struct{}{}:
		case <-ctx.Done():
			return errLaneWait(ctx.Err())
		}
	}
	if s.files == nil {
		return nil
	}
	// A writer that gives up while waiting for another process leaves
	// its place in the process's lane to the goroutine still waiting on
	// the lock files, which leaves both once it has the lock.
	return s.files.lock(ctx, func() { <-s.lane })
}

func (s *Store) leaveLane() {
	if s.files != nil {
		s.files.unlock()
	}
	<-s.lane
}
