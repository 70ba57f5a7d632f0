// Package ingest moves posts from sources into the store: normalise, drop
// posts already stored, match against every monitor, store the mentions —
// with the source's cursor saved in the same transaction as the posts before
// it, so a crash at any point loses nothing and duplicates nothing.
package ingest

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/enrich"
	"github.com/vigie-project/vigie/internal/match"
	"github.com/vigie-project/vigie/internal/recent"
	"github.com/vigie-project/vigie/internal/store"
	"github.com/vigie-project/vigie/internal/text"
)

// Pipeline matches and stores batches of posts. Process is safe for
// concurrent use; each call returns once its batch is committed, so a slow
// store slows the sources that feed it and nothing waits in memory unbounded.
type Pipeline struct {
	Index *match.Index
	Store *store.Store
	// OnStored, when set, is called after a batch stored new mentions,
	// with the keys of the monitors the batch matched (it wakes the live
	// streams, and the alert engine for those monitors' rules); it must
	// not block, nor keep the slice.
	OnStored func(monitorKeys []string)
	// Now, when set, is the clock posts dated in the future are refused by
	// (tests); time.Now otherwise.
	Now func() time.Time
	// FollowStore makes Prepare add to the near-duplicate window the posts
	// other processes stored since (match workers sharing a database), so
	// that a copy matched here links to an original another worker
	// stored. LoadRecent starts it.
	FollowStore bool
	// KeepRecent keeps the posts that match no monitor in the recent
	// window (internal/recent), for tests of queries and backfills; the
	// store's purge (store.PurgeRecent) ends their stay.
	KeepRecent bool

	workers  int
	matchers sync.Pool
	followMu sync.Mutex
	followed int64 // the last post id FollowStore read
	stats    Stats
	nearDup  *enrich.NearDup

	// kept holds the keys of the posts kept by each source, and of those
	// of batches prepared and not yet committed: a bulk loader prepares a
	// batch while the previous one is stored, and a post in both is kept
	// once.
	kept *keptKeys
}

// Near-duplicates are looked for among the posts stored in the last two
// days, within enrich.NearDupDistance bits of their simhash.
const nearDupWindow = 48 * time.Hour

// Stats are the pipeline's counters since start, for /metrics.
type Stats struct {
	PostsIn      atomic.Int64 // posts received from sources
	Invalid      atomic.Int64 // posts rejected by validation
	Duplicates   atomic.Int64 // posts already stored (re-delivered)
	Matched      atomic.Int64 // posts that matched at least one monitor
	Stored       atomic.Int64 // posts newly stored
	Mentions     atomic.Int64 // mentions newly stored
	BatchErrors  atomic.Int64 // batches the store refused
	MatchesTotal atomic.Int64 // (post, monitor) matches
	Kept         atomic.Int64 // posts that matched no monitor, kept in the recent window
	KeptBefore   atomic.Int64 // posts that matched no monitor and were kept already (re-delivered)
	Deleted      atomic.Int64 // stored posts their network deleted
	Edited       atomic.Int64 // stored posts their network edited, matched again
}

// NewPipeline returns a pipeline over an index and a store.
func NewPipeline(ix *match.Index, st *store.Store) *Pipeline {
	// One core is left to the store's writer: it is the critical path of a
	// busy pipeline (a bulk import commits one batch while the next is
	// matched), and Go shares the cores among runnable goroutines alike. With
	// as many matching goroutines as cores, the 1M-post import's writer ran
	// 60 s of wall time for 44 s of CPU on two cores, never waiting for a
	// batch: it was waiting for a core.
	p := &Pipeline{Index: ix, Store: st, workers: max(runtime.GOMAXPROCS(0)-1, 1), nearDup: enrich.NewNearDup(nearDupWindow, enrich.NearDupDistance),
		kept: newKeptKeys()}
	p.matchers.New = func() any {
		w := &worker{m: match.NewMatcher(ix)}
		w.m.DetectLang = func(d *text.Doc) string { return enrich.Language(d, w.hint) }
		return w
	}
	return p
}

