package store

import (
	"context"
	"io/fs"
	"path"
	"slices"
	"strings"
	"testing"
)

// TestMigrationsInStep: the SQLite and PostgreSQL migrations are the same
// steps (one file each, same names) and leave the same tables with the same
// columns, but for what each dialect needs for itself (listed below, with
// why).
func TestMigrationsInStep(t *testing.T) {
	names := map[string][]string{}
	for _, d := range dialects {
		entries, err := fs.ReadDir(migrations, path.Join("migrations", d))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			names[d] = append(names[d], e.Name())
		}
	}
	if !slices.Equal(names[SQLite], names[Postgres]) {
		t.Errorf("migration files differ:\nsqlite   %v\npostgres %v", names[SQLite], names[Postgres])
	}

	ctx := context.Background()
	columns := map[string]map[string]bool{} // dialect → "table.column"
	for _, d := range dialects {
		s := openStore(t, d)
		var q string
		if d == SQLite {
			q = `SELECT m.name || '.' || p.name FROM sqlite_master m, pragma_table_info(m.name) p
				WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`
		} else {
			q = `SELECT table_name || '.' || column_name FROM information_schema.columns WHERE table_schema = current_schema()`
		}
		rows, err := s.db.QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		cols, err := collect(rows, func(r interface{ Scan(...any) error }) (string, error) {
			var c string
			return c, r.Scan(&c)
		}, func(err error) error { return err })
		if err != nil {
			t.Fatal(err)
		}
		columns[d] = map[string]bool{}
		for _, c := range cols {
			columns[d][c] = true
		}
	}
	// What one dialect has for itself.
	own := map[string]func(col string) bool{
		// SQLite's full-text index (FTS5 and its shadow tables); PostgreSQL
		// searches with its own index on posts. And the largest source id
		// ever given (migration 0025), which PostgreSQL's sequence keeps.
		SQLite: func(col string) bool {
			return strings.HasPrefix(col, "posts_fts") || strings.HasPrefix(col, "source_id_mark.")
		},
		Postgres: func(col string) bool { return false },
	}
	for _, d := range dialects {
		other := Postgres
		if d == Postgres {
			other = SQLite
		}
		var only []string
		for c := range columns[d] {
			if !columns[other][c] && !own[d](c) {
				only = append(only, c)
			}
		}
		slices.Sort(only)
		if len(only) > 0 {
			t.Errorf("only %s has %s", d, strings.Join(only, ", "))
		}
	}
	if len(columns[SQLite]) < 50 {
		t.Fatalf("only %d columns read", len(columns[SQLite]))
	}
}
