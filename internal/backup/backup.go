package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/vigie-project/vigie/internal/secret"
	"github.com/vigie-project/vigie/internal/store"
)

// Options say what to back up.
type Options struct {
	// URL is the database: "sqlite:PATH" or "postgres://…".
	URL string
	// Key is the secret key to put in the archive; nil, none.
	Key []byte
	// Vigie is this binary's version, for the manifest.
	Vigie string
	// TempDir holds the database's copy while the archive is written.
	TempDir string
	// PGBin is the folder of pg_dump and pg_restore; empty, PATH.
	PGBin string
	// Progress hears what is being done, one line at a time.
	Progress func(format string, a ...any)
	// Now is the clock (tests).
	Now func() time.Time
}

func (o *Options) say(format string, a ...any) {
	if o.Progress != nil {
		o.Progress(format, a...)
	}
}

// Create writes a backup of the database to w and returns its manifest.
func Create(ctx context.Context, o Options, w io.Writer) (Manifest, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	var box *secret.Box
	m := Manifest{Vigie: o.Vigie, CreatedAt: o.Now().UTC().Truncate(time.Second)}
	var parts []Part
	if o.Key != nil {
		var err error
		if box, err = secret.New(o.Key); err != nil {
			return m, err
		}
		m.KeyID = box.ID()
		p, err := Describe(KeyName, "", []byte(secret.EncodeKey(o.Key)+"\n"))
		if err != nil {
			return m, err
		}
		parts = append(parts, p)
	}
	tmp, err := os.MkdirTemp(o.TempDir, "vigie-backup-")
	if err != nil {
		return m, fmt.Errorf("a temporary folder for the database's copy: %w", err)
	}
	defer os.RemoveAll(tmp)

	var in store.Inspection
	var data string
	start := time.Now()
	if strings.HasPrefix(o.URL, "postgres://") || strings.HasPrefix(o.URL, "postgresql://") {
		data = filepath.Join(tmp, PostgresName)
		err = store.SnapshotPostgres(ctx, o.URL, box, func(snapshot, schema string, got store.Inspection) error {
			in, m.PostgresSchema = got, schema
			o.say("dumping PostgreSQL schema %s (schema version %s) with pg_dump", schema, got.Schema)
			return dumpPostgres(ctx, o, snapshot, schema, data)
		})
	} else {
		data = filepath.Join(tmp, SQLiteName)
		total := sqliteSize(o.URL)
		// The copy is at most the database's size (it leaves out free
		// pages and the write-ahead log's old versions).
		if err := roomFor(tmp, File{Name: "a copy of the database", Size: total}); err != nil {
			return m, err
		}
		o.say("copying the SQLite database (%s, VACUUM INTO)", Size(total))
		stop := watch(data, total, o.say)
		in, err = store.SnapshotSQLite(ctx, o.URL, data, box)
		stop()
	}
	if err != nil {
		return m, err
	}
	m.Dialect, m.Schema, m.Counts = in.Dialect, in.Schema, in.Counts
	m.Credentials, m.OtherKeys = in.Credentials, in.OtherKeys
	p, err := Describe(filepath.Base(data), data, nil)
	if err != nil {
		return m, err
	}
	o.say("database copied: %s in %s (%s)", Size(p.Size), time.Since(start).Round(time.Millisecond), countLine(m.Counts))
	parts = append(parts, p)
	start = time.Now()
	err = Write(ctxWriter{ctx, w}, m, parts, func(f File) { o.say("archived %s (%s)", f.Name, Size(f.Size)) })
	if err != nil {
		return m, err
	}
	m.Files = nil
	for _, p := range parts {
		m.Files = append(m.Files, p.File)
	}
	o.say("archive written in %s", time.Since(start).Round(time.Millisecond))
	return m, nil
}

func dumpPostgres(ctx context.Context, o Options, snapshot, schema, dest string) error {
	tools := pgTools{o.PGBin}
	prog, err := tools.path("pg_dump")
	if err != nil {
		return err
	}
	conn, env, err := libpqConn(o.URL)
	if err != nil {
		return err
	}
	args := []string{"--format=custom", "--compress=0", "--verbose",
		// A pattern for pg_dump: quoted, the name is taken as it is
		// (upper case, dots, wildcards).
		"--snapshot=" + snapshot, "--schema=" + `"` + strings.ReplaceAll(schema, `"`, `""`) + `"`,
		"--file=" + dest, "--dbname=" + conn}
	return runPG(ctx, prog, args, env, func(table string) { o.say("  table %s", table) })
}