// Stats returns the live counters.
func (p *Pipeline) Stats() *Stats { return &p.stats }

// Result says what happened to a batch.
type Result struct {
	Received, Invalid, Duplicates, Matched int
	// KeptBefore counts the posts that matched no monitor and were in the
	// recent window already; Saved.Kept those kept now.
	KeptBefore int
	store.Saved
	Rejected []Rejected // posts that failed validation, with the reason
}

// Rejected is a post that could not be taken, and why.
type Rejected struct {
	Index int // position in the batch
	ID    string
	Err   error
}

// Process validates, de-duplicates, matches and stores one batch from a
// source. state, when not nil, is saved in the same transaction: pass the
// cursor that follows the batch. Posts are matched against the monitors of
// the source's workspace only, or of its organisation's workspaces when an
// administrator shared it. Only posts that match a monitor are stored
// (architecture.md); the others are kept compressed in the recent window
// when KeepRecent is set, else counted and dropped.
func (p *Pipeline) Process(ctx context.Context, src *vigie.Source, posts []vigie.Post, state *vigie.SourceState) (Result, error) {
	pr, err := p.Prepare(ctx, src, posts)
	if err != nil {
		return pr.res, err
	}
	return p.Commit(ctx, pr, state)
}

// Prepared is a batch validated, de-duplicated, matched and enriched, ready
// to be stored by Commit.
type Prepared struct {
	src   *vigie.Source
	items []store.Item
	// monitors are the keys of the monitors items matched, each once.
	monitors []string
	kept     []store.RecentChunk
	keys     []uint64 // of kept's posts, held in Pipeline.kept until committed
	res      Result
}

// Prepare does everything Process does before storing. A bulk loader may
// prepare a batch while the previous one is committed (two cores at work),
// as long as it commits them in the order it prepared them: near-duplicates
// of one batch point at posts of the batches before it.
func (p *Pipeline) Prepare(ctx context.Context, src *vigie.Source, posts []vigie.Post) (*Prepared, error) {
	pr := &Prepared{src: src, res: Result{Received: len(posts)}}
	res := &pr.res
	p.stats.PostsIn.Add(int64(len(posts)))
	scope, err := p.Store.SourceScope(ctx, src.ID)
	if err != nil {
		return pr, fmt.Errorf("the workspaces of source %d: %w", src.ID, err)
	}
	// A post is known by its source too unless the source is authoritative
	// for its ids (store.StoredID): the dedupe below and the near-duplicate
	// window use the same identity as the store.
	stored := func(post *vigie.Post) string {
		return store.StoredID(src.Kind, src.ID, post.Source, post.ID)
	}

	now := time.Now()
	if p.Now != nil {
		now = p.Now()
	}
	valid := make([]int, 0, len(posts))
	seen := make(map[string]bool, len(posts))
	for i := range posts {
		posts[i].StripNUL()
		err := posts[i].Validate()
		if err == nil {
			err = posts[i].CheckDate(now)
		}
		if err != nil {
			res.Rejected = append(res.Rejected, Rejected{Index: i, ID: posts[i].ID, Err: err})
			continue
		}
		posts[i].ClampCounts()
		posts[i].NormalizeLang()
		key := posts[i].Source + "\x00" + stored(&posts[i])
		if seen[key] {
			res.Duplicates++ // twice in the same batch
			continue
		}
		seen[key] = true
		valid = append(valid, i)
	}
	res.Invalid = len(res.Rejected)
	p.stats.Invalid.Add(int64(res.Invalid))

	// Drop what the store already has (re-delivery after a crash or a feed
	// that repeats its items), by source kind.
	byKind := map[string][]string{}
	for _, i := range valid {
		byKind[posts[i].Source] = append(byKind[posts[i].Source], posts[i].ID)
	}
	known := map[string]bool{}
	for kind, ids := range byKind {
		k, err := p.Store.KnownPosts(ctx, src, kind, ids)
		if err != nil {
			return pr, fmt.Errorf("checking known posts: %w", err)
		}
		for id := range k {
			known[kind+"\x00"+id] = true
		}
	}
	fresh := valid[:0]
	for _, i := range valid {
		if known[posts[i].Source+"\x00"+posts[i].ID] {
			res.Duplicates++
			continue
		}
		fresh = append(fresh, i)
	}
	p.stats.Duplicates.Add(int64(res.Duplicates))

	if p.FollowStore {
		if err := p.follow(ctx, now); err != nil {
			return pr, err
		}
	}
	var unmatched []int
	pr.items, unmatched = p.match(posts, fresh, scope, stored)
	res.Matched = len(pr.items)
	if p.OnStored != nil {
		pr.monitors = monitorKeys(pr.items)
	}
	p.stats.Matched.Add(int64(len(pr.items)))
	if p.KeepRecent && len(unmatched) > 0 {
		if err := p.keep(ctx, pr, posts, unmatched); err != nil {
			return pr, err
		}
	}
	return pr, nil
}

