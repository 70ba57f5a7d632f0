package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/config"
	"github.com/vigie-project/vigie/internal/enrich"
	"github.com/vigie-project/vigie/internal/postjson"
	"github.com/vigie-project/vigie/internal/store"
	"github.com/vigie-project/vigie/internal/text"
)

// runEnrich enriches posts from a file (formats.md), or re-enriches the
// stored archive with the current models (--stored), leaving the team's
// corrections as they are.
func runEnrich(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("enrich", stderr)
	cfg := config.Defaults()
	cfg.Flags(fs, false)
	posts := fs.String("posts", "", "posts, JSON Lines (formats.md); - for standard input")
	stored := fs.Bool("stored", false, "re-enrich the stored posts (language, sentiment) with the current models; corrections are kept")
	stats := fs.Bool("stats", false, "print a summary on stderr: posts, µs per post, languages")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "posts enriched in parallel (at least 1)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case *stored && *posts != "":
		return usageErr("give either --posts FILE or --stored, not both")
	case *stored:
		if err := cfg.Resolve(fs); err != nil {
			return badInput(err)
		}
		return reenrichStored(cfg, stdout, stderr)
	case *posts == "":
		return usageErr("--posts is required, e.g. vigie enrich --posts posts.jsonl (or --stored to re-enrich the archive)")
	case *workers < 1:
		return usageErr("--workers must be at least 1, got %d", *workers)
	}
	in, closeIn, err := openInput(*posts)
	if err != nil {
		return err
	}
	defer closeIn()
	out := bufio.NewWriterSize(stdout, 1<<16)
	start := time.Now()
	st, err := enrichStream(in, out, *workers, func(line int, err error) {
		fmt.Fprintf(stderr, "%s line %d: skipped: %v\n", *posts, line, err)
	})
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	elapsed := time.Since(start)
	if st.skipped > 0 {
		fmt.Fprintf(stderr, "%d bad post lines skipped\n", st.skipped)
	}
	if *stats {
		fmt.Fprintf(stderr, "posts=%d near_duplicates=%d seconds=%.3f posts_per_s=%.1f (%d workers, reading and writing included)\n",
			st.posts, st.dups, elapsed.Seconds(), float64(st.posts)/elapsed.Seconds(), *workers)
		fmt.Fprintf(stderr, "languages: %s\nsentiment: %s\n", topCounts(st.langs, 12), topCounts(st.labels, 3))
	}
	return err
}

// enrichedPost is one line of `vigie enrich` output: the post, its language
// in effect (which shadows the post's own "lang") and its enrichment.
type enrichedPost struct {
	vigie.Post
	Lang            string          `json:"lang"`
	DeclaredLang    string          `json:"declared_lang,omitempty"`
	Sentiment       vigie.Sentiment `json:"sentiment"`
	Simhash         string          `json:"simhash"`
	NearDuplicateOf string          `json:"near_duplicate_of"`
	Entities        vigie.Entities  `json:"entities,omitzero"`

	hash uint64
}

type enrichStats struct {
	posts, skipped, dups int
	langs, labels        map[string]int
}

type enrichBatch struct {
	seq   int
	lines [][]byte
	nos   []int
	posts []enrichedPost
	bad   []badLine
}

