package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
)

func TestScanPostsAndAddMentions(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "old", "new")
		var items []Item
		for i := range 25 {
			items = append(items, Item{Post: vigie.Post{ID: fmt.Sprintf("r%d", i), Source: "web", Text: fmt.Sprintf("post %d", i),
				PublishedAt: t0.Add(time.Duration(i) * time.Hour)}, MonitorKeys: []string{"old"}})
		}
		must(saveBatch(s, ctx, f.source.ID, items, nil))(t)

		var all []vigie.Mention
		for after := int64(0); ; {
			page := must(s.ScanPosts(ctx, after, 10))(t)
			if len(page) == 0 {
				break
			}
			all = append(all, page...)
			after = page[len(page)-1].ID
		}
		if len(all) != 25 {
			t.Fatalf("scanned %d posts, want 25", len(all))
		}
		var even []int64
		for i, m := range all {
			if i > 0 && m.ID <= all[i-1].ID {
				t.Fatalf("ids not ascending: %d after %d", m.ID, all[i-1].ID)
			}
			var n int
			if _, err := fmt.Sscanf(m.Post.Text, "post %d", &n); err != nil || !m.Post.PublishedAt.Equal(t0.Add(time.Duration(n)*time.Hour)) {
				t.Fatalf("post %d read back as %+v", n, m.Post)
			}
			if n%2 == 0 {
				even = append(even, m.ID)
			}
		}
		if n := must(s.AddMentions(ctx, f.ws.ID, "new", even))(t); n != 13 {
			t.Fatalf("added %d mentions, want 13", n)
		}
		if n := must(s.AddMentions(ctx, f.ws.ID, "new", even))(t); n != 0 {
			t.Fatalf("added %d mentions again, want 0", n)
		}
		page := must(s.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: f.ws.ID, MonitorID: "new", Limit: 5}))(t)
		if page.Total != 13 || page.Mentions[0].Post.Text != "post 24" {
			t.Fatalf("monitor new: total %d, first %q", page.Total, page.Mentions[0].Post.Text)
		}
		if _, err := s.AddMentions(ctx, f.ws.ID, "nope", even); !errors.Is(err, vigie.ErrNotFound) {
			t.Fatalf("unknown monitor: %v", err)
		}
	})
}
