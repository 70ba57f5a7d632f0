package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"
)

// Backfill states.
const (
	BackfillPending = "pending" // waiting to run (again, after an error: see Attempts)
	BackfillRunning = "running" // a worker holds its lease
	BackfillDone    = "done"
)

// Backfill is a monitor's backfill job: its mentions brought in line with
// its query over the recent archive, after the monitor was created or its
// query changed, or a source was shared with its workspace or no longer
// (ShareSource). There is one per monitor; a newer change replaces it.
type Backfill struct {
	MonitorKey  string    `json:"-"` // vigie.MonitorRecord.Key
	WorkspaceID int64     `json:"-"`
	Generation  int64     `json:"-"`
	State       string    `json:"state"`
	Attempts    int       `json:"attempts,omitempty"`
	RunAfter    time.Time `json:"-"`
	LastError   string    `json:"-"` // for operators (it may hold driver text): never shown to clients
	Scanned     int64     `json:"scanned"`
	Added       int64     `json:"added"`
	Removed     int64     `json:"removed"`
	RequestedAt time.Time `json:"requested_at"`
	FinishedAt  time.Time `json:"finished_at,omitzero"`
}

// Busy reports whether the backfill is yet to finish.
func (b Backfill) Busy() bool { return b.State != BackfillDone }

const backfillCols = "monitor_id, workspace_id, generation, state, attempts, run_after, last_error, scanned, added, removed, requested_at, finished_at"

func scanBackfill(r interface{ Scan(...any) error }) (Backfill, error) {
	return scanBackfillAfter(r)
}

// scanBackfillAfter scans a backfill's columns after the columns of first.
func scanBackfillAfter(r interface{ Scan(...any) error }, first ...any) (Backfill, error) {
	var b Backfill
	err := r.Scan(append(first, &b.MonitorKey, &b.WorkspaceID, &b.Generation, &b.State, &b.Attempts, timeCol(&b.RunAfter), &b.LastError,
		&b.Scanned, &b.Added, &b.Removed, timeCol(&b.RequestedAt), timeCol(&b.FinishedAt))...)
	return b, err
}

// requestBackfill creates the monitor's backfill job or, if it has one,
// replaces it by a new generation due now, in the transaction of the
// change. A worker running the older generation keeps its lease (two runs
// of one monitor never overlap) and its result is not taken as this one's.
func (s *Store) requestBackfill(ctx context.Context, tx *sql.Tx, monitorID string, workspaceID int64) error {
	return s.requestBackfills(ctx, tx, workspaceID, []string{monitorID})
}

// backfillRequested ends an INSERT INTO monitor_backfills (monitor_id,
// workspace_id, run_after, requested_at): a monitor that has a job gets a
// new generation of it, due at once.
const backfillRequested = `
	ON CONFLICT (monitor_id) DO UPDATE SET generation = monitor_backfills.generation + 1, state = 'pending',
		attempts = 0, run_after = excluded.run_after, last_error = '', requested_at = excluded.requested_at,
		workspace_id = excluded.workspace_id`