// ctxReader and ctxWriter end a copy when ctx ends (Ctrl-C): the commands
// catch the signal to clean up, so the copy must stop by itself.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// progressEvery is how often a long copy says how far it is.
var progressEvery = 5 * time.Second

// watch says every progressEvery how large the file at path has grown, of
// about total bytes, until stop is called: VACUUM INTO and the extraction
// of a large database say nothing else for minutes.
func watch(path string, total int64, say func(string, ...any)) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if fi, err := os.Stat(path); err == nil {
					say("  %s of about %s", Size(fi.Size()), Size(total))
				}
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// sqliteSize is the size of the SQLite database at url with its
// write-ahead log: about what its copy reads.
func sqliteSize(url string) int64 {
	p := strings.TrimPrefix(strings.TrimPrefix(url, "sqlite:"), "//")
	var n int64
	for _, f := range []string{p, p + "-wal"} {
		if fi, err := os.Stat(f); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// countLine lists the counts of a manifest in CountedTables' order.
func countLine(c map[string]int64) string {
	var parts []string
	for _, t := range store.CountedTables {
		if n, ok := c[t]; ok {
			parts = append(parts, fmt.Sprintf("%s %d", t, n))
		}
	}
	return strings.Join(parts, ", ")
}

// Size writes a number of bytes for people.
func Size(n int64) string {
	switch {
	case n >= 1<<40:
		return fmt.Sprintf("%.2f TB", float64(n)/(1<<40))
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// RestoreOptions say where to restore.
type RestoreOptions struct {
	// URL is the database to restore into: "sqlite:DIR/vigie.db" or
	// "postgres://…".
	URL string
	// KeyPath is where the archive's secret key is written (the data
	// folder's secret.key).
	KeyPath string
	// ConfiguredKey is the key Vigie is configured with
	// (VIGIE_SECRET_KEY or VIGIE_SECRET_KEY_FILE), if any: a restore
	// says so when it is not the archive's.
	ConfiguredKey     []byte
	ConfiguredKeyFrom string
	// Force replaces what the target holds.
	Force bool
	// TempDir holds the PostgreSQL dump while pg_restore reads it.
	TempDir string
	PGBin   string
	// Progress hears what is being done.
	Progress func(format string, a ...any)
	// Now is the clock (tests).
	Now func() time.Time
}

func (o *RestoreOptions) say(format string, a ...any) {
	if o.Progress != nil {
		o.Progress(format, a...)
	}
}

// ErrTargetNotEmpty is a restore that would replace data without Force.
var ErrTargetNotEmpty = errors.New("the target is not empty")

// ErrWrongTarget is a target the backup cannot go into: the other
// database, or another PostgreSQL schema.
var ErrWrongTarget = errors.New("the target does not fit the backup")

// ErrNewerSchema is a backup of a database a newer Vigie migrated.
var ErrNewerSchema = errors.New("the backup is newer than this Vigie")

// Restore restores the archive r into the target. It checks everything it
// can before it replaces anything: the manifest, the target, then the
// database's file against its checksum.
func Restore(ctx context.Context, r io.Reader, o RestoreOptions) (Manifest, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	ar, err := Open(ctxReader{ctx, r})
	if err != nil {
		return Manifest{}, err
	}
	defer ar.Close()
	m := ar.Manifest()
	o.say("backup of %s: %s database, schema version %s, made by Vigie %s", m.CreatedAt.Format(time.RFC3339), m.Dialect, m.Schema, m.Vigie)
	if err := Compatible(m); err != nil {
		return m, err
	}
	pg := strings.HasPrefix(o.URL, "postgres://") || strings.HasPrefix(o.URL, "postgresql://")
	switch {
	case pg && m.Dialect != "postgres":
		return m, fmt.Errorf("%w: this is a backup of an SQLite database, and the target is PostgreSQL: restore it into a data folder (--data DIR, without --database-url or VIGIE_DATABASE_URL); Vigie does not convert between the two", ErrWrongTarget)
	case !pg && m.Dialect != "sqlite":
		return m, fmt.Errorf("%w: this is a backup of a PostgreSQL database: restore it into one (--database-url postgres://… or VIGIE_DATABASE_URL); Vigie does not convert between the two", ErrWrongTarget)
	}
	if pg {
		return m, restorePostgres(ctx, ar, m, o)
	}
	return m, restoreSQLite(ctx, ar, m, o)
}

// Compatible refuses a backup this Vigie cannot run on: one of a database
// a newer Vigie migrated (an older binary would run on a schema it does
// not know). An older backup is fine: Vigie migrates it at its next start.
func Compatible(m Manifest) error {
	latest := store.LatestSchema(m.Dialect)
	if m.Schema > latest {
		return fmt.Errorf("%w: its database has schema version %s, and this Vigie knows up to %s; restore it with the Vigie that made it (%s) or a newer one", ErrNewerSchema, m.Schema, latest, m.Vigie)
	}
	return nil
}

// readKey reads the archive's key, which comes before the database's file.
func readKey(ar *Reader, m Manifest) (key []byte, data File, err error) {
	for {
		f, err := ar.Next()
		if err != nil {
			return nil, f, err
		}
		if f.Name != KeyName {
			return key, f, nil
		}
		b, err := ar.ReadSmall(f)
		if err != nil {
			return nil, f, err
		}
		if key, err = secret.ParseKey(string(b)); err != nil {
			return nil, f, damaged("its secret.key: %v", err)
		}
		if id := secret.KeyID(key); m.KeyID != "" && id != m.KeyID {
			return nil, f, damaged("its secret.key is key %s, and the manifest says %s", id, m.KeyID)
		}
	}
}

func restoreSQLite(ctx context.Context, ar *Reader, m Manifest, o RestoreOptions) error {
	dbPath := strings.TrimPrefix(strings.TrimPrefix(o.URL, "sqlite:"), "//")
	dir := filepath.Dir(dbPath)
	present := existing(dbPath, dbPath+"-wal", o.KeyPath)
	if len(present) > 0 && !o.Force {
		return fmt.Errorf("%w: %s already holds %s: restore into an empty folder (--data NEW_FOLDER), or give --force to replace them (stop Vigie first; they are moved to a folder replaced-… beside them, not deleted)", ErrTargetNotEmpty, dir, baseNames(present))
	}
	if busy, err := store.InUse(dbPath); err != nil {
		return fmt.Errorf("checking whether Vigie runs on %s: %w", dbPath, err)
	} else if busy {
		return fmt.Errorf("a process has %s open (vigie serve, or another vigie command): stop it, then restore", dbPath)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("creating the data folder: %w", err)
	}
	k, data, err := readKey(ar, m)
	if err != nil {
		return err
	}
	if err := roomFor(dir, data); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".vigie.db.restoring-")
	if err != nil {
		return fmt.Errorf("writing into %s: %w", dir, err)
	}
	defer os.Remove(tmp.Name())
	o.say("extracting %s (%s)", data.Name, Size(data.Size))
	stop := watch(tmp.Name(), data.Size, o.say)
	err = ar.CopyTo(tmp, data)
	stop()
	if err == nil {
		err = ar.Finish()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	o.say("checking the database (quick_check)")
	if err := store.CheckFile(ctx, tmp.Name()); err != nil {
		return fmt.Errorf("the restored database: %w", err)
	}
	in, err := store.InspectFile(ctx, tmp.Name(), boxOf(k))
	if err != nil {
		return fmt.Errorf("the restored database: %w", err)
	}
	if err := sameData(m, in); err != nil {
		return err
	}
	if len(present) > 0 {
		aside := filepath.Join(dir, "replaced-"+o.Now().UTC().Format("20060102T150405Z"))
		if err := os.Mkdir(aside, 0o700); err != nil {
			return fmt.Errorf("moving the replaced files aside: %w", err)
		}
		for _, p := range existing(dbPath, dbPath+"-wal", dbPath+"-shm", o.KeyPath) {
			if err := os.Rename(p, filepath.Join(aside, filepath.Base(p))); err != nil {
				return fmt.Errorf("moving %s aside: %w", p, err)
			}
		}
		o.say("the files replaced are in %s", aside)
	}
	if err := os.Rename(tmp.Name(), dbPath); err != nil {
		return fmt.Errorf("putting the database in place: %w", err)
	}
	if err := writeKey(o, k); err != nil {
		return err
	}
	syncDir(dir)
	o.say("restored %s (%s)", dbPath, countLine(in.Counts))
	credentialsNote(o, in, k)
	return nil
}

func restorePostgres(ctx context.Context, ar *Reader, m Manifest, o RestoreOptions) error {
	target, err := store.InspectPostgresTarget(ctx, o.URL)
	if err != nil {
		return fmt.Errorf("the database to restore into: %w", err)
	}
	if target.Schema != m.PostgresSchema && m.PostgresSchema != "" {
		return fmt.Errorf("%w: the backup's tables were in schema %s, and this database's search_path puts them in %s: restore into a database (or search_path) with schema %s", ErrWrongTarget, m.PostgresSchema, target.Schema, m.PostgresSchema)
	}
	if len(target.Tables) > 0 && !o.Force {
		return fmt.Errorf("%w: the database's schema %s already holds %d tables (%s): restore into an empty database (createdb NEW), or give --force to replace the backup's tables in it (stop Vigie first)", ErrTargetNotEmpty, target.Schema, len(target.Tables), sample(target.Tables))
	}
	// A session just closed (a Vigie stopped a moment ago, a check of
	// ours) is listed until its server process has exited: look again
	// for a few seconds before calling the database in use.
	for wait := 0; len(target.Tables) > 0 && target.Sessions > 0 && wait < 30; wait++ {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if target, err = store.InspectPostgresTarget(ctx, o.URL); err != nil {
			return fmt.Errorf("the database to restore into: %w", err)
		}
	}
	if len(target.Tables) > 0 && target.Sessions > 0 {
		// pg_restore --clean would wait for their locks, or pull the
		// tables from under a running Vigie.
		return fmt.Errorf("%d other sessions are connected to the database (a Vigie still running?): stop them, then restore", target.Sessions)
	}
	tools := pgTools{o.PGBin}
	prog, err := tools.path("pg_restore")
	if err != nil {
		return err
	}
	k, data, err := readKey(ar, m)
	if err != nil {
		return err
	}
	if err := keyFits(o, k); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(o.TempDir, "vigie-restore-")
	if err != nil {
		return fmt.Errorf("a temporary folder for the dump: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := roomFor(tmp, data); err != nil {
		return err
	}
	dump := filepath.Join(tmp, PostgresName)
	f, err := os.OpenFile(dump, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	o.say("extracting %s (%s) to %s", data.Name, Size(data.Size), tmp)
	stop := watch(dump, data.Size, o.say)
	err = ar.CopyTo(f, data)
	stop()
	if err == nil {
		err = ar.Finish()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	list, err := restoreList(ctx, prog, dump, target.Schema)
	if err != nil {
		return err
	}
	listPath := filepath.Join(tmp, "list")
	if err := os.WriteFile(listPath, list, 0o600); err != nil {
		return err
	}
	conn, env, err := libpqConn(o.URL)
	if err != nil {
		return err
	}
	// One transaction: a restore that fails half-way leaves the database
	// as it was. No owner or privileges: the tables belong to the role
	// restoring, which is the one Vigie connects as.
	args := []string{"--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", "--verbose",
		"--use-list=" + listPath, "--dbname=" + conn}
	if o.Force {
		args = append(args, "--clean", "--if-exists")
	}
	start := time.Now()
	o.say("restoring with pg_restore into schema %s", target.Schema)
	if err := runPG(ctx, prog, append(args, dump), env, func(table string) { o.say("  table %s", table) }); err != nil {
		return err
	}
	in, err := store.Inspect(ctx, o.URL, boxOf(k))
	if err != nil {
		return fmt.Errorf("the restored database: %w", err)
	}
	if err := sameData(m, in); err != nil {
		return err
	}
	if err := writeKey(o, k); err != nil {
		return err
	}
	o.say("restored in %s (%s)", time.Since(start).Round(time.Millisecond), countLine(in.Counts))
	credentialsNote(o, in, k)
	return nil
}

// roomFor refuses to extract f into dir when its file system has not the
// room: better said at once than after writing most of it.
func roomFor(dir string, f File) error {
	if free, ok := freeSpace(dir); ok && free < f.Size {
		return fmt.Errorf("%s needs %s, and %s has %s free: make room, or restore elsewhere", f.Name, Size(f.Size), dir, Size(free))
	}
	return nil
}

// boxOf is a box of the archive's key, to check the restored credentials
// with; nil without a key.
func boxOf(k []byte) *secret.Box {
	if k == nil {
		return nil
	}
	b, err := secret.New(k)
	if err != nil {
		return nil
	}
	return b
}

// sameData checks a restored database against the manifest.
func sameData(m Manifest, in store.Inspection) error {
	if in.Schema != m.Schema {
		return fmt.Errorf("the restored database has schema version %s, and the manifest says %s", in.Schema, m.Schema)
	}
	for t, n := range m.Counts {
		if in.Counts[t] != n {
			return fmt.Errorf("the restored database has %d rows in %s, and the manifest says %d", in.Counts[t], t, n)
		}
	}
	return nil
}

// keyFits refuses to replace a key file with another key unless forced:
// a key lost is every credential it sealed lost.
func keyFits(o RestoreOptions, k []byte) error {
	if k == nil || o.KeyPath == "" || o.Force {
		return nil
	}
	old, err := secret.ReadKeyFile(o.KeyPath)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err == nil && slices.Equal(old, k) {
		return nil
	}
	return fmt.Errorf("%w: %s holds another secret key than the backup's: move it away (it may be the only copy of a key), or give --force to replace it (it is kept as %s.replaced-…)", ErrTargetNotEmpty, o.KeyPath, filepath.Base(o.KeyPath))
}

// writeKey puts the archive's key at o.KeyPath (0600), keeping a different
// key found there beside it, and says what an operator must know.
func writeKey(o RestoreOptions, k []byte) error {
	if k == nil {
		o.say("WARNING: the backup holds no secret key: the sources' credentials can only be read with the key the database was sealed with (set VIGIE_SECRET_KEY to it), or must be entered again")
		return nil
	}
	if o.KeyPath == "" {
		return nil
	}
	if old, err := secret.ReadKeyFile(o.KeyPath); err == nil && !slices.Equal(old, k) {
		aside := o.KeyPath + ".replaced-" + o.Now().UTC().Format("20060102T150405Z")
		if err := os.Rename(o.KeyPath, aside); err != nil {
			return fmt.Errorf("keeping the former key aside: %w", err)
		}
		o.say("the former secret key is kept in %s", aside)
	}
	if err := os.MkdirAll(filepath.Dir(o.KeyPath), 0o750); err != nil {
		return fmt.Errorf("writing the secret key: %w", err)
	}
	tmp := o.KeyPath + ".restoring"
	if err := os.WriteFile(tmp, []byte(secret.EncodeKey(k)+"\n"), 0o600); err != nil {
		return fmt.Errorf("writing the secret key: %w", err)
	}
	if err := os.Rename(tmp, o.KeyPath); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing the secret key: %w", err)
	}
	o.say("secret key %s written to %s", secret.KeyID(k), o.KeyPath)
	if o.ConfiguredKey != nil && !slices.Equal(o.ConfiguredKey, k) {
		o.say("WARNING: Vigie is configured with another secret key (%s, key %s): it would not read the restored credentials; give every Vigie process the key in %s (VIGIE_SECRET_KEY_FILE=%s, or its content in VIGIE_SECRET_KEY)",
			o.ConfiguredKeyFrom, secret.KeyID(o.ConfiguredKey), o.KeyPath, o.KeyPath)
	}
	return nil
}

// credentialsNote says how many credentials the restored key reads.
func credentialsNote(o RestoreOptions, in store.Inspection, k []byte) {
	if in.Credentials == 0 || k == nil {
		return
	}
	if len(in.OtherKeys) > 0 {
		o.say("WARNING: some of the %d sources' credentials were sealed with other keys (%s) than the backup's: those sources will ask for their credentials again", in.Credentials, strings.Join(in.OtherKeys, ", "))
		return
	}
	o.say("%d sources' credentials, sealed with the restored key", in.Credentials)
}

// existing returns those of the paths that exist.
func existing(paths ...string) []string {
	var out []string
	for _, p := range paths {
		if p == "" {
			continue
		}
		if _, err := os.Lstat(p); err == nil {
			out = append(out, p)
		}
	}
	return out
}

func baseNames(paths []string) string {
	var names []string
	for _, p := range paths {
		names = append(names, filepath.Base(p))
	}
	return strings.Join(names, ", ")
}

func sample(names []string) string {
	if len(names) > 4 {
		return strings.Join(names[:4], ", ") + ", …"
	}
	return strings.Join(names, ", ")
}

// syncDir makes the renames in dir durable.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// Check reads an archive through and checks every file against the
// manifest, restoring nothing.
func Check(r io.Reader) (Manifest, error) {
	ar, err := Open(r)
	if err != nil {
		return Manifest{}, err
	}
	defer ar.Close()
	m := ar.Manifest()
	if _, _, err := readKeyAndCheck(ar, m); err != nil {
		return m, err
	}
	return m, nil
}

// readKeyAndCheck reads the key and reads the database's file through.
func readKeyAndCheck(ar *Reader, m Manifest) ([]byte, File, error) {
	k, data, err := readKey(ar, m)
	if err != nil {
		return nil, data, err
	}
	if err := ar.CopyTo(io.Discard, data); err != nil {
		return nil, data, err
	}
	return k, data, ar.Finish()
}

// Summary lists a manifest's files and counts for people.
func Summary(m Manifest) string {
	var b strings.Builder
	for _, f := range m.Files {
		fmt.Fprintf(&b, "  %s: %s, sha256 %s\n", f.Name, Size(f.Size), f.SHA256)
	}
	fmt.Fprintf(&b, "  rows: %s", countLine(m.Counts))
	if m.Credentials > 0 {
		fmt.Fprintf(&b, "\n  sources' credentials: %d", m.Credentials)
	}
	return b.String()
}
