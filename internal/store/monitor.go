package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/vigie-project/vigie"
)

// MonitorUpdate changes the fields that are set; nil fields keep their value.
// The store does not parse queries: callers validate them first.
type MonitorUpdate struct {
	Name  *string
	Kind  *string
	Query *string
}

const monitorCols = "id, public_id, workspace_id, name, kind, query, created_at, updated_at"

func scanMonitor(row interface{ Scan(...any) error }) (vigie.MonitorRecord, error) {
	var m vigie.MonitorRecord
	var kind string
	err := row.Scan(&m.Key, &m.ID, &m.WorkspaceID, &m.Name, &kind, &m.Query, timeCol(&m.CreatedAt), timeCol(&m.UpdatedAt))
	m.Kind = vigie.MonitorKind(kind)
	return m, err
}

// monitorKey is the internal key of a monitor created now (see
// vigie.MonitorRecord): its workspace and id, which no valid id can
// imitate (ids have no '/'). Monitors from before migration 0024 keep
// their id as their key, and an id stored before ids were checked may
// hold a '/' ("2/brand"): newKeys steps around those.
func monitorKey(workspaceID int64, id string) string {
	return strconv.FormatInt(workspaceID, 10) + "/" + id
}

// newKeys returns the key each of these ids of a workspace gets when it is
// saved: monitorKey, or, where another monitor already holds that key (an
// old id such as "2/brand"), the first of key~2, key~3… that is free. An id
// the workspace already has keeps its key (the upsert does not change it).
// It runs in the saving transaction, after lockChanges.
func (s *Store) newKeys(ctx context.Context, tx *sql.Tx, workspaceID int64, ids []string) (map[string]string, error) {
	keys := make(map[string]string, len(ids))
	pending := make(map[string]string, len(ids)) // candidate key → id
	for _, id := range ids {
		pending[monitorKey(workspaceID, id)] = id
	}
	for n := 2; len(pending) > 0; n++ {
		args := make([]any, 0, len(pending))
		for k := range pending {
			args = append(args, k)
		}
		taken := map[string]bool{}
		for chunk := range slices.Chunk(args, maxParams) {
			rows, err := tx.QueryContext(ctx, s.q("SELECT id, workspace_id, public_id FROM monitors WHERE id IN ("+list(len(chunk))+")"), chunk...)
			if err != nil {
				return nil, s.errf(err, "monitor keys")
			}
			for rows.Next() {
				var key, publicID string
				var ws int64
				if err := rows.Scan(&key, &ws, &publicID); err != nil {
					rows.Close()
					return nil, s.errf(err, "monitor keys")
				}
				if ws != workspaceID || publicID != pending[key] {
					taken[key] = true
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, s.errf(err, "monitor keys")
			}
		}
		next := map[string]string{}
		for k, id := range pending {
			if taken[k] {
				next[monitorKey(workspaceID, id)+"~"+strconv.Itoa(n)] = id
			} else {
				keys[id] = k
			}
		}
		pending = next
	}
	return keys, nil
}

func checkMonitor(m *vigie.MonitorRecord) error {
	m.ID = strings.TrimSpace(m.ID)
	if err := m.Validate(); err != nil {
		return err
	}
	if m.WorkspaceID == 0 {
		return fmt.Errorf("%w: monitor %q has no workspace", vigie.ErrInvalid, m.ID)
	}
	return nil
}

// CreateMonitor stores a new monitor; its id must be free in its workspace
// (ErrConflict) and its workspace must exist (ErrInvalid).
func (s *Store) CreateMonitor(ctx context.Context, m vigie.MonitorRecord) (vigie.MonitorRecord, error) {
	if err := checkMonitor(&m); err != nil {
		return vigie.MonitorRecord{}, fmt.Errorf("create monitor: %w", err)
	}
	now := s.clock()
	var created vigie.MonitorRecord
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockChanges(ctx, tx); err != nil {
			return err
		}
		keys, err := s.newKeys(ctx, tx, m.WorkspaceID, []string{m.ID})
		if err != nil {
			return err
		}
		row := tx.QueryRowContext(ctx, s.q(`INSERT INTO monitors (id, public_id, workspace_id, name, kind, query, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING `+monitorCols),
			keys[m.ID], m.ID, m.WorkspaceID, m.Name, string(m.Kind), m.Query, s.tm(now), s.tm(now))
		if created, err = scanMonitor(row); err != nil {
			return s.errf(err, "create monitor %q", m.ID)
		}
		return s.monitorChanged(ctx, tx, vigie.MonitorRecord{}, created)
	})
	if err != nil {
		return vigie.MonitorRecord{}, err
	}
	return created, nil
}

