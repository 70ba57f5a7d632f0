package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
)

func TestSources(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		src := vigie.Source{
			WorkspaceID: f.ws.ID, Kind: vigie.SourceRSS, Name: "News", URL: "https://news.example/feed",
			Settings: map[string]string{"lang": "fr"}, Interval: 15 * time.Minute, Enabled: true,
			SourceState: vigie.SourceState{NextCheckAt: t0, Cursor: "c0"},
		}
		got := must(s.CreateSource(ctx, src))(t)
		if got.ID == 0 || got.CreatedAt.IsZero() {
			t.Errorf("created %+v", got)
		}
		want := src
		want.ID, want.CreatedAt = got.ID, got.CreatedAt
		if !sameSource(got, want) {
			t.Errorf("CreateSource = %+v, want %+v", got, want)
		}
		if found := must(s.FindSourceByID(ctx, f.ws.ID, got.ID))(t); !sameSource(found, got) {
			t.Errorf("FindSourceByID = %+v, want %+v", found, got)
		}
		tests := []struct {
			name string
			src  vigie.Source
			err  error
		}{
			{"same name and kind", vigie.Source{WorkspaceID: f.ws.ID, Kind: vigie.SourceRSS, Name: "News"}, vigie.ErrConflict},
			{"no name", vigie.Source{WorkspaceID: f.ws.ID, Kind: vigie.SourceRSS}, vigie.ErrInvalid},
			{"no kind", vigie.Source{WorkspaceID: f.ws.ID, Name: "x"}, vigie.ErrInvalid},
			{"unknown workspace", vigie.Source{WorkspaceID: 777, Kind: vigie.SourceRSS, Name: "x"}, vigie.ErrInvalid},
			{"same name, other kind", vigie.Source{WorkspaceID: f.ws.ID, Kind: vigie.SourceImport, Name: "News"}, nil},
			{"same name, other workspace", vigie.Source{WorkspaceID: f.other.ID, Kind: vigie.SourceRSS, Name: "News"}, nil},
		}
		for _, tt := range tests {
			_, err := s.CreateSource(ctx, tt.src)
			wantErr(t, err, tt.err, tt.name)
		}
		_, err := s.FindSourceByID(ctx, f.ws.ID, 99999)
		wantErr(t, err, vigie.ErrNotFound, "find missing")

		// newFixture's source, "News" rss and import here, "News" in other.
		if n := len(must(s.FindSources(ctx, 0))(t)); n != 4 {
			t.Errorf("FindSources(all) = %d sources, want 4", n)
		}
		if n := len(must(s.FindSources(ctx, f.ws.ID))(t)); n != 3 {
			t.Errorf("FindSources(ws) = %d sources, want 3", n)
		}
		if n := len(must(s.FindSources(ctx, f.other.ID))(t)); n != 1 {
			t.Errorf("FindSources(other) = %d sources, want 1", n)
		}
	})
}

// sameSource compares sources, times by instant.
func sameSource(a, b vigie.Source) bool {
	times := [][2]time.Time{{a.CreatedAt, b.CreatedAt}, {a.NextCheckAt, b.NextCheckAt}, {a.LastSuccessAt, b.LastSuccessAt}, {a.LastErrorAt, b.LastErrorAt}}
	for _, p := range times {
		if !p[0].Equal(p[1]) {
			return false
		}
	}
	if len(a.Settings) != len(b.Settings) {
		return false
	}
	for k, v := range a.Settings {
		if b.Settings[k] != v {
			return false
		}
	}
	a.CreatedAt, a.NextCheckAt, a.LastSuccessAt, a.LastErrorAt, a.Settings = time.Time{}, time.Time{}, time.Time{}, time.Time{}, nil
	b.CreatedAt, b.NextCheckAt, b.LastSuccessAt, b.LastErrorAt, b.Settings = time.Time{}, time.Time{}, time.Time{}, time.Time{}, nil
	return a.ID == b.ID && a.WorkspaceID == b.WorkspaceID && a.Kind == b.Kind && a.Name == b.Name && a.URL == b.URL &&
		a.Interval == b.Interval && a.Enabled == b.Enabled && a.SourceState == b.SourceState
}

