package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/backup"
	"github.com/vigie-project/vigie/internal/config"
	"github.com/vigie-project/vigie/internal/secret"
	"github.com/vigie-project/vigie/internal/store"
)

// runBackup writes a backup archive of the configured database and its
// secret key (internal/backup; docs/operations.md, "Backups").
func runBackup(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("backup", stderr)
	cfg := config.Defaults()
	cfg.Flags(fs, false)
	out := fs.String("out", "", "the archive to write, or a folder to write vigie-backup-TIME.tar.zst in (default: this folder; - for standard output)")
	noKey := fs.Bool("no-key", false, "leave the secret key out of the archive (the sources' credentials then need the key kept elsewhere)")
	pgBin := fs.String("pg-bin", "", "folder of pg_dump, for PostgreSQL (default: PATH)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := cfg.Resolve(fs); err != nil {
		return badInput(err)
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q (the archive is named with --out)", fs.Arg(0))
	}
	say := func(format string, a ...any) { fmt.Fprintf(stderr, format+"\n", a...) }

	url := cfg.DatabaseURL
	if url == "" {
		db := filepath.Join(cfg.Data, "vigie.db")
		if _, err := os.Stat(db); err != nil {
			return badInput(fmt.Errorf("no database at %s: name the data folder with --data (or VIGIE_DATA), or PostgreSQL with --database-url", db))
		}
		url = "sqlite:" + db
	}
	var key []byte
	if !*noKey {
		k, from, err := cfg.ExistingSecretKey()
		switch {
		case errors.Is(err, iofs.ErrNotExist) && cfg.SecretKey == "" && cfg.SecretKeyFile == "":
			return badInput(fmt.Errorf("no secret key at %s, and neither VIGIE_SECRET_KEY nor VIGIE_SECRET_KEY_FILE is set: give the key Vigie runs with (the sources' credentials are sealed with it), or --no-key to back up without it", from))
		case err != nil:
			return badInput(err)
		}
		key = k
		say("secret key %s (from %s) goes into the archive: keep the archive as safe as the key", secret.KeyID(k), from)
	} else {
		say("WARNING: --no-key: the archive holds no secret key; without the key Vigie runs with, the sources' credentials are lost on restore (docs/operations.md, \"The secret key\")")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	now := time.Now().UTC()
	o := backup.Options{URL: url, Key: key, Vigie: vigieVersion(), PGBin: *pgBin, Progress: say}

	if *out == "-" {
		// A reader that goes away (ssh dropped, head) must end the backup
		// with an error, so that its temporary copy is removed, not kill
		// the process as a broken standard output does by default.
		signal.Ignore(syscall.SIGPIPE)
		m, err := backup.Create(ctx, o, stdout)
		if err != nil {
			return backupErr(err)
		}
		warnKeys(say, m)
		return nil
	}
	name := "vigie-backup-" + now.Format("20060102T150405Z") + ".tar.zst"
	path := cmp.Or(*out, name)
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = filepath.Join(path, name)
	}
	if _, err := os.Stat(path); err == nil {
		return badInput(fmt.Errorf("%s exists already: name another archive with --out", path))
	}
	o.TempDir = filepath.Dir(path)
	// Written aside and renamed when complete: an interrupted backup never
	// leaves a truncated archive under the name.
	partial := path + ".partial"
	f, err := os.OpenFile(partial, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("writing the archive: %w", err)
	}
	m, err := backup.Create(ctx, o, f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(partial, path)
	}
	if err != nil {
		os.Remove(partial)
		return backupErr(err)
	}
	warnKeys(say, m)
	size := int64(0)
	if fi, err := os.Stat(path); err == nil {
		size = fi.Size()
	}
	fmt.Fprintf(stdout, "backup written: %s (%s; %s database, schema %s)\n", path, backup.Size(size), m.Dialect, m.Schema)
	return nil
}

// warnKeys says when the archive's key cannot read some credentials.
func warnKeys(say func(string, ...any), m backup.Manifest) {
	if len(m.OtherKeys) > 0 {
		say("WARNING: some sources' credentials are sealed with keys (%s) other than the archive's (%s): back up with the key vigie serve runs with, or those credentials are lost on restore", strings.Join(m.OtherKeys, ", "), m.KeyID)
	}
}

