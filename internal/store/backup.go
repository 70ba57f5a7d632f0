package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/secret"
)

// The backup's SQL: what a database holds (Inspect) and, on SQLite, a
// consistent copy of it (SnapshotSQLite). Both open the database without
// applying migrations: a backup must not change the database it copies,
// nor upgrade one an older server still runs on.

// Inspection is what a database holds, as a backup's manifest records it
// and a restore checks it.
type Inspection struct {
	Dialect string
	// Schema is the last migration applied (e.g. "0031_publish_web").
	Schema string
	// Counts of the rows of the main tables, by table.
	Counts map[string]int64
	// Credentials counts the sources' sealed credentials; OtherKeys names
	// (by key id) the keys other than the one given that sealed some.
	Credentials int
	OtherKeys   []string
}

// CountedTables are the tables whose rows a backup counts: enough to see
// at a glance that a restore brought the data back.
var CountedTables = []string{"workspaces", "users", "monitors", "sources", "posts", "mentions", "alerts", "publications"}

// LatestSchema is the last migration this binary knows for the dialect.
func LatestSchema(dialect string) string {
	entries, err := fs.ReadDir(migrations, path.Join("migrations", dialect))
	if err != nil {
		return ""
	}
	last := ""
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".sql"); ok && name > last {
			last = name
		}
	}
	return last
}

// ErrNoDatabase is an SQLite file that does not exist, or a PostgreSQL
// search_path that names no schema: nothing to back up or restore into.
var ErrNoDatabase = errors.New("no database")

// ErrNotVigie is a database without Vigie's schema_migrations table.
var ErrNotVigie = errors.New("not a Vigie database")

// openExisting opens the database at url as it is: no migration, and on
// SQLite no file created.
func openExisting(url string) (*Store, error) {
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		return openPostgres(url)
	}
	p, err := sqlitePath(url)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(p); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w at %s", ErrNoDatabase, p)
		}
		return nil, err
	}
	return openSQLite(url)
}

// Inspect reads what the database at url holds, without changing it. box,
// when given, is the key the credentials are checked against.
func Inspect(ctx context.Context, url string, box *secret.Box) (Inspection, error) {
	s, err := openExisting(url)
	if err != nil {
		return Inspection{}, err
	}
	defer s.Close()
	return s.inspect(ctx, s.db, box)
}

// schemaVersion is the last migration applied to the database; a database
// without any is not Vigie's.
func schemaVersion(ctx context.Context, q querier) (string, error) {
	var v sql.NullString
	if err := q.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&v); err != nil {
		return "", fmt.Errorf("%w: it has no readable schema_migrations table (%v); is the URL or folder right?", ErrNotVigie, err)
	}
	if !v.Valid {
		return "", fmt.Errorf("%w: no migration is recorded in it", ErrNotVigie)
	}
	return v.String, nil
}

func (s *Store) inspect(ctx context.Context, q querier, box *secret.Box) (Inspection, error) {
	in := Inspection{Dialect: s.dialect, Counts: map[string]int64{}}
	var err error
	if in.Schema, err = schemaVersion(ctx, q); err != nil {
		return in, err
	}
	// An older schema may lack the newer tables (and on PostgreSQL a
	// failed query would end the snapshot's transaction): count those
	// there are.
	list := "SELECT name FROM sqlite_master WHERE type = 'table'"
	if s.pg() {
		list = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
	}
	tables := map[string]bool{}
	rows, err := q.QueryContext(ctx, list)
	if err != nil {
		return in, s.errf(err, "list the tables")
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return in, s.errf(err, "list the tables")
		}
		tables[name] = true
	}
	rows.Close()
	for _, t := range CountedTables {
		if !tables[t] {
			continue
		}
		var n int64
		if err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+t).Scan(&n); err != nil {
			return in, s.errf(err, "count the %s", t)
		}
		in.Counts[t] = n
	}
	rows, err = q.QueryContext(ctx, "SELECT settings FROM sources")
	if err != nil {
		return in, s.errf(err, "read the sources' settings")
	}
	defer rows.Close()
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			return in, s.errf(err, "read the sources' settings")
		}
		var settings map[string]string
		if raw == "" || json.Unmarshal([]byte(raw), &settings) != nil {
			continue
		}
		for k, val := range settings {
			if !vigie.SecretSetting(k) || !secret.IsSealed(val) {
				continue
			}
			in.Credentials++
			if id := secret.KeyIDOf(val); box != nil && id != box.ID() && !slices.Contains(in.OtherKeys, id) {
				in.OtherKeys = append(in.OtherKeys, id)
			}
		}
	}
	slices.Sort(in.OtherKeys)
	if err := rows.Err(); err != nil {
		return in, s.errf(err, "read the sources' settings")
	}
	return in, nil
}

