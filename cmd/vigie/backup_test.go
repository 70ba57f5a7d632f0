package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/apptest"
	"github.com/vigie-project/vigie/internal/backup"
	"github.com/vigie-project/vigie/internal/config"
)

// scratchPostgres creates an empty PostgreSQL database of its own for the
// test (dropped at the end) on the server apptest.PostgresEnv names, and
// returns its URL; skipped with a message when that is unset (CI sets it,
// and fails on a skip). A database, not a schema as the store tests use:
// a backup and a restore are of a whole database.
func scratchPostgres(t *testing.T) string {
	t.Helper()
	base := os.Getenv(apptest.PostgresEnv)
	if base == "" {
		t.Skip(apptest.PostgresEnv + " is not set: skipping the PostgreSQL variant (e.g. " + apptest.PostgresEnv + "=postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	var b [6]byte
	rand.Read(b[:])
	name := "vigie_backup_test_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create a scratch database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("drop the scratch database: %v", err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", apptest.PostgresEnv, err)
	}
	u.Path = "/" + name
	return u.String()
}

// target is where a test's Vigie keeps its data: a data folder, and a
// PostgreSQL database or none.
type target struct {
	data, dbURL string
}

func (tg target) flags() []string {
	if tg.dbURL != "" {
		return []string{"--data", tg.data, "--database-url", tg.dbURL}
	}
	return []string{"--data", tg.data}
}

func (tg target) config() config.Config {
	cfg := config.Defaults()
	cfg.Data, cfg.DatabaseURL = tg.data, tg.dbURL
	return cfg
}

// dbState is what a backup must bring back.
type dbState struct {
	workspaces []string            // slugs, in id order
	monitors   map[string][]string // workspace slug → "id: query"
	posts      int64
	mentions   int64
	credential string // the sealed source's token, decrypted
	busy       []string
}

const backupToken = "ghp_backup0123456789abcdefWXYZ"

