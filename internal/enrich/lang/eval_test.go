package lang

import (
	"testing"
	"unicode/utf8"

	"github.com/vigie-project/vigie/internal/enrich/lang/ngram"

	"github.com/vigie-project/vigie/internal/apptest"
)

// umsabTarget is the accuracy target on the UMSAB val tweets of
// en fr de it es pt ar (lingua-go's high-accuracy mode reaches 0.96 there,
// whatlanggo 0.88).
const umsabTarget = 0.96

func TestUMSABVal(t *testing.T) {
	dir := apptest.Shared(t, "data/sentiment/umsab")
	samples, err := LoadUMSAB(dir, "val")
	if err != nil {
		t.Fatal(err)
	}
	if len(samples) < 2000 {
		t.Fatalf("only %d UMSAB val tweets", len(samples))
	}
	r := Evaluate(samples)
	t.Logf("UMSAB val\n%s", r.Markdown())
	if acc := r.Accuracy(); acc < umsabTarget {
		t.Errorf("UMSAB val accuracy %.4f < %.2f", acc, umsabTarget)
	}
}

func TestLinguaSentences(t *testing.T) {
	dir := apptest.Shared(t, "data/langid/lingua-testdata/sentences")
	samples, err := LoadLinguaSentences(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := Evaluate(samples)
	t.Logf("lingua sentences\n%s", r.Markdown())
	// Floors measured with the committed model (0.9876 overall, lingua-go
	// high accuracy restricted to the same languages: 0.9876), less a small
	// margin. Some of lingua's sentences are web noise (cs/sk, ca/es, ga/en).
	if acc := r.Accuracy(); acc < 0.98 {
		t.Errorf("lingua sentences accuracy %.4f < 0.98", acc)
	}
	for l, s := range r.PerLang {
		if a := s.Accuracy(); a < 0.88 {
			t.Errorf("lingua sentences, %s: accuracy %.4f < 0.88", l, a)
		}
	}
	if len(r.PerLang) < 40 {
		t.Errorf("only %d languages evaluated", len(r.PerLang))
	}
}

// TestModelHoldsNgramsOnly guards the licence rule: the model holds n-gram
// statistics, never tweets (it is at most 5-letter n-grams).
func TestModelHoldsNgramsOnly(t *testing.T) {
	m, err := ngram.Decode(modelBin)
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range m.Tables {
		for _, g := range tb.Grams {
			if n := utf8.RuneCountInString(g); n < 1 || n > ngram.MaxOrder {
				t.Fatalf("%s: n-gram %q", tb.Script, g)
			}
		}
	}
}