func TestFindDueSources(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		// newFixture's source has a zero NextCheckAt: due since forever.
		mk := func(name string, next time.Time, enabled bool) int64 {
			return must(s.CreateSource(ctx, vigie.Source{WorkspaceID: f.ws.ID, Kind: vigie.SourceRSS, Name: name, Enabled: enabled,
				SourceState: vigie.SourceState{NextCheckAt: next}}))(t).ID
		}
		late := mk("late", t0.Add(-time.Hour), true)
		now := mk("now", t0, true)
		mk("future", t0.Add(time.Second), true)
		mk("disabled", t0.Add(-2*time.Hour), false)
		early := mk("early", t0.Add(-2*time.Hour), true)
		tests := []struct {
			name  string
			limit int
			want  []int64
		}{
			{"all due, most overdue first", 10, []int64{f.source.ID, early, late, now}},
			{"limit", 2, []int64{f.source.ID, early}},
		}
		for _, tt := range tests {
			var got []int64
			for _, src := range must(s.FindDueSources(ctx, t0, tt.limit))(t) {
				got = append(got, src.ID)
			}
			if !equal(got, tt.want) {
				t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
			}
		}
	})
}

func TestUpdateSourceState(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		states := []vigie.SourceState{
			{Cursor: "abc", ETag: `"e1"`, LastModified: "Fri, 20 Nov 2026 10:00:00 GMT", NextCheckAt: t0.Add(time.Minute),
				LastSuccessAt: t0, PostsSeen: 42},
			{Cursor: "abc", NextCheckAt: t0.Add(time.Hour), LastSuccessAt: t0, LastErrorAt: t0.Add(time.Second),
				LastError: "the feed answered 503", ErrorCount: 3, PostsSeen: 42},
			{},
		}
		for i, st := range states {
			if err := s.UpdateSourceState(ctx, f.source.ID, st); err != nil {
				t.Fatal(err)
			}
			got := must(s.FindSourceByID(ctx, f.ws.ID, f.source.ID))(t)
			want := f.source
			want.SourceState = st
			if !sameSource(got, want) {
				t.Errorf("state %d: got %+v, want %+v", i, got.SourceState, st)
			}
		}
		wantErr(t, s.UpdateSourceState(ctx, 4242, vigie.SourceState{}), vigie.ErrNotFound, "unknown source")
	})
}

func TestFindOrCreateSource(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		a := must(s.FindOrCreateSource(ctx, f.ws.ID, vigie.SourceImport, "import", ""))(t)
		b := must(s.FindOrCreateSource(ctx, f.ws.ID, vigie.SourceImport, "import", ""))(t)
		if a.ID == 0 || !sameSource(a, b) || a.Enabled || a.Kind != vigie.SourceImport {
			t.Errorf("FindOrCreateSource: %+v then %+v (want an import source, disabled)", a, b)
		}
		sim := must(s.FindOrCreateSource(ctx, f.ws.ID, vigie.SourceSimulator, "sim 2", ""))(t)
		if !sim.Enabled || sim.NextCheckAt.After(time.Now()) {
			t.Errorf("simulator source %+v: want enabled and due", sim)
		}
		c := must(s.FindOrCreateSource(ctx, f.other.ID, vigie.SourceImport, "import", ""))(t)
		if c.ID == a.ID {
			t.Error("other workspace got the same source")
		}
		// The fixture's source is found, not created.
		if d := must(s.FindOrCreateSource(ctx, f.ws.ID, vigie.SourceSimulator, "sim", ""))(t); d.ID != f.source.ID {
			t.Errorf("found %d, want the fixture's %d", d.ID, f.source.ID)
		}
		_, err := s.FindOrCreateSource(ctx, f.ws.ID, vigie.SourceImport, "", "")
		wantErr(t, err, vigie.ErrInvalid, "no name")
	})
}

