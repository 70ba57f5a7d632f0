package match

import "github.com/vigie-project/vigie/internal/text"

// maxPrefixKey bounds the bytes of a pattern's literal prefix used as its key;
// the verifier checks the whole pattern anyway.
const maxPrefixKey = 24

// prefixSet finds the prefix keys a word starts with. FNV is computed byte by
// byte, so while hashing a word the matcher holds the hash of each of its
// leading parts; it looks up only the lengths some prefix has, through a Bloom
// filter first, then in a table whose slots hold the prefixes themselves, so
// that a lookup reads no term.
type prefixSet struct {
	lens   uint32 // bit L set: some prefix key is L bytes long
	counts [maxPrefixKey + 1]int32
	// starts has a bit for the hash of every leading part of every key
	// (of "innov": "i", "in", … "innov"): a word is done as soon as its
	// leading part is no key's, after a byte or two for most words, instead
	// of hashing and looking up each of its lengths. startRefs counts the
	// leading parts behind each bit.
	starts    *[startBits / 64]uint64
	startRefs map[uint32]int32
	bloom     keyBloom
	slots     []prefixSlot // open addressing, linear probing, at most half full
	n         int
}

type prefixSlot struct {
	hash   uint64
	id     uint32 // term id + 1; 0: an empty slot
	size   uint8
	glob   bool // the word must also fit the term's whole pattern
	prefix [maxPrefixKey]byte
}

// startBits is the size of the starts filter (16 KB): a few thousand
// leading parts set a few percent of its bits.
const startBits = 1 << 17

// startBit is the bit of starts for h, the hash of a word's leading part.
func startBit(h uint64) uint32 { return uint32(h>>32) & (startBits - 1) }

// mayStart reports whether some key may start with the leading part of a
// word whose hash is h; false is certain.
func (s *prefixSet) mayStart(h uint64) bool {
	b := startBit(h)
	return s.starts != nil && s.starts[b/64]&(1<<(b%64)) != 0
}

// eachStart calls f with the bit of each leading part of p.
func eachStart(p string, f func(b uint32)) {
	h := uint64(fnvOffset)
	for i := 0; i < len(p); i++ {
		h ^= uint64(p[i])
		h *= fnvPrime
		f(startBit(h))
	}
}

func prefixKey(p string) string {
	if len(p) > maxPrefixKey {
		p = p[:maxPrefixKey]
	}
	return p
}

// add records that term id's pattern starts with p (at most maxPrefixKey
// bytes); glob says that the word must also fit the whole pattern.
func (s *prefixSet) add(p string, id uint32, glob bool) {
	h := text.Hash(p)
	// Before p is in the table: a resize re-adds the table.
	s.bloom.add(h, func(yield func(uint64)) {
		for i := range s.slots {
			if s.slots[i].id != 0 {
				yield(s.slots[i].hash)
			}
		}
	})
	if 2*(s.n+1) > len(s.slots) {
		old := s.slots
		s.slots = make([]prefixSlot, max(minKeySlots, 2*len(old)))
		for _, sl := range old {
			if sl.id != 0 {
				s.insert(sl)
			}
		}
	}
	sl := prefixSlot{hash: h, id: id + 1, size: uint8(len(p)), glob: glob}
	copy(sl.prefix[:], p)
	s.insert(sl)
	s.n++
	s.counts[len(p)]++
	s.lens |= 1 << len(p)
	if s.starts == nil {
		s.starts, s.startRefs = new([startBits / 64]uint64), map[uint32]int32{}
	}
	eachStart(p, func(b uint32) {
		s.startRefs[b]++
		s.starts[b/64] |= 1 << (b % 64)
	})
}

func (s *prefixSet) insert(sl prefixSlot) {
	mask := uint64(len(s.slots) - 1)
	i := sl.hash & mask
	for s.slots[i].id != 0 {
		i = (i + 1) & mask
	}
	s.slots[i] = sl
}

func (s *prefixSet) remove(p string, id uint32) {
	h := text.Hash(p)
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; s.slots[i].id != 0; i = (i + 1) & mask {
		if s.slots[i].hash == h && s.slots[i].id == id+1 {
			backshift(s.slots, i, func(sl *prefixSlot) (uint64, bool) { return sl.hash, sl.id != 0 })
			s.n--
			break
		}
	}
	s.bloom.remove(h)
	s.counts[len(p)]--
	if s.counts[len(p)] == 0 {
		s.lens &^= 1 << len(p)
	}
	eachStart(p, func(b uint32) {
		if s.startRefs[b]--; s.startRefs[b] == 0 {
			delete(s.startRefs, b)
			s.starts[b/64] &^= 1 << (b % 64)
		}
	})
}

// backshift empties slot i of a linear-probing table and moves the later
// slots of its run back where their lookups will still find them, so that
// the table needs no tombstones. hash returns a slot's hash and whether it
// is in use.
func backshift[S any](slots []S, i uint64, hash func(*S) (uint64, bool)) {
	var zero S
	mask := uint64(len(slots) - 1)
	for j := (i + 1) & mask; ; j = (j + 1) & mask {
		h, used := hash(&slots[j])
		if !used {
			break
		}
		// The slot at j may fill the hole at i unless its home lies
		// cyclically in (i, j].
		if (j-h&mask)&mask >= (j-i)&mask {
			slots[i] = slots[j]
			i = j
		}
	}
	slots[i] = zero
}