// UpsertMonitor creates the monitor or, if its id exists in its workspace,
// replaces its name, kind and query, keeping created_at and its key.
func (s *Store) UpsertMonitor(ctx context.Context, m vigie.MonitorRecord) (vigie.MonitorRecord, error) {
	if err := checkMonitor(&m); err != nil {
		return vigie.MonitorRecord{}, fmt.Errorf("upsert monitor: %w", err)
	}
	var saved []vigie.MonitorRecord
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		saved, err = s.upsertMonitorsTx(ctx, tx, m.WorkspaceID, []vigie.MonitorRecord{m})
		return err
	})
	if err != nil {
		return vigie.MonitorRecord{}, fmt.Errorf("upsert monitor %q: %w", m.ID, err)
	}
	return saved[0], nil
}

// monitorsPerTx is how many monitors UpsertMonitors writes per
// transaction. One transaction per monitor took 7 s for an import of
// 10,000 (statements parsed, a lock and a commit for each); a few hundred
// keep each transaction as short as a batch of posts, so that SQLite's
// writer lock is not held for the whole file.
const monitorsPerTx = 500

// UpsertMonitors is UpsertMonitor for many monitors of one workspace (an
// import), a few hundred per transaction, with the same change-log rows and
// backfill requests per monitor. Every monitor is checked before anything is
// written: an invalid one or an id given twice is an error naming the
// monitor, and nothing is saved. A failure
// of the database midway keeps the transactions already committed; running
// the same monitors again is harmless (an unchanged one records nothing).
// The saved monitors are returned in the order given.
func (s *Store) UpsertMonitors(ctx context.Context, workspaceID int64, ms []vigie.MonitorRecord) ([]vigie.MonitorRecord, error) {
	if err := noWorkspace("upsert monitors", workspaceID); err != nil {
		return nil, err
	}
	ms = slices.Clone(ms)
	seen := make(map[string]int, len(ms))
	for i := range ms {
		m := &ms[i]
		m.WorkspaceID = workspaceID
		if err := checkMonitor(m); err != nil {
			return nil, fmt.Errorf("upsert monitors: %s: %w", vigie.Nth("monitor", i, len(ms), m.ID), err)
		}
		if j, dup := seen[m.ID]; dup {
			return nil, fmt.Errorf("upsert monitors: %w: monitor %q is given twice (%d and %d of %d)", vigie.ErrInvalid, m.ID, j+1, i+1, len(ms))
		}
		seen[m.ID] = i
	}
	saved := make([]vigie.MonitorRecord, 0, len(ms))
	for chunk := range slices.Chunk(ms, monitorsPerTx) {
		var out []vigie.MonitorRecord
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			var err error
			out, err = s.upsertMonitorsTx(ctx, tx, workspaceID, chunk)
			return err
		})
		if err != nil {
			return saved, fmt.Errorf("upsert monitors: %w", err)
		}
		saved = append(saved, out...)
	}
	return saved, nil
}

