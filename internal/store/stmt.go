package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Multi-row writes (rollups, mentions, entities) run as statements of a
// few fixed sizes, prepared once when the store opens and reused: parsing a
// fresh statement of a few hundred rows for every batch was a tenth of the
// ingest's time on SQLite.
//
// They are prepared at Open, never on first use: preparing on the pool
// while a transaction holds a connection waits for a second connection,
// which concurrent writers queued behind that transaction may all hold.
var rowSizes = [...]int{256, 32, 4, 1}

// A rowShape is a write of many rows: head, then rows times row (of
// placeholders), comma-separated, then tail. With no row it is a plain
// single statement, head.
type rowShape struct{ head, row, tail string }

func (sh rowShape) sql(rows int) string {
	return sh.head + strings.TrimSuffix(strings.Repeat(sh.row+", ", rows), ", ") + sh.tail
}

// rowsStmt is one prepared statement: a shape at a number of rows.
type rowsStmt struct {
	shape rowShape
	rows  int
}

func rollupUpsert(table string) rowShape {
	return rowShape{`INSERT INTO ` + table + ` (set_id, dim, bucket, value, n) VALUES `, `(?, ?, ?, ?, ?)`,
		` ON CONFLICT (set_id, dim, bucket, value) DO UPDATE SET n = ` + table + `.n + excluded.n`}
}

// The store's hot writes. An author's engagement saturates at 2^62: the
// deltas are sums of clamped counts (far below that), so the subtraction
// cannot overflow either.
var (
	upsertRollupHours = rollupUpsert("rollup_hours")
	upsertRollupDays  = rollupUpsert("rollup_days")
	upsertAuthorDays  = rowShape{`INSERT INTO author_days (workspace_id, author_id, day, n, engagement, followers) VALUES `,
		`(?, ?, ?, ?, ?, ?)`, ` ON CONFLICT (workspace_id, author_id, day) DO UPDATE SET n = author_days.n + excluded.n,
			engagement = CASE WHEN author_days.engagement > 4611686018427387903 - excluded.engagement THEN 4611686018427387903
				ELSE author_days.engagement + excluded.engagement END,
			followers = CASE WHEN excluded.followers >= 0 THEN excluded.followers ELSE author_days.followers END`}
	insertMentionRows = rowShape{`INSERT INTO mentions (post_id, monitor_id, published_at) VALUES `, `(?, ?, ?)`,
		` ON CONFLICT (post_id, monitor_id) DO NOTHING`}
	insertEntityRows = rowShape{`INSERT INTO post_entities (post_id, kind, value) VALUES `, `(?, ?, ?)`,
		` ON CONFLICT (post_id, kind, value) DO NOTHING`}
	// An author's current followers reach author_days: per author on
	// SQLite, by the hundred on PostgreSQL (see upsertAuthors).
	updateFollowers     = rowShape{head: `UPDATE author_days SET followers = ? WHERE workspace_id IN (SELECT id FROM workspaces) AND author_id = ? AND followers <> ?`}
	updateFollowersRows = rowShape{`UPDATE author_days SET followers = v.column2 FROM (VALUES `, `(CAST(? AS BIGINT), CAST(? AS BIGINT))`,
		`) AS v WHERE author_days.author_id = v.column1 AND author_days.followers <> v.column2
		AND author_days.workspace_id IN (SELECT id FROM workspaces)`}
	// A near-copy is linked only to a post the workspace may see: a copy
	// is not linked to another workspace's private source.
	linkNearDuplicate = rowShape{head: `UPDATE posts SET near_duplicate_of =
		(SELECT o.id FROM posts o WHERE o.source_kind = ? AND o.external_id = ? AND o.source_id IN (` + visibleSourcesOfSource + `)) WHERE id = ?`}
	hotWrites = []rowShape{upsertRollupHours, upsertRollupDays, upsertAuthorDays, insertMentionRows, insertEntityRows, updateFollowers, updateFollowersRows,
		linkNearDuplicate}
)

// authorBoundSQL is the SQL of an author's bound (migration 0022) from SQL
// expressions of its mentions, top post and followers: authorBound's.
func authorBoundSQL(pg bool, n, top, followers string) string {
	least, greatest, log, real := "min", "max", "log10", "%s"
	if pg {
		least, greatest, log, real = "LEAST", "GREATEST", "log", "CAST(%s AS DOUBLE PRECISION)"
	}
	part := func(x, full string) string {
		return least + "(" + log + "(1 + " + fmt.Sprintf(real, greatest+"("+x+", 0)") + ") / " + full + ", 1.0)"
	}
	return "100 * (0.5 * " + part(followers, "6.0") + " + 0.3 * " + part(top, "3.0") + " + 0.2 * " + part(n, "2.0") + ") + 0.2"
}