func TestDeleteSourceKeepsPosts(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "m")
		must(saveBatch(s, ctx, f.source.ID, items("m", post("1", "kept", t0)), nil))(t)
		if err := s.DeleteSource(ctx, f.ws.ID, f.source.ID); err != nil {
			t.Fatal(err)
		}
		wantErr(t, s.DeleteSource(ctx, f.ws.ID, f.source.ID), vigie.ErrNotFound, "delete twice")
		_, err := s.FindSourceByID(ctx, f.ws.ID, f.source.ID)
		wantErr(t, err, vigie.ErrNotFound, "find deleted")
		page := must(s.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: f.ws.ID, MonitorID: "m"}))(t)
		if page.Total != 1 || page.Mentions[0].SourceID != 0 || page.Mentions[0].Post.Text != "kept" {
			t.Errorf("after delete: %+v", page)
		}
	})
}

// TestSourceURLIdentity: a feed is known by its address (normalised) in its
// workspace, not by its name: two feeds of one site are two sources; one
// address twice in a workspace is a conflict that names the source that
// follows it; another workspace may follow it too.
func TestSourceURLIdentity(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		feed := func(ws int64, name, u string) (vigie.Source, error) {
			return s.CreateSource(ctx, vigie.Source{WorkspaceID: ws, Kind: vigie.SourceRSS, Name: name, URL: u, Enabled: true})
		}
		news := must(feed(f.ws.ID, "example.org", "https://example.org/news.xml"))(t)
		must(feed(f.ws.ID, "example.org/events.xml", "https://example.org/events.xml"))(t)
		for _, u := range []string{
			"https://example.org/news.xml",
			"HTTPS://Example.ORG/news.xml",
			"https://example.org:443/news.xml",
			"https://example.org/news.xml#latest",
		} {
			_, err := feed(f.ws.ID, "News again", u)
			wantErr(t, err, vigie.ErrConflict, u)
			if err == nil || !strings.Contains(PublicMessage(err), `already followed as "example.org"`) {
				t.Errorf("%s: %v, want it to name the source that follows it", u, err)
			}
		}
		// Not the same address: another scheme, port, path case or query;
		// a query is not reordered.
		for i, u := range []string{
			"http://example.org/news.xml",
			"https://example.org:8443/news.xml",
			"https://example.org/News.xml",
			"https://example.org/news.xml?a=1&b=2",
			"https://example.org/news.xml?b=2&a=1",
		} {
			must(feed(f.ws.ID, fmt.Sprintf("variant %d", i), u))(t)
		}
		// The address is kept in its normal form.
		got := must(feed(f.ws.ID, "Shouting", "HTTPS://Shout.Example.ORG:443/Feed.xml#top"))(t)
		if got.URL != "https://shout.example.org/Feed.xml" {
			t.Errorf("stored address %q, want https://shout.example.org/Feed.xml", got.URL)
		}
		// Another workspace may follow the same address.
		must(feed(f.other.ID, "example.org", "https://example.org/news.xml"))(t)
		// Once unfollowed, the address may be followed again.
		if err := s.DeleteSource(ctx, f.ws.ID, news.ID); err != nil {
			t.Fatal(err)
		}
		must(feed(f.ws.ID, "News again", "https://example.org/news.xml"))(t)
		// Sources known by their name (imports, the simulator) are as
		// before: the same name twice is the same source or a conflict.
		_, err := s.CreateSource(ctx, vigie.Source{WorkspaceID: f.ws.ID, Kind: vigie.SourceSimulator, Name: "sim"})
		wantErr(t, err, vigie.ErrConflict, "the simulator's name twice")
	})
}

