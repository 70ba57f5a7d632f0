package match

import (
	"fmt"
	"testing"

	"github.com/vigie-project/vigie/internal/query"
	"github.com/vigie-project/vigie/internal/text"
)

// TestBloomFollowsKeys adds enough monitors to grow the key filter several
// times, removes them all, and checks the filter never forgets a live key and
// ends up empty.
func TestBloomFollowsKeys(t *testing.T) {
	ix := NewIndex()
	const n = 20000
	for i := range n {
		q, err := query.Parse(fmt.Sprintf("w%da OR (w%db pre%dx*)", i, i, i))
		if err != nil {
			t.Fatal(err)
		}
		if err := ix.Add(fmt.Sprint(i), q); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(ix.bloom.counts); got < 16*ix.bloom.n {
		t.Fatalf("filter of %d bits for %d keys", got, ix.bloom.n)
	}
	for k := range ix.dict.all {
		if bloomKey(k) && !ix.bloom.has(text.Hash(k)) {
			t.Fatalf("live key %q missing from the filter", k)
		}
	}
	// Every leading part of every prefix key is in the starts filter, also
	// once other keys that share it are gone.
	liveStarts := func(from int) {
		t.Helper()
		for i := from; i < n; i++ {
			p := fmt.Sprintf("pre%dx", i)
			for l := 1; l <= len(p); l++ {
				if !ix.prefixes.mayStart(text.Hash(p[:l])) {
					t.Fatalf("prefix key %q: %q missing from the starts filter", p, p[:l])
				}
			}
		}
	}
	liveStarts(0)
	checkAnchors(t, ix)
	for i := range n {
		if !ix.Remove(fmt.Sprint(i)) {
			t.Fatal("remove failed")
		}
		if i == n/2 {
			liveStarts(i + 1)
			checkAnchors(t, ix)
		}
	}
	if len(ix.prefixes.startRefs) != 0 || *ix.prefixes.starts != [startBits / 64]uint64{} {
		t.Fatalf("starts filter not empty after every key was removed: %d bits counted", len(ix.prefixes.startRefs))
	}
	if ix.bloom.n != 0 || ix.prefixes.bloom.n != 0 || ix.prefixes.n != 0 || ix.dict.len() != 0 || ix.prefixes.lens != 0 {
		t.Fatalf("after removing everything: %d word keys, %d prefix keys, %d dict entries, lens %b",
			ix.bloom.n, ix.prefixes.bloom.n, ix.dict.len(), ix.prefixes.lens)
	}
	for _, w := range ix.bloom.bits {
		if w != 0 {
			t.Fatal("filter bits left set after every key was removed")
		}
	}
}

// TestAnchorBitsFollowReanchoring: when the stream shows that a branch's
// anchor is common, the branch moves to a rarer key; the key it leaves
// has no postings any more, and its anchor bit must say so.
func TestAnchorBitsFollowReanchoring(t *testing.T) {
	ix := NewIndex()
	// "longanchorword" is what the prior picks (longer words are rarer);
	// the stream has it in every post and "zq" in none.
	mustAdd(t, ix, "m", "longanchorword AND zq")
	long, _ := ix.dict.find(text.Hash("longanchorword"), "longanchorword")
	if len(ix.postings[long]) == 0 {
		t.Fatal("the test's premise fails: the branch is not anchored on its longer word")
	}
	m := NewMatcher(ix)
	for range 5000 {
		p := txt("longanchorword and more words")
		m.Match(&p)
	}
	if st := ix.Stats(); st.Reanchored == 0 || len(ix.postings[long]) != 0 {
		t.Fatalf("no re-anchoring away from the common word (%+v, %d postings left)", st, len(ix.postings[long]))
	}
	checkAnchors(t, ix)
}
