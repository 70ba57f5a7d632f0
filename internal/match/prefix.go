package match

import "github.com/vigie-project/vigie/internal/text"

// maxPrefixKey bounds the bytes of a pattern's literal prefix used as its key;
// the verifier checks the whole pattern anyway.
const maxPrefixKey = 24

// prefixSet finds the prefix keys a word starts with. FNV is computed byte by
// byte, so while hashing a word the matcher holds the hash of each of its
// leading parts; it looks up only the lengths some prefix has, through a Bloom
// filter first.
type prefixSet struct {
	lens   uint32 // bit L set: some prefix key is L bytes long
	counts [maxPrefixKey + 1]int32
	bloom  keyBloom
	byHash map[uint64][]uint32 // prefix hash → prefix term ids
}

func prefixKey(p string) string {
	if len(p) > maxPrefixKey {
		p = p[:maxPrefixKey]
	}
	return p
}

func (s *prefixSet) add(p string, id uint32) {
	h := text.Hash(p)
	if s.byHash == nil {
		s.byHash = make(map[uint64][]uint32)
	}
	// Before p is in byHash: a resize re-adds byHash.
	s.bloom.add(h, func(yield func(uint64)) {
		for h, ids := range s.byHash {
			for range ids {
				yield(h)
			}
		}
	})
	s.byHash[h] = append(s.byHash[h], id)
	s.counts[len(p)]++
	s.lens |= 1 << len(p)
}

func (s *prefixSet) remove(p string, id uint32) {
	h := text.Hash(p)
	s.byHash[h] = deleteValue(s.byHash[h], id)
	if len(s.byHash[h]) == 0 {
		delete(s.byHash, h)
	}
	s.bloom.remove(h)
	s.counts[len(p)]--
	if s.counts[len(p)] == 0 {
		s.lens &^= 1 << len(p)
	}
}