// TestSourceURLMigration: a database that already follows an address twice
// in a workspace (it was allowed under two names) migrates: the oldest
// source keeps following it; the later ones are stopped, saying why, and
// kept (nothing is deleted).
func TestSourceURLMigration(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s := storeBefore(t, d, "0020")
			now := s.tm(t0)
			ws := oldWorkspaces(t, s, "press", "science")
			ids := map[string]int64{}
			for _, r := range []struct{ ws, kind, name, url string }{
				{"press", "rss", "First", "https://example.org/feed"},
				{"press", "rss", "Second", "https://example.org/feed"},
				{"press", "rss", "Shouted", "https://EXAMPLE.org:443/feed#top"},
				{"press", "rss", "Other path", "https://example.org/other"},
				{"press", "rss", "Plain http", "http://Example.org:80/feed"},
				{"press", "rss", "Plain http again", "http://example.org/feed"},
				{"press", "rss", "With user", "https://me:pw@Example.org/feed"},
				{"press", "rss", "Query", "https://Example.org/q?a=B&c=D#frag"},
				{"press", "rss", "Accented", "https://%C3%89xample.ORG/feed"},
				{"press", "import", "Import", ""},
				{"science", "rss", "Science's", "https://example.org/feed"},
			} {
				var id int64
				if err := s.db.QueryRow(s.q("INSERT INTO sources (workspace_id, kind, name, url, enabled, created_at, next_check_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id"),
					ws[r.ws], r.kind, r.name, r.url, r.kind == "rss", now, now).Scan(&id); err != nil {
					t.Fatal(err)
				}
				ids[r.name] = id
			}
			if err := s.migrate(ctx); err != nil {
				t.Fatalf("migrating a database that follows an address twice: %v", err)
			}
			stopped := map[string]string{"Second": "First", "Shouted": "First", "Plain http again": "Plain http"}
			for name, id := range ids {
				src := must(s.FindSourceByID(ctx, map[bool]int64{true: ws["science"], false: ws["press"]}[name == "Science's"], id))(t)
				if name == "Import" {
					continue
				}
				if first, ok := stopped[name]; ok {
					if src.Enabled || !strings.Contains(src.LastError, fmt.Sprintf("source %d (%s)", ids[first], first)) {
						t.Errorf("%s after the migration: enabled %v, last error %q; want stopped, naming %s", name, src.Enabled, src.LastError, first)
					}
				} else if !src.Enabled || src.LastError != "" {
					t.Errorf("%s after the migration: enabled %v, last error %q; want it to follow its feed as before", name, src.Enabled, src.LastError)
				}
			}
			// The key the migration computed is the one new sources get: the
			// address is still followed, by the oldest source.
			for u, by := range map[string]string{"https://example.org/feed#x": "First", "http://EXAMPLE.org/feed": "Plain http", "https://me:pw@example.org:443/feed": "With user",
				"https://example.org/q?a=B&c=D": "Query", "https://Éxample.org/feed": "Accented"} {
				_, err := s.CreateSource(ctx, vigie.Source{WorkspaceID: ws["press"], Kind: vigie.SourceRSS, Name: "New " + by, URL: u, Enabled: true})
				if !errors.Is(err, vigie.ErrConflict) || !strings.Contains(PublicMessage(err), fmt.Sprintf("already followed as %q", by)) {
					t.Errorf("following %s after the migration: %v, want a conflict naming %s", u, err, by)
				}
			}
			// A stopped copy may be deleted, and the address stays followed.
			if err := s.DeleteSource(ctx, ws["press"], ids["Second"]); err != nil {
				t.Fatal(err)
			}
			if due := must(s.FindDueSources(ctx, t0, 100))(t); len(due) != 7 {
				t.Errorf("%d sources due after the migration, want 7 (the stopped copies are not read)", len(due))
			}
		})
	}
}

