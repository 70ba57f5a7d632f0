package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestSourceKinds: a workspace's source filter offers the kinds its
// mentions have, not another workspace's.
func TestSourceKinds(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "m", "other-m")
		if got := must(s.SourceKinds(ctx, f.ws.ID))(t); len(got) != 0 {
			t.Fatalf("no mentions yet: %v", got)
		}
		var items []Item
		for i, kind := range []string{"rss", "mastodon", "rss", "bluesky"} {
			monitor := "m"
			if kind == "bluesky" {
				monitor = "other-m"
			}
			items = append(items, Item{Post: post(fmt.Sprint(i), "x", t0.Add(time.Duration(i)*30*time.Hour)), MonitorKeys: []string{monitor}})
			items[i].Post.Source = kind
		}
		must(saveBatch(s, ctx, f.source.ID, items, nil))(t)
		if got := must(s.SourceKinds(ctx, f.ws.ID))(t); fmt.Sprint(got) != "[mastodon rss]" {
			t.Errorf("kinds of the workspace: %v", got)
		}
		if got := must(s.SourceKinds(ctx, f.other.ID))(t); fmt.Sprint(got) != "[bluesky]" {
			t.Errorf("kinds of the other workspace: %v", got)
		}
	})
}