// requestBackfills is requestBackfill for monitors of one workspace.
func (s *Store) requestBackfills(ctx context.Context, tx *sql.Tx, workspaceID int64, monitorIDs []string) error {
	now := s.tm(s.clock())
	for chunk := range slices.Chunk(monitorIDs, maxParams/4) {
		args := make([]any, 0, 4*len(chunk))
		for _, id := range chunk {
			args = append(args, id, workspaceID, now, now)
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO monitor_backfills (monitor_id, workspace_id, run_after, requested_at)
			VALUES `+placeholders(len(chunk), 4)+backfillRequested), args...)
		if err != nil {
			if len(chunk) == 1 {
				return s.errf(err, "request backfill of monitor %q", chunk[0])
			}
			return s.errf(err, "request backfills of %d monitors", len(chunk))
		}
	}
	return nil
}

// dueBackfills is the condition of a job a worker may claim at time ?
// (twice): not done, due, and not leased (or its lease ran out: its worker
// died).
const dueBackfills = "state <> 'done' AND run_after <= ? AND (lease_until IS NULL OR lease_until < ?)"

// ClaimBackfills leases up to limit due backfill jobs to owner until
// now+lease: jobs requested at or before dueBy (a worker lets changes
// settle) or whose retry is due. Two workers never hold the same job, on
// one database or across processes; a job whose worker died is claimed
// again once its lease has run out.
func (s *Store) ClaimBackfills(ctx context.Context, owner string, dueBy time.Time, lease time.Duration, limit int) ([]Backfill, error) {
	now := s.clock()
	// A read first: a worker polls every second, and on SQLite even an
	// UPDATE that changes nothing takes the write lock.
	var one int
	err := s.db.QueryRowContext(ctx, s.q("SELECT 1 FROM monitor_backfills WHERE "+dueBackfills+" LIMIT 1"), s.tm(dueBy), s.tm(now)).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, s.errf(err, "find due backfills")
	}
	lock := ""
	if s.pg() {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var claimed []Backfill
	err = s.write(ctx, func(q querier) error {
		rows, err := q.QueryContext(ctx, s.q(`UPDATE monitor_backfills SET state = 'running', lease_owner = ?, lease_until = ?
			WHERE monitor_id IN (SELECT monitor_id FROM monitor_backfills WHERE `+dueBackfills+` ORDER BY run_after, monitor_id LIMIT ?`+lock+`)
			AND `+dueBackfills+` RETURNING `+backfillCols),
			owner, s.tm(now.Add(lease)), s.tm(dueBy), s.tm(now), limit, s.tm(dueBy), s.tm(now))
		if err != nil {
			return s.errf(err, "claim backfills")
		}
		claimed, err = collect(rows, scanBackfill, func(err error) error { return s.errf(err, "claim backfills") })
		return err
	})
	return claimed, err
}

// RenewBackfills extends owner's leases on these jobs until now+lease and
// returns the generation of each job it still holds. A job missing from the
// answer is lost (its monitor was deleted, or another worker took it after
// the lease ran out); one whose generation moved on was superseded by a
// newer change, and its lease is released so that the new generation can
// run: the caller stops writing for both.
func (s *Store) RenewBackfills(ctx context.Context, owner string, monitorIDs []string, lease time.Duration) (map[string]int64, error) {
	held := map[string]int64{}
	if len(monitorIDs) == 0 {
		return held, nil
	}
	args := []any{s.tm(s.clock().Add(lease)), owner}
	for _, id := range monitorIDs {
		args = append(args, id)
	}
	type idGen struct {
		id  string
		gen int64
	}
	var got []idGen
	err := s.write(ctx, func(q querier) error {
		rows, err := q.QueryContext(ctx, s.q(`UPDATE monitor_backfills SET lease_until = ?
			WHERE lease_owner = ? AND monitor_id IN (`+list(len(monitorIDs))+`) RETURNING monitor_id, generation`), args...)
		if err != nil {
			return s.errf(err, "renew backfill leases")
		}
		got, err = collect(rows, func(r interface{ Scan(...any) error }) (idGen, error) {
			var x idGen
			return x, r.Scan(&x.id, &x.gen)
		}, func(err error) error { return s.errf(err, "renew backfill leases") })
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, x := range got {
		held[x.id] = x.gen
	}
	return held, nil
}

// ReleaseBackfill gives up owner's lease on a job without finishing it (it
// was superseded): the job is claimable at once.
func (s *Store) ReleaseBackfill(ctx context.Context, owner, monitorID string) error {
	_, err := s.exec(ctx, s.q(`UPDATE monitor_backfills SET lease_owner = '', lease_until = NULL,
		state = CASE WHEN state = 'running' THEN 'pending' ELSE state END
		WHERE monitor_id = ? AND lease_owner = ?`), monitorID, owner)
	if err != nil {
		return s.errf(err, "release backfill of monitor %q", monitorID)
	}
	return nil
}

// FinishBackfill records a finished run of generation gen and releases the
// lease. The job is done only if no newer change came meanwhile; otherwise
// it stays pending, to run again with the new query. It reports whether the
// job is done.
func (s *Store) FinishBackfill(ctx context.Context, owner string, b Backfill) (bool, error) {
	var state string
	err := s.write(ctx, func(q querier) error {
		return q.QueryRowContext(ctx, s.q(`UPDATE monitor_backfills SET
				state = CASE WHEN generation = ? THEN 'done' ELSE 'pending' END,
				attempts = CASE WHEN generation = ? THEN 0 ELSE attempts END,
				last_error = CASE WHEN generation = ? THEN '' ELSE last_error END,
				scanned = ?, added = ?, removed = ?, finished_at = ?, lease_owner = '', lease_until = NULL
			WHERE monitor_id = ? AND lease_owner = ? RETURNING state`),
			b.Generation, b.Generation, b.Generation, b.Scanned, b.Added, b.Removed, s.tm(s.clock()), b.MonitorKey, owner).Scan(&state)
	})
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) { // lost: deleted or taken over
			return false, nil
		}
		return false, s.errf(err, "finish backfill of monitor %q", b.MonitorKey)
	}
	return state == BackfillDone, nil
}

// FailBackfill records a failed run of generation gen and releases the
// lease: the job runs again at retryAt, or at once if a newer change
// superseded it. Nothing is dropped: Attempts and LastError say why it is
// late.
func (s *Store) FailBackfill(ctx context.Context, owner string, b Backfill, cause error, retryAt time.Time) error {
	msg := cause.Error()
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	_, err := s.exec(ctx, s.q(`UPDATE monitor_backfills SET state = 'pending',
			attempts = CASE WHEN generation = ? THEN attempts + 1 ELSE attempts END,
			run_after = CASE WHEN generation = ? THEN ? ELSE run_after END,
			last_error = ?, lease_owner = '', lease_until = NULL
		WHERE monitor_id = ? AND lease_owner = ?`),
		b.Generation, b.Generation, s.tm(retryAt), msg, b.MonitorKey, owner)
	if err != nil {
		return s.errf(err, "record failed backfill of monitor %q", b.MonitorKey)
	}
	return nil
}

// FindBackfill returns the backfill job of a workspace's monitor, or
// ErrNotFound when it has none (a monitor from before backfills were
// stored).
func (s *Store) FindBackfill(ctx context.Context, workspaceID int64, monitorID string) (Backfill, error) {
	b, err := scanBackfill(s.db.QueryRowContext(ctx, s.q("SELECT "+backfillCols+` FROM monitor_backfills
		WHERE workspace_id = ? AND monitor_id = (SELECT id FROM monitors WHERE workspace_id = ? AND public_id = ?)`), workspaceID, workspaceID, monitorID))
	if err != nil {
		return Backfill{}, s.errf(err, "find backfill of monitor %q", monitorID)
	}
	return b, nil
}

// FindBackfills returns the backfill jobs of a workspace's monitors, by
// monitor id (the monitors page shows which are still bringing in
// mentions).
func (s *Store) FindBackfills(ctx context.Context, workspaceID int64) (map[string]Backfill, error) {
	rows, err := s.db.QueryContext(ctx, s.q("SELECT (SELECT mo.public_id FROM monitors mo WHERE mo.id = bf.monitor_id), "+backfillCols+
		" FROM monitor_backfills bf WHERE workspace_id = ?"), workspaceID)
	if err != nil {
		return nil, s.errf(err, "find backfills")
	}
	type byID struct {
		id string
		b  Backfill
	}
	bs, err := collect(rows, func(r interface{ Scan(...any) error }) (byID, error) {
		var id sql.NullString
		b, err := scanBackfillAfter(r, &id)
		return byID{id.String, b}, err
	}, func(err error) error { return s.errf(err, "find backfills") })
	if err != nil {
		return nil, err
	}
	out := make(map[string]Backfill, len(bs))
	for _, x := range bs {
		out[x.id] = x.b
	}
	return out, nil
}
