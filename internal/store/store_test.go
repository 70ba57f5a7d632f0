package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/apptest"
)

// The store suite runs every test on SQLite (a file in t.TempDir()) and on
// PostgreSQL when VIGIE_TEST_POSTGRES_URL is set, each PostgreSQL test in a
// schema of its own so that tests run in parallel.

var dialects = []string{SQLite, Postgres}

// testURL returns the URL of an empty database of the dialect for this test.
func testURL(tb testing.TB, dialect string) string { return apptest.DatabaseURL(tb, dialect) }

// openURL opens a store and closes it at the end of the test.
func openURL(tb testing.TB, u string) *Store {
	tb.Helper()
	s, err := Open(context.Background(), u, WithSecrets(testSecrets))
	if err != nil {
		tb.Fatalf("open %s: %v", u, err)
	}
	s.checkNewContributions, s.checkTopAuthors = true, true
	tb.Cleanup(func() {
		// SQLite's full-text index is kept by the store, not a trigger
		// (indexPosts): at the end of every test it must hold exactly the
		// posts' search text.
		if !s.pg() && !tb.Failed() && s.db.Ping() == nil { // not closed by the test
			if _, err := s.db.Exec("INSERT INTO posts_fts (posts_fts, rank) VALUES ('integrity-check', 1)"); err != nil {
				tb.Errorf("full-text index out of step with the posts: %v", err)
			}
		}
		s.Close()
	})
	return s
}

// openStore opens an empty store of the dialect.
func openStore(tb testing.TB, dialect string) *Store {
	tb.Helper()
	return openURL(tb, testURL(tb, dialect))
}

// eachStore runs fn on a fresh store of each dialect, in parallel subtests.
func eachStore(t *testing.T, fn func(t *testing.T, s *Store)) {
	t.Helper()
	t.Parallel()
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			fn(t, openStore(t, d))
		})
	}
}

// fixture is a workspace with monitors and a source, for tests that store posts.
type fixture struct {
	ws, other vigie.Workspace
	source    vigie.Source
}

func newFixture(t testing.TB, s *Store, monitors ...string) fixture {
	t.Helper()
	ctx := context.Background()
	var f fixture
	f.ws = must(s.CreateWorkspace(ctx, vigie.Workspace{Name: "Main", Slug: "main"}))(t)
	f.other = must(s.CreateWorkspace(ctx, vigie.Workspace{Name: "Other", Slug: "other"}))(t)
	for _, id := range monitors {
		ws := f.ws.ID
		if len(id) > 6 && id[:6] == "other-" {
			ws = f.other.ID
		}
		must(s.CreateMonitor(ctx, vigie.MonitorRecord{Monitor: vigie.Monitor{ID: id, Query: id}, WorkspaceID: ws}))(t)
	}
	// With monitors in both workspaces, the source is shared with the
	// organisation, so that its posts can be mentions of both (the tests
	// of tenancy unshare it).
	shared := false
	for _, id := range monitors {
		shared = shared || strings.HasPrefix(id, "other-")
	}
	f.source = must(s.CreateSource(ctx, vigie.Source{WorkspaceID: f.ws.ID, Kind: vigie.SourceSimulator, Name: "sim", Enabled: true, Shared: shared}))(t)
	return f
}

// must returns v, failing the test given to the returned func on an error:
// must(s.FindX(ctx))(t).
func must[T any](v T, err error) func(tb testing.TB) T {
	return func(tb testing.TB) T {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
		return v
	}
}

// wantErr checks that err wraps want (nil: no error).
func wantErr(tb testing.TB, err, want error, what string) {
	tb.Helper()
	switch {
	case want == nil && err != nil:
		tb.Errorf("%s: unexpected error %v", what, err)
	case want != nil && !errors.Is(err, want):
		tb.Errorf("%s: error %v, want %v", what, err, want)
	}
}

var t0 = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// post returns a valid post.
func post(id, txt string, at time.Time) vigie.Post {
	return vigie.Post{ID: id, Source: "mastodon", Text: txt, PublishedAt: at,
		Author: vigie.Author{ID: "a-" + id, Handle: "@user" + id}}
}