// enrichStream enriches every post of r on workers and writes them to w in
// input order; near-duplicates are linked in that order, to the earliest
// earlier post of the run within the distance the pipeline uses. A few
// batches are in flight at a time, so memory does not grow with the input
// (but for the near-duplicate index, which holds every post of the run).
// Bad lines go to report in line order; a write error stops the reading.
func enrichStream(r io.Reader, w io.Writer, workers int, report func(line int, err error)) (enrichStats, error) {
	workers = max(workers, 1)
	st := enrichStats{langs: map[string]int{}, labels: map[string]int{}}
	// One run is one window: any earlier post of the file can be the original.
	nd := enrich.NewNearDup(100*365*24*time.Hour, enrich.NearDupDistance)
	jobs := make(chan *enrichBatch, workers)
	done := make(chan *enrichBatch, workers)
	slots := make(chan struct{}, 2*workers+2) // batches in flight
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var an text.Analyzer
			for b := range jobs {
				for i, line := range b.lines {
					var p vigie.Post
					if err := postjson.Decode(line, &p); err != nil {
						b.bad = append(b.bad, badLine{b.nos[i], fmt.Errorf("not a post: %v", err)})
						continue
					}
					if err := p.Validate(); err != nil {
						b.bad = append(b.bad, badLine{b.nos[i], err})
						continue
					}
					d := an.Analyze(&p)
					lang := enrich.Language(d, p.Lang)
					e := enrichedPost{Post: p, Lang: lang, Sentiment: enrich.Sentiment(d, lang), hash: enrich.Simhash(d), Entities: enrich.Extract(d)}
					if e.DeclaredLang = p.Lang; e.DeclaredLang == lang {
						e.DeclaredLang = ""
					}
					e.Simhash = fmt.Sprintf("%016x", e.hash)
					b.posts = append(b.posts, e)
				}
				b.lines = nil
				done <- b
			}
		}()
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(jobs)
		lr := newLineReader(r)
		seq := 0
		b := &enrichBatch{}
		send := func() bool {
			select {
			case slots <- struct{}{}:
			case <-stop:
				return false
			}
			jobs <- b
			seq++
			b = &enrichBatch{seq: seq}
			return true
		}
		for {
			line, no, err := lr.next()
			if err == io.EOF {
				break
			}
			if err == errLineTooLong {
				b.bad = append(b.bad, badLine{no, err})
				continue
			}
			if err != nil {
				// What was read before the error is still enriched.
				if len(b.lines) > 0 || len(b.bad) > 0 {
					send()
				}
				readErr <- err
				return
			}
			b.lines = append(b.lines, append([]byte(nil), line...))
			b.nos = append(b.nos, no)
			if len(b.lines) == batchLines && !send() {
				readErr <- nil
				return
			}
		}
		if len(b.lines) > 0 || len(b.bad) > 0 {
			send()
		}
		readErr <- nil
	}()
	go func() { wg.Wait(); close(done) }()

	// Emit batches in input order.
	pending := map[int]*enrichBatch{}
	next := 0
	var werr error
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	ids := []string{}
	for b := range done {
		pending[b.seq] = b
		for pending[next] != nil {
			b := pending[next]
			delete(pending, next)
			next++
			<-slots
			if werr != nil {
				continue
			}
			slices.SortFunc(b.bad, func(x, y badLine) int { return x.no - y.no })
			for _, x := range b.bad {
				report(x.no, x.err)
			}
			st.skipped += len(b.bad)
			for i := range b.posts {
				e := &b.posts[i]
				key := strconv.Itoa(len(ids))
				ids = append(ids, e.ID)
				if dup := nd.Add(key, e.hash, e.PublishedAt); dup != "" {
					k, _ := strconv.Atoi(dup)
					e.NearDuplicateOf = ids[k]
					st.dups++
				}
				st.posts++
				st.langs[e.Lang]++
				st.labels[e.Sentiment.Label]++
				if werr = enc.Encode(e); werr != nil {
					close(stop)
					break
				}
			}
		}
	}
	if err := <-readErr; err != nil && werr == nil {
		return st, err
	}
	return st, werr
}

// reenrichStored recomputes the language and sentiment of every stored post
// with the current models, in id order, keeping corrected fields.
func reenrichStored(cfg config.Config, stdout, stderr io.Writer) error {
	if cfg.DatabaseURL == "" {
		// Re-enriching creates nothing: a mistyped --data must not give an
		// empty new database and "0 posts re-enriched".
		db := filepath.Join(cfg.Data, "vigie.db")
		if _, err := os.Stat(db); err != nil {
			return badInput(fmt.Errorf("no Vigie database at %s: pass the --data folder of an existing Vigie (or --database-url)", db))
		}
	}
	ctx := context.Background()
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	tty := isTerminal(stderr)
	var an text.Analyzer
	scanned, changed := 0, 0
	for after := int64(0); ; {
		page, err := st.ScanPosts(ctx, after, 1000)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			break
		}
		updates := make([]store.EnrichmentUpdate, len(page))
		for i := range page {
			p := &page[i].Post
			declared := page[i].DeclaredLang
			p.Lang = declared
			d := an.Analyze(p)
			lang := enrich.Language(d, declared)
			u := store.EnrichmentUpdate{PostID: page[i].ID, Lang: lang}
			for _, c := range page[i].Corrections {
				if c.Field == store.FieldLang {
					lang, u.Lang = c.Value, "" // the team's language stands, and the tone is read in it
				}
			}
			u.Sentiment = enrich.Sentiment(d, lang)
			updates[i] = u
		}
		n, err := st.UpdateEnrichment(ctx, updates)
		if err != nil {
			return err
		}
		scanned, changed = scanned+len(page), changed+n
		after = page[len(page)-1].ID
		if tty {
			fmt.Fprintf(stderr, "\rre-enriched %d stored posts, %d changed", scanned, changed)
		}
	}
	if tty {
		fmt.Fprintln(stderr)
	}
	fmt.Fprintf(stdout, "%d stored posts re-enriched, %d changed (corrected fields kept)\n", scanned, changed)
	return nil
}

// topCounts renders the n largest counts as "k=v k=v …".
func topCounts(m map[string]int, n int) string {
	type kv struct {
		k string
		v int
	}
	var all []kv
	for k, v := range m {
		if k == "" {
			k = "unknown"
		}
		all = append(all, kv{k, v})
	}
	slices.SortFunc(all, func(a, b kv) int { return cmp.Or(cmp.Compare(b.v, a.v), cmp.Compare(a.k, b.k)) })
	s := ""
	for i, x := range all {
		if i == n {
			break
		}
		s += fmt.Sprintf("%s=%d ", x.k, x.v)
	}
	return s
}
