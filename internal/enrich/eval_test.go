package enrich

import (
	"strings"
	"testing"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/apptest"
	"github.com/vigie-project/vigie/internal/text"
)

// TestNearDupEval measures near-duplicate linking on re-publications of real
// news sentences against distinct ones (docs/enrichment.md has the table).
func TestNearDupEval(t *testing.T) {
	pairs, originals, err := LoadNearDupPairs(apptest.Shared(t, "data/neardup"))
	if err != nil {
		t.Fatal(err)
	}
	rep := EvaluateNearDup(pairs, originals, NearDupDistance)
	t.Log("\n" + rep.Markdown())
	if rep.Precision < 0.95 {
		t.Errorf("precision %.4f < 0.95", rep.Precision)
	}
	if rep.Recall < 0.90 {
		t.Errorf("recall %.4f < 0.90", rep.Recall)
	}
	if rep.StreamFalseLinks*100 > rep.StreamPosts {
		t.Errorf("%d of %d distinct originals linked to another", rep.StreamFalseLinks, rep.StreamPosts)
	}
}

func BenchmarkSimhash(b *testing.B) {
	p := vigie.Post{
		Title: "Geneva council votes new budget",
		Text:  "RT @le_temps: The city council of #Geneva approved the 2027 budget on Tuesday after a long debate, with the left and the centre united https://www.letemps.ch/geneve/budget?utm_source=twitter via @alice@mastodon.social",
	}
	d := text.Analyze(&p)
	b.ReportAllocs()
	for b.Loop() {
		Simhash(d)
	}
}

func BenchmarkSimhashLong(b *testing.B) {
	p := vigie.Post{Text: strings.Repeat("The city council of Geneva approved the 2027 budget on Tuesday after a long debate, with the left and the centre united. ", 6)}
	d := text.Analyze(&p)
	b.ReportAllocs()
	for b.Loop() {
		Simhash(d)
	}
}