func items(monitor string, posts ...vigie.Post) []Item {
	out := make([]Item, len(posts))
	for i, p := range posts {
		out[i] = Item{Post: p}
		if monitor != "" {
			out[i].MonitorKeys = []string{monitor}
		}
	}
	return out
}

func TestSQLitePath(t *testing.T) {
	tests := []struct {
		name, url, want string
		err             error
	}{
		{"empty", "", DefaultPath, nil},
		{"plain", "data/x.db", "data/x.db", nil},
		{"absolute", "/tmp/x.db", "/tmp/x.db", nil},
		{"scheme", "sqlite:data/x.db", "data/x.db", nil},
		{"scheme slashes", "sqlite:///tmp/x.db", "/tmp/x.db", nil},
		{"scheme empty", "sqlite:", DefaultPath, nil},
		{"query", "x.db?mode=ro", "", vigie.ErrInvalid},
		{"other scheme", "mysql://host/db", "", vigie.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sqlitePath(tt.url)
			wantErr(t, err, tt.err, tt.url)
			if err == nil && got != tt.want {
				t.Errorf("sqlitePath(%q) = %q, want %q", tt.url, got, tt.want)
			}
		})
	}
}

func TestOpenDialect(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			u := testURL(t, d)
			if d == SQLite {
				u = strings.TrimPrefix(u, "sqlite:") // a plain path; "sqlite:PATH" below
			}
			s := openURL(t, u)
			if s.Dialect() != d {
				t.Errorf("Dialect() = %q, want %q", s.Dialect(), d)
			}
			if d == SQLite {
				s2 := openURL(t, "sqlite:"+u)
				if s2.Dialect() != SQLite {
					t.Errorf("sqlite: URL opened %q", s2.Dialect())
				}
				var mode string
				if err := s.db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
					t.Errorf("journal_mode = %q, %v; want wal", mode, err)
				}
				var fk int
				if err := s.db.QueryRow("PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
					t.Errorf("foreign_keys = %d, %v; want 1", fk, err)
				}
				var temp int
				if err := s.db.QueryRow("PRAGMA temp_store").Scan(&temp); err != nil || temp != 2 {
					t.Errorf("temp_store = %d, %v; want 2 (memory)", temp, err)
				}
			}
		})
	}
}

func TestMigrationsIdempotent(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			u := testURL(t, d)
			s := openURL(t, u)
			f := newFixture(t, s, "m1")
			must(saveBatch(s, ctx, f.source.ID, items("m1", post("1", "hello", t0)), nil))(t)
			s.Close()

			for range 2 {
				s = openURL(t, u)
				var n int
				if err := s.db.QueryRow("SELECT COUNT(*) FROM schema_migrations").Scan(&n); err != nil {
					t.Fatal(err)
				}
				files, err := fs.ReadDir(migrations, "migrations/"+s.Dialect())
				if err != nil {
					t.Fatal(err)
				}
				if n != len(files) {
					t.Errorf("schema_migrations has %d rows, want one per migration file (%d)", n, len(files))
				}
				c := must(s.Counts(ctx))(t)
				if c != (Counts{Posts: 1, Mentions: 1, Monitors: 1, Sources: 1}) {
					t.Errorf("after reopen: %+v", c)
				}
				s.Close()
			}
		})
	}
}

func TestCounts(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if c := must(s.Counts(ctx))(t); c != (Counts{}) {
			t.Errorf("empty store: %+v", c)
		}
		f := newFixture(t, s, "m1", "m2")
		batch := items("m1", post("1", "a", t0), post("2", "b", t0))
		batch[0].MonitorKeys = append(batch[0].MonitorKeys, "m2")
		must(saveBatch(s, ctx, f.source.ID, batch, nil))(t)
		want := Counts{Posts: 2, Mentions: 3, Monitors: 2, Sources: 1}
		if c := must(s.Counts(ctx))(t); c != want {
			t.Errorf("Counts = %+v, want %+v", c, want)
		}
	})
}

