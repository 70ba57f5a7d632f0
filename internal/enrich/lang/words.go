package lang

import (
	"slices"
	"sync/atomic"

	"github.com/vigie-project/vigie/internal/enrich/lang/ngram"
)

// A text's score is the sum of its words' (n-grams do not cross words),
// and scoring a word looks up to five n-grams per letter in a model of
// some 20 MB, nearly each lookup a cache miss: scoring posts was most of
// the language detection's time, itself a sixth of an import's CPU. Words
// recur (the, de, und, #hashtags of the day), so the detector remembers
// the scores of recent words. They are integer sums: a text scores exactly
// as it would without the cache.
//
// The cache is direct-mapped and shared by the goroutines detecting: an
// entry is immutable once published, a word whose slot another holds takes
// it over.
type wordCache struct {
	slots []atomic.Pointer[wordScores]
	mask  uint64
}

// wordSlots bounds the cache: at most this many words of about 200 bytes.
// On the first 60,000 posts of the import benchmark's corpus (1.9 million
// words), 2^14 slots found 80 % of the words, 2^16 92 %, 2^18 96 %.
const wordSlots = 1 << 16

// newWordCache returns a cache of n slots, a power of two.
func newWordCache(n int) *wordCache {
	return &wordCache{slots: make([]atomic.Pointer[wordScores], n), mask: uint64(n - 1)}
}

// wordScores are a word's summed n-gram scores, per language of its
// script's table.
type wordScores struct {
	script ngram.Script
	runes  []rune
	scores []int32
}

// scores returns the summed scores of w's n-grams in t, the table of w's
// script, per language. The result must not be modified.
func (c *wordCache) scores(t *table, w *ngram.Word) []int32 {
	runes := w.Runes[:w.N]
	h := ngram.HashSeed ^ uint64(w.Script)
	for _, r := range runes {
		h = ngram.HashStep(h, r)
	}
	slot := &c.slots[ngram.Mix(h)&c.mask]
	if e := slot.Load(); e != nil && e.script == w.Script && slices.Equal(e.runes, runes) {
		return e.scores
	}
	// One allocation holds the word and its scores (a rune is an int32).
	buf := make([]int32, w.N+t.nl)
	e := &wordScores{script: w.Script, runes: buf[:w.N:w.N], scores: buf[w.N:]}
	copy(e.runes, runes)
	t.wordScores(runes, e.scores)
	slot.Store(e)
	return e.scores
}

// wordScores adds up the scores of the n-grams of a word into acc.
func (t *table) wordScores(runes []rune, acc []int32) {
	nl := t.nl
	acc = acc[:nl:nl]
	for i := range runes {
		h := ngram.HashSeed
		end := min(i+ngram.MaxOrder, len(runes))
		for j := i; j < end; j++ {
			h = ngram.HashStep(h, runes[j])
			r := t.lookup(ngram.Mix(h))
			if r < 0 {
				break // longer n-grams are absent too: the model is prefix-closed
			}
			o := r * nl
			row := t.rows[o : o+nl : o+nl]
			for l, v := range row {
				acc[l] += int32(v)
			}
		}
	}
}