func readState(t *testing.T, tg target) dbState {
	t.Helper()
	ctx := context.Background()
	st, _, err := openStoreKey(ctx, tg.config())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := dbState{monitors: map[string][]string{}}
	ws, err := st.FindWorkspaces(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range ws {
		if strings.HasPrefix(w.Slug, "busy-") {
			s.busy = append(s.busy, w.Slug)
			continue
		}
		s.workspaces = append(s.workspaces, w.Slug)
		ms, err := st.FindMonitors(ctx, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			s.monitors[w.Slug] = append(s.monitors[w.Slug], m.ID+": "+m.Query)
		}
		slices.Sort(s.monitors[w.Slug])
		srcs, err := st.FindSources(ctx, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, src := range srcs {
			if src.Name == "Private feed" {
				if len(src.UndecryptableSettings) > 0 {
					t.Errorf("the source's credentials %v cannot be decrypted", src.UndecryptableSettings)
				}
				s.credential = src.Settings["token"]
			}
		}
	}
	c, err := st.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.posts, s.mentions = c.Posts, c.Mentions
	return s
}

// fillForBackup gives the target monitors and posts through vigie import,
// a second workspace, and a source whose token is sealed with the key.
func fillForBackup(t *testing.T, tg target, posts int) {
	t.Helper()
	dir := t.TempDir()
	postsPath, monitorsPath, matching, _ := writeCorpus(t, dir, posts)
	if code, _, errOut := runCLI(t, append([]string{"import", "--monitors", monitorsPath, "--posts", postsPath, "--log-level", "warn"}, tg.flags()...)...); code != 0 {
		t.Fatalf("import: exit %d: %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, append([]string{"workspace", "create", "--slug", "science", "--name", "Faculty of Science"}, tg.flags()...)...); code != 0 {
		t.Fatalf("workspace create: exit %d: %s", code, errOut)
	}
	ctx := context.Background()
	st, _, err := openStoreKey(ctx, tg.config())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ws, err := st.FindWorkspaceBySlug(ctx, "science")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateSource(ctx, vigie.Source{WorkspaceID: ws.ID, Kind: vigie.SourceRSS, Name: "Private feed",
		URL: "https://feeds.example.org/private.xml", Interval: time.Hour, Enabled: true,
		Settings: map[string]string{"token": backupToken, "lang": "fr"}}); err != nil {
		t.Fatal(err)
	}
	if matching == 0 {
		t.Fatal("the corpus matched nothing")
	}
}

// busyWriter creates workspaces busy-1, busy-2… one transaction each, from
// a handle of its own (as another process would) until stopped; stop
// returns how many it created. It returns once it has created three.
func busyWriter(t *testing.T, tg target) (stop func() int) {
	t.Helper()
	ctx := context.Background()
	st, _, err := openStoreKey(ctx, tg.config())
	if err != nil {
		t.Fatal(err)
	}
	var (
		n    atomic.Int64
		quit = make(chan struct{})
		wg   sync.WaitGroup
		werr error
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 1; ; i++ {
			select {
			case <-quit:
				return
			default:
			}
			if _, err := st.CreateWorkspace(ctx, vigie.Workspace{Slug: fmt.Sprintf("busy-%d", i), Name: fmt.Sprintf("Busy %d", i)}); err != nil {
				werr = err
				return
			}
			n.Store(int64(i))
		}
	}()
	for n.Load() < 3 {
		time.Sleep(time.Millisecond)
	}
	return func() int {
		// At least one write after the backup too.
		for at := n.Load(); n.Load() == at; {
			time.Sleep(time.Millisecond)
		}
		close(quit)
		wg.Wait()
		st.Close()
		if werr != nil {
			t.Fatalf("the writer failed: %v", werr)
		}
		return int(n.Load())
	}
}

// testBackupRestore backs the source target up while another handle
// writes to it, restores into the fresh target, and compares.
func testBackupRestore(t *testing.T, from, to target) {
	fillForBackup(t, from, 3000)
	before := readState(t, from)
	if before.credential != backupToken || before.posts == 0 || len(before.workspaces) != 2 {
		t.Fatalf("the fixture: %+v", before)
	}

	archive := filepath.Join(t.TempDir(), "vigie.tar.zst")
	stop := busyWriter(t, from)
	start := time.Now()
	code, out, errOut := runCLI(t, append([]string{"backup", "--out", archive}, from.flags()...)...)
	took := time.Since(start)
	written := stop()
	if code != 0 || !strings.Contains(out, "backup written: "+archive) {
		t.Fatalf("backup: exit %d\n%s%s", code, out, errOut)
	}
	for _, s := range []string{"secret key ", "database copied: ", "archived vigie.db", "archive written"} {
		if from.dbURL != "" {
			s = strings.Replace(s, "vigie.db", "postgres.dump", 1)
		}
		if !strings.Contains(errOut, s) {
			t.Errorf("backup's progress lacks %q:\n%s", s, errOut)
		}
	}
	fi, err := os.Stat(archive)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("the archive (it holds the key) is mode %v", fi.Mode().Perm())
	}
	if _, err := os.Stat(archive + ".partial"); err == nil {
		t.Error("the partial file was left")
	}

	code, out, errOut = runCLI(t, "restore", archive, "--check")
	if code != 0 || !strings.Contains(out, "ok: backup of ") {
		t.Fatalf("restore --check: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, append([]string{"restore", archive}, to.flags()...)...)
	if code != 0 || !strings.Contains(out, "restored: ") {
		t.Fatalf("restore: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "1 sources' credentials, sealed with the restored key") {
		t.Errorf("the restore does not account for the credential:\n%s", errOut)
	}
	after := readState(t, to)
	// What was there before the backup is there, whole.
	if !slices.Equal(after.workspaces, before.workspaces) || after.posts != before.posts || after.mentions != before.mentions ||
		after.credential != backupToken || fmt.Sprint(after.monitors) != fmt.Sprint(before.monitors) {
		t.Fatalf("restored:\n%+v\nbefore the backup:\n%+v", after, before)
	}
	// What was written during it is a prefix of the writes: one moment's
	// snapshot, with at least the writes made before the backup began.
	k := len(after.busy)
	if k < 3 || k >= written {
		t.Fatalf("the backup holds %d of the %d workspaces written around it: want at least 3 and fewer than all", k, written)
	}
	slices.SortFunc(after.busy, func(a, b string) int {
		var x, y int
		fmt.Sscanf(a, "busy-%d", &x)
		fmt.Sscanf(b, "busy-%d", &y)
		return x - y
	})
	for i, slug := range after.busy {
		if slug != fmt.Sprintf("busy-%d", i+1) {
			t.Fatalf("the writes in the backup are not a prefix: %v", after.busy)
		}
	}
	t.Logf("backup of %d posts, %d mentions while %d workspaces were written (%d in the backup): %s, %d bytes",
		before.posts, before.mentions, written, k, took.Round(time.Millisecond), fi.Size())

	// A second restore onto it is refused, then forced.
	code, _, errOut = runCLI(t, append([]string{"restore", archive}, to.flags()...)...)
	if code != 2 || !strings.Contains(errOut, "--force") || !strings.Contains(errOut, "not empty") {
		t.Fatalf("restore over data: exit %d, want 2 and a way out:\n%s", code, errOut)
	}
	// Not under a running Vigie, though.
	release, busy := holdTarget(t, to)
	code, _, errOut = runCLI(t, append([]string{"restore", archive, "--force"}, to.flags()...)...)
	release()
	if code == 0 || !strings.Contains(errOut, busy) {
		t.Fatalf("restore --force under a running Vigie: exit %d, want a refusal saying %q:\n%s", code, busy, errOut)
	}
	code, _, errOut = runCLI(t, append([]string{"restore", archive, "--force"}, to.flags()...)...)
	if code != 0 {
		t.Fatalf("restore --force: exit %d\n%s", code, errOut)
	}
	if again := readState(t, to); again.posts != before.posts || len(again.busy) != k {
		t.Fatalf("after restore --force: %+v", again)
	}
}

// holdTarget keeps the target's database in use, as a running Vigie does
// — a vigie serve process on SQLite, a session on PostgreSQL — until
// release; busy is what a restore says then.
func holdTarget(t *testing.T, tg target) (release func(), busy string) {
	t.Helper()
	if tg.dbURL == "" {
		s := startServe(t, tg.data)
		return func() {
			s.cmd.Process.Signal(syscall.SIGTERM)
			s.cmd.Wait()
		}, "a process has " + filepath.Join(tg.data, "vigie.db") + " open"
	}
	db, err := sql.Open("pgx", tg.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(); err != nil {
		t.Fatal(err)
	}
	return func() { db.Close() }, "1 other sessions are connected to the database"
}

func TestBackupRestoreSQLite(t *testing.T) {
	dir := t.TempDir()
	from := target{data: filepath.Join(dir, "data")}
	to := target{data: filepath.Join(dir, "restored")}
	testBackupRestore(t, from, to)
	// --force kept what it replaced.
	if aside, _ := filepath.Glob(filepath.Join(to.data, "replaced-*", "vigie.db")); len(aside) != 1 {
		t.Errorf("the replaced database was not kept aside: %v", aside)
	}
}

func TestBackupRestorePostgres(t *testing.T) {
	dir := t.TempDir()
	from := target{data: filepath.Join(dir, "data"), dbURL: scratchPostgres(t)}
	to := target{data: filepath.Join(dir, "restored"), dbURL: scratchPostgres(t)}
	testBackupRestore(t, from, to)
}

// TestRestoreRefusesBadArchives: a damaged, truncated or foreign archive,
// a backup of a newer schema or of the other database are refused with
// exit 2 and a message saying what to do, and nothing is written.
func TestRestoreRefusesBadArchives(t *testing.T) {
	dir := t.TempDir()
	src := target{data: filepath.Join(dir, "data")}
	if code, _, errOut := runCLI(t, "workspace", "create", "--slug", "press", "--name", "Press", "--data", src.data); code != 0 {
		t.Fatal(errOut)
	}
	archive := filepath.Join(dir, "good.tar.zst")
	if code, _, errOut := runCLI(t, "backup", "--out", archive, "--data", src.data); code != 0 {
		t.Fatal(errOut)
	}
	good, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(good)
	flipped[len(flipped)*2/3] ^= 0x40

	newer := filepath.Join(dir, "newer.tar.zst")
	writeArchive(t, newer, backup.Manifest{Dialect: "sqlite", Schema: "9999_from_the_future", Vigie: "v9.0.0"}, "vigie.db", []byte("x"))
	pgArchive := filepath.Join(dir, "pg.tar.zst")
	writeArchive(t, pgArchive, backup.Manifest{Dialect: "postgres", Schema: "0001_init", Vigie: "v1"}, "postgres.dump", []byte("PGDMP"))

	tests := []struct {
		name    string
		archive string
		content []byte
		extra   []string
		want    []string
	}{
		{"truncated", "", good[:len(good)/2], nil, []string{"not a readable Vigie backup", "truncated"}},
		{"cut in the manifest", "", good[:40], nil, []string{"not a readable Vigie backup"}},
		{"a byte changed", "", flipped, nil, []string{"not a readable Vigie backup"}},
		{"empty", "", nil, nil, []string{"the file is empty"}},
		{"an SQLite file", filepath.Join(src.data, "vigie.db"), nil, nil, []string{"this is an SQLite database file", "copy it to the data folder"}},
		{"newer schema", newer, nil, nil, []string{"9999_from_the_future", "this Vigie knows up to", "v9.0.0"}},
		{"PostgreSQL backup into a data folder", pgArchive, nil, nil, []string{"backup of a PostgreSQL database", "--database-url"}},
		{"SQLite backup into PostgreSQL", archive, nil, []string{"--database-url", "postgres://nobody@127.0.0.1:1/none"}, []string{"backup of an SQLite database", "--data DIR"}},
		{"missing", filepath.Join(dir, "nothing.tar.zst"), nil, nil, []string{"cannot read the archive", "no such file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.archive
			if path == "" {
				path = filepath.Join(t.TempDir(), "a.tar.zst")
				if err := os.WriteFile(path, tt.content, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			to := filepath.Join(t.TempDir(), "restored")
			code, _, errOut := runCLI(t, append([]string{"restore", path, "--data", to}, tt.extra...)...)
			if code != 2 {
				t.Fatalf("exit %d, want 2:\n%s", code, errOut)
			}
			for _, s := range tt.want {
				if !strings.Contains(errOut, s) {
					t.Errorf("the error lacks %q:\n%s", s, errOut)
				}
			}
			if files, _ := filepath.Glob(filepath.Join(to, "*")); len(files) > 0 {
				t.Errorf("files written: %v", files)
			}
		})
	}
}

func writeArchive(t *testing.T, path string, m backup.Manifest, name string, data []byte) {
	t.Helper()
	p, err := backup.Describe(name, "", data)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := backup.Write(&b, m, []backup.Part{p}, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestBackupNeedsItsKey: without a key to put in the archive, vigie backup
// refuses (making one would be a key the database was never sealed with),
// unless told --no-key; the restore then says the credentials need the key.
func TestBackupNeedsItsKey(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if code, _, errOut := runCLI(t, "workspace", "create", "--slug", "press", "--name", "Press", "--data", data); code != 0 {
		t.Fatal(errOut)
	}
	if err := os.Remove(filepath.Join(data, "secret.key")); err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(dir, "a.tar.zst")
	code, _, errOut := runCLI(t, "backup", "--out", archive, "--data", data)
	if code != 2 || !strings.Contains(errOut, "no secret key") || !strings.Contains(errOut, "--no-key") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(data, "secret.key")); err == nil {
		t.Fatal("vigie backup made a key")
	}
	if code, _, errOut = runCLI(t, "backup", "--out", archive, "--data", data, "--no-key"); code != 0 || !strings.Contains(errOut, "WARNING") {
		t.Fatalf("--no-key: exit %d: %s", code, errOut)
	}
	restored := filepath.Join(dir, "restored")
	code, _, errOut = runCLI(t, "restore", archive, "--data", restored)
	if code != 0 || !strings.Contains(errOut, "the backup holds no secret key") {
		t.Fatalf("restore: exit %d: %s", code, errOut)
	}
	t.Setenv("VIGIE_SECRET_KEY_FILE", filepath.Join(dir, "missing.key"))
	code, _, errOut = runCLI(t, "backup", "--out", archive+"2", "--data", data)
	if code != 2 || !strings.Contains(errOut, "VIGIE_SECRET_KEY_FILE") || !strings.Contains(errOut, "missing.key") {
		t.Fatalf("a key file that is not there: exit %d: %s", code, errOut)
	}
	code, _, errOut = runCLI(t, "backup", "--data", filepath.Join(dir, "none"))
	if code != 2 || !strings.Contains(errOut, "no database at") {
		t.Fatalf("no database: exit %d: %s", code, errOut)
	}
}

// TestBackupRestorePostgresSchema: a database whose URL names its schema
// (search_path, as the store tests and shared servers use) is dumped with
// that schema alone and restored into the same schema of another
// database, and refused into another schema.
func TestBackupRestorePostgresSchema(t *testing.T) {
	dir := t.TempDir()
	from := target{data: filepath.Join(dir, "data"), dbURL: apptest.DatabaseURL(t, "postgres")}
	src, err := url.Parse(from.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	schema := src.Query().Get("search_path")
	fill := scratchPostgres(t)
	admin, err := sql.Open("pgx", fill)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	dst, _ := url.Parse(fill)
	q := dst.Query()
	q.Set("search_path", schema)
	dst.RawQuery = q.Encode()
	to := target{data: filepath.Join(dir, "restored"), dbURL: dst.String()}

	fillForBackup(t, from, 300)
	before := readState(t, from)
	archive := filepath.Join(dir, "vigie.tar.zst")
	if code, _, errOut := runCLI(t, append([]string{"backup", "--out", archive}, from.flags()...)...); code != 0 {
		t.Fatalf("backup: exit %d: %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, "restore", archive, "--data", to.data, "--database-url", fill); code != 2 || !strings.Contains(errOut, "schema "+schema) {
		t.Fatalf("restore into public: exit %d, want 2 naming the schema: %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, append([]string{"restore", archive}, to.flags()...)...); code != 0 {
		t.Fatalf("restore: exit %d: %s", code, errOut)
	}
	after := readState(t, to)
	if fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("restored:\n%+v\nbefore:\n%+v", after, before)
	}
}

// TestBackupOut: --out names a file, never overwritten, or a folder to
// write a dated archive in; restore --check says when this Vigie could
// not restore an archive it reads.
func TestBackupOut(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if code, _, errOut := runCLI(t, "workspace", "create", "--slug", "press", "--name", "Press", "--data", data); code != 0 {
		t.Fatal(errOut)
	}
	folder := filepath.Join(dir, "backups")
	if err := os.Mkdir(folder, 0o700); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "backup", "--data", data, "--out", folder)
	written, _ := filepath.Glob(filepath.Join(folder, "vigie-backup-*Z.tar.zst"))
	if code != 0 || len(written) != 1 || !strings.Contains(out, written[0]) {
		t.Fatalf("--out FOLDER: exit %d, wrote %v\n%s%s", code, written, out, errOut)
	}
	code, _, errOut = runCLI(t, "backup", "--data", data, "--out", written[0])
	if code != 2 || !strings.Contains(errOut, "exists already") {
		t.Fatalf("--out an existing file: exit %d: %s", code, errOut)
	}
	newer := filepath.Join(dir, "newer.tar.zst")
	writeArchive(t, newer, backup.Manifest{Dialect: "sqlite", Schema: "9999_from_the_future", Vigie: "v9.0.0"}, "vigie.db", []byte("x"))
	code, out, _ = runCLI(t, "restore", newer, "--check")
	if code != 0 || !strings.Contains(out, "but this Vigie cannot restore it") {
		t.Fatalf("--check of a newer backup: exit %d: %s", code, out)
	}
}

// TestBackupToAReaderThatGoes: vigie backup --out - whose reader goes away
// (an ssh dropped) ends with an error and removes its temporary copy,
// instead of being killed by SIGPIPE with the copy left behind.
func TestBackupToAReaderThatGoes(t *testing.T) {
	dir := t.TempDir()
	data, tmp := filepath.Join(dir, "data"), filepath.Join(dir, "tmp")
	if code, _, errOut := runCLI(t, "workspace", "create", "--slug", "press", "--name", "Press", "--data", data); code != 0 {
		t.Fatal(errOut)
	}
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := cliCommand("backup", "--data", data, "--out", "-")
	cmd.Env = append(cmd.Env, "TMPDIR="+tmp)
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := out.Read(make([]byte, 16)); err != nil {
		t.Fatal(err)
	}
	out.Close()
	err = cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(errOut.String(), "broken pipe") {
		t.Fatalf("backup to a closed pipe: %v\n%s", err, errOut.String())
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "*")); len(left) > 0 {
		t.Fatalf("left behind: %v", left)
	}
}
