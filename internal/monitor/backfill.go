package monitor

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/match"
	"github.com/vigie-project/vigie/internal/recent"
	"github.com/vigie-project/vigie/internal/store"
	"github.com/vigie-project/vigie/internal/text"
)

// Reindex brings a monitor's mentions in line with its query: its stored
// mentions that no longer match are removed (the query changed), and the
// stored posts published at or after since (zero: all of them) that match
// are recorded, as are the posts kept in the recent window that match
// (they are stored). progress, when set, is called after each page of
// posts. It returns the posts read, those that match, the mentions added
// and removed.
func (s *Service) Reindex(ctx context.Context, workspaceID int64, id string, since time.Time, progress func(scanned, matched int)) (ReindexResult, error) {
	m, err := s.Store.FindMonitorByID(ctx, workspaceID, id)
	if err != nil {
		return ReindexResult{}, err
	}
	t := &target{m: m}
	if err := s.backfill(ctx, []*target{t}, since, nil, progress); err != nil {
		return t.r, err
	}
	if t.gone {
		return t.r, vigie.ErrNotFound
	}
	return t.r, t.err
}

// ReindexResult counts what Reindex did.
type ReindexResult struct {
	Scanned, Matched, Added, Removed int
	// Unreadable counts the chunks of kept posts that could not be read
	// (skipped); UnreadableErr is the first one's error.
	Unreadable    int
	UnreadableErr error
}

// target is one monitor of a backfill pass.
type target struct {
	m    vigie.MonitorRecord
	r    ReindexResult
	err  error // its own failure: no more writes for it
	gone bool  // deleted, superseded or taken over: no more writes, no result
}

func (t *target) live() bool { return t.err == nil && !t.gone }

// fail records a target's own failure; a monitor deleted meanwhile is gone
// rather than failed.
func (t *target) fail(err error) {
	if errors.Is(err, vigie.ErrNotFound) {
		t.gone = true
		return
	}
	t.err = err
}

