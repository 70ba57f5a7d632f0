package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/vigie-project/vigie"
)

// Monitor change operations, as recorded in monitor_changes.
const (
	ChangeCreate = "create"
	ChangeUpdate = "update"
	ChangeDelete = "delete"
)

// MonitorChange is one entry of the monitor change log, with the monitor as
// it is now (nil once deleted): a process applies the current state, so
// applying a change twice or out of turn does no harm.
type MonitorChange struct {
	Seq         int64
	MonitorKey  string // the monitor's internal key (vigie.MonitorRecord.Key)
	WorkspaceID int64
	Op          string
	Monitor     *vigie.MonitorRecord
}

// changesLock serialises the transactions that write monitor changes on
// PostgreSQL, where identity values are handed out in call order, not
// commit order: without it a follower could read seq 11 before seq 10
// commits and never come back for 10. Monitor changes are rare, so the
// wait is nothing. SQLite already has a single writer.
const changesLock = "SELECT pg_advisory_xact_lock(hashtext('vigie monitor changes ' || current_schema()))"

// lockChanges takes changesLock; it must come first in a transaction that
// changes monitors, before the rows it reads to decide what changed.
func (s *Store) lockChanges(ctx context.Context, tx *sql.Tx) error {
	if !s.pg() {
		return nil
	}
	if _, err := tx.ExecContext(ctx, changesLock); err != nil {
		return s.errf(err, "lock monitor changes")
	}
	return nil
}

// recordMonitorChange appends to the change log, in the transaction of the
// change.
func (s *Store) recordMonitorChange(ctx context.Context, tx *sql.Tx, id string, workspaceID int64, op string) error {
	return s.recordMonitorChanges(ctx, tx, []monitorChange{{id, workspaceID, op}})
}

// monitorChange is a row of the change log to write.
type monitorChange struct {
	id          string
	workspaceID int64
	op          string
}

// recordMonitorChanges appends changes to the log in this order, in the
// transaction of the changes.
func (s *Store) recordMonitorChanges(ctx context.Context, tx *sql.Tx, cs []monitorChange) error {
	now := s.tm(s.clock())
	for chunk := range slices.Chunk(cs, maxParams/4) {
		args := make([]any, 0, 4*len(chunk))
		for _, c := range chunk {
			args = append(args, c.id, c.workspaceID, c.op, now)
		}
		_, err := tx.ExecContext(ctx, s.q("INSERT INTO monitor_changes (monitor_id, workspace_id, op, changed_at) VALUES "+placeholders(len(chunk), 4)), args...)
		if err != nil {
			if len(chunk) == 1 {
				return s.errf(err, "record monitor change %q", chunk[0].id)
			}
			return s.errf(err, "record %d monitor changes", len(chunk))
		}
	}
	return nil
}

// LastMonitorChange returns the sequence number of the latest monitor
// change (0: none). A process reads it before loading the monitors, then
// follows the changes after it.
func (s *Store) LastMonitorChange(ctx context.Context) (int64, error) {
	var seq sql.NullInt64
	if err := s.db.QueryRowContext(ctx, "SELECT MAX(seq) FROM monitor_changes").Scan(&seq); err != nil {
		return 0, s.errf(err, "last monitor change")
	}
	return seq.Int64, nil
}

// MonitorChangesSince returns the changes after seq, oldest first, at most
// limit, each with the monitor's current state. It walks the primary key:
// cheap enough to call every second.
func (s *Store) MonitorChangesSince(ctx context.Context, seq int64, limit int) ([]MonitorChange, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT c.seq, c.monitor_id, c.workspace_id, c.op,
			m.id, m.public_id, m.workspace_id, m.name, m.kind, m.query, m.created_at, m.updated_at
		FROM monitor_changes c LEFT JOIN monitors m ON m.id = c.monitor_id
		WHERE c.seq > ? ORDER BY c.seq LIMIT ?`), seq, limit)
	if err != nil {
		return nil, s.errf(err, "monitor changes")
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (MonitorChange, error) {
		var c MonitorChange
		var key, id, name, kind, query sql.NullString
		var ws sql.NullInt64
		var m vigie.MonitorRecord
		if err := r.Scan(&c.Seq, &c.MonitorKey, &c.WorkspaceID, &c.Op, &key, &id, &ws, &name, &kind, &query,
			timeCol(&m.CreatedAt), timeCol(&m.UpdatedAt)); err != nil {
			return c, err
		}
		if key.Valid {
			m.Key, m.ID, m.WorkspaceID, m.Name, m.Kind, m.Query = key.String, id.String, ws.Int64, name.String, vigie.MonitorKind(kind.String), query.String
			c.Monitor = &m
		}
		return c, nil
	}, func(err error) error { return s.errf(err, "monitor changes") })
}

// monitorBefore reads a monitor inside a change's transaction (after
// lockChanges), to tell what the change changes; found is false when there
// is none.
func (s *Store) monitorBefore(ctx context.Context, tx *sql.Tx, workspaceID int64, id string) (m vigie.MonitorRecord, found bool, err error) {
	if !textOK(id) {
		return m, false, nil
	}
	m, err = scanMonitor(tx.QueryRowContext(ctx, s.q("SELECT "+monitorCols+" FROM monitors WHERE workspace_id = ? AND public_id = ?"), workspaceID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return m, false, nil
	}
	if err != nil {
		return m, false, fmt.Errorf("monitor %q: %w", id, s.translate(err))
	}
	return m, true, nil
}

// monitorChanged records a monitor's creation or change (before is the zero
// record for a new one) in the change log, and requests its backfill when
// it is new or its query changed, in the change's transaction. A change
// that changes nothing is not recorded.
func (s *Store) monitorChanged(ctx context.Context, tx *sql.Tx, before, after vigie.MonitorRecord) error {
	op, backfill := changeOf(before, after)
	if op == "" {
		return nil
	}
	if err := s.recordMonitorChange(ctx, tx, after.Key, after.WorkspaceID, op); err != nil {
		return err
	}
	if backfill {
		return s.requestBackfill(ctx, tx, after.Key, after.WorkspaceID)
	}
	return nil
}

// changeOf tells what saving after over before (the zero record for a new
// monitor) is: the change-log op ("" when nothing changed), and whether the
// monitor needs a backfill (it is new or its query changed).
func changeOf(before, after vigie.MonitorRecord) (op string, backfill bool) {
	switch {
	case before.Key == "":
		return ChangeCreate, true
	case before.Name == after.Name && before.Kind == after.Kind && before.Query == after.Query && before.WorkspaceID == after.WorkspaceID:
		return "", false
	}
	return ChangeUpdate, before.Query != after.Query
}
