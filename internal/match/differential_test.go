package match

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/query"
	"github.com/vigie-project/vigie/internal/text"
)

var (
	diffLong = flag.Bool("diff.long", false, "run the long differential test (10⁷ post × query pairs)")
	diffSeed = flag.Uint64("diff.seed", 0, "seed of the differential test (0: a fixed default)")
)

// TestDifferential compares the percolator with the naive evaluation of every
// monitor's AST on every post, over random queries and posts, while monitors
// are added, replaced and removed between rounds.
func TestDifferential(t *testing.T) {
	seed := *diffSeed
	if seed == 0 {
		seed = 20261126
	}
	monitors, posts, rounds := 400, 1000, 3 // 1.2·10⁶ pairs
	if *diffLong {
		monitors, posts, rounds = 1000, 5000, 2 // 10⁷ pairs
	}
	r := rand.New(rand.NewPCG(seed, seed^0x5eed))
	t.Logf("seed %d (rerun with -diff.seed=%d)", seed, seed)

	ix := NewIndex()
	live := map[string]*query.Query{}
	nextID := 0
	addRandom := func(id string) {
		for {
			q, err := query.Parse(genQuery(r, 3))
			if err != nil {
				continue // pure negatives and the like are rejected: draw again
			}
			if err := ix.Add(id, q); err != nil {
				t.Fatal(err)
			}
			live[id] = q
			return
		}
	}
	for range monitors {
		addRandom(fmt.Sprintf("m%d", nextID))
		nextID++
	}

	m := NewMatcher(ix)
	// lazy detects languages on demand (Matcher.DetectLang) with a fake
	// detector that often disagrees with the declared language.
	lazy := NewMatcher(ix)
	detected := 0
	fakeLang := func(d *text.Doc) string { return []string{"fr", "en", "de", ""}[len(d.Tokens)%4] }
	lazy.DetectLang = func(d *text.Doc) string { detected++; return fakeLang(d) }
	var an text.Analyzer
	pairs, matches := 0, 0
	for round := range rounds {
		ids := slices.Sorted(func(yield func(string) bool) {
			for id := range live {
				if !yield(id) {
					return
				}
			}
		})
		for i := range posts {
			p := genPost(r, round*posts+i)
			got := slices.Clone(m.Match(p))
			d := an.Analyze(p)
			var want []string
			for _, id := range ids {
				if Eval(live[id].Root, d) {
					want = append(want, id)
				}
			}
			// The lazy matcher against the naive evaluation of the detected
			// language.
			lazyGot := slices.Clone(lazy.MatchDoc(an.Analyze(p)))
			d = an.Analyze(p)
			d.Lang = fakeLang(d)
			var lazyWant []string
			for _, id := range ids {
				if Eval(live[id].Root, d) {
					lazyWant = append(lazyWant, id)
				}
			}
			slices.Sort(lazyGot)
			if !slices.Equal(lazyGot, lazyWant) {
				t.Fatalf("post %q, language detected on demand: percolator %v, naive evaluation %v", p.Text, lazyGot, lazyWant)
			}
			pairs += len(ids)
			matches += len(want)
			slices.Sort(got)
			if !slices.Equal(got, want) {
				extra, missing := diff(got, want)
				for _, id := range append(extra, missing...) {
					t.Errorf("post %q (title %q, lang %q, author %q, links %v):\n  query %q\n  percolator says %v, naive evaluation says %v",
						p.Text, p.Title, p.Lang, p.Author.Handle, p.Links, live[id].Text, slices.Contains(got, id), slices.Contains(want, id))
				}
				if t.Failed() {
					t.FailNow()
				}
			}
		}
		// Change the monitor set while keeping the same index and matcher.
		for i, id := range ids {
			switch {
			case i%7 == 0:
				if !ix.Remove(id) {
					t.Fatalf("remove %s: not found", id)
				}
				delete(live, id)
			case i%5 == 0:
				addRandom(id) // replace
			}
		}
		for range monitors / 5 {
			addRandom(fmt.Sprintf("m%d", nextID))
			nextID++
		}
	}
	if pairs < 1_000_000 {
		t.Fatalf("only %d pairs compared", pairs)
	}
	if matches < pairs/200 {
		t.Fatalf("only %d matches in %d pairs: the generator no longer exercises the matcher", matches, pairs)
	}
	t.Logf("languages detected on demand for %d posts of %d", detected, rounds*posts)
	st := ix.Stats()
	if st.Replans == 0 || st.Reanchored == 0 {
		t.Fatalf("no re-anchoring happened (%+v): the test no longer covers it", st)
	}
	t.Logf("%d (post, monitor) pairs, %d matches, 0 differences; %d verified by the percolator; %d replans moved %d branches",
		pairs, matches, m.Verified, st.Replans, st.Reanchored)
	checkAnchors(t, ix)
}

// checkAnchors checks that a term's bit in anchors says whether it has
// postings, after additions, replacements, removals and re-anchorings.
func checkAnchors(t *testing.T, ix *Index) {
	t.Helper()
	for id := range ix.postings {
		if has := ix.anchors[id/64]&(1<<(id%64)) != 0; has != (len(ix.postings[id]) > 0) {
			t.Fatalf("term %d (%q): anchor bit %v with %d postings", id, ix.terms[id].key, has, len(ix.postings[id]))
		}
	}
}

func diff(got, want []string) (extra, missing []string) {
	for _, g := range got {
		if !slices.Contains(want, g) {
			extra = append(extra, g)
		}
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			missing = append(missing, w)
		}
	}
	return
}

// TestConcurrentChanges matches posts on several goroutines while monitors are
// added and removed. Monitors that never change must always give the naive
// answer; run it with -race to check the locking.
func TestConcurrentChanges(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	ix := NewIndex()
	stable := map[string]*query.Query{}
	for i := 0; len(stable) < 200; i++ {
		q, err := query.Parse(genQuery(r, 2))
		if err != nil {
			continue
		}
		id := fmt.Sprintf("s%d", i)
		if err := ix.Add(id, q); err != nil {
			t.Fatal(err)
		}
		stable[id] = q
	}
	var churn []*query.Query
	for len(churn) < 100 {
		if q, err := query.Parse(genQuery(r, 2)); err == nil {
			churn = append(churn, q)
		}
	}
	posts := make([]*textPost, 300)
	for i := range posts {
		p := genPost(r, i)
		posts[i] = &textPost{p: p}
		d := text.Analyze(p)
		for id, q := range stable {
			if Eval(q.Root, d) {
				posts[i].want = append(posts[i].want, id)
			}
		}
		slices.Sort(posts[i].want)
	}

	stop := make(chan struct{})
	var writer sync.WaitGroup
	writer.Add(1)
	go func() {
		defer writer.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			id := fmt.Sprintf("c%d", i%50)
			if i%3 == 2 {
				ix.Remove(id)
			} else if err := ix.Add(id, churn[i%len(churn)]); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	var readers sync.WaitGroup
	for w := range 4 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			m := NewMatcher(ix)
			for round := range 5 {
				for i, tp := range posts {
					var got []string
					for _, id := range m.Match(tp.p) {
						if _, ok := stable[id]; ok {
							got = append(got, id)
						}
					}
					slices.Sort(got)
					if !slices.Equal(got, tp.want) {
						t.Errorf("worker %d round %d post %d: got %v, want %v", w, round, i, got, tp.want)
						return
					}
				}
			}
		}()
	}
	readers.Wait()
	close(stop)
	writer.Wait()
}

type textPost struct {
	p    *vigie.Post
	want []string
}
