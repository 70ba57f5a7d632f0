package store

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/vigie-project/vigie"
)

// TestLegacySlashIDBlocksAnotherWorkspace (found by an outside attack): a monitor
// stored before ids were checked (86fbc21) may have an id such as "2/brand";
// it keeps that id as its key after migration 0024, and that is exactly the
// key a new monitor "brand" of workspace 2 gets. Workspace 2, which has no
// monitor "brand", was refused with a conflict that told it another
// workspace held that key; it gets another key instead.
func TestLegacySlashIDBlocksAnotherWorkspace(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s := storeBefore(t, d, "0024")
			now := s.tm(t0)
			ws := oldWorkspaces(t, s, "press", "science")
			legacy := strconv.FormatInt(ws["science"], 10) + "/brand"
			if _, err := s.db.Exec(s.q("INSERT INTO monitors (id, workspace_id, query, created_at, updated_at) VALUES (?, ?, 'valmont', ?, ?)"),
				legacy, ws["press"], now, now); err != nil {
				t.Fatal(err)
			}
			if err := s.migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if err := s.prepareWrites(ctx); err != nil {
				t.Fatal(err)
			}
			m := vigie.MonitorRecord{Monitor: vigie.Monitor{ID: "brand", Query: "science"}, WorkspaceID: ws["science"]}
			created, err := s.CreateMonitor(ctx, m)
			if err != nil {
				t.Fatalf("science creates its first monitor \"brand\" while press has a legacy %q: %v", legacy, err)
			}
			if created.Key == legacy || created.ID != "brand" {
				t.Fatalf("science's brand: %+v", created)
			}
			if old := must(s.FindMonitorByID(ctx, ws["press"], legacy))(t); old.Key != legacy || old.Query != "valmont" {
				t.Fatalf("press's legacy monitor after science's: %+v", old)
			}
			// Saved again, science's brand keeps the key it got.
			m.Query = "science OR sciences"
			if again := must(s.UpsertMonitor(ctx, m))(t); again.Key != created.Key || again.Query != m.Query {
				t.Fatalf("science's brand upserted: %+v, want key %q", again, created.Key)
			}
			m.Query = "science"
			m.ID = "brand2"
			if _, err := s.UpsertMonitors(ctx, ws["science"], []vigie.MonitorRecord{m}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestSharedSourceURLCredentials (found by an outside attack): a feed address may
// carry its credentials (user:password@, ?token=); once the source is
// shared, every workspace of the organisation listed it whole, to viewers
// too; they see its address without them.
func TestSharedSourceURLCredentials(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a := must(s.CreateWorkspace(ctx, vigie.Workspace{Name: "A", Slug: "a"}))(t)
		b := must(s.CreateWorkspace(ctx, vigie.Workspace{Name: "B", Slug: "b"}))(t)
		must(s.CreateSource(ctx, vigie.Source{WorkspaceID: a.ID, Kind: vigie.SourceRSS, Name: "keyed",
			URL: "https://feeduser:s3cretpw@alpha.example/feed.xml?token=TOPSECRET", Enabled: true, Shared: true}))(t)
		shared := must(s.FindSharedSources(ctx, b.ID))(t)
		if len(shared) != 1 || shared[0].URL != "https://alpha.example/feed.xml?…" {
			t.Fatalf("B's view of A's shared feed: %+v", shared)
		}
		for _, src := range shared {
			if strings.Contains(src.URL, "s3cretpw") || strings.Contains(src.URL, "TOPSECRET") {
				t.Errorf("B sees A's feed credentials: %q", src.URL)
			}
		}
		if own := must(s.FindSources(ctx, a.ID))(t); len(own) != 1 || !strings.Contains(own[0].URL, "TOPSECRET") {
			t.Errorf("A's own view lost its address: %+v", own)
		}
	})
}