// keep packs the posts that matched no monitor for the recent window,
// but for those kept before (a feed delivers its items again whenever one
// changes) or by a batch prepared and not yet committed.
func (p *Pipeline) keep(ctx context.Context, pr *Prepared, posts []vigie.Post, unmatched []int) error {
	src := pr.src
	keys := make([]uint64, len(unmatched))
	for j, i := range unmatched {
		keys[j] = recent.Key(src.ID, store.StoredRef(src.Kind, src.ID, &posts[i]))
	}
	fresh, err := p.kept.claim(ctx, p.Store, src.ID, keys)
	if err != nil {
		return fmt.Errorf("reading the keys of kept posts: %w", err)
	}
	keep := make([]*vigie.Post, 0, len(unmatched))
	n := 0
	for j, i := range unmatched {
		if !fresh[j] {
			pr.res.KeptBefore++ // kept before, in this batch twice, or in one not yet committed
			continue
		}
		keep = append(keep, &posts[i])
		keys[n] = keys[j]
		n++
	}
	keys = keys[:n]
	p.stats.KeptBefore.Add(int64(pr.res.KeptBefore))
	pr.kept, pr.keys = recent.Pack(keep, keys, p.workers), keys
	return nil
}

// Commit stores a prepared batch, with the source's state when not nil.
func (p *Pipeline) Commit(ctx context.Context, pr *Prepared, state *vigie.SourceState) (Result, error) {
	res := pr.res
	saved, err := p.Store.SaveBatch(ctx, pr.src.ID, pr.items, state, pr.kept...)
	// Committed, the keys are the store's to know; refused, the batch's
	// posts may come again and be kept then.
	p.kept.release(pr.src.ID, pr.keys)
	if err != nil {
		p.stats.BatchErrors.Add(1)
		return res, fmt.Errorf("storing %d posts: %w", len(pr.items), err)
	}
	res.Saved = saved
	p.stats.Stored.Add(int64(saved.Posts))
	p.stats.Kept.Add(int64(saved.Kept))
	p.stats.Mentions.Add(int64(saved.Mentions))
	if saved.Mentions > 0 && p.OnStored != nil {
		p.OnStored(pr.monitors)
	}
	return res, nil
}

// monitorKeys returns the keys of the monitors the items matched, each
// once.
func monitorKeys(items []store.Item) []string {
	seen := map[string]struct{}{}
	var keys []string
	for i := range items {
		for _, k := range items[i].MonitorKeys {
			if _, ok := seen[k]; !ok {
				seen[k] = struct{}{}
				keys = append(keys, k)
			}
		}
	}
	return keys
}

