package store

import (
	"context"
	"slices"
	"testing"

	"github.com/vigie-project/vigie"
)

// TestDeleteAndEditPosts deletes and edits stored posts as a network's
// events do: the figures (rollups, author days), searches and listings
// follow, a deleted post keeps no text and is not brought back by a
// re-delivery, and an edit moves a post between monitors.
func TestDeleteAndEditPosts(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newAggFixture(t, s)
		loadAgg(t, s, f)
		src := &f.source
		ms := allMentions(t, s, f.ws.ID)
		if len(ms) < 100 {
			t.Fatalf("%d mentions", len(ms))
		}
		// Tags and corrections go with the post.
		must(s.Correct(ctx, f.ws.ID, ms[0].ID, map[string]string{FieldSentiment: vigie.Negative}, "tester"))(t)

		var refs []PostRef
		gone := map[int64]bool{}
		for _, m := range ms[:30] {
			refs = append(refs, PostRef{Kind: m.Post.Source, ID: m.Post.ID})
			gone[m.ID] = true
		}
		refs = append(refs, PostRef{Kind: "mastodon", ID: "never-stored"})
		n, missing, err := s.DeletePosts(ctx, src, refs)
		if err != nil || n != 30 || len(missing) != 1 || missing[0] != (PostRef{Kind: "mastodon", ID: "never-stored"}) {
			t.Fatalf("DeletePosts deleted %d, missing %v, %v; want 30, the post never stored", n, missing, err)
		}
		if n, missing, err := s.DeletePosts(ctx, src, refs); err != nil || n != 0 || len(missing) != 1 {
			t.Fatalf("deleting again deleted %d (missing %v, %v)", n, missing, err)
		}
		// A deleted post never stored (the recent window kept it): its
		// tombstone.
		if n := must(s.TombstonePosts(ctx, src, missing))(t); n != 1 {
			t.Fatalf("TombstonePosts made %d", n)
		}
		ref := StoredRef(src.Kind, src.ID, &vigie.Post{ID: "never-stored", Source: "mastodon"})
		if d := must(s.DeletedPosts(ctx, []PostRef{ref, {Kind: "mastodon", ID: "nothing"}}))(t); !d[ref] || len(d) != 1 {
			t.Fatalf("DeletedPosts %v", d)
		}
		if known := must(s.KnownPosts(ctx, src, "mastodon", []string{"never-stored"}))(t); !known["never-stored"] {
			t.Fatal("a tombstone of a kept post is not known: a backfill would store it")
		}
		checkRollups(t, s, "after DeletePosts")
		after := allMentions(t, s, f.ws.ID)
		if len(after) != len(ms)-30 {
			t.Fatalf("%d mentions left of %d, want %d", len(after), len(ms), len(ms)-30)
		}
		for _, m := range after {
			if gone[m.ID] {
				t.Fatalf("deleted post %d still listed", m.ID)
			}
		}
		var text string
		var deleted bool
		if err := s.db.QueryRow(s.q("SELECT text || title || url || search_text, deleted_at IS NOT NULL FROM posts WHERE id = ?"), ms[0].ID).Scan(&text, &deleted); err != nil {
			t.Fatal(err)
		}
		if text != "" || !deleted {
			t.Fatalf("tombstone keeps %q (deleted %v)", text, deleted)
		}
		for _, table := range []string{"mentions", "post_entities", "mention_tags", "corrections"} {
			var n int
			if err := s.db.QueryRow(s.q("SELECT COUNT(*) FROM "+table+" WHERE post_id = ?"), ms[0].ID).Scan(&n); err != nil || n != 0 {
				t.Fatalf("%s keeps %d rows of a deleted post (%v)", table, n, err)
			}
		}
		// A re-delivery of a deleted post is known, and stores nothing.
		redo := Item{Post: ms[0].Post, MonitorKeys: []string{"b1"}}
		known := must(s.KnownPosts(ctx, src, redo.Post.Source, []string{redo.Post.ID}))(t)
		if !known[redo.Post.ID] {
			t.Fatal("a deleted post is not known: a re-delivery would bring it back")
		}
		saved := must(saveBatch(s, ctx, src.ID, []Item{redo}, nil))(t)
		if saved.Posts != 0 || saved.Mentions != 0 {
			t.Fatalf("re-delivery of a deleted post stored %+v", saved)
		}
		// Nor does a monitor's backfill over stored posts.
		if n := must(s.AddMentions(ctx, f.ws.ID, "k1", []int64{ms[0].ID}))(t); n != 0 {
			t.Fatalf("a backfill gave a deleted post %d mentions", n)
		}
		// Another source cannot delete this one's posts.
		other := must(s.CreateSource(ctx, vigie.Source{WorkspaceID: f.other.ID, Kind: vigie.SourceSimulator, Name: "other", Enabled: true}))(t)
		if n, _, _ := s.DeletePosts(ctx, &other, []PostRef{{Kind: after[0].Post.Source, ID: after[0].Post.ID}}); n != 0 {
			t.Fatalf("another workspace's source deleted %d posts", n)
		}

		// Edits: a post moves from its monitors to k1, another matches
		// nothing any more, a third was never stored.
		moved, dropped := after[0], after[1]
		edit := func(m vigie.Mention, txt string, monitors ...string) Item {
			p := m.Post
			p.Text = txt
			return Item{Post: p, MonitorKeys: monitors, Enrichment: Enrichment{Lang: "fr", Sentiment: vigie.Sentiment{Label: vigie.Positive, Score: 0.8},
				Entities: vigie.Entities{Hashtags: []string{"edited"}}}}
		}
		fresh := edit(moved, "brand new")
		fresh.Post.ID = "brand-new"
		edits := keyed(s, []Item{edit(moved, "edited text", "k1"), edit(dropped, "nothing now"), fresh, edit(ms[1], "deleted stays deleted", "k1")})
		n, notStored, err := s.UpdatePosts(ctx, src, edits)
		if err != nil || n != 2 || !slices.Equal(notStored, []int{2}) {
			t.Fatalf("UpdatePosts: %d updated, not stored %v, %v", n, notStored, err)
		}
		checkRollups(t, s, "after UpdatePosts")
		checkOverviews(t, s, f.ws.ID, "after UpdatePosts")
		m, err := s.FindMention(ctx, f.ws.ID, moved.ID)
		if err != nil || m.Post.Text != "edited text" || !slices.Equal(m.MonitorIDs, []string{"k1"}) || m.Sentiment.Label != vigie.Positive ||
			!slices.Equal(m.Entities.Hashtags, []string{"edited"}) {
			t.Fatalf("edited mention: %+v %v", m, err)
		}
		page := must(s.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: f.ws.ID, Query: `"edited text"`}))(t)
		if page.Total != 1 || page.Mentions[0].ID != moved.ID {
			t.Fatalf("search finds %d posts with the edited text", page.Total)
		}
		if _, err := s.FindMention(ctx, f.ws.ID, dropped.ID); err == nil {
			t.Fatal("a post edited out of every monitor is still a mention")
		}
	})
}