// runRestore restores a backup archive into the configured database.
func runRestore(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("restore", stderr)
	cfg := config.Defaults()
	cfg.Flags(fs, false)
	force := fs.Bool("force", false, "replace the database (and secret key) already at the target; Vigie must be stopped")
	check := fs.Bool("check", false, "only read the archive through and check it; restore nothing")
	pgBin := fs.String("pg-bin", "", "folder of pg_restore, for PostgreSQL (default: PATH)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	// The archive may come before the flags: vigie restore FILE --data DIR.
	file := ""
	if fs.NArg() > 0 {
		file = fs.Arg(0)
		if err := parseFlags(fs, fs.Args()[1:]); err != nil {
			return err
		}
		if fs.NArg() > 0 {
			return usageErr("unexpected argument %q: give one archive", fs.Arg(0))
		}
	}
	if file == "" {
		return usageErr("name the archive to restore: vigie restore FILE.tar.zst [--data DIR | --database-url URL] (- reads standard input)")
	}
	if err := cfg.Resolve(fs); err != nil {
		return badInput(err)
	}
	say := func(format string, a ...any) { fmt.Fprintf(stderr, format+"\n", a...) }
	in := io.Reader(os.Stdin)
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return badInput(fmt.Errorf("cannot read the archive: %w", err))
		}
		defer f.Close()
		in = f
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *check {
		m, err := backup.Check(in)
		if err != nil {
			return backupErr(err)
		}
		fmt.Fprintf(stdout, "ok: backup of %s, %s database, schema %s, made by Vigie %s; secret key: %s\n%s\n",
			m.CreatedAt.Format(time.RFC3339), m.Dialect, m.Schema, m.Vigie, cmp.Or(m.KeyID, "none"), backup.Summary(m))
		if err := backup.Compatible(m); err != nil {
			fmt.Fprintf(stdout, "but this Vigie cannot restore it: %v\n", err)
		}
		return nil
	}

	o := backup.RestoreOptions{URL: cfg.DatabaseURL, KeyPath: filepath.Join(cfg.Data, config.SecretKeyName), Force: *force, PGBin: *pgBin, Progress: say}
	if o.URL == "" {
		o.URL = "sqlite:" + filepath.Join(cfg.Data, "vigie.db")
	}
	if cfg.SecretKey != "" || cfg.SecretKeyFile != "" {
		if k, from, err := cfg.ExistingSecretKey(); err == nil {
			o.ConfiguredKey, o.ConfiguredKeyFrom = k, from
		}
	}
	m, err := backup.Restore(ctx, in, o)
	if err != nil {
		return backupErr(err)
	}
	fmt.Fprintf(stdout, "restored: backup of %s (%s database, schema %s); start Vigie on it as usual: it applies the migrations of this version, if any\n",
		m.CreatedAt.Format(time.RFC3339), m.Dialect, m.Schema)
	return nil
}

// backupErr makes the errors of the archive and the target bad input
// (exit 2): they are fixed by giving other input, not by trying again.
func backupErr(err error) error {
	if errors.Is(err, backup.ErrDamaged) || errors.Is(err, backup.ErrTargetNotEmpty) || errors.Is(err, backup.ErrNewerSchema) ||
		errors.Is(err, backup.ErrWrongTarget) || errors.Is(err, store.ErrNoDatabase) || errors.Is(err, store.ErrNotVigie) || errors.Is(err, vigie.ErrInvalid) {
		return badInput(err)
	}
	return err
}

// version is set at build time where the Go toolchain cannot record the
// commit (an image built without .git): -ldflags "-X main.version=v1.2.3".
var version string

// vigieVersion is this binary's version: the one set at build time, else
// as the Go toolchain recorded it (the module version, or the commit).
func vigieVersion() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+modified"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" && (v == "" || v == "(devel)") {
		return rev + modified
	}
	return cmp.Or(v, "unknown")
}