func TestFreeSourceName(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		for _, name := range []string{"example.org", "example.org (2)", "example.org (4)", "example.org (x)", "100% (2)"} {
			must(s.CreateSource(ctx, vigie.Source{WorkspaceID: f.ws.ID, Kind: vigie.SourceRSS, Name: name}))(t)
		}
		for _, c := range []struct {
			name string
			kind vigie.SourceKind
			ws   int64
			want string
		}{
			{"example.org", vigie.SourceRSS, f.ws.ID, "example.org (3)"},
			{"example.org (2)", vigie.SourceRSS, f.ws.ID, "example.org (2) (2)"},
			{"example.net", vigie.SourceRSS, f.ws.ID, "example.net"},
			{"example.org", vigie.SourceImport, f.ws.ID, "example.org"},
			{"example.org", vigie.SourceRSS, f.other.ID, "example.org"},
			{"100%", vigie.SourceRSS, f.ws.ID, "100%"},
		} {
			if got := must(s.FreeSourceName(ctx, c.ws, c.kind, c.name))(t); got != c.want {
				t.Errorf("FreeSourceName(%q, %s) = %q, want %q", c.name, c.kind, got, c.want)
			}
		}
	})
}

// TestShareSourceRequestsBackfills: sharing a source, or no longer, asks a
// backfill of the monitors of the organisation's other workspaces, in the
// same call; not of its own workspace's, not of another organisation's,
// and not when the state does not change.
func TestShareSourceRequestsBackfills(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "mine", "other-a", "other-b")
		org := must(s.CreateOrganisation(ctx, vigie.Organisation{Name: "Elsewhere", Slug: "elsewhere"}))(t)
		far := must(s.CreateWorkspace(ctx, vigie.Workspace{Name: "Far", Slug: "far", OrganisationID: org.ID}))(t)
		must(s.CreateMonitor(ctx, vigie.MonitorRecord{Monitor: vigie.Monitor{ID: "far-m", Query: "x"}, WorkspaceID: far.ID}))(t)
		f.source = must(s.ShareSource(ctx, f.ws.ID, f.source.ID, false))(t) // the fixture shared it
		gens := func() string {
			var out []string
			for _, w := range []struct {
				ws  int64
				ids []string
			}{{f.ws.ID, []string{"mine"}}, {f.other.ID, []string{"other-a", "other-b"}}, {far.ID, []string{"far-m"}}} {
				for _, id := range w.ids {
					out = append(out, fmt.Sprintf("%s:%d", id, must(s.FindBackfill(ctx, w.ws, id))(t).Generation))
				}
			}
			return strings.Join(out, " ")
		}
		// Created (1), then the fixture's unsharing (2).
		if got, want := gens(), "mine:1 other-a:2 other-b:2 far-m:1"; got != want {
			t.Fatalf("before: %s, want %s", got, want)
		}
		if src := must(s.ShareSource(ctx, f.ws.ID, f.source.ID, true))(t); !src.Shared {
			t.Fatalf("not shared: %+v", src)
		}
		if got, want := gens(), "mine:1 other-a:3 other-b:3 far-m:1"; got != want {
			t.Errorf("after sharing: %s, want %s", got, want)
		}
		must(s.ShareSource(ctx, f.ws.ID, f.source.ID, true))(t)
		if got, want := gens(), "mine:1 other-a:3 other-b:3 far-m:1"; got != want {
			t.Errorf("after sharing again: %s, want %s", got, want)
		}
		must(s.ShareSource(ctx, f.ws.ID, f.source.ID, false))(t)
		if got, want := gens(), "mine:1 other-a:4 other-b:4 far-m:1"; got != want {
			t.Errorf("after unsharing: %s, want %s", got, want)
		}
		_, err := s.ShareSource(ctx, f.other.ID, f.source.ID, true)
		wantErr(t, err, vigie.ErrNotFound, "sharing another workspace's source")
		if got, want := gens(), "mine:1 other-a:4 other-b:4 far-m:1"; got != want {
			t.Errorf("after a refused share: %s, want %s", got, want)
		}
	})
}

