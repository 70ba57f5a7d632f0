package match

import (
	"sync/atomic"

	"github.com/vigie-project/vigie/internal/text"
)

// Anchors are first chosen from a prior (longer words are rarer, function
// words are everywhere, tags are rarer than words). Matchers then count how
// often each key occurs in the stream, and the index re-anchors its branches
// on their rarest required set as evidence accumulates: at 2,000 posts, then
// each time the count doubles, then every million posts. This is what makes
// "dose" or "série" stop being anchors once the stream shows they are common.
const (
	firstReplan = 2000
	maxReplan   = 1_000_000
	priorWeight = 2000.0 // the prior counts as this many posts
	flushEvery  = 256    // posts a matcher counts locally before publishing
	replanChunk = 8192   // branches re-anchored per write-lock hold
)

// estimate returns a key's expected occurrences per million posts, blending
// the prior with what the stream has shown. Called with ix.mu held.
func (ix *Index) estimate(key string) float64 {
	prior := keyCost(key)
	n := float64(ix.observed.Load())
	if n == 0 {
		return prior
	}
	id, ok := ix.dict.find(text.Hash(key), key)
	if !ok {
		return prior * priorWeight / (n + priorWeight)
	}
	return ix.estimateID(id, prior, n)
}

// cannotAnchor is the prior of keys that no branch is indexed under
// (lang:, country:, source:; see anchorable).
const cannotAnchor = -1

func (ix *Index) estimateID(id uint32, prior, n float64) float64 {
	c := float64(atomic.LoadUint32(&ix.freq[id]))
	return (c*1e6 + prior*priorWeight) / (n + priorWeight)
}

// count records that key id occurs in the current post.
func (m *Matcher) count(id uint32) {
	k := &m.keys[id]
	if k.count == 0 {
		m.dirty = append(m.dirty, id)
	}
	k.count++
}

// publish adds the matcher's local counts to the index's. Called with ix.mu
// read-locked; reports whether a re-anchoring is due.
func (m *Matcher) publish() bool {
	ix := m.ix
	for _, id := range m.dirty {
		if int(id) < len(ix.freq) {
			atomic.AddUint32(&ix.freq[id], m.keys[id].count)
		}
		m.keys[id].count = 0
	}
	m.dirty = m.dirty[:0]
	n := ix.observed.Add(uint64(m.unpublished))
	m.unpublished = 0
	return n >= ix.nextReplan.Load()
}

// replan re-anchors every branch on its cheapest set by the learned
// frequencies, a chunk at a time so that matching goes on in between. Only
// one replan runs at a time; others return at once.
func (ix *Index) replan() {
	if !ix.replanMu.TryLock() {
		return
	}
	defer ix.replanMu.Unlock()
	n := ix.observed.Load()
	if n < ix.nextReplan.Load() {
		return // another matcher just did it
	}
	ix.nextReplan.Store(min(2*n, n+maxReplan))
	ix.replans.Add(1)
	for start := 0; ; start += replanChunk {
		ix.mu.Lock()
		end := min(start+replanChunk, len(ix.branches))
		for id := start; id < end; id++ {
			ix.reanchor(uint32(id))
		}
		done := end >= len(ix.branches)
		ix.mu.Unlock()
		if done {
			return
		}
	}
}

// reanchor moves branch id to its cheapest anchorable set. Called with ix.mu held.
func (ix *Index) reanchor(id uint32) {
	b := &ix.branches[id]
	if b.code == nil || b.anchor < 0 {
		return // free slot, or nothing to anchor on
	}
	n := float64(ix.observed.Load())
	best, bestCost := int32(-1), 0.0
	for i := int32(0); i < b.prog; {
		size := int32(b.code[i])
		set := b.code[i+1 : i+1+size]
		c, ok := 0.0, true
		for _, t := range set {
			p := ix.prior[t]
			if p == cannotAnchor {
				ok = false
				break
			}
			c += ix.estimateID(t, p, n)
		}
		if ok && (best < 0 || c < bestCost) {
			best, bestCost = i, c
		}
		i += 1 + size
	}
	if best < 0 || best == b.anchor {
		return
	}
	for _, t := range b.anchorSet() {
		ix.removePosting(t, b.posting(id))
	}
	b.anchor = best
	ix.setQuick(b)
	ix.moved.Add(1)
	for _, t := range b.anchorSet() {
		ix.addPosting(t, b.posting(id))
	}
}