// backfill brings each target's mentions in line with its query and with
// the sources its workspace may see: first the mentions its query no
// longer matches, or of posts its workspace may no longer see, are
// removed, then one pass over the posts published since matches them
// against all the targets at once, then one over the posts kept in the
// recent window (backfillKept). keep, when set, is called between
// pages: it may mark targets gone (the caller's lease on them ended), and
// its error stops the pass. An error of one
// target stops only that target; the returned error is the pass's own.
func (s *Service) backfill(ctx context.Context, ts []*target, since time.Time, keep func() error, progress func(scanned, matched int)) error {
	ix := match.NewIndex()
	for _, t := range ts {
		q, err := Check(t.m.ID, t.m.Query)
		if err == nil {
			err = ix.Add(t.m.Key, q)
		}
		if err != nil {
			t.err = err
		}
	}
	mt := match.NewMatcher(ix)
	byID := make(map[string]*target, len(ts))
	for _, t := range ts {
		byID[t.m.Key] = t
	}
	anyLive := func() bool {
		for _, t := range ts {
			if t.live() {
				return true
			}
		}
		return false
	}
	step := func() error {
		if keep != nil {
			return keep()
		}
		return nil
	}

	// Mentions the queries no longer match, and those of posts the
	// workspace may no longer see (a source shared with it no longer is).
	// A post whose source was deleted is no one's to see any more, but
	// keeps the mentions it had, as the archive does.
	visible := map[int64]map[int64]bool{} // workspace → its sources
	for _, t := range ts {
		if t.live() && visible[t.m.WorkspaceID] == nil {
			vs, err := s.Store.VisibleSourceIDs(ctx, t.m.WorkspaceID)
			if err != nil {
				t.fail(err)
				continue
			}
			visible[t.m.WorkspaceID] = vs
		}
		sees := visible[t.m.WorkspaceID]
		for after := int64(0); t.live(); {
			page, err := s.Store.ScanMonitorPosts(ctx, t.m.WorkspaceID, t.m.ID, after, 1000)
			if err != nil {
				t.fail(err)
				break
			}
			if len(page) == 0 {
				break
			}
			var stale []int64
			for i := range page {
				if src := page[i].SourceID; src != 0 && !sees[src] {
					stale = append(stale, page[i].ID)
					continue
				}
				found := false
				for _, id := range mt.Match(&page[i].Post) {
					found = found || id == t.m.Key
				}
				if !found {
					stale = append(stale, page[i].ID)
				}
			}
			n, err := s.Store.RemoveMentions(ctx, t.m.WorkspaceID, t.m.ID, stale)
			if err != nil {
				t.fail(err)
				break
			}
			t.r.Removed += n
			after = page[len(page)-1].ID
			if err := step(); err != nil {
				return err
			}
		}
	}

	// Posts they match: one pass for every workspace (when the targets are
	// of one workspace, over its visible posts only); AddMentions keeps the
	// posts each target's workspace may see.
	scope := int64(0)
	for i, t := range ts {
		if i == 0 || t.m.WorkspaceID == scope {
			scope = t.m.WorkspaceID
		} else {
			scope = 0
			break
		}
	}
	// A pass over several workspaces reads every post: each target counts
	// and matches only those its workspace may see (visible holds every
	// live target's), so that its figures tell nothing of the others'
	// archives.
	sees := func(t *target, p *vigie.Mention) bool {
		return scope != 0 || p.SourceID != 0 && visible[t.m.WorkspaceID][p.SourceID]
	}
	matched := map[*target][]int64{}
	scanned := map[int64]int{} // by workspace
	for after := int64(0); anyLive(); {
		page, err := s.Store.ScanPostsSince(ctx, scope, after, since, 1000)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			break
		}
		clear(matched)
		for i := range page {
			for _, id := range mt.Match(&page[i].Post) {
				if t := byID[id]; t != nil && t.live() && sees(t, &page[i]) {
					matched[t] = append(matched[t], page[i].ID)
				}
			}
		}
		counted := map[int64]bool{}
		for _, t := range ts {
			if ws := t.m.WorkspaceID; t.live() && !counted[ws] {
				counted[ws] = true
				for i := range page {
					if sees(t, &page[i]) {
						scanned[ws]++
					}
				}
			}
		}
		for _, t := range ts {
			if !t.live() {
				continue
			}
			t.r.Scanned = scanned[t.m.WorkspaceID]
			ids := matched[t]
			if len(ids) == 0 {
				continue
			}
			n, err := s.Store.AddMentions(ctx, t.m.WorkspaceID, t.m.ID, ids)
			if err != nil {
				t.fail(err)
				continue
			}
			t.r.Matched, t.r.Added = t.r.Matched+len(ids), t.r.Added+n
		}
		after = page[len(page)-1].ID
		if progress != nil && len(ts) == 1 {
			progress(ts[0].r.Scanned, ts[0].r.Matched)
		}
		if err := step(); err != nil {
			return err
		}
	}
	return s.backfillKept(ctx, ts, ix, scope, since, visible, scanned, step, progress)
}

