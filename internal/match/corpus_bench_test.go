package match

import (
	"bufio"
	"encoding/json"
	"os"
	"strconv"
	"testing"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/postjson"
	"github.com/vigie-project/vigie/internal/query"
)

// BenchmarkCorpus is the engine's cost per post (analysis and matching, one
// goroutine, no language detection) on a corpus of shared/bench's generator,
// after one pass over the posts has let the index learn its anchors, as in
// a long-running stream. One op is one post; the posts are cycled.
//
//	VIGIE_BENCH_MONITORS=set/monitors.jsonl VIGIE_BENCH_POSTS=set/posts.jsonl \
//	  go test ./internal/match -run '^$' -bench Corpus -benchtime 100000x
//
// VIGIE_BENCH_LIMIT bounds the posts held in memory (default 100,000).
// Without the two files the benchmark is skipped.
func BenchmarkCorpus(b *testing.B) {
	c := loadCorpus(b)
	m := NewMatcher(c.ix)
	b.ReportAllocs()
	b.ResetTimer()
	matchCorpus(m, c.posts, b.N)
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(float64(m.Matches)/n, "matches/post")
	b.ReportMetric(float64(m.Candidates)/n, "candidates/post")
	b.ReportMetric(float64(m.Verified)/n, "verified/post")
}

// matchCorpus matches n posts, cycling through ps. A function of its own so
// that valgrind --tool=callgrind --toggle-collect='*matchCorpus*' counts the
// instructions of the timed loop alone (hence noinline).
//
//go:noinline
func matchCorpus(m *Matcher, ps []vigie.Post, n int) {
	for i := range n {
		m.Match(&ps[i%len(ps)])
	}
}

type corpus struct {
	ix    *Index
	posts []vigie.Post
}

// benchCorpus is loaded once per process: the benchmark runs several times.
var benchCorpus *corpus

func loadCorpus(b *testing.B) *corpus {
	if benchCorpus != nil {
		return benchCorpus
	}
	monitors, posts := os.Getenv("VIGIE_BENCH_MONITORS"), os.Getenv("VIGIE_BENCH_POSTS")
	if monitors == "" || posts == "" {
		b.Skip("set VIGIE_BENCH_MONITORS and VIGIE_BENCH_POSTS to a generated corpus")
	}
	limit := 100000
	if s := os.Getenv("VIGIE_BENCH_LIMIT"); s != "" {
		var err error
		if limit, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	c := &corpus{ix: NewIndex()}
	eachLine(b, monitors, 0, func(line []byte) {
		var m struct{ ID, Query string }
		if err := json.Unmarshal(line, &m); err != nil {
			b.Fatal(err)
		}
		q, err := query.Parse(m.Query)
		if err != nil {
			b.Fatalf("monitor %s: %v", m.ID, err)
		}
		if err := c.ix.Add(m.ID, q); err != nil {
			b.Fatal(err)
		}
	})
	eachLine(b, posts, limit, func(line []byte) {
		var p vigie.Post
		if postjson.Decode(line, &p) == nil && p.Validate() == nil {
			c.posts = append(c.posts, p)
		}
	})
	if len(c.posts) == 0 {
		b.Fatal("no posts")
	}
	warm := NewMatcher(c.ix)
	for i := range c.posts {
		warm.Match(&c.posts[i]) // the index learns its anchors
	}
	benchCorpus = c
	return c
}

// eachLine calls f with each non-blank line of path, up to limit lines (0: all).
func eachLine(b *testing.B, path string, limit int, f func([]byte)) {
	b.Helper()
	file, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	sc.Buffer(nil, 16<<20)
	for n := 0; sc.Scan() && (limit <= 0 || n < limit); {
		if len(sc.Bytes()) > 0 {
			f(sc.Bytes())
			n++
		}
	}
	if err := sc.Err(); err != nil {
		b.Fatal(err)
	}
}
