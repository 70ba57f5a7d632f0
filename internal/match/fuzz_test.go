package match

import (
	"testing"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/query"
	"github.com/vigie-project/vigie/internal/text"
)

// FuzzMatch checks that the percolator and the naive evaluator agree on any
// valid query and any post, and that nothing panics.
func FuzzMatch(f *testing.F) {
	f.Add("epfl", "", "Fier de l'EPFL !", "fr")
	f.Add(`"see more"`, "", "see https://example.com/x more", "en")
	f.Add("(epfl OR ethz) NEAR/3 (ranking OR classement)", "Classement", "EPFL is in the ranking", "")
	f.Add("innov* -spam", "", "Innovation day #spam", "en")
	f.Add("{Nestlé} NOT lang:en", "", "Nestlé annonce", "fr")
	f.Add(`"a b"~2 OR wom?n`, "a", "b x y a woman", "")
	f.Add("@epfl OR #epfl OR site:epfl.ch", "", "@EPFL@x.y #EPFL https://news.epfl.ch/x", "")
	f.Fuzz(func(t *testing.T, q, title, body, lang string) {
		parsed, err := query.Parse(q)
		if err != nil {
			return
		}
		ix := NewIndex()
		if err := ix.Add("m", parsed); err != nil {
			return // only url: clauses and the always-verified set is full: not the case here
		}
		p := &vigie.Post{ID: "p", Source: "rss", Title: title, Text: body, Lang: lang}
		got := len(NewMatcher(ix).Match(p)) == 1
		want := Eval(parsed.Root, text.Analyze(p))
		if got != want {
			t.Fatalf("query %q, title %q, text %q, lang %q: percolator %v, naive %v", q, title, body, lang, got, want)
		}
	})
}
