package recent

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/match"
	"github.com/vigie-project/vigie/internal/query"
	"github.com/vigie-project/vigie/internal/store"
)

// TryOptions say what Try tries a query on.
type TryOptions struct {
	WorkspaceID int64
	Query       string
	// Window is how far back: the workspace's mentions published in it,
	// and the posts kept in the recent window received in it.
	Window time.Duration
	// Kept reads the posts kept in the recent window too (it is on).
	Kept bool
	// Budget bounds the time spent reading kept posts, newest first (0:
	// none); the result then covers a shorter span and says so.
	Budget time.Duration
	// Samples is how many of the newest matches to return.
	Samples int
	Now     time.Time
}

// Tried is what a query would have matched.
type Tried struct {
	// Total is Stored plus Kept: the workspace's stored mentions the query
	// matches and the kept posts it matches that are not among them.
	Total, Stored, Kept int
	// Approximate is set when Stored is estimated (a search with very many
	// candidates, vigie.MentionPage.Approximate).
	Approximate bool
	// Received is how many posts were looked at: the workspace's stored
	// mentions of the span and the kept posts read.
	Received int
	// From is where the span of publication begins (it ends at Now):
	// Now-Window, or later when the archive and the kept posts do not reach
	// that far (Young). Partial says the budget ran out before every kept
	// post of the span was read: Kept and Total are then lower bounds.
	From           time.Time
	Young, Partial bool
	// Samples are the newest matches, stored or kept, newest first.
	Samples []vigie.Post
	// Unreadable counts the chunks of kept posts skipped because they
	// could not be read; Err is the first one's error.
	Unreadable int
	Err        error
}

// Try counts what a query would have matched over a recent span: among
// the workspace's stored mentions (the store's search, as the mention list
// finds them) and among the kept posts of the sources the workspace may
// see, newest first, within the budget. A kept post that is stored
// meanwhile with one of the workspace's mentions (a backfill stored it) is
// counted once, as a stored mention.
func Try(ctx context.Context, st *store.Store, o TryOptions) (Tried, error) {
	var t Tried
	q, err := query.Parse(o.Query)
	if err != nil {
		return t, fmt.Errorf("try query: %w: %v", vigie.ErrInvalid, err)
	}
	start := o.Now.Add(-o.Window)
	t.From = start

	// The span is by publication, for the stored mentions and the kept
	// posts alike (a backfill stores what was published in its window):
	// posts received in the span but published before it — an import of
	// old posts — are not counted (an outside trial found a bulk import
	// counted over "the last hour" at millions a day). A kept post was
	// received after it was published, so the chunks received before the
	// span hold none of its posts.
	var samples []vigie.Post // the newest kept matches, newest first
	hits := 0
	mentioned := map[store.PostRef]time.Time{} // kept matches stored with a mention, and when they were published
	var oldest time.Time                       // the oldest publication among the kept posts read
	if o.Kept {
		ix := match.NewIndex()
		if err := ix.Add("q", q); err != nil {
			return t, fmt.Errorf("try query: %w", err)
		}
		so := ScanOptions{WorkspaceID: o.WorkspaceID, Since: start, PublishedSince: start, Index: ix}
		if o.Budget > 0 {
			so.Deadline = time.Now().Add(o.Budget)
		}
		res, err := Scan(ctx, st, so, func(pg *Page) error {
			for i := range pg.Chunks {
				if pg.Posts[i] > 0 && (oldest.IsZero() || pg.Oldest[i].Before(oldest)) {
					oldest = pg.Oldest[i]
				}
			}
			refs := make([]store.PostRef, len(pg.Hits))
			for i := range pg.Hits {
				h := &pg.Hits[i]
				c := &pg.Chunks[h.Chunk]
				refs[i] = store.StoredRef(c.SourceKind, c.SourceID, &h.Post)
			}
			m, err := st.MentionedPosts(ctx, o.WorkspaceID, start, refs)
			if err != nil {
				return err
			}
			for ref, at := range m {
				mentioned[ref] = at
			}
			// A kept post its network deleted since is neither counted
			// nor shown (store.TombstonePosts).
			deleted, err := st.DeletedPosts(ctx, refs)
			if err != nil {
				return err
			}
			for i := range pg.Hits {
				if deleted[refs[i]] {
					continue
				}
				hits++
				if _, ok := m[refs[i]]; !ok {
					samples = newest(samples, pg.Hits[i].Post, o.Samples)
				}
			}
			return nil
		})
		if err != nil {
			return t, err
		}
		// Cut short, the kept posts counted are the newest received: the
		// figure is then a lower bound over the whole span (Partial).
		t.Received, t.Partial, t.Unreadable, t.Err = res.Posts, res.Partial, res.Unreadable, res.Err
	}
	// A young archive: the span is what it holds, from its oldest mention
	// or kept post published in it.
	if !t.Partial {
		first, ok, err := st.FirstMentionSince(ctx, o.WorkspaceID, start)
		if err != nil {
			return t, err
		}
		if ok && (oldest.IsZero() || first.Before(oldest)) {
			oldest = first
		}
		if oldest.After(start) {
			t.From, t.Young = oldest, true
		}
	}

	page, err := st.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: o.WorkspaceID, Query: o.Query, From: t.From, Limit: max(o.Samples, 1)})
	if err != nil {
		return t, err
	}
	t.Stored, t.Approximate = page.Total, page.Approximate
	all, err := st.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: o.WorkspaceID, From: t.From, Limit: 1})
	if err != nil {
		return t, err
	}
	t.Received += all.Total

	// Kept matches stored meanwhile with a mention published in the span
	// are among the stored ones, and the posts looked at once.
	t.Kept = hits
	for _, at := range mentioned {
		if !at.Before(t.From) {
			t.Kept--
			t.Received--
		}
	}
	t.Total = t.Stored + t.Kept

	if o.Samples > 0 {
		out := make([]vigie.Post, 0, len(page.Mentions)+len(samples))
		for _, m := range page.Mentions {
			out = append(out, m.Post)
		}
		out = append(out, samples...)
		slices.SortStableFunc(out, func(a, b vigie.Post) int { return b.PublishedAt.Compare(a.PublishedAt) })
		t.Samples = out[:min(len(out), o.Samples)]
	}
	return t, nil
}

// newest adds p to list (newest first, at most n) if it is among the n
// newest published.
func newest(list []vigie.Post, p vigie.Post, n int) []vigie.Post {
	if n <= 0 {
		return list
	}
	i, _ := slices.BinarySearchFunc(list, p.PublishedAt, func(e vigie.Post, t time.Time) int { return t.Compare(e.PublishedAt) })
	if i >= n {
		return list
	}
	list = slices.Insert(list, i, p)
	return list[:min(len(list), n)]
}
