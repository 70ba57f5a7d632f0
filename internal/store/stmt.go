package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Multi-row writes (rollups, mentions, entities) run as statements of a
// few fixed sizes, prepared once per connection and reused: parsing a fresh
// statement of a few hundred rows for every batch was a tenth of the
// ingest's time on SQLite.
var rowSizes = [...]int{256, 32, 4, 1}

// rowsStmt names one prepared multi-row statement: head, then rows times
// row (of cols placeholders), comma-separated, then tail; with rows 0, the
// single-row statement head.
type rowsStmt struct {
	head, row, tail string
	cols, rows      int
}

// prepared returns k's statement, prepared on the store's pool once, bound
// to tx.
func (s *Store) prepared(ctx context.Context, tx *sql.Tx, k rowsStmt) (*sql.Stmt, error) {
	if v, ok := s.stmts.Load(k); ok {
		return tx.StmtContext(ctx, v.(*sql.Stmt)), nil
	}
	st, err := s.db.PrepareContext(ctx, s.q(k.head+strings.TrimSuffix(strings.Repeat(k.row+", ", k.rows), ", ")+k.tail))
	if err != nil {
		return nil, err
	}
	if v, loaded := s.stmts.LoadOrStore(k, st); loaded {
		st.Close()
		st = v.(*sql.Stmt)
	}
	return tx.StmtContext(ctx, st), nil
}

// execRows runs "head (?, …), … tail" over args, cols values a row, in
// statements of rowSizes rows, and returns the rows affected.
func (s *Store) execRows(ctx context.Context, tx *sql.Tx, head, tail string, cols int, args []any) (int64, error) {
	return s.execRowsAs(ctx, tx, head, "("+list(cols)+")", tail, args)
}

// execRowsAs is execRows with each row written as row (e.g. with casts).
func (s *Store) execRowsAs(ctx context.Context, tx *sql.Tx, head, row, tail string, args []any) (int64, error) {
	cols := strings.Count(row, "?")
	if cols == 0 || len(args)%cols != 0 {
		return 0, fmt.Errorf("execRows: %d values for rows of %d", len(args), cols)
	}
	var affected int64
	for rows := len(args) / cols; rows > 0; {
		n := 1
		for _, size := range rowSizes {
			if size <= rows && size*cols <= maxParams {
				n = size
				break
			}
		}
		st, err := s.prepared(ctx, tx, rowsStmt{head, row, tail, cols, n})
		if err != nil {
			return affected, err
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