// backfillKept matches the targets against the posts kept in the recent
// window (those that matched no monitor when they came) published since,
// of the sources each target's workspace may see, and stores those that
// match as the pipeline stores a matched post, with the targets' mentions.
// A kept post that is stored already is left to the pass over stored
// posts: running a backfill twice adds nothing the second time. scanned
// holds the posts read by workspace so far, and goes on counting.
func (s *Service) backfillKept(ctx context.Context, ts []*target, ix *match.Index, scope int64, since time.Time,
	visible map[int64]map[int64]bool, scanned map[int64]int, step func() error, progress func(scanned, matched int)) error {
	byID := make(map[string]*target, len(ts))
	for _, t := range ts {
		byID[t.m.Key] = t
	}
	sees := func(t *target, sourceID int64) bool { return scope != 0 || visible[t.m.WorkspaceID][sourceID] }
	if !slices.ContainsFunc(ts, (*target).live) {
		return nil
	}
	enrich := s.Enrich
	if enrich == nil {
		enrich = func(_ *text.Doc, lang string) store.Enrichment { return store.Enrichment{Lang: lang} }
	}
	o := recent.ScanOptions{WorkspaceID: scope, PublishedSince: since, Index: ix, Enrich: enrich}
	res, err := recent.Scan(ctx, s.Store, o, func(pg *recent.Page) error {
		counted := map[int64]bool{}
		for _, t := range ts {
			if ws := t.m.WorkspaceID; t.live() && !counted[ws] {
				counted[ws] = true
				for i, c := range pg.Chunks {
					if sees(t, c.SourceID) {
						scanned[ws] += pg.Posts[i]
					}
				}
			}
		}
		// The hits, by source: each is stored through its source.
		type hit struct {
			h  *recent.Hit
			ts []*target
		}
		bySource := map[int64][]hit{}
		for i := range pg.Hits {
			h := &pg.Hits[i]
			c := &pg.Chunks[h.Chunk]
			var mine []*target
			for _, key := range h.Monitors {
				if t := byID[key]; t != nil && t.live() && sees(t, c.SourceID) {
					mine = append(mine, t)
				}
			}
			if len(mine) > 0 {
				bySource[c.SourceID] = append(bySource[c.SourceID], hit{h, mine})
			}
		}
		kinds := map[int64]vigie.SourceKind{}
		for _, c := range pg.Chunks {
			kinds[c.SourceID] = c.SourceKind
		}
		sources := make([]int64, 0, len(bySource))
		for id := range bySource {
			sources = append(sources, id)
		}
		slices.Sort(sources)
		for _, id := range sources {
			hits := bySource[id]
			src := vigie.Source{ID: id, Kind: kinds[id]}
			posts := make([]*vigie.Post, len(hits))
			for i, x := range hits {
				posts[i] = &x.h.Post
			}
			stored, err := s.storedAlready(ctx, &src, posts)
			if err != nil {
				return err
			}
			var items []store.Item
			var of [][]*target
			for _, x := range hits {
				// Stored already, or no longer valid (a rule added since it
				// was kept): SaveBatch would refuse the whole batch.
				if stored[store.StoredRef(src.Kind, src.ID, &x.h.Post)] || x.h.Post.Validate() != nil || !recent.Keepable(&x.h.Post) {
					continue
				}
				keys := make([]string, len(x.ts))
				for i, t := range x.ts {
					keys[i] = t.m.Key
				}
				items = append(items, store.Item{Post: x.h.Post, MonitorKeys: keys, Enrichment: x.h.Enrichment})
				of = append(of, x.ts)
			}
			if len(items) == 0 {
				continue
			}
			if _, err := s.Store.SaveBatch(ctx, id, items, nil); err != nil {
				if errors.Is(err, vigie.ErrNotFound) {
					continue // the source was deleted meanwhile, and its kept posts with it
				}
				for _, mine := range of {
					for _, t := range mine {
						t.fail(err)
					}
				}
				continue
			}
			for _, mine := range of {
				for _, t := range mine {
					if t.live() {
						t.r.Matched++
						t.r.Added++
					}
				}
			}
		}
		for _, t := range ts {
			if t.live() {
				t.r.Scanned = scanned[t.m.WorkspaceID]
			}
		}
		if progress != nil && len(ts) == 1 {
			progress(ts[0].r.Scanned, ts[0].r.Matched)
		}
		if err := step(); err != nil {
			return err
		}
		if !slices.ContainsFunc(ts, (*target).live) {
			return errNoneLive
		}
		return nil
	})
	for _, t := range ts {
		t.r.Unreadable, t.r.UnreadableErr = res.Unreadable, res.Err
	}
	if errors.Is(err, errNoneLive) {
		return nil
	}
	return err
}

// errNoneLive ends a reading of kept posts whose targets all failed or went.
var errNoneLive = errors.New("no target left")

// storedAlready returns which of a source's posts are stored (by
// store.StoredRef).
func (s *Service) storedAlready(ctx context.Context, src *vigie.Source, posts []*vigie.Post) (map[store.PostRef]bool, error) {
	byKind := map[string][]string{}
	for _, p := range posts {
		ref := store.StoredRef(src.Kind, src.ID, p)
		byKind[ref.Kind] = append(byKind[ref.Kind], p.ID)
	}
	out := map[store.PostRef]bool{}
	for kind, ids := range byKind {
		known, err := s.Store.KnownPosts(ctx, src, kind, ids)
		if err != nil {
			return nil, err
		}
		for id := range known {
			out[store.StoredRef(src.Kind, src.ID, &vigie.Post{ID: id, Source: kind})] = true
		}
	}
	return out, nil
}