// SnapshotSQLite writes a consistent copy of the SQLite database at url to
// the new file dest, while other processes go on writing: VACUUM INTO
// reads one snapshot in a read transaction (WAL lets writers go on), and
// writes a compact file with no write-ahead log to carry along. It
// inspects the copy, not the original, so that the counts describe
// exactly what was copied.
func SnapshotSQLite(ctx context.Context, url, dest string, box *secret.Box) (Inspection, error) {
	s, err := openExisting(url)
	if err != nil {
		return Inspection{}, err
	}
	if s.pg() {
		s.Close()
		return Inspection{}, fmt.Errorf("%w: SnapshotSQLite on a PostgreSQL database", vigie.ErrInvalid)
	}
	// Only the schema: counting the rows of a large original would read
	// it once more than the copy does.
	if _, err := schemaVersion(ctx, s.db); err != nil {
		s.Close()
		return Inspection{}, err
	}
	_, err = s.db.ExecContext(ctx, "VACUUM INTO ?", dest)
	s.Close()
	if err != nil {
		return Inspection{}, fmt.Errorf("copy the database to %s: %w", dest, err)
	}
	return InspectFile(ctx, dest, box)
}

// openFile opens an SQLite file read-only, without the lock files and
// pragmas of a database Vigie runs on: a snapshot or a restore being
// checked, which nobody else writes and which must stay as it is.
func openFile(p string) (*Store, error) {
	if _, err := os.Stat(p); err != nil {
		return nil, err
	}
	if strings.ContainsAny(p, "?#") {
		return nil, fmt.Errorf("%w: sqlite path %q must not hold '?' or '#'", vigie.ErrInvalid, p)
	}
	db, err := sql.Open("sqlite", "file:"+p+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, err
	}
	return &Store{db: db, dialect: SQLite}, nil
}

// InspectFile is Inspect on an SQLite file nobody runs on (a snapshot, a
// restored copy), opened read-only.
func InspectFile(ctx context.Context, p string, box *secret.Box) (Inspection, error) {
	s, err := openFile(p)
	if err != nil {
		return Inspection{}, err
	}
	defer s.db.Close()
	return s.inspect(ctx, s.db, box)
}

// CheckFile runs SQLite's quick_check on the file p: a restored file that
// a damaged archive produced is refused before it replaces anything.
func CheckFile(ctx context.Context, p string) error {
	s, err := openFile(p)
	if err != nil {
		return err
	}
	defer s.db.Close()
	var res string
	if err := s.db.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&res); err != nil {
		return fmt.Errorf("check the database: %w", err)
	}
	if res != "ok" {
		return fmt.Errorf("%w: the database is damaged: %s", vigie.ErrInvalid, res)
	}
	return nil
}

// SnapshotPostgres holds a snapshot of the PostgreSQL database at url open
// (a REPEATABLE READ transaction that exports it) while fn runs: fn gets
// the snapshot's name, for pg_dump --snapshot, the schema Vigie's tables
// are in (the URL's search_path, else public) and what the snapshot
// holds. The counts a backup records are then exactly those of its dump,
// however busy the database.
func SnapshotPostgres(ctx context.Context, url string, box *secret.Box, fn func(snapshot, schema string, in Inspection) error) error {
	s, err := openExisting(url)
	if err != nil {
		return err
	}
	defer s.db.Close()
	if !s.pg() {
		return fmt.Errorf("%w: SnapshotPostgres on an SQLite database", vigie.ErrInvalid)
	}
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return fmt.Errorf("open %s database: %w", s.dialect, err)
	}
	defer tx.Rollback()
	var snapshot, schema string
	if err := tx.QueryRowContext(ctx, "SELECT pg_export_snapshot(), current_schema()").Scan(&snapshot, &schema); err != nil {
		return fmt.Errorf("export a snapshot: %w", err)
	}
	in, err := s.inspect(ctx, tx, box)
	if err != nil {
		return err
	}
	return fn(snapshot, schema, in)
}

// PostgresTarget is what a PostgreSQL database to restore into holds.
type PostgresTarget struct {
	// Schema is where its tables go: the URL's search_path, else public.
	Schema string
	// Tables are the tables already in that schema.
	Tables []string
	// Sessions counts the other sessions connected to the database.
	Sessions int
}

// InspectPostgresTarget says what the database at url holds already, so
// that a restore refuses to mix a backup with other data.
func InspectPostgresTarget(ctx context.Context, url string) (PostgresTarget, error) {
	var t PostgresTarget
	s, err := openExisting(url)
	if err != nil {
		return t, err
	}
	defer s.db.Close()
	if !s.pg() {
		return t, fmt.Errorf("%w: not a PostgreSQL URL", vigie.ErrInvalid)
	}
	var schema sql.NullString
	if err := s.db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return t, fmt.Errorf("open %s database: %w", s.dialect, err)
	}
	if !schema.Valid {
		return t, fmt.Errorf("%w: the URL's search_path names no schema the database has: create it first (CREATE SCHEMA …)", ErrNoDatabase)
	}
	t.Schema = schema.String
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'").Scan(&t.Sessions); err != nil {
		return t, fmt.Errorf("list the sessions: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name", t.Schema)
	if err != nil {
		return t, fmt.Errorf("list the tables: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return t, fmt.Errorf("list the tables: %w", err)
		}
		t.Tables = append(t.Tables, name)
	}
	return t, rows.Err()
}
