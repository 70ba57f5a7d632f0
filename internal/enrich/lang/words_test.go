package lang

import (
	"fmt"
	"sync"
	"testing"

	"github.com/vigie-project/vigie/internal/apptest"
)

// TestWordCacheExact: remembering words' scores changes no detection —
// words found in the cache, words taking over another's slot (a cache of
// one slot: every word does), any hint — on the evaluation texts.
func TestWordCacheExact(t *testing.T) {
	var texts []string
	for _, s := range shortTexts {
		texts = append(texts, s.Text)
	}
	texts = append(texts, benchTexts...)
	umsab, err := LoadUMSAB(apptest.Shared(t, "data/sentiment/umsab"), "val")
	if err != nil {
		t.Fatal(err)
	}
	lingua, err := LoadLinguaSentences(apptest.Shared(t, "data/langid/lingua-testdata/sentences"))
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range append(umsab, lingua...) {
		if i%4 == 0 { // a quarter of them keeps the test short
			texts = append(texts, s.Text)
		}
	}
	detector := func(slots int) *Detector {
		d, err := NewDetector(modelBin)
		if err != nil {
			t.Fatal(err)
		}
		d.words = nil
		if slots > 0 {
			d.words = newWordCache(slots)
		}
		return d
	}
	plain, cached, tiny := detector(0), detector(wordSlots), detector(1)
	hints := []string{"", "en", "pt-BR", "ru"}
	for pass := range 2 { // the second finds the words of the first
		for i, text := range texts {
			hint := hints[i%len(hints)]
			want := plain.DetectHint(text, hint)
			if got := cached.DetectHint(text, hint); got != want {
				t.Fatalf("pass %d: DetectHint(%q, %q) = %+v with the cache, %+v without", pass, text, hint, got, want)
			}
			if got := tiny.DetectHint(text, hint); got != want {
				t.Fatalf("pass %d: DetectHint(%q, %q) = %+v with one slot, %+v without", pass, text, hint, got, want)
			}
		}
	}
	if len(texts) < 5000 {
		t.Fatalf("only %d texts compared", len(texts))
	}

	// Goroutines sharing a cache (the pipeline's workers do) take each
	// other's slots: still the same results (and no race under -race).
	want := make([]Result, 1000)
	for i := range want {
		want[i] = plain.DetectHint(texts[i], hints[i%len(hints)])
	}
	shared := detector(64)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := range 4 {
		wg.Go(func() {
			for k := range want {
				i := (k + g*250) % len(want)
				if got := shared.DetectHint(texts[i], hints[i%len(hints)]); got != want[i] {
					errs <- fmt.Errorf("goroutine %d: DetectHint(%q) = %+v, want %+v", g, texts[i], got, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