// TestSourceIDsNeverReused: a source added after the newest one was deleted
// gets a new id, so the deleted source's posts (known by their source) are
// not taken for the new one's: the same feed items arrive as new posts.
func TestSourceIDsNeverReused(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "m")
		first := must(s.CreateSource(ctx, vigie.Source{WorkspaceID: f.ws.ID, Kind: vigie.SourceRSS, Name: "Feed", URL: "https://a.example/feed", Enabled: true}))(t)
		items := []Item{{Post: post("https://a.example/item-1", "uval news", t0), MonitorKeys: []string{"m"}}}
		if saved := must(saveBatch(s, ctx, first.ID, items, nil))(t); saved.Posts != 1 {
			t.Fatalf("saved %+v", saved)
		}
		if err := s.DeleteSource(ctx, f.ws.ID, first.ID); err != nil {
			t.Fatal(err)
		}
		again := must(s.CreateSource(ctx, vigie.Source{WorkspaceID: f.other.ID, Kind: vigie.SourceRSS, Name: "Feed", URL: "https://a.example/feed", Enabled: true}))(t)
		if again.ID == first.ID {
			t.Fatalf("the deleted source's id %d was given again", first.ID)
		}
		imp := must(s.FindOrCreateSource(ctx, f.other.ID, vigie.SourceImport, "Import", ""))(t)
		if imp.ID == first.ID {
			t.Fatalf("the deleted source's id %d was given to an import", first.ID)
		}
		known := must(s.KnownPosts(ctx, &again, "mastodon", []string{"https://a.example/item-1"}))(t)
		if len(known) != 0 {
			t.Fatalf("the new source's item is taken for the deleted source's: %v", known)
		}
	})
}

// TestSourceIDMarkMigration: upgraded, a database whose newest source was
// deleted already numbers new sources after the ids its posts carry.
func TestSourceIDMarkMigration(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s := storeBefore(t, d, "0025")
			now := s.tm(t0)
			ws, src := oldWorkspaces(t, s, "press")["press"], int64(0)
			for i := range 3 {
				if err := s.db.QueryRow(s.q("INSERT INTO sources (workspace_id, kind, name, created_at, next_check_at) VALUES (?, 'import', ?, ?, ?) RETURNING id"),
					ws, fmt.Sprint("i", i), now, now).Scan(&src); err != nil {
					t.Fatal(err)
				}
			}
			// The posts of a deleted source numbered above the others.
			if _, err := s.db.Exec(s.q("INSERT INTO posts (source_kind, external_id, published_at, stored_at) VALUES ('rss', ?, ?, ?)"),
				fmt.Sprintf("src/%d/x", src+4), now, now); err != nil {
				t.Fatal(err)
			}
			if err := s.migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if err := s.prepareWrites(ctx); err != nil {
				t.Fatal(err)
			}
			created := must(s.FindOrCreateSource(ctx, ws, vigie.SourceImport, "new", ""))(t)
			if created.ID <= src+4 && d == SQLite {
				t.Fatalf("new source %d, want after %d", created.ID, src+4)
			}
		})
	}
}

