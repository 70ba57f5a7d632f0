package monitor

import (
	"context"
	"errors"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/match"
)

// Reindex brings a monitor's mentions in line with its query: its stored
// mentions that no longer match are removed (the query changed), and the
// stored posts published at or after since (zero: all of them) that match
// are recorded. progress, when set, is called after each page of posts. It
// returns the posts read, those that match, the mentions added and removed.
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
// against all the targets at once. keep, when set, is called between
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
	return nil
}