// authorBoundWrites are the writes that keep author_bounds: an upsert of
// deltas (mentions summed, top post and followers raised) and, per author,
// followers raised where author_days' are (upsertAuthors).
func authorBoundWrites(pg bool) (upsert, raise rowShape) {
	greatest := "max"
	if pg {
		greatest = "GREATEST"
	}
	n := "author_bounds.n + excluded.n"
	top := greatest + "(author_bounds.top_post, excluded.top_post)"
	fol := greatest + "(author_bounds.followers, excluded.followers)"
	upsert = rowShape{`INSERT INTO author_bounds (workspace_id, author_id, n, top_post, followers, bound) VALUES `, `(?, ?, ?, ?, ?, ?)`,
		` ON CONFLICT (workspace_id, author_id) DO UPDATE SET n = ` + n + `, top_post = ` + top + `, followers = ` + fol +
			`, bound = ` + authorBoundSQL(pg, n, top, fol)}
	if pg {
		raise = rowShape{`UPDATE author_bounds SET followers = v.column2, bound = ` + authorBoundSQL(pg, "author_bounds.n", "author_bounds.top_post", "v.column2") + ` FROM (VALUES `,
			`(CAST(? AS BIGINT), CAST(? AS BIGINT))`,
			`) AS v WHERE author_bounds.author_id = v.column1 AND author_bounds.followers < v.column2
			AND author_bounds.workspace_id IN (SELECT id FROM workspaces)`}
	} else {
		raise = rowShape{head: `UPDATE author_bounds SET followers = ?1, bound = ` + authorBoundSQL(pg, "n", "top_post", "?1") +
			` WHERE workspace_id IN (SELECT id FROM workspaces) AND author_id = ?2 AND followers < ?1`}
	}
	return upsert, raise
}

// fullChunks are multi-row writes that return rows, at the one size
// prepared at Open: the size of their full chunks. A batch's last, shorter
// chunk is prepared in its transaction.
var fullChunks []rowsStmt

// prepareWrites prepares the hot writes at every size, and fullChunks,
// after migrations.
func (s *Store) prepareWrites(ctx context.Context) error {
	s.upsertAuthorBounds, s.raiseBoundFollowers = authorBoundWrites(s.pg())
	var all []rowsStmt
	for _, sh := range append(hotWrites[:len(hotWrites):len(hotWrites)], s.upsertAuthorBounds, s.raiseBoundFollowers) {
		sizes := rowSizes[:]
		if sh.row == "" {
			sizes = []int{0}
		}
		for _, n := range sizes {
			all = append(all, rowsStmt{sh, n})
		}
	}
	for _, k := range append(all, fullChunks...) {
		st, err := s.db.PrepareContext(ctx, s.q(k.shape.sql(k.rows)))
		if err != nil {
			s.closeStmts()
			return fmt.Errorf("prepare the store's writes: %w", err)
		}
		s.stmts.Store(k, st)
	}
	return nil
}

// queryRows runs k (prepared at Open, or prepared now) with args in tx and
// returns its rows.
func (s *Store) queryRows(ctx context.Context, tx *sql.Tx, k rowsStmt, args []any) (*sql.Rows, error) {
	if v, ok := s.stmts.Load(k); ok {
		return tx.StmtContext(ctx, v.(*sql.Stmt)).QueryContext(ctx, args...)
	}
	return tx.QueryContext(ctx, s.q(k.shape.sql(k.rows)), args...)
}

// prepared returns k's statement bound to tx: the one prepared at Open, or
// (a shape not listed in hotWrites) one prepared on tx's own connection.
func (s *Store) prepared(ctx context.Context, tx *sql.Tx, k rowsStmt) (*sql.Stmt, error) {
	if v, ok := s.stmts.Load(k); ok {
		return tx.StmtContext(ctx, v.(*sql.Stmt)), nil
	}
	return tx.PrepareContext(ctx, s.q(k.shape.sql(k.rows)))
}

// execRows runs the shape over args, a row's worth of values per row, in
// statements of rowSizes rows, and returns the rows affected.
func (s *Store) execRows(ctx context.Context, tx *sql.Tx, sh rowShape, args []any) (int64, error) {
	cols := strings.Count(sh.row, "?")
	if cols == 0 || len(args)%cols != 0 {
		return 0, fmt.Errorf("execRows: %d values for rows of %d", len(args), cols)
	}
	bound := map[int]*sql.Stmt{}
	var affected int64
	for rows := len(args) / cols; rows > 0; {
		n := 1
		for _, size := range rowSizes {
			if size <= rows && size*cols <= maxParams {
				n = size
				break
			}
		}
		st := bound[n]
		if st == nil {
			var err error
			if st, err = s.prepared(ctx, tx, rowsStmt{sh, n}); err != nil {
				return affected, err
			}
			bound[n] = st
		}
		res, err := st.ExecContext(ctx, args[:n*cols]...)
		if err != nil {
			return affected, err
		}
		k, err := res.RowsAffected()
		if err != nil {
			return affected, err
		}
		affected += k
		args, rows = args[n*cols:], rows-n
	}
	return affected, nil
}

// closeStmts closes the prepared statements, before the pool.
func (s *Store) closeStmts() {
	s.stmts.Range(func(k, v any) bool {
		v.(*sql.Stmt).Close()
		s.stmts.Delete(k)
		return true
	})
}
