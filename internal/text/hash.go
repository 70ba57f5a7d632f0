package text

// FNV-1a, 64 bits: cheap enough to run over every word of every post, and the
// same function hashes query words, so either side can test the other's set.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// Hash returns the hash of a folded word, as Token.Hash and Doc.MayHaveWord use.
func Hash(s string) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

func hashBytes(b []byte) uint64 {
	h := uint64(fnvOffset)
	for _, c := range b {
		h ^= uint64(c)
		h *= fnvPrime
	}
	return h
}

// wordBits is a one-probe Bloom filter over a post's words: with the few dozen
// words of a post it answers "certainly absent" for almost every other word.
type wordBits [16]uint64

func (b *wordBits) add(h uint64)      { b[(h>>58)&15] |= 1 << ((h >> 52) & 63) }
func (b *wordBits) has(h uint64) bool { return b[(h>>58)&15]&(1<<((h>>52)&63)) != 0 }

// MayHaveWord reports false when no token of the doc has the folded word whose
// Hash is h; true means it may have one.
func (d *Doc) MayHaveWord(h uint64) bool { return d.bits.has(h) }
