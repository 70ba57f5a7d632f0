package store

import (
	"context"
	"testing"

	"github.com/vigie-project/vigie"
)

// TestLastPostIDPerWorkspace: where a workspace's live stream starts says
// nothing of the posts stored for other workspaces after its last mention.
func TestLastPostIDPerWorkspace(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "m", "other-m")
		if id := must(s.LastPostID(ctx, f.ws.ID))(t); id != 0 {
			t.Fatalf("no mention yet: %d", id)
		}
		must(s.SaveBatch(ctx, f.source.ID, items("m", post("1", "a", t0)), nil))(t)
		mine := must(s.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: f.ws.ID}))(t).Mentions[0].ID
		must(s.SaveBatch(ctx, f.source.ID, items("other-m", post("2", "b", t0), post("3", "c", t0)), nil))(t)
		if id := must(s.LastPostID(ctx, f.ws.ID))(t); id != mine {
			t.Errorf("LastPostID = %d, want %d (the workspace's own last mention)", id, mine)
		}
		if id := must(s.LastPostID(ctx, f.other.ID))(t); id <= mine {
			t.Errorf("other workspace's LastPostID = %d, want above %d", id, mine)
		}
		if _, err := s.LastPostID(ctx, 0); err == nil {
			t.Error("LastPostID without a workspace")
		}
	})
}
