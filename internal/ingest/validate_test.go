package ingest

import (
	"context"
	"github.com/vigie-project/vigie/internal/apptest"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/match"
	"github.com/vigie-project/vigie/internal/query"
	"github.com/vigie-project/vigie/internal/store"
)

// TestPostsDatedAheadAndUnknownLanguages: in one batch, a post dated more
// than a day ahead is refused with the field, its value and the fix, while
// the others are stored; a declared language is stored as its code
// whatever its case or region, and an unknown one is dropped without
// refusing its post.
func TestPostsDatedAheadAndUnknownLanguages(t *testing.T) {
	t.Parallel()
	for _, d := range []string{store.SQLite, store.Postgres} {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st, err := store.Open(ctx, testStoreURL(t, d))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			ws, err := st.EnsureWorkspace(ctx, "main", "Main")
			if err != nil {
				t.Fatal(err)
			}
			m, err := st.CreateMonitor(ctx, vigie.MonitorRecord{Monitor: vigie.Monitor{ID: "m", Query: "valmont"}, WorkspaceID: ws.ID})
			if err != nil {
				t.Fatal(err)
			}
			ix := match.NewIndex()
			q, _ := query.Parse("valmont")
			if err := ix.AddOwned(m.Key, ws.ID, q); err != nil {
				t.Fatal(err)
			}
			p := NewPipeline(ix, st)
			now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
			p.Now = func() time.Time { return now }
			src, err := st.FindOrCreateSource(ctx, ws.ID, vigie.SourceImport, "test", "")
			if err != nil {
				t.Fatal(err)
			}
			far := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
			posts := []vigie.Post{
				{ID: "past", Source: "rss", Text: "Valmont opens a lab", Lang: "FR-ch", PublishedAt: now.Add(-time.Hour)},
				{ID: "far", Source: "rss", Text: "Valmont from the future", Lang: "en", PublishedAt: far},
				{ID: "skew", Source: "rss", Text: "Valmont, a clock a little ahead", Lang: "xx", PublishedAt: now.Add(3 * time.Hour)},
				{ID: "tomorrow", Source: "rss", Text: "Valmont the day after tomorrow", PublishedAt: now.Add(49 * time.Hour)},
				{ID: "english", Source: "rss", Text: "Valmont in English", Lang: "english", PublishedAt: now},
			}
			res, err := p.Process(ctx, &src, posts, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Posts != 3 || len(res.Rejected) != 2 || res.Rejected[0].ID != "far" || res.Rejected[1].ID != "tomorrow" {
				t.Fatalf("stored %d, rejected %+v; want past, skew and english stored, far and tomorrow rejected", res.Posts, res.Rejected)
			}
			msg := res.Rejected[0].Err.Error()
			for _, want := range []string{`"published_at"`, "9999-01-01T00:00:00Z", "more than a day", "time zone"} {
				if !strings.Contains(msg, want) {
					t.Errorf("the refusal %q does not say %q", msg, want)
				}
			}
			page, err := st.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: ws.ID})
			if err != nil {
				t.Fatal(err)
			}
			declared := map[string]string{}
			for _, m := range page.Mentions {
				declared[m.Post.ID] = m.DeclaredLang
			}
			want := map[string]string{"past": "fr", "skew": "", "english": ""}
			if len(declared) != len(want) {
				t.Fatalf("mentions %v, want %v", declared, want)
			}
			for id, lang := range want {
				if got, ok := declared[id]; !ok || got != lang {
					t.Errorf("post %s: declared language %q, want %q", id, got, lang)
				}
			}
		})
	}
}

// testStoreURL returns the URL of an empty database of the dialect.
func testStoreURL(tb testing.TB, dialect string) string { return apptest.DatabaseURL(tb, dialect) }
