package enrich

import (
	"math/bits"

	"github.com/vigie-project/vigie/internal/text"
)

// FNV-1a, 64 bits, as text.Hash.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// Shingle sizes: texts of at least longWords words are hashed as word
// trigrams, shorter ones as bigrams, and texts under shortWords words as
// single words.
const (
	longWords  = 10
	shortWords = 4
)

// bodyWords is the number of words of the text below which the title is
// hashed with it; from there on the title is left out, so that a copy under
// another headline keeps the fingerprint of its text.
const bodyWords = 8

// Simhash returns a 64-bit simhash of the post's folded words (Charikar 2002):
// every shingle of consecutive words votes, by its FNV-1a hash, for or against
// each bit. Retweet and share markers are not words of the post: "rt" and
// "via" followed by a mention are skipped together with that mention, so
// "RT @x: …" and "… via @x" copies hash as the original. URLs are not words
// either (text.Analyze removes them), so a link with tracking parameters does
// not move the hash.
//
// Shingles are weighted by position, the first ones most: a copy truncated
// with "…" loses only light shingles, while the first words, which most
// distinguish two texts on the same topic, weigh most.
func Simhash(d *text.Doc) uint64 {
	var buf [maxShingles + 2]uint64
	words := words(d, buf[:0])
	// A bit's vote is Σ weight × (±1) = 2 × (weight of the shingles that
	// set it) − (total weight): only set bits need adding.
	var set [64]float64
	total := 0.0
	n := shingles(words, func(i int, h uint64) {
		wt := weight(i)
		total += wt
		for h != 0 {
			set[bits.TrailingZeros64(h)] += wt
			h &= h - 1
		}
	})
	if n == 0 {
		return 0
	}
	var s uint64
	for b := range 64 {
		if 2*set[b] > total {
			s |= 1 << b
		}
	}
	return s
}

// weight of the i-th shingle.
func weight(i int) float64 {
	x := 1 + float64(i)/decay
	return 1 / (x * x)
}

// decay is the shingle index at which weights have fallen to a quarter.
const decay = 6.0

// maxShingles bounds the shingles that vote. Past the 64th, all the rest
// together weigh less than a tenth of the first ones (their weights sum to
// about 36/70 against 5.5), so they seldom change a bit, and a long post costs
// no more to hash than a short one.
const maxShingles = 64

// words returns the hashes of the folded words of d that the simhash covers,
// appended to dst, at most as many as dst has room for.
func words(d *text.Doc, dst []uint64) []uint64 {
	toks := d.Tokens
	from := 0
	if d.TitleEnd > 0 {
		body := 0
		for i := range toks {
			if toks[i].Pos >= d.TitleEnd {
				if body == 0 {
					from = i
				}
				body++
			}
		}
		if body < bodyWords {
			from = 0
		}
	}
	for i := from; i < len(toks); i++ {
		t := &toks[i]
		if t.Kind == text.Word && i+1 < len(toks) && toks[i+1].Kind == text.Mention {
			if w := d.Word(i); w == "rt" || w == "via" || w == "by" && i+2 == len(toks) {
				i++ // skip the marker and its mention
				continue
			}
		}
		if t.Kind == text.Mention && i == from && i+1 < len(toks) && isRTColon(d, i) {
			continue
		}
		dst = append(dst, t.Hash)
		if len(dst) == cap(dst) {
			break // enough for the shingles that vote
		}
	}
	return dst
}

// isRTColon reports whether mention i opens the post as "@x: …", the form
// some clients give a quoted post.
func isRTColon(d *text.Doc, i int) bool {
	end := int(d.Tokens[i].End)
	return end < len(d.Plain) && d.Plain[end] == ':'
}

// shingles calls f with the index and hash of every shingle of ws and returns
// how many there were.
func shingles(ws []uint64, f func(i int, h uint64)) int {
	k := 3
	switch {
	case len(ws) < shortWords:
		k = 1
	case len(ws) < longWords:
		k = 2
	}
	if len(ws) < k {
		return 0
	}
	n := 0
	for i := 0; i+k <= len(ws) && i < maxShingles; i++ {
		h := uint64(fnvOffset)
		for _, w := range ws[i : i+k] {
			for s := 0; s < 64; s += 8 {
				h ^= (w >> s) & 0xff
				h *= fnvPrime
			}
		}
		f(i, h)
		n++
	}
	return n
}

// Hamming returns the number of bits in which a and b differ.
func Hamming(a, b uint64) int { return bits.OnesCount64(a ^ b) }
