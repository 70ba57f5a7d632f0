package match

import "github.com/vigie-project/vigie/internal/text"

// keyTable is the dictionary of keys (key → term id). It is looked up by the
// key's FNV hash (text.Hash), which the analyser already computed for every
// word of a post: a lookup rehashes nothing and reads one slot, whose hash
// settles almost every miss; the key's bytes are compared only when the
// hashes are equal, so that the answer stays exact. A key of up to 16 bytes
// (most words) is held in its slot, so that a hit reads no other memory.
// Open addressing with linear probing, at most half full.
type keyTable struct {
	slots []keySlot
	long  map[uint32]string // term id + 1 → key, for keys too long for a slot
	n     int
}

type keySlot struct {
	hash  uint64
	id    uint32 // term id + 1; 0: an empty slot
	size  uint32 // the key's length
	short [shortKey]byte
}

const shortKey = 16

func (kt *keyTable) key(s *keySlot) string {
	if s.size <= shortKey {
		return string(s.short[:s.size])
	}
	return kt.long[s.id]
}

// is reports whether slot s holds k, whose hash is h.
func (kt *keyTable) is(s *keySlot, h uint64, k string) bool {
	if s.hash != h || int(s.size) != len(k) {
		return false
	}
	if len(k) <= shortKey {
		return string(s.short[:len(k)]) == k
	}
	return kt.long[s.id] == k
}

const minKeySlots = 1 << 10

func (kt *keyTable) len() int { return kt.n }

// find returns the id of key k, whose hash is h.
func (kt *keyTable) find(h uint64, k string) (uint32, bool) {
	if kt.n == 0 {
		return 0, false
	}
	mask := uint64(len(kt.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &kt.slots[i]
		if s.id == 0 {
			return 0, false
		}
		if kt.is(s, h, k) {
			return s.id - 1, true
		}
	}
}

// put adds k, which must not be in the table, with term id.
func (kt *keyTable) put(k string, id uint32) {
	if 2*(kt.n+1) > len(kt.slots) {
		old := kt.slots
		kt.slots = make([]keySlot, max(minKeySlots, 2*len(old)))
		for _, s := range old {
			if s.id != 0 {
				kt.insert(s)
			}
		}
	}
	s := keySlot{hash: text.Hash(k), id: id + 1, size: uint32(len(k))}
	if len(k) <= shortKey {
		copy(s.short[:], k)
	} else {
		if kt.long == nil {
			kt.long = make(map[uint32]string)
		}
		kt.long[s.id] = k
	}
	kt.insert(s)
	kt.n++
}

func (kt *keyTable) insert(s keySlot) {
	mask := uint64(len(kt.slots) - 1)
	i := s.hash & mask
	for kt.slots[i].id != 0 {
		i = (i + 1) & mask
	}
	kt.slots[i] = s
}

// remove deletes k if present.
func (kt *keyTable) remove(k string) {
	if kt.n == 0 {
		return
	}
	h := text.Hash(k)
	mask := uint64(len(kt.slots) - 1)
	i := h & mask
	for {
		s := &kt.slots[i]
		if s.id == 0 {
			return
		}
		if kt.is(s, h, k) {
			delete(kt.long, s.id)
			break
		}
		i = (i + 1) & mask
	}
	kt.n--
	backshift(kt.slots, i, func(s *keySlot) (uint64, bool) { return s.hash, s.id != 0 })
}

// all yields every key in the table.
func (kt *keyTable) all(yield func(string) bool) {
	for i := range kt.slots {
		if s := &kt.slots[i]; s.id != 0 && !yield(kt.key(s)) {
			return
		}
	}
}