func TestErrorsAreWrapped(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		_, err := s.FindMonitorByID(context.Background(), 1, "nope")
		if !errors.Is(err, vigie.ErrNotFound) {
			t.Fatalf("got %v", err)
		}
		if err == vigie.ErrNotFound || err.Error() == vigie.ErrNotFound.Error() {
			t.Errorf("error %q does not say what was not found", err)
		}
	})
}

// storeBefore opens an empty store of the dialect with the migrations
// before version applied, as a database of then: for migration tests.
func storeBefore(t *testing.T, dialect, version string) *Store {
	t.Helper()
	var s *Store
	var err error
	if dialect == SQLite {
		s, err = openSQLite(testURL(t, dialect))
	} else {
		s, err = openPostgres(testURL(t, dialect))
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.migrateBefore(context.Background(), version); err != nil {
		t.Fatal(err)
	}
	return s
}

// keysOf returns the keys of monitors named by id (what the matching
// engine gives SaveBatch), for tests that store posts without it: an id no
// monitor has is returned as is (it names no monitor either way); an id
// that several workspaces have is a mistake of the test.
func keysOf(s *Store, ids ...string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		rows, err := s.db.Query(s.q("SELECT id FROM monitors WHERE public_id = ?"), id)
		if err != nil {
			panic(err)
		}
		keys, err := collect(rows, func(r interface{ Scan(...any) error }) (string, error) {
			var k string
			return k, r.Scan(&k)
		}, func(err error) error { return err })
		switch {
		case err != nil:
			panic(err)
		case len(keys) > 1:
			panic(fmt.Sprintf("keysOf: monitor id %q is in %d workspaces", id, len(keys)))
		case len(keys) == 1:
			out[i] = keys[0]
		default:
			out[i] = id
		}
	}
	return out
}

// keyed turns the monitor ids of items (as tests write them) into keys,
// with keysOf.
func keyed(s *Store, items []Item) []Item {
	cache := map[string]string{}
	for i := range items {
		ks := make([]string, len(items[i].MonitorKeys))
		for j, id := range items[i].MonitorKeys {
			k, ok := cache[id]
			if !ok {
				k = keysOf(s, id)[0]
				cache[id] = k
			}
			ks[j] = k
		}
		items[i].MonitorKeys = ks
	}
	return items
}

// saveBatch is s.SaveBatch for items whose monitors the test names by id.
func saveBatch(s *Store, ctx context.Context, sourceID int64, items []Item, state *vigie.SourceState) (Saved, error) {
	return s.SaveBatch(ctx, sourceID, keyed(s, slices.Clone(items)), state)
}

// idOf is the id in a monitor key made by monitorKey.
func idOf(key string) string {
	if _, id, ok := strings.Cut(key, "/"); ok {
		return id
	}
	return key
}

// oldWorkspaces inserts workspaces of the default organisation into a
// database opened by storeBefore (the store's methods may not fit its
// schema yet), named by their slugs, and returns their ids by slug.
func oldWorkspaces(t *testing.T, s *Store, slugs ...string) map[string]int64 {
	t.Helper()
	ws := map[string]int64{}
	for _, slug := range slugs {
		var id int64
		if err := s.db.QueryRow(s.q("INSERT INTO workspaces (organisation_id, name, slug, created_at) SELECT id, ?, ?, ? FROM organisations WHERE slug = 'default' RETURNING id"),
			slug, slug, s.tm(t0)).Scan(&id); err != nil {
			t.Fatal(err)
		}
		ws[slug] = id
	}
	return ws
}

// TestNewDatabaseIsPrivate: a new SQLite database, and the files SQLite
// makes beside it, are readable by their owner only.
func TestNewDatabaseIsPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vigie.db")
	s := openURL(t, "sqlite:"+path)
	if _, err := s.EnsureWorkspace(context.Background(), "main", "Main"); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is %v", filepath.Base(f), fi.Mode().Perm())
		}
	}
}
