package store

import (
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/vigie-project/vigie"
)

// sqlitePragmas are set on every pooled connection through the DSN.
// Transactions begin IMMEDIATE: they all write, and taking the write lock
// first lets busy_timeout queue writers instead of failing an upgrade.
// Vigie's own writers queue in the lane first (lane.go); busy_timeout is
// for the others (the sqlite3 shell, a backup).
var sqlitePragmas = url.Values{
	"_pragma": {
		"busy_timeout(10000)",
		"journal_mode(WAL)",
		"foreign_keys(1)",
		"synchronous(NORMAL)",
		// Keep the write-ahead log from staying gigabytes large after a big
		// import: checkpoints truncate it back to this size.
		"journal_size_limit(67108864)",
		"wal_autocheckpoint(16384)",
		// Archive searches touch many rows; reading them through mmap and a
		// larger page cache halves their time (fewer system calls).
		"mmap_size(1073741824)",
		"cache_size(-16384)",
		// A transaction's changed pages stay in memory up to 64 MB rather
		// than the cache's 16: past the cache they were written to the
		// write-ahead log mid-transaction (and again when changed again),
		// 2.9 s of the 1M-post import's 44 s of store time.
		"cache_spill(16384)",
		// Statement journals (a multi-row write in a transaction keeps the
		// pages it changes there until it ends) are then held in memory,
		// not spilled to a temporary file past 64 KB: their pwrite calls
		// were 1.1 of the 11.3 s of an import's transactions (200k-post
		// profile). They are never needed after a crash; sorts and
		// temporary tables larger than the page cache stay in memory too.
		"temp_store(MEMORY)",
	},
	"_txlock": {"immediate"},
}

// sqlitePath returns the file named by an empty URL, a plain path or
// "sqlite:PATH" (also "sqlite://PATH").
func sqlitePath(u string) (string, error) {
	p := u
	if rest, ok := strings.CutPrefix(u, "sqlite:"); ok {
		p = strings.TrimPrefix(rest, "//")
	}
	if p == "" {
		p = DefaultPath
	}
	if strings.ContainsAny(p, "?#") {
		return "", fmt.Errorf("%w: sqlite path %q must not hold '?' or '#'", vigie.ErrInvalid, p)
	}
	if strings.Contains(u, "://") && !strings.HasPrefix(u, "sqlite:") {
		return "", fmt.Errorf("%w: unknown database URL scheme in %q (use a path, sqlite:PATH or postgres://…)", vigie.ErrInvalid, u)
	}
	return p, nil
}

func openSQLite(u string) (*Store, error) {
	path, err := sqlitePath(u)
	if err != nil {
		return nil, err
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("open sqlite database: %w", err)
		}
	}
	// A new database is readable by its owner only (SQLite gives its
	// -wal and -shm files the database's mode): it holds what the team
	// collected, its sessions and hashed tokens.
	if path != ":memory:" && !strings.HasPrefix(path, "file:") {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			f.Close()
		} else if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("open sqlite database %s: %w", path, err)
		}
	}
	db, err := sql.Open("sqlite", path+"?"+sqlitePragmas.Encode())
	if err != nil {
		return nil, fmt.Errorf("open sqlite database %s: %w", path, err)
	}
	// WAL lets readers run beside the one writer; writers queue in the lane.
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	s := newStore(db, SQLite)
	if s.files, err = openFileLane(path); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite database %s: %w", path, err)
	}
	return s, nil
}

// translateSQLite maps SQLite's extended result codes to the domain errors.
func translateSQLite(err error) error {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return err
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return newDriverError(vigie.ErrConflict, publicConflict, err)
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return newDriverError(vigie.ErrInvalid, publicForeignKey, err)
	case sqlite3.SQLITE_CONSTRAINT_NOTNULL:
		return newDriverError(vigie.ErrInvalid, publicMissing, err)
	case sqlite3.SQLITE_CONSTRAINT_CHECK:
		return newDriverError(vigie.ErrInvalid, publicCheck, err)
	}
	return err
}