// TestClaimDueSources: two processes on one database claim due sources at
// once: each source goes to one of them, stays theirs for the lease, and
// one given back is due again at once, for either. Only the claimer can
// give it back; a restarted process resumes its own streams, not
// another's.
func TestClaimDueSources(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			url := testURL(t, d)
			a, b := openURL(t, url), openURL(t, url)
			ctx := context.Background()
			f := newFixture(t, a)
			ids := map[int64]bool{f.source.ID: true}
			rss := map[int64]bool{}
			for i := range 40 {
				src := must(a.CreateSource(ctx, vigie.Source{WorkspaceID: f.ws.ID, Kind: vigie.SourceRSS, Name: fmt.Sprintf("feed %d", i),
					URL: fmt.Sprintf("https://example.org/%d.xml", i), Enabled: true, SourceState: vigie.SourceState{NextCheckAt: t0.Add(-time.Minute)}}))(t)
				ids[src.ID], rss[src.ID] = true, true
			}
			claimed := map[int64]string{}
			var mu sync.Mutex
			var wg sync.WaitGroup
			for _, p := range []struct {
				name string
				s    *Store
			}{{"a", a}, {"b", b}, {"a", a}, {"b", b}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						got, err := p.s.ClaimDueSources(ctx, p.name, t0, 5*time.Minute, 7)
						if err != nil {
							t.Error(err)
							return
						}
						if len(got) == 0 {
							return
						}
						mu.Lock()
						for _, src := range got {
							if prev, ok := claimed[src.ID]; ok {
								t.Errorf("source %d claimed by %s and %s", src.ID, prev, p.name)
							}
							claimed[src.ID] = p.name
						}
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			if len(claimed) != len(ids) {
				t.Fatalf("%d sources claimed of %d", len(claimed), len(ids))
			}
			if again := must(a.ClaimDueSources(ctx, "c", t0.Add(4*time.Minute), 5*time.Minute, 100))(t); len(again) != 0 {
				t.Fatalf("claimed again within the lease: %d", len(again))
			}
			var one int64
			var owner, other string
			for id, o := range claimed {
				one, owner = id, o
				break
			}
			if other = "a"; owner == "a" {
				other = "b"
			}
			must(0, b.ReleaseSource(ctx, one, other, t0))(t) // not other's: nothing
			if again := must(a.ClaimDueSources(ctx, "c", t0, 5*time.Minute, 100))(t); len(again) != 0 {
				t.Fatalf("a source given back by another than its claimer: %d", len(again))
			}
			must(0, a.ReleaseSource(ctx, one, owner, t0))(t)
			if again := must(b.ClaimDueSources(ctx, "b", t0, 5*time.Minute, 100))(t); len(again) != 1 || again[0].ID != one {
				t.Fatalf("after its release: %+v", again)
			}
			claimed[one] = "b"
			// "b" killed mid-run and started again: its claims are due at once,
			// but for a run that ended (its next check written).
			var ended int64
			for id, o := range claimed {
				if o == "b" && id != one {
					ended = id
					must(0, b.UpdateSourceState(ctx, id, vigie.SourceState{NextCheckAt: t0.Add(time.Hour)}))(t)
					break
				}
			}
			bs := 0
			for _, o := range claimed {
				if o == "b" {
					bs++
				}
			}
			if ended != 0 {
				bs--
			}
			if n := must(b.ResumeClaims(ctx, "b", t0.Add(time.Minute)))(t); n != bs {
				t.Fatalf("resumed %d claims of b, want %d", n, bs)
			}
			for _, src := range must(b.FindDueSources(ctx, t0.Add(time.Minute), 100))(t) {
				if o := claimed[src.ID]; o != "b" || src.ID == ended {
					t.Fatalf("source %d (claimed by %q) due after b's resume", src.ID, o)
				}
			}
			// Streams: "a" restarting resumes its own.
			for id := range claimed {
				must(0, a.UpdateSourceState(ctx, id, vigie.SourceState{NextCheckAt: t0.Add(time.Minute), Connected: true}))(t)
			}
			n := must(a.ResumeStreams(ctx, "a", []vigie.SourceKind{vigie.SourceRSS}, t0))(t)
			mine := 0
			for id, owner := range claimed {
				if owner == "a" && rss[id] {
					mine++
				}
			}
			if n != mine {
				t.Fatalf("resumed %d streams, want a's %d", n, mine)
			}
		})
	}
}

// TestCountImported: concurrent imports each add their posts to the
// source's count; another workspace's source is not found.
func TestCountImported(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "m")
		at := time.Date(2026, 12, 8, 1, 0, 0, 0, time.UTC)
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := s.CountImported(ctx, f.ws.ID, f.source.ID, 5, at); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		src := must(s.FindSourceByID(ctx, f.ws.ID, f.source.ID))(t)
		if src.PostsSeen != 40 || !src.LastSuccessAt.Equal(at) {
			t.Fatalf("posts seen %d, last success %v; want 40 and %v", src.PostsSeen, src.LastSuccessAt, at)
		}
		wantErr(t, s.CountImported(ctx, f.other.ID, f.source.ID, 5, at), vigie.ErrNotFound, "another workspace's source")
	})
}
