package feeds

import (
	"context"
	"errors"
	"fmt"
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