// match returns the matching posts among posts[idx] with their monitors, in
// batch order, using all cores for large batches, and the indexes of the
// posts that matched none.
func (p *Pipeline) match(posts []vigie.Post, idx []int, scope []int64, stored func(*vigie.Post) string) ([]store.Item, []int) {
	results := make([][]string, len(idx))
	enriched := make([]store.Enrichment, len(idx))
	work := func(lo, hi int) {
		w := p.matchers.Get().(*worker)
		defer p.matchers.Put(w)
		w.m.Scope = scope
		for j := lo; j < hi; j++ {
			// One analysis serves matching and enrichment. Languages are
			// detected while matching for the posts a lang: test depends
			// on (Matcher.DetectLang), then for the other posts that matched.
			post := &posts[idx[j]]
			d := w.an.Analyze(post)
			w.hint = post.Lang
			if ids := w.m.MatchDoc(d); len(ids) > 0 {
				lang := d.Lang
				if !w.m.LangDetected {
					lang = enrich.Language(d, post.Lang)
				}
				results[j] = append([]string(nil), ids...)
				enriched[j] = Enrichment(d, lang)
			}
		}
	}
	const chunk = 128
	if len(idx) <= chunk || p.workers == 1 {
		work(0, len(idx))
	} else {
		var wg sync.WaitGroup
		sem := make(chan struct{}, p.workers)
		for lo := 0; lo < len(idx); lo += chunk {
			hi := min(lo+chunk, len(idx))
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				work(lo, hi)
			}()
		}
		wg.Wait()
	}
	var items []store.Item
	var unmatched []int
	for j, ids := range results {
		if len(ids) == 0 {
			unmatched = append(unmatched, idx[j])
		} else {
			e := enriched[j]
			// Near-duplicates are linked in batch order, so that the first of
			// several copies in one batch is the one the others point at.
			if dup := p.nearDup.Add(posts[idx[j]].Source+"\x00"+stored(&posts[idx[j]]), e.Simhash, posts[idx[j]].PublishedAt); dup != "" {
				kind, id, _ := strings.Cut(dup, "\x00")
				e.NearDuplicateOf = store.PostRef{Kind: kind, ID: id}
			}
			items = append(items, store.Item{Post: posts[idx[j]], MonitorKeys: ids, Enrichment: e})
			p.stats.MatchesTotal.Add(int64(len(ids)))
		}
	}
	return items, unmatched
}

// worker is one matching goroutine's reusable state.
type worker struct {
	m    *match.Matcher
	an   text.Analyzer
	hint string // the declared language of the post being matched
}

// Enrichment computes what is stored with a matched post written in lang
// besides its near-duplicate link: its sentiment, simhash, entities and
// full-text search text. It runs on the matching workers, on matched posts
// only, so that the store's one writer has less to do. A backfill that
// stores kept posts (monitor.Service.Enrich) computes the same.
func Enrichment(d *text.Doc, lang string) store.Enrichment {
	return store.Enrichment{Lang: lang, Sentiment: enrich.Sentiment(d, lang), Simhash: enrich.Simhash(d), Entities: enrich.Extract(d),
		SearchText: store.SearchText(d)}
}

// follow adds to the near-duplicate window the posts stored since the last
// call, by this process or another (those of this one are there already,
// and twice changes nothing but memory).
func (p *Pipeline) follow(ctx context.Context, now time.Time) error {
	p.followMu.Lock()
	defer p.followMu.Unlock()
	for {
		recent, last, err := p.Store.StoredSimhashesAfter(ctx, p.followed, now.Add(-nearDupWindow), 10_000)
		if err != nil {
			return fmt.Errorf("reading the posts other processes stored: %w", err)
		}
		for _, r := range recent {
			p.nearDup.Add(r.Ref.Kind+"\x00"+r.Ref.ID, r.Simhash, r.At)
		}
		if last == p.followed {
			return nil
		}
		p.followed = last
	}
}

// LoadRecent refills the near-duplicate window from the posts stored in its
// last span, so that a copy arriving just after a restart is still linked to
// its original. Call it at start-up, before sources run.
func (p *Pipeline) LoadRecent(ctx context.Context, now time.Time) (int, error) {
	last, err := p.Store.MaxPostID(ctx)
	if err != nil {
		return 0, err
	}
	p.followMu.Lock()
	p.followed = last
	p.followMu.Unlock()
	recent, err := p.Store.RecentSimhashes(ctx, now.Add(-nearDupWindow))
	if err != nil {
		return 0, err
	}
	for _, r := range recent {
		p.nearDup.Add(r.Ref.Kind+"\x00"+r.Ref.ID, r.Simhash, r.At)
	}
	return len(recent), nil
}
