package feeds

import (
	"context"
	"errors"
	"fmt"
	"github.com/vigie-project/vigie/internal/apptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/store"
)

func opml(n int) string {
	var b strings.Builder
	b.WriteString(`<opml version="2.0"><body>`)
	for i := range n {
		fmt.Fprintf(&b, `<outline type="rss" text="f%d" xmlUrl="https://feeds.example.org/%d.xml"/>`, i, i)
	}
	b.WriteString(`</body></opml>`)
	return b.String()
}

func newAdder(t *testing.T, max int) (*Adder, vigie.Workspace) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "vigie.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ws, err := st.CreateWorkspace(ctx, vigie.Workspace{Name: "Main", Slug: "main"})
	if err != nil {
		t.Fatal(err)
	}
	return &Adder{Store: st, MaxSources: max}, ws
}

// TestOPMLFeedLimit: a file of more than MaxOPMLFeeds feeds is refused whole,
// saying how many it lists and what to do.
func TestOPMLFeedLimit(t *testing.T) {
	a, ws := newAdder(t, 0)
	ctx := context.Background()
	added, _, err := a.ImportOPML(ctx, ws.ID, strings.NewReader(opml(MaxOPMLFeeds+1)))
	if !errors.Is(err, vigie.ErrInvalid) || !strings.Contains(err.Error(), fmt.Sprintf("lists %d feeds", MaxOPMLFeeds+1)) || !strings.Contains(err.Error(), "split") {
		t.Fatalf("%d feeds: %v", MaxOPMLFeeds+1, err)
	}
	if n, _ := a.Store.CountSources(ctx, ws.ID); n != 0 || len(added) != 0 {
		t.Fatalf("%d sources created by a refused file", n)
	}
	added, skipped, err := a.ImportOPML(ctx, ws.ID, strings.NewReader(opml(MaxOPMLFeeds)))
	if err != nil || len(added) != MaxOPMLFeeds || len(skipped) != 0 {
		t.Fatalf("%d feeds: added %d, skipped %d, %v", MaxOPMLFeeds, len(added), len(skipped), err)
	}
}

// TestWorkspaceSourceLimit: past the workspace's limit an OPML import adds
// what fits and skips the rest with the reason; one more feed is refused.
func TestWorkspaceSourceLimit(t *testing.T) {
	a, ws := newAdder(t, 5)
	ctx := context.Background()
	if _, err := a.Add(ctx, ws.ID, "https://one.example.org/feed.xml", "", 0); err != nil {
		t.Fatal(err)
	}
	added, skipped, err := a.ImportOPML(ctx, ws.ID, strings.NewReader(opml(7)))
	if err != nil || len(added) != 4 || len(skipped) != 3 {
		t.Fatalf("added %d, skipped %d, %v; want 4 and 3", len(added), len(skipped), err)
	}
	for _, s := range skipped {
		if !strings.Contains(s.Reason, "5 sources, its limit") {
			t.Errorf("skipped %s: %q", s.URL, s.Reason)
		}
	}
	_, err = a.Add(ctx, ws.ID, "https://two.example.org/feed.xml", "", 0)
	if !errors.Is(err, vigie.ErrInvalid) || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("a feed past the limit: %v", err)
	}
}

// eachDialect runs fn with an Adder on a fresh store of each database:
// SQLite, and PostgreSQL when VIGIE_TEST_POSTGRES_URL is set (a schema of
// its own), as the store's tests do.
func eachDialect(t *testing.T, fn func(t *testing.T, a *Adder, ws, other vigie.Workspace)) {
	t.Helper()
	for _, d := range []string{store.SQLite, store.Postgres} {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			st, err := store.Open(ctx, testURL(t, d))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			var wss [2]vigie.Workspace
			for i, slug := range []string{"main", "other"} {
				if wss[i], err = st.CreateWorkspace(ctx, vigie.Workspace{Name: slug, Slug: slug}); err != nil {
					t.Fatal(err)
				}
			}
			fn(t, &Adder{Store: st}, wss[0], wss[1])
		})
	}
}

func testURL(tb testing.TB, dialect string) string { return apptest.DatabaseURL(tb, dialect) }

// TestFeedsOfOneSite: two feeds of one site, added without a name, are two
// sources with names that tell them apart; the same address again is
// refused saying which source follows it; an OPML file skips it with
// that reason and gives a title already taken a name of its own.
func TestFeedsOfOneSite(t *testing.T) {
	eachDialect(t, func(t *testing.T, a *Adder, ws, other vigie.Workspace) {
		ctx := context.Background()
		news, err := a.Add(ctx, ws.ID, "https://example.org/news.xml", "", 0)
		if err != nil || news.Name != "example.org" {
			t.Fatalf("first feed of example.org: %+v %v", news, err)
		}
		events, err := a.Add(ctx, ws.ID, "https://example.org/events.xml", "", 0)
		if err != nil || events.Name != "example.org/events.xml" {
			t.Fatalf("second feed of example.org: %+v %v; want it named example.org/events.xml", events, err)
		}
		for _, c := range []struct{ url, name string }{
			{"https://example.org/news.xml", ""},
			{"https://EXAMPLE.org:443/news.xml#top", "Another name"},
		} {
			_, err := a.Add(ctx, ws.ID, c.url, c.name, 0)
			if !errors.Is(err, vigie.ErrConflict) || !strings.Contains(store.PublicMessage(err), `already followed as "example.org"`) {
				t.Errorf("%s again: %v, want a conflict naming example.org", c.url, err)
			}
		}
		// A name given by hand that another source has is refused, saying so.
		_, err = a.Add(ctx, ws.ID, "https://example.org/jobs.xml", "example.org", 0)
		if !errors.Is(err, vigie.ErrConflict) || !strings.Contains(store.PublicMessage(err), `already named "example.org"`) {
			t.Errorf("a name taken: %v", err)
		}
		// Another workspace follows what it likes.
		if s, err := a.Add(ctx, other.ID, "https://example.org/news.xml", "", 0); err != nil || s.Name != "example.org" {
			t.Errorf("the same feed in another workspace: %+v %v", s, err)
		}
		added, skipped, err := a.ImportOPML(ctx, ws.ID, strings.NewReader(`<opml version="2.0"><body>
			<outline type="rss" text="News" xmlUrl="https://example.org/news.xml#x"/>
			<outline type="rss" text="example.org" xmlUrl="https://example.org/jobs.xml"/>
			<outline type="rss" text="Jobs again" xmlUrl="https://EXAMPLE.org/jobs.xml"/>
			<outline type="rss" xmlUrl="http://example.org/events.xml"/></body></opml>`))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, s := range added {
			names = append(names, s.Name)
		}
		if strings.Join(names, "|") != "example.org (2)|example.org/events.xml (2)" {
			t.Errorf("OPML added %q, want example.org (2) and example.org/events.xml (2)", names)
		}
		want := []Skipped{{"https://example.org/news.xml#x", `already followed as "example.org"`}, {"https://EXAMPLE.org/jobs.xml", `already followed as "example.org (2)"`}}
		if fmt.Sprint(skipped) != fmt.Sprint(want) {
			t.Errorf("OPML skipped %v, want %v", skipped, want)
		}
	})
}
