package sentiment

import (
	"bytes"
	"crypto/sha256"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/vigie-project/vigie/internal/apptest"
)

// fastTextAnchors are fastText's macro-F1 on the UMSAB test split (XLM-T paper).
var fastTextAnchors = map[string]float64{"en": 0.51, "fr": 0.55, "de": 0.60, "it": 0.55}

func TestUMSABValTargets(t *testing.T) {
	dir := apptest.Shared(t, "data/sentiment/umsab")
	if err := LoadError(); err != nil {
		t.Fatal(err)
	}
	samples, err := LoadUMSAB(dir, "val", "en", "fr", "de", "it", "es", "pt")
	if err != nil {
		t.Fatal(err)
	}
	rep := Evaluate(samples)
	lex := EvaluateFunc(samples, AnalyzeLexicon)
	t.Logf("UMSAB val, trained model:\n%s", rep.Markdown())
	t.Logf("UMSAB val, lexicon only:\n%s", lex.Markdown())
	mean := 0.0
	for lang, anchor := range fastTextAnchors {
		l, ok := rep.Lang(lang)
		if !ok || l.N == 0 {
			t.Fatalf("no %s samples", lang)
		}
		mean += l.MacroF1 / 4
		if l.MacroF1 <= anchor {
			t.Errorf("%s: macro-F1 %.3f does not beat fastText's %.2f", lang, l.MacroF1, anchor)
		}
	}
	t.Logf("mean macro-F1 en/fr/de/it: %.4f", mean)
	if mean < 0.60 {
		t.Errorf("mean macro-F1 over en, fr, de, it is %.4f, want ≥ 0.60", mean)
	}
}

// TestTweetEvalVal reports TweetEval English val. 1,430 of its 2,000 tweets
// are also in the UMSAB English train split (both come from SemEval-2017), so
// the figure that counts is the one on the 570 others ("unseen").
func TestTweetEvalVal(t *testing.T) {
	dir := apptest.Shared(t, "data/sentiment/tweeteval-en")
	samples, err := LoadTweetEval(dir, "val")
	if err != nil {
		t.Fatal(err)
	}
	train, err := LoadUMSAB(apptest.Shared(t, "data/sentiment/umsab"), "train", "en")
	if err != nil {
		t.Fatal(err)
	}
	seen := make(map[string]bool, len(train))
	for _, s := range train {
		seen[overlapKey(s.Text)] = true
	}
	var unseen []Sample
	for _, s := range samples {
		if !seen[overlapKey(s.Text)] {
			s.Lang = "en (unseen)"
			unseen = append(unseen, s)
		}
	}
	all := append(slices.Clone(samples), unseen...)
	rep := EvaluateFunc(all, func(text, _ string) Result { return Analyze(text, "en") })
	lex := EvaluateFunc(all, func(text, _ string) Result { return AnalyzeLexicon(text, "en") })
	t.Logf("TweetEval val, trained model:\n%s", rep.Markdown())
	t.Logf("TweetEval val, lexicon only:\n%s", lex.Markdown())
	u, _ := rep.Lang("en (unseen)")
	if u.N < 500 || u.MacroF1 < 0.55 {
		t.Errorf("TweetEval val, tweets not in UMSAB train: n=%d macro-F1 %.3f, want ≥ 0.55", u.N, u.MacroF1)
	}
}

func overlapKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestModelReproducible retrains the model from the shared data and checks
// that the committed model.bin is exactly what the trainer produces.
func TestModelReproducible(t *testing.T) {
	apptest.Shared(t, "data/sentiment/umsab")
	shared := filepath.Dir(filepath.Dir(apptest.Shared(t, "data/lexicons")))
	if testing.Short() {
		t.Skip("retraining in -short mode")
	}
	b, err := BuildModel(shared, DefaultConfig)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, modelBin) {
		t.Fatalf("model.bin (%d bytes, sha256 %x) differs from the trainer's output (%d bytes, sha256 %x): run the command in README.md",
			len(modelBin), sha256.Sum256(modelBin), len(b), sha256.Sum256(b))
	}
}
