package store

import (
	"context"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
)

// TestEnrichmentStored stores a story and its near-copies, in one batch and
// the next: the copies point at the first post, and entities come back.
func TestEnrichmentStored(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "m")
		item := func(id, text string, at time.Duration, dupOf string, h uint64) Item {
			it := Item{Post: vigie.Post{ID: id, Source: "web", Text: text, PublishedAt: t0.Add(at)}, MonitorKeys: []string{"m"}}
			it.Enrichment.Simhash = h
			if dupOf != "" {
				it.Enrichment.NearDuplicateOf = PostRef{Kind: "web", ID: StoredID(f.source.Kind, f.source.ID, "web", dupOf)}
			}
			return it
		}
		first := item("a", "Valmont opens a robotics lab #robots", 0, "", 0xfedcba9876543210)
		first.Enrichment.Entities = vigie.Entities{Hashtags: []string{"robots"}, Links: []string{"https://uval.example/x"}, Domains: []string{"uval.example"}}
		must(saveBatch(s, ctx, f.source.ID, []Item{first, item("b", "RT: Valmont opens a robotics lab", time.Minute, "a", 1)}, nil))(t)
		must(saveBatch(s, ctx, f.source.ID, []Item{item("c", "Valmont opens a robotics lab via @x", 2*time.Minute, "a", 2),
			item("d", "copy of a post never stored", 3*time.Minute, "zzz", 3)}, nil))(t)

		page := must(s.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: f.ws.ID, MonitorID: "m"}))(t)
		byExt := map[string]vigie.Mention{}
		for _, m := range page.Mentions {
			byExt[m.Post.ID] = m
		}
		a := byExt["a"]
		if a.Simhash != "fedcba9876543210" || a.NearDuplicateOf != 0 {
			t.Fatalf("first post: simhash %q, near-duplicate of %d", a.Simhash, a.NearDuplicateOf)
		}
		if len(a.Entities.Hashtags) != 1 || a.Entities.Hashtags[0] != "robots" || a.Entities.Domains[0] != "uval.example" || a.Entities.Links[0] != "https://uval.example/x" {
			t.Fatalf("entities: %+v", a.Entities)
		}
		for _, id := range []string{"b", "c"} {
			if byExt[id].NearDuplicateOf != a.ID {
				t.Errorf("%s: near-duplicate of %d, want %d", id, byExt[id].NearDuplicateOf, a.ID)
			}
		}
		if byExt["d"].NearDuplicateOf != 0 {
			t.Errorf("a copy of a post never stored must stay unlinked, got %d", byExt["d"].NearDuplicateOf)
		}
	})
}
