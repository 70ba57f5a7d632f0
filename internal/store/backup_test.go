package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/secret"
)

// TestInspect: what a backup's manifest records — the schema version, the
// rows of the main tables, the sealed credentials and the keys other than
// the backup's that sealed some — read without changing the database.
func TestInspect(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "m1", "m2")
		must(s.CreateSource(ctx, vigie.Source{WorkspaceID: f.ws.ID, Kind: vigie.SourceRSS, Name: "private", URL: "https://feeds.example.org/p.xml",
			Interval: time.Hour, Enabled: true, Settings: map[string]string{"token": "ghp_0123456789abcdef", "lang": "fr"}}))(t)
		other, err := secret.New(secret.NewKey())
		if err != nil {
			t.Fatal(err)
		}
		in := must(s.inspect(ctx, s.db, other))(t)
		if in.Dialect != s.dialect || in.Schema != LatestSchema(s.dialect) || in.Schema == "" {
			t.Errorf("dialect %q, schema %q; the latest is %q", in.Dialect, in.Schema, LatestSchema(s.dialect))
		}
		if in.Counts["workspaces"] != 2 || in.Counts["monitors"] != 2 || in.Counts["sources"] != 2 || in.Counts["posts"] != 0 {
			t.Errorf("counts %v", in.Counts)
		}
		if in.Credentials != 1 || !slices.Equal(in.OtherKeys, []string{testSecrets.ID()}) {
			t.Errorf("credentials %d sealed with %v, want 1 with %s", in.Credentials, in.OtherKeys, testSecrets.ID())
		}
		if in := must(s.inspect(ctx, s.db, testSecrets))(t); len(in.OtherKeys) != 0 {
			t.Errorf("with the key that sealed them: other keys %v", in.OtherKeys)
		}
	})
}

// TestSnapshotSQLite: VACUUM INTO makes a copy that reads the same; a
// missing database or one that is not Vigie's is refused, and none is made.
func TestSnapshotSQLite(t *testing.T) {
	ctx := context.Background()
	u := testURL(t, SQLite)
	s := openURL(t, u)
	newFixture(t, s, "m1")
	dest := filepath.Join(t.TempDir(), "copy.db")
	in, err := SnapshotSQLite(ctx, u, dest, nil)
	if err != nil {
		t.Fatal(err)
	}
	if in.Counts["workspaces"] != 2 || in.Counts["monitors"] != 1 {
		t.Fatalf("the copy holds %v", in.Counts)
	}
	if err := CheckFile(ctx, dest); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "none.db")
	if _, err := SnapshotSQLite(ctx, "sqlite:"+missing, dest+"2", nil); !errors.Is(err, ErrNoDatabase) {
		t.Fatalf("missing database: %v", err)
	}
	if _, err := Inspect(ctx, "sqlite:"+missing, nil); !errors.Is(err, ErrNoDatabase) {
		t.Fatalf("missing database: %v", err)
	}
	if _, err := InspectFile(ctx, dest+"2", nil); err == nil {
		t.Fatal("a copy was made of nothing")
	}
	foreign := filepath.Join(t.TempDir(), "other.db")
	db, err := sql.Open("sqlite", foreign)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE notes (body TEXT)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := SnapshotSQLite(ctx, "sqlite:"+foreign, dest+"3", nil); !errors.Is(err, ErrNotVigie) {
		t.Fatalf("another application's database: %v", err)
	}
}
