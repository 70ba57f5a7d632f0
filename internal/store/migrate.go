package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// Migrations are forward-only SQL files, migrations/{sqlite,postgres}/NNNN_name.sql,
// applied in name order, each in its own transaction, and recorded in
// schema_migrations. A migration never drops user data.
//
//go:embed migrations
var migrations embed.FS

// migrationLock takes the PostgreSQL advisory lock that serialises the
// migrations of processes starting at once on the same schema.
const migrationLock = "SELECT pg_advisory_xact_lock(hashtext('vigie migrations ' || current_schema()))"

func (s *Store) migrate(ctx context.Context) error { return s.migrateBefore(ctx, "") }

// migrateBefore applies the migrations whose names sort before stop (all of
// them for ""); tests use it to build a database as an older Vigie left it.
func (s *Store) migrateBefore(ctx context.Context, stop string) error {
	dir := path.Join("migrations", s.dialect)
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return fmt.Errorf("read migrations: %w", err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".sql") {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	applied := s.appliedMigrations(ctx)
	for _, name := range names {
		if stop != "" && name >= stop {
			break
		}
		if applied[strings.TrimSuffix(name, ".sql")] {
			continue
		}
		body, err := fs.ReadFile(migrations, path.Join(dir, name))
		if err != nil {
			return fmt.Errorf("read migration %s: %w", name, err)
		}
		if err := s.applyMigration(ctx, strings.TrimSuffix(name, ".sql"), string(body)); err != nil {
			return err
		}
	}
	return nil
}

// appliedMigrations returns the versions recorded as applied, read
// without a transaction: a process starting on an up-to-date database (a
// vigie command beside vigie serve) then takes no write lock. Any doubt
// (no table yet) returns none, and applyMigration checks again under the
// lock.
func (s *Store) appliedMigrations(ctx context.Context) map[string]bool {
	applied := map[string]bool{}
	rows, err := s.db.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return applied
	}
	defer rows.Close()
	for rows.Next() {
		var v string
		if rows.Scan(&v) != nil {
			return map[string]bool{}
		}
		applied[v] = true
	}
	if rows.Err() != nil {
		return map[string]bool{}
	}
	return applied
}

func (s *Store) applyMigration(ctx context.Context, version, body string) error {
	timeType := "TEXT"
	if s.pg() {
		timeType = "TIMESTAMPTZ"
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if s.pg() {
			if _, err := tx.ExecContext(ctx, migrationLock); err != nil {
				return fmt.Errorf("migration %s: lock: %w", version, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    TEXT PRIMARY KEY,
			applied_at `+timeType+` NOT NULL
		)`); err != nil {
			return fmt.Errorf("migration %s: create schema_migrations: %w", version, err)
		}
		var n int
		if err := tx.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM schema_migrations WHERE version = ?"), version).Scan(&n); err != nil {
			return fmt.Errorf("migration %s: %w", version, err)
		}
		if n > 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, body); err != nil {
			return fmt.Errorf("migration %s: %w", version, err)
		}
		if _, err := tx.ExecContext(ctx, s.q("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)"), version, s.tm(s.clock())); err != nil {
			return fmt.Errorf("migration %s: record: %w", version, err)
		}
		return nil
	})
}
