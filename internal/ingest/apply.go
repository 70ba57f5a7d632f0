package ingest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
	"github.com/vigie-project/vigie/internal/recent"
	"github.com/vigie-project/vigie/internal/store"
)

// Applier stores a source's batch, with state (its cursor) once the batch
// is safe: Pipeline does it in this process; the bus (internal/bus) makes
// the batch durable for the match workers of other processes, then saves
// the state.
type Applier interface {
	Apply(ctx context.Context, src *vigie.Source, b connector.Batch, state *vigie.SourceState) (Result, Changes, error)
}

var _ Applier = (*Pipeline)(nil)

// ErrUnavailable wraps an Applier's error when it cannot take batches for
// a while (the bus cannot be reached): the sender should send again later.
var ErrUnavailable = errors.New("unavailable for a while")

// Changes counts what a batch's deletions and edits did.
type Changes struct {
	Deleted int // stored posts tombstoned
	Edited  int // stored posts updated and matched again
}

// Apply stores a connector's batch: its deletions first, then its edits,
// then its posts with state (the cursor) in their transaction. Each step
// is idempotent, so a crash between two replays the batch harmlessly: a
// deleted post is a tombstone that a re-delivery does not bring back. A
// post deleted in the same batch is not stored.
func (p *Pipeline) Apply(ctx context.Context, src *vigie.Source, b connector.Batch, state *vigie.SourceState) (Result, Changes, error) {
	var ch Changes
	posts := b.Posts
	edits := b.Edits
	if len(b.Deletes) > 0 {
		gone := map[string]bool{}
		goneAuthors := map[string]bool{}
		var refs []store.PostRef
		for _, d := range b.Deletes {
			kind := d.Kind
			if kind == "" {
				kind = string(src.Kind)
			}
			switch {
			case d.ID != "":
				gone[strings.ToLower(kind)+"\x00"+d.ID] = true
				refs = append(refs, store.PostRef{Kind: kind, ID: d.ID})
			case d.AuthorID != "":
				goneAuthors[strings.ToLower(kind)+"\x00"+d.AuthorID] = true
				n, err := p.Store.DeleteAuthorPosts(ctx, src, kind, d.AuthorID)
				if err != nil {
					return Result{}, ch, err
				}
				ch.Deleted += n
			}
		}
		if len(refs) > 0 {
			n, missing, err := p.Store.DeletePosts(ctx, src, refs)
			if err != nil {
				return Result{}, ch, err
			}
			ch.Deleted += n
			// A post created and deleted in one batch never reaches the
			// store, and a webhook's sender may send a deletion before the
			// post (a retried delivery): both get a tombstone, so that the
			// post sent again stays deleted. A firehose's other deletions
			// (most of them, of posts never seen) leave nothing.
			inBatch := map[string]bool{}
			for _, post := range append(slices.Clone(b.Posts), b.Edits...) {
				kind := post.Source
				if kind == "" {
					kind = string(src.Kind)
				}
				inBatch[strings.ToLower(kind)+"\x00"+post.ID] = true
			}
			var seen, unseen []store.PostRef
			for _, r := range missing {
				if src.Kind == vigie.SourceWebhook || inBatch[strings.ToLower(r.Kind)+"\x00"+r.ID] {
					seen = append(seen, r)
				} else {
					unseen = append(unseen, r)
				}
			}
			made, err := p.Store.TombstonePosts(ctx, src, seen)
			if err != nil {
				return Result{}, ch, err
			}
			p.stats.Deleted.Add(int64(made))
			if err := p.forgetKept(ctx, src, unseen); err != nil {
				return Result{}, ch, err
			}
		}
		keep := func(ps []vigie.Post) []vigie.Post {
			out := ps[:0:0]
			for _, post := range ps {
				kind := post.Source
				if kind == "" {
					kind = string(src.Kind)
				}
				if !gone[strings.ToLower(kind)+"\x00"+post.ID] && (post.Author.ID == "" || !goneAuthors[strings.ToLower(kind)+"\x00"+post.Author.ID]) {
					out = append(out, post)
				}
			}
			return out
		}
		posts, edits = keep(posts), keep(edits)
	}
	if len(edits) > 0 {
		n, fresh, err := p.edit(ctx, src, edits)
		if err != nil {
			return Result{}, ch, err
		}
		ch.Edited = n
		posts = append(fresh, posts...)
	}
	res, err := p.Process(ctx, src, posts, state)
	p.stats.Deleted.Add(int64(ch.Deleted))
	p.stats.Edited.Add(int64(ch.Edited))
	return res, ch, err
}

// forgetKept records the deletion of posts the source never stored but
// kept in the recent window (they matched no monitor): a tombstone each,
// so that a backfill does not store them and a query's test does not count
// or show them. Deletions of posts the source never kept (most of a
// firehose's) leave nothing behind.
func (p *Pipeline) forgetKept(ctx context.Context, src *vigie.Source, missing []store.PostRef) error {
	if !p.KeepRecent || len(missing) == 0 {
		return nil
	}
	keys := make([]uint64, len(missing))
	for i, r := range missing {
		keys[i] = recent.Key(src.ID, store.StoredRef(src.Kind, src.ID, &vigie.Post{ID: r.ID, Source: r.Kind}))
	}
	held, err := p.kept.held(ctx, p.Store, src.ID, keys)
	if err != nil {
		return fmt.Errorf("reading the keys of kept posts: %w", err)
	}
	var gone []store.PostRef
	for i, ok := range held {
		if ok {
			gone = append(gone, missing[i])
		}
	}
	n, err := p.Store.TombstonePosts(ctx, src, gone)
	p.stats.Deleted.Add(int64(n))
	return err
}

// edit matches edited posts again and updates the stored ones; it returns
// how many, and the posts it did not store before, to be taken as new.
func (p *Pipeline) edit(ctx context.Context, src *vigie.Source, edits []vigie.Post) (int, []vigie.Post, error) {
	scope, err := p.Store.SourceScope(ctx, src.ID)
	if err != nil {
		return 0, nil, fmt.Errorf("the workspaces of source %d: %w", src.ID, err)
	}
	var valid []int
	var invalid []vigie.Post
	for i := range edits {
		edits[i].StripNUL()
		if edits[i].Validate() != nil {
			invalid = append(invalid, edits[i]) // Process rejects it, saying why
			continue
		}
		edits[i].ClampCounts()
		edits[i].NormalizeLang()
		valid = append(valid, i)
	}
	stored := func(post *vigie.Post) string { return store.StoredID(src.Kind, src.ID, post.Source, post.ID) }
	items, unmatched := p.match(edits, valid, scope, stored)
	for _, i := range unmatched {
		// No longer a match: its mentions of this source's monitors go.
		items = append(items, store.Item{Post: edits[i]})
	}
	n, missing, err := p.Store.UpdatePosts(ctx, src, items)
	if err != nil {
		return 0, nil, err
	}
	fresh := invalid
	for _, i := range missing {
		fresh = append(fresh, items[i].Post)
	}
	return n, fresh, nil
}
