package main

import (
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/vigie-project/vigie/internal/enrich"
	"github.com/vigie-project/vigie/internal/enrich/lang"
	"github.com/vigie-project/vigie/internal/enrich/sentiment"
	"github.com/vigie-project/vigie/internal/text"
)

// runBenchEnrich measures enrichment on one core over a corpus of posts:
// the memory the language and sentiment models take once loaded, then the
// time per post of each step (analysis, language, sentiment, simhash,
// entities) and of all of them together, best of several rounds.
func runBenchEnrich(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench enrich", stderr)
	posts := fs.String("posts", "", "posts, JSON Lines")
	limit := fs.Int("limit", 50000, "posts held in memory (0: all)")
	rounds := fs.Int("rounds", 3, "rounds; the best is reported")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *posts == "" {
		return usageErr("--posts is required, e.g. vigie bench enrich --posts posts.jsonl")
	}
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	fmt.Fprintf(stdout, "machine: %s, %s, one core\n", cpuModel(), runtime.Version())

	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	start := time.Now()
	lang.Detect("bonjour tout le monde")
	langLoad := time.Since(start)
	afterLang := heap()
	start = time.Now()
	sentiment.Analyze("good", "en")
	sentLoad := time.Since(start)
	afterSent := heap()
	fmt.Fprintf(stdout, "models: lang_heap_mb=%.1f lang_load_ms=%.0f sentiment_heap_mb=%.1f sentiment_load_ms=%.0f total_heap_mb=%.1f\n",
		mb(afterLang-before), ms(langLoad), mb(afterSent-afterLang), ms(sentLoad), mb(afterSent-before))

	ps, err := readPosts(*posts, *limit)
	if err != nil {
		return err
	}
	if len(ps) == 0 {
		return badInput(fmt.Errorf("%s: no valid posts", *posts))
	}
	docs := make([]*text.Doc, len(ps))
	for i := range ps {
		docs[i] = text.Analyze(&ps[i])
	}
	langs := make([]string, len(ps))
	for i, d := range docs {
		langs[i] = enrich.Language(d, ps[i].Lang)
	}
	best := func(f func()) float64 {
		b := time.Duration(1<<63 - 1)
		for range max(*rounds, 1) {
			start := time.Now()
			f()
			b = min(b, time.Since(start))
		}
		return float64(b.Nanoseconds()) / 1e3 / float64(len(ps))
	}
	var an text.Analyzer
	steps := []struct {
		name string
		run  func()
	}{
		{"analysis", func() {
			for i := range ps {
				an.Analyze(&ps[i])
			}
		}},
		{"language", func() {
			for i, d := range docs {
				enrich.Language(d, ps[i].Lang)
			}
		}},
		{"sentiment", func() {
			for i, d := range docs {
				enrich.Sentiment(d, langs[i])
			}
		}},
		{"simhash", func() {
			for _, d := range docs {
				enrich.Simhash(d)
			}
		}},
		{"entities", func() {
			for _, d := range docs {
				enrich.Extract(d)
			}
		}},
		{"all (language+sentiment+simhash+entities)", func() {
			for i, d := range docs {
				l := enrich.Language(d, ps[i].Lang)
				enrich.Sentiment(d, l)
				enrich.Simhash(d)
				enrich.Extract(d)
			}
		}},
		{"all with analysis", func() {
			for i := range ps {
				d := an.Analyze(&ps[i])
				l := enrich.Language(d, ps[i].Lang)
				enrich.Sentiment(d, l)
				enrich.Simhash(d)
				enrich.Extract(d)
			}
		}},
	}
	fmt.Fprintf(stdout, "posts=%d rounds=%d\n", len(ps), *rounds)
	for _, s := range steps {
		fmt.Fprintf(stdout, "%-45s us_per_post=%.2f\n", s.name, best(s.run))
	}
	counts := map[string]int{}
	for _, l := range langs {
		counts[l]++
	}
	fmt.Fprintf(stdout, "languages: %s\npeak_rss_mb=%.0f\n", topCounts(counts, 12), float64(peakRSS())/(1<<20))
	return nil
}

func mb(b uint64) float64 { return float64(b) / (1 << 20) }
