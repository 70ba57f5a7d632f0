package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/vigie-project/vigie/internal/apptest"
	"github.com/vigie-project/vigie/internal/enrich"
	"github.com/vigie-project/vigie/internal/match"
	"github.com/vigie-project/vigie/internal/query"
	"github.com/vigie-project/vigie/internal/text"
)

// BenchmarkMatchStream runs `vigie match --workers 1`'s path (read, decode,
// analyse, match, detect languages on demand, write) over 20,000 posts of
// real sentences in English, French and German against 2,000 monitors, a
// tenth of which test lang:. "lang" against "nolang" (the same monitors
// without their lang: clauses) is the cost of language detection; a
// regression that detects more often than the queries need shows there and
// in detected/post (`go test ./cmd/vigie -run '^$' -bench MatchStream`).
func BenchmarkMatchStream(b *testing.B) {
	dir := apptest.Shared(b, "bench/benchgen/corpus")
	posts, words := benchPosts(b, dir, 20000)
	for _, tc := range []struct {
		name string
		lang bool
	}{{"nolang", false}, {"lang", true}} {
		b.Run(tc.name, func(b *testing.B) {
			ix := benchIndex(b, words, 2000, tc.lang)
			enrich.Language(&text.Doc{Plain: "warm up"}, "") // the model loads once per process
			var ss streamStats
			b.SetBytes(int64(len(posts)))
			start := time.Now()
			for b.Loop() {
				var err error
				ss, err = matchStream(ix, bytes.NewReader(posts), io.Discard, 1, func(int, error) {})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(ss.Posts)*float64(b.N)/time.Since(start).Seconds(), "posts/s")
			b.ReportMetric(float64(ss.Detected)/float64(ss.Posts), "detected/post")
			b.ReportMetric(float64(ss.Matches)/float64(ss.Posts), "matches/post")
		})
	}
}

// benchPosts returns n JSON Lines posts of one to three sentences of the
// corpus, and the corpus's words from the most to the least frequent.
func benchPosts(tb testing.TB, dir string, n int) ([]byte, []string) {
	tb.Helper()
	sentences := map[string][]string{}
	freq := map[string]int{}
	for _, lang := range []string{"en", "fr", "de"} {
		f, err := os.Open(filepath.Join(dir, lang+".social.txt.gz"))
		if err != nil {
			tb.Fatal(err)
		}
		z, err := gzip.NewReader(f)
		if err != nil {
			tb.Fatal(err)
		}
		sc := bufio.NewScanner(z)
		for sc.Scan() {
			s := sc.Text()
			sentences[lang] = append(sentences[lang], s)
			for _, w := range strings.Fields(strings.ToLower(s)) {
				if w = strings.Trim(w, `.,;:!?"'()«»“”`); len(w) > 2 {
					freq[w]++
				}
			}
		}
		f.Close()
	}
	words := make([]string, 0, len(freq))
	for w := range freq {
		if !strings.ContainsFunc(w, func(c rune) bool { return !unicode.IsLetter(c) }) {
			words = append(words, w)
		}
	}
	slices.SortFunc(words, func(a, b string) int {
		if d := freq[b] - freq[a]; d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	r := rand.New(rand.NewPCG(1, 2))
	langs := []string{"en", "en", "en", "fr", "de"}
	var buf bytes.Buffer
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		lang := langs[r.IntN(len(langs))]
		ss := sentences[lang]
		var text strings.Builder
		for k := range 1 + r.IntN(3) {
			if k > 0 {
				text.WriteByte(' ')
			}
			text.WriteString(ss[r.IntN(len(ss))])
		}
		declared := lang
		if r.IntN(3) == 0 {
			declared = "" // as many feeds declare none
		}
		fmt.Fprintf(&buf, `{"id":"bench:%d","source":"rss","published_at":%q,"lang":%q,"text":%q}`+"\n",
			i, base.Add(time.Duration(i)*time.Second).Format(time.RFC3339), declared, text.String())
	}
	return buf.Bytes(), words
}

// benchIndex returns n monitors over words of middle frequency, in the
// shapes of the benchmark generator's: a tenth of them test lang: when
// lang is set.
func benchIndex(tb testing.TB, words []string, n int, lang bool) *match.Index {
	tb.Helper()
	mid := words[min(1000, len(words)/4):]
	r := rand.New(rand.NewPCG(3, 4))
	w := func() string { return mid[r.IntN(min(len(mid), 20000))] }
	ix := match.NewIndex()
	for i := range n {
		var q string
		switch i % 5 {
		case 0:
			q = fmt.Sprintf("%s OR %s", w(), w())
		case 1:
			q = fmt.Sprintf("(%s OR %s) (%s OR %s OR %s)", w(), w(), w(), w(), w())
		case 2:
			q = fmt.Sprintf(`"%s %s" OR %s`, w(), w(), w())
		case 3:
			q = fmt.Sprintf("%s NOT (%s OR %s)", w(), w(), w())
		case 4:
			q = fmt.Sprintf("(%s OR %s) %s", w(), w(), w())
		}
		if lang && i/5%10 == 0 {
			q = fmt.Sprintf("(%s) lang:%s", q, []string{"en", "fr", "de"}[i%3])
		} else if lang && i/5%10 == 5 {
			q = fmt.Sprintf("(%s) -lang:en", q)
		}
		pq, err := query.Parse(q)
		if err != nil {
			tb.Fatalf("%s: %v", q, err)
		}
		if err := ix.Add(fmt.Sprintf("m%d", i), pq); err != nil {
			tb.Fatal(err)
		}
	}
	return ix
}