// upsertMonitorsTx writes one transaction's worth of UpsertMonitors.
func (s *Store) upsertMonitorsTx(ctx context.Context, tx *sql.Tx, workspaceID int64, ms []vigie.MonitorRecord) ([]vigie.MonitorRecord, error) {
	if err := s.lockChanges(ctx, tx); err != nil {
		return nil, err
	}
	ids := make([]any, 1, len(ms)+1)
	ids[0] = workspaceID
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	rows, err := tx.QueryContext(ctx, s.q("SELECT "+monitorCols+" FROM monitors WHERE workspace_id = ? AND public_id IN ("+list(len(ms))+")"), ids...)
	if err != nil {
		return nil, s.errf(err, "monitors before")
	}
	befores, err := collect(rows, scanMonitor, func(err error) error { return s.errf(err, "monitors before") })
	if err != nil {
		return nil, err
	}
	before := make(map[string]vigie.MonitorRecord, len(befores))
	for _, b := range befores {
		before[b.ID] = b
	}
	publicIDs := make([]string, len(ms))
	for i, m := range ms {
		publicIDs[i] = m.ID
	}
	keys, err := s.newKeys(ctx, tx, workspaceID, publicIDs)
	if err != nil {
		return nil, err
	}
	now := s.tm(s.clock())
	args := make([]any, 0, len(ms)*8)
	for _, m := range ms {
		args = append(args, keys[m.ID], m.ID, workspaceID, m.Name, string(m.Kind), m.Query, now, now)
	}
	rows, err = tx.QueryContext(ctx, s.q(`INSERT INTO monitors (id, public_id, workspace_id, name, kind, query, created_at, updated_at)
		VALUES `+placeholders(len(ms), 8)+`
		ON CONFLICT (workspace_id, public_id) DO UPDATE SET name = excluded.name, kind = excluded.kind,
			query = excluded.query, updated_at = excluded.updated_at
		RETURNING `+monitorCols), args...)
	if err != nil {
		return nil, s.errf(err, "save monitors")
	}
	written, err := collect(rows, scanMonitor, func(err error) error { return s.errf(err, "save monitors") })
	if err != nil {
		return nil, err
	}
	after := make(map[string]vigie.MonitorRecord, len(written))
	for _, m := range written {
		after[m.ID] = m
	}
	out := make([]vigie.MonitorRecord, len(ms))
	var changes []monitorChange
	var backfills []string
	for i, m := range ms {
		a, ok := after[m.ID]
		if !ok {
			return nil, fmt.Errorf("monitor %q was not saved", m.ID)
		}
		out[i] = a
		op, backfill := changeOf(before[m.ID], a)
		if op != "" {
			changes = append(changes, monitorChange{a.Key, a.WorkspaceID, op})
		}
		if backfill {
			backfills = append(backfills, a.Key)
		}
	}
	if err := s.recordMonitorChanges(ctx, tx, changes); err != nil {
		return nil, err
	}
	if err := s.requestBackfills(ctx, tx, workspaceID, backfills); err != nil {
		return nil, err
	}
	return out, nil
}

// noWorkspace refuses a call that names no workspace: every method that
// takes an id takes the workspace too, so that no request can reach another
// workspace's rows by guessing ids.
func noWorkspace(op string, workspaceID int64) error {
	if workspaceID <= 0 {
		return fmt.Errorf("%s: %w: no workspace given", op, vigie.ErrInvalid)
	}
	return nil
}

// UpdateMonitor changes the fields of u that are set and returns the
// monitor; a monitor of another workspace is ErrNotFound.
func (s *Store) UpdateMonitor(ctx context.Context, workspaceID int64, id string, u MonitorUpdate) (vigie.MonitorRecord, error) {
	if err := noWorkspace("update monitor", workspaceID); err != nil {
		return vigie.MonitorRecord{}, err
	}
	var sets []string
	var args []any
	if u.Name != nil {
		if err := vigie.ValidName("monitor name", *u.Name); err != nil {
			return vigie.MonitorRecord{}, fmt.Errorf("update monitor %q: %w", id, err)
		}
		sets, args = append(sets, "name = ?"), append(args, *u.Name)
	}
	if u.Kind != nil {
		if k := vigie.MonitorKind(*u.Kind); k != "" && !k.Valid() {
			return vigie.MonitorRecord{}, fmt.Errorf("update monitor %q: %w: unknown kind %q (one of %v)", id, vigie.ErrInvalid, k, vigie.MonitorKinds)
		}
		sets, args = append(sets, "kind = ?"), append(args, *u.Kind)
	}
	if u.Query != nil {
		if strings.ContainsRune(*u.Query, 0) {
			return vigie.MonitorRecord{}, fmt.Errorf("update monitor %q: %w: the query holds a NUL character", id, vigie.ErrInvalid)
		}
		if strings.TrimSpace(*u.Query) == "" {
			return vigie.MonitorRecord{}, fmt.Errorf("update monitor %q: %w: empty query", id, vigie.ErrInvalid)
		}
		sets, args = append(sets, "query = ?"), append(args, *u.Query)
	}
	sets, args = append(sets, "updated_at = ?"), append(args, s.tm(s.clock()))
	args = append(args, id, workspaceID)
	var m vigie.MonitorRecord
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockChanges(ctx, tx); err != nil {
			return err
		}
		before, found, err := s.monitorBefore(ctx, tx, workspaceID, id)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("update monitor %q: %w", id, vigie.ErrNotFound)
		}
		row := tx.QueryRowContext(ctx, s.q("UPDATE monitors SET "+strings.Join(sets, ", ")+" WHERE public_id = ? AND workspace_id = ? RETURNING "+monitorCols), args...)
		if m, err = scanMonitor(row); err != nil {
			return s.errf(err, "update monitor %q", id)
		}
		return s.monitorChanged(ctx, tx, before, m)
	})
	if err != nil {
		return vigie.MonitorRecord{}, err
	}
	return m, nil
}

