package recent

import (
	"context"
	"runtime"
	"sync"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/enrich"
	"github.com/vigie-project/vigie/internal/match"
	"github.com/vigie-project/vigie/internal/store"
	"github.com/vigie-project/vigie/internal/text"
)

// ScanOptions say which kept posts Scan reads and what it matches them
// against.
type ScanOptions struct {
	// WorkspaceID limits the reading to the chunks of the sources the
	// workspace may see; 0 reads every source's (the caller then checks
	// each chunk's source).
	WorkspaceID int64
	// Since keeps the chunks received at or after it.
	Since time.Time
	// PublishedSince, when set, skips the posts published before it.
	PublishedSince time.Time
	// Deadline, when set, stops the reading once it is past (Result.Partial):
	// the chunks read by then are reported, newest first, and a chunk
	// begun is read whole.
	Deadline time.Time
	// Index holds the queries to match (monitors' keys as the hits' ids).
	Index *match.Index
	// Enrich, when set, is run on each hit on the matching workers, with
	// the post's analysis and language: what storing it needs
	// (ingest.Enrichment).
	Enrich func(d *text.Doc, lang string) store.Enrichment
	// PageChunks is how many chunks are read and matched together (0: 16).
	PageChunks int
}

// Hit is a kept post that matched.
type Hit struct {
	Post vigie.Post
	// Chunk is the index in Page.Chunks of the chunk that holds it.
	Chunk int
	// Monitors are the keys of the queries it matched.
	Monitors []string
	// Enrichment is ScanOptions.Enrich's result, when set.
	Enrichment store.Enrichment
}

// Page is what Scan read of some chunks, newest first.
type Page struct {
	// Chunks are the chunks read, without their data.
	Chunks []store.RecentChunk
	// Posts is, for each chunk, how many of its posts were matched (those
	// published at or after PublishedSince), and Oldest the publication of
	// the oldest of them.
	Posts  []int
	Oldest []time.Time
	Hits   []Hit
}

// Result sums a Scan.
type Result struct {
	Chunks, Posts int
	// Partial says the deadline stopped the reading before the oldest
	// chunk of the span.
	Partial bool
	// Unreadable counts the chunks skipped because they could not be
	// decoded (recent.ErrUnreadable); Err is the first one's error.
	Unreadable int
	Err        error
}

// Scan reads kept chunks newest first, decodes and matches them on all
// cores, and hands each page to fn in order; an error of fn stops it and
// is returned. A chunk that cannot be decoded is skipped and counted.
func Scan(ctx context.Context, st *store.Store, o ScanOptions, fn func(*Page) error) (Result, error) {
	var r Result
	if o.PageChunks <= 0 {
		o.PageChunks = 16
	}
	workers := runtime.GOMAXPROCS(0)
	var matchers sync.Pool
	matchers.New = func() any { return newMatcher(o.Index) }
	f := store.RecentFilter{WorkspaceID: o.WorkspaceID, Since: o.Since, Limit: o.PageChunks}
	for {
		if err := ctx.Err(); err != nil {
			return r, err
		}
		if r.Chunks > 0 && past(o.Deadline) {
			r.Partial = true
			return r, nil
		}
		chunks, err := st.RecentChunks(ctx, f)
		if err != nil {
			return r, err
		}
		if len(chunks) == 0 {
			return r, nil
		}
		f.After = chunks[len(chunks)-1].Cursor()

		type result struct {
			done   bool
			posts  int
			oldest time.Time
			hits   []Hit
			err    error
		}
		results := make([]result, len(chunks))
		first := r.Chunks == 0
		var wg sync.WaitGroup
		next := make(chan int)
		for range min(workers, len(chunks)) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				m := matchers.Get().(*matcher)
				defer matchers.Put(m)
				for i := range next {
					// The first chunk of a reading is always read: a test
					// answers with something, however slow the machine.
					if (!first || i > 0) && past(o.Deadline) {
						continue
					}
					res := &results[i]
					res.posts, res.oldest, res.hits, res.err = m.chunk(&chunks[i], i, &o)
					res.done = true
				}
			}()
		}
		for i := range chunks {
			next <- i
		}
		close(next)
		wg.Wait()

		page := &Page{}
		for i := range chunks {
			res := &results[i]
			if !res.done {
				r.Partial = true
				break
			}
			c := chunks[i]
			c.Data = nil
			r.Chunks++
			page.Chunks = append(page.Chunks, c)
			page.Posts = append(page.Posts, res.posts)
			page.Oldest = append(page.Oldest, res.oldest)
			if res.err != nil {
				r.Unreadable++
				if r.Err == nil {
					r.Err = res.err
				}
				continue
			}
			r.Posts += res.posts
			for _, h := range res.hits {
				h.Chunk = len(page.Chunks) - 1
				page.Hits = append(page.Hits, h)
			}
		}
		if len(page.Chunks) > 0 {
			if err := fn(page); err != nil {
				return r, err
			}
		}
		if r.Partial {
			return r, nil
		}
	}
}

func past(deadline time.Time) bool { return !deadline.IsZero() && time.Now().After(deadline) }

// matcher is one worker's matching state: as the pipeline's, languages are
// detected only where a query's lang: test depends on them.
type matcher struct {
	m    *match.Matcher
	an   text.Analyzer
	hint string
}

func newMatcher(ix *match.Index) *matcher {
	w := &matcher{m: match.NewMatcher(ix)}
	w.m.DetectLang = func(d *text.Doc) string { return enrich.Language(d, w.hint) }
	return w
}

// chunk decodes and matches one chunk's posts published since
// o.PublishedSince, and returns how many and the oldest publication.
func (w *matcher) chunk(c *store.RecentChunk, i int, o *ScanOptions) (int, time.Time, []Hit, error) {
	posts, err := Unpack(c)
	if err != nil {
		return 0, time.Time{}, nil, err
	}
	var hits []Hit
	var oldest time.Time
	n := 0
	for j := range posts {
		p := &posts[j]
		if !o.PublishedSince.IsZero() && p.PublishedAt.Before(o.PublishedSince) {
			continue
		}
		if n++; oldest.IsZero() || p.PublishedAt.Before(oldest) {
			oldest = p.PublishedAt
		}
		d := w.an.Analyze(p)
		w.hint = p.Lang
		ids := w.m.MatchDoc(d)
		if len(ids) == 0 {
			continue
		}
		h := Hit{Post: *p, Chunk: i, Monitors: append([]string(nil), ids...)}
		if o.Enrich != nil {
			lang := d.Lang
			if !w.m.LangDetected {
				lang = enrich.Language(d, p.Lang)
			}
			h.Enrichment = o.Enrich(d, lang)
		}
		hits = append(hits, h)
	}
	return n, oldest, hits, nil
}
