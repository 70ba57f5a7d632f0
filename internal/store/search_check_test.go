//go:build searchcheck

package store

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/query"
)

// TestSearchAgainstAllCandidates checks whole-archive searches of a large
// existing archive against the plain answer: every candidate the index
// gives, read and verified. The first three pages must be the same, exact
// counts exact and estimates within 10 %. It needs a large archive, so it
// is built only with the searchcheck tag (never skipped in CI: not there),
// as docs/performance.md describes:
//
//	VIGIE_SEARCH_CHECK_URL=postgres://… VIGIE_SEARCH_CHECK_QUERIES='serie;seri*|en;"cette serie"' \
//	    go test -tags searchcheck ./internal/store -run SearchAgainstAllCandidates -v
//
// (a query, then | and a language filter if any, separated by ;).
func TestSearchAgainstAllCandidates(t *testing.T) {
	url := os.Getenv("VIGIE_SEARCH_CHECK_URL")
	if url == "" {
		t.Fatal("set VIGIE_SEARCH_CHECK_URL to the archive to check (a PostgreSQL or sqlite: URL)")
	}
	ctx := context.Background()
	s := must(Open(ctx, url))(t)
	defer s.Close()
	for _, qs := range strings.Split(os.Getenv("VIGIE_SEARCH_CHECK_QUERIES"), ";") {
		qs, lang, _ := strings.Cut(qs, "|")
		f := vigie.MentionFilter{Query: qs, Lang: lang, Limit: 50}
		q := must(query.Parse(qs))(t)
		m, exact := exactTS(q.Root)
		if !exact {
			m = tsPrefilter(prefilter(q.Root))
		}
		sel := s.selectMentions(&f)
		sel.andPost(wordsMatch, m)
		var truth []int64
		err := s.verifyCandidates(ctx, sel, q, nil, func(k key, ok bool) bool {
			if ok {
				truth = append(truth, k.id)
			}
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		page := must(s.FindMentions(ctx, f))(t)
		total, approx := page.Total, page.Approximate
		for range 3 {
			for _, mm := range page.Mentions {
				got = append(got, mm.ID)
			}
			if f.Cursor = page.NextCursor; f.Cursor == "" {
				break
			}
			page = must(s.FindMentions(ctx, f))(t)
		}
		if want := truth[:min(len(truth), 150)]; !slices.Equal(got, want) {
			t.Errorf("%q %s: pages differ: %d mentions, want %d", qs, lang, len(got), len(want))
		}
		n := len(truth)
		if !approx && total != n || approx && (total < n*9/10 || total > n*11/10) {
			t.Errorf("%q %s: total %d (approximate %v), all candidates verified %d", qs, lang, total, approx, n)
		}
		t.Logf("%q %s: %d matches; total %d, approximate %v (%+.1f %%)", qs, lang, n, total, approx, float64(total-n)/float64(max(n, 1))*100)
	}
}