// DeleteMonitor deletes the workspace's monitor and its mentions (the posts
// stay); a monitor of another workspace is ErrNotFound.
func (s *Store) DeleteMonitor(ctx context.Context, workspaceID int64, id string) error {
	if err := noWorkspace("delete monitor", workspaceID); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockChanges(ctx, tx); err != nil {
			return err
		}
		before, found, err := s.monitorBefore(ctx, tx, workspaceID, id)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("delete monitor %q: %w", id, vigie.ErrNotFound)
		}
		key := before.Key
		// The dashboard's rollups follow (aggregate.go).
		if err := s.dropFromRollups(ctx, tx, key); err != nil {
			return fmt.Errorf("delete monitor %q: %w", id, err)
		}
		var res sql.Result
		err = s.rerollAuthors(ctx, tx, key, func() error {
			var err error
			res, err = tx.ExecContext(ctx, s.q("DELETE FROM monitors WHERE id = ? AND workspace_id = ?"), key, workspaceID)
			return err
		})
		if err != nil {
			return s.errf(err, "delete monitor %q", id)
		}
		if err := affected(res, "delete monitor %q", id); err != nil {
			return err
		}
		return s.recordMonitorChange(ctx, tx, key, before.WorkspaceID, ChangeDelete)
	})
}

// FindMonitorByID returns the workspace's monitor with this id, or
// ErrNotFound (also for another workspace's).
func (s *Store) FindMonitorByID(ctx context.Context, workspaceID int64, id string) (vigie.MonitorRecord, error) {
	if err := noWorkspace("find monitor", workspaceID); err != nil {
		return vigie.MonitorRecord{}, err
	}
	if !textOK(id) { // no monitor has such an id
		return vigie.MonitorRecord{}, fmt.Errorf("find monitor %q: %w", id, vigie.ErrNotFound)
	}
	m, err := scanMonitor(s.db.QueryRowContext(ctx, s.q("SELECT "+monitorCols+" FROM monitors WHERE public_id = ? AND workspace_id = ?"), id, workspaceID))
	if err != nil {
		return vigie.MonitorRecord{}, s.errf(err, "find monitor %q", id)
	}
	return m, nil
}

// FindMonitorByKey returns the monitor with this internal key (see
// vigie.MonitorRecord), for jobs that carry the key; never for requests,
// which name a workspace and an id.
func (s *Store) FindMonitorByKey(ctx context.Context, key string) (vigie.MonitorRecord, error) {
	m, err := scanMonitor(s.db.QueryRowContext(ctx, s.q("SELECT "+monitorCols+" FROM monitors WHERE id = ?"), key))
	if err != nil {
		return vigie.MonitorRecord{}, s.errf(err, "find monitor")
	}
	return m, nil
}

// FindMonitors returns the monitors of a workspace (0: of all), by id.
func (s *Store) FindMonitors(ctx context.Context, workspaceID int64) ([]vigie.MonitorRecord, error) {
	query, args := "SELECT "+monitorCols+" FROM monitors", []any{}
	if workspaceID != 0 {
		query, args = query+" WHERE workspace_id = ?", append(args, workspaceID)
	}
	rows, err := s.db.QueryContext(ctx, s.q(query+" ORDER BY public_id, workspace_id"), args...)
	if err != nil {
		return nil, s.errf(err, "find monitors")
	}
	return collect(rows, scanMonitor, func(err error) error { return s.errf(err, "find monitors") })
}

// affected turns an update or delete that touched no row into ErrNotFound.
func affected(res interface{ RowsAffected() (int64, error) }, format string, args ...any) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf(format+": %w", append(args, err)...)
	}
	if n == 0 {
		return fmt.Errorf(format+": %w", append(args, vigie.ErrNotFound)...)
	}
	return nil
}
