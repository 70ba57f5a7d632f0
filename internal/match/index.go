package match

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/vigie-project/vigie/internal/query"
	"github.com/vigie-project/vigie/internal/text"
)

// DefaultMaxUnanchored bounds the monitors' branches that have no term to be
// indexed under (only url: clauses) and so are verified against every post.
const DefaultMaxUnanchored = 1000

// ErrTooManyUnanchored is returned when a monitor would push the always-verified
// set past its bound.
var ErrTooManyUnanchored = errors.New("too many monitors look only at url: fragments; add a word, site: or author: to this query so that it can be indexed")

// Index holds the compiled monitors. Monitors are added, replaced and removed
// while posts are being matched; each change touches only the monitor's own
// entries. It is safe for concurrent use.
//
// Every monitor's query is split into branches (the alternatives of a
// top-level OR). Each branch is indexed under one anchor: the cheapest set of
// keys of which a matching post must contain at least one. A post visits the
// branches anchored on its keys, then a branch must also find one key of each
// of its other required sets (a second, multi-term pass), and only then is the
// exact verifier run on it.
type Index struct {
	mu sync.RWMutex

	dict     keyTable // key → term id
	terms    []term
	postings [][]uint32 // by term id: the branches anchored on the key (apart from terms: denser, read for every key a post has)
	// anchors has the bit of every term with postings. Most keys a post
	// has are common words no branch is anchored on (anchors are the
	// rarest keys): a bit read from a table that stays in the cache spares
	// them the read of their empty postings, a cache miss in a table ten
	// times larger.
	anchors   []uint64
	freeTerms []uint32
	bloom     keyBloom // over keys: most post words are no key at all
	prefixes  prefixSet

	branches     []branch
	freeBranches []uint32
	always       []uint32 // branches without anchor, verified for every post

	nodes     []*query.Node // query nodes that programs defer to (opNode)
	freeNodes []uint32

	monitors     []monitor
	freeMonitors []uint32
	byID         map[string]uint32
	seq          uint64

	// Learned key frequencies: freq[t] counts the posts in which key t was
	// present, out of observed posts. Matchers add to them atomically.
	freq       []uint32
	prior      []float64 // by term id: keyCost of the key, or cannotAnchor; a replan reads no key
	observed   atomic.Uint64
	nextReplan atomic.Uint64
	replanMu   sync.Mutex
	replans    atomic.Int64
	moved      atomic.Int64 // branches whose anchor a replan changed

	langMonitors atomic.Int64 // monitors whose query tests lang:

	// MaxUnanchored bounds the always-verified branches; set before use.
	MaxUnanchored int
}

type term struct {
	key    string
	refs   int32  // branches that use the key
	prefix string // for pattern keys, the literal prefix (at most maxPrefixKey bytes)
	glob   string // for pattern keys other than "prefix*", the whole pattern
}

// branch is one alternative of a monitor's query, in one slice: its required
// key sets, stored flat to keep a monitor small (for each set, its length then
// its ids), then its compiled query (program.go).
type branch struct {
	code   []uint32
	mon    uint32
	anchor int32 // offset in code of the anchor set's length, or -1
	prog   int32 // offset in code of the program; nil code: a free slot
	lang   bool  // the monitor tests lang:

	siblings bool // the monitor has other branches: it may match twice

	// quick holds the keys of a required set other than the anchor's, of
	// one or two keys (noKey for none), so that most candidates that lack
	// one are turned away before their code is read.
	quick [2]uint32
}

// setQuick chooses the branch's quick set: the first non-anchor set of at
// most two keys, none of them a filter such as lang:, whose key is not
// marked before detection.
func (ix *Index) setQuick(b *branch) {
	b.quick = [2]uint32{noKey, noKey}
	for i := int32(0); i < b.prog; {
		n := int32(b.code[i])
		set := b.code[i+1 : i+1+n]
		if i != b.anchor && n <= 2 && !slices.ContainsFunc(set, func(t uint32) bool { return ix.prior[t] == cannotAnchor }) {
			copy(b.quick[:], set)
			return
		}
		i += 1 + n
	}
}

// sets calls f with each required set of the branch.
func (b *branch) sets(f func(set []uint32) bool) {
	req := b.code[:b.prog]
	for i := 0; i < len(req); {
		n := int(req[i])
		if !f(req[i+1 : i+1+n]) {
			return
		}
		i += 1 + n
	}
}

// posting is how branch id appears in its anchor keys' postings: with
// sharedAnchor when its anchor set has several keys, as only then can a post
// reach it twice.
func (b *branch) posting(id uint32) uint32 {
	if len(b.anchorSet()) > 1 {
		return id | sharedAnchor
	}
	return id
}

// sharedAnchor flags a posting whose branch a post may reach through
// several keys, so that a matcher checks it for repeats (Matcher.candidate).
const sharedAnchor = 1 << 31

func (b *branch) anchorSet() []uint32 {
	if b.anchor < 0 {
		return nil
	}
	n := b.code[b.anchor]
	return b.code[b.anchor+1 : b.anchor+1+int32(n)]
}

type monitor struct {
	id       string
	owner    int64 // the workspace it belongs to (0: none), for Matcher.Scope
	seq      uint64
	branches []uint32
	usesLang bool
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	ix := &Index{
		byID:          make(map[string]uint32),
		MaxUnanchored: DefaultMaxUnanchored,
	}
	ix.nextReplan.Store(firstReplan)
	return ix
}

// Len returns the number of monitors.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.byID)
}

// Stats describes the index's structure.
type Stats struct {
	Monitors, Branches, Unanchored, Terms int
	Observed                              uint64 // posts whose keys were counted
	Replans, Reanchored                   int64  // re-anchoring passes, and branches they moved
}

// Stats returns the index's current size.
func (ix *Index) Stats() Stats {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return Stats{Monitors: len(ix.byID), Branches: len(ix.branches) - len(ix.freeBranches),
		Unanchored: len(ix.always), Terms: ix.dict.len(), Observed: ix.observed.Load(),
		Replans: ix.replans.Load(), Reanchored: ix.moved.Load()}
}

// Add compiles and indexes a monitor's query under id, replacing any monitor
// with that id (which keeps its place in the output order and its owner).
func (ix *Index) Add(id string, q *query.Query) error { return ix.add(id, -1, q) }

// AddOwned is Add for a monitor that belongs to an owner (a workspace): a
// Matcher with a Scope matches it only for posts in that owner's scope.
func (ix *Index) AddOwned(id string, owner int64, q *query.Query) error {
	if owner < 0 {
		return fmt.Errorf("monitor %q: negative owner %d", id, owner)
	}
	return ix.add(id, owner, q)
}

// Owner returns the owner of the monitor with id (0: none or no such monitor).
func (ix *Index) Owner(id string) int64 {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if slot, ok := ix.byID[id]; ok {
		return ix.monitors[slot].owner
	}
	return 0
}

// add is Add with an owner; a negative owner keeps the monitor's.
func (ix *Index) add(id string, owner int64, q *query.Query) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	plans := plan(q.Root, ix.estimate)
	unanchored := 0
	for _, p := range plans {
		if p.anchor < 0 {
			unanchored++
		}
	}
	slot, exists := ix.byID[id]
	if unanchored > 0 {
		old := 0
		if exists {
			for _, b := range ix.monitors[slot].branches {
				if ix.branches[b].anchor < 0 {
					old++
				}
			}
		}
		if len(ix.always)-old+unanchored > ix.MaxUnanchored {
			return fmt.Errorf("monitor %q: %w (limit %d)", id, ErrTooManyUnanchored, ix.MaxUnanchored)
		}
	}
	if exists {
		ix.dropBranches(slot)
		if ix.monitors[slot].usesLang {
			ix.langMonitors.Add(-1)
		}
	} else {
		if n := len(ix.freeMonitors); n > 0 {
			slot = ix.freeMonitors[n-1]
			ix.freeMonitors = ix.freeMonitors[:n-1]
		} else {
			slot = uint32(len(ix.monitors))
			ix.monitors = append(ix.monitors, monitor{})
		}
		ix.seq++
		ix.monitors[slot] = monitor{id: id, seq: ix.seq}
		ix.byID[id] = slot
	}
	m := &ix.monitors[slot]
	if owner >= 0 {
		m.owner = owner
	}
	m.usesLang = testsLang(q.Root)
	if m.usesLang {
		ix.langMonitors.Add(1)
	}
	for _, p := range plans {
		m.branches = append(m.branches, ix.addBranch(slot, p, m.usesLang, len(plans) > 1))
	}
	return nil
}

// UsesLang reports whether any monitor's query tests the language (lang:),
// so that the pipeline detects languages before matching only when it
// changes the result, and otherwise only for the posts that matched.
func (ix *Index) UsesLang() bool { return ix.langMonitors.Load() > 0 }

func testsLang(n *query.Node) bool {
	if n.Op == query.OpField && n.Field == query.FieldLang {
		return true
	}
	for _, c := range n.Children {
		if testsLang(c) {
			return true
		}
	}
	return false
}

// Remove deletes the monitor with id; it reports whether there was one.
func (ix *Index) Remove(id string) bool {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	slot, ok := ix.byID[id]
	if !ok {
		return false
	}
	ix.dropBranches(slot)
	if ix.monitors[slot].usesLang {
		ix.langMonitors.Add(-1)
	}
	delete(ix.byID, id)
	ix.monitors[slot] = monitor{}
	ix.freeMonitors = append(ix.freeMonitors, slot)
	return true
}

func (ix *Index) addBranch(slot uint32, p branchPlan, lang, siblings bool) uint32 {
	var id uint32
	if n := len(ix.freeBranches); n > 0 {
		id = ix.freeBranches[n-1]
		ix.freeBranches = ix.freeBranches[:n-1]
	} else {
		id = uint32(len(ix.branches))
		ix.branches = append(ix.branches, branch{})
	}
	b := branch{mon: slot, anchor: -1, lang: lang, siblings: siblings}
	seen := map[string]uint32{}
	intern := func(k string) uint32 {
		t, ok := seen[k]
		if !ok {
			t = ix.intern(k) // one reference per branch and key
			seen[k] = t
		}
		return t
	}
	c := compiler{intern: intern, node: ix.keepNode}
	for i, set := range p.req {
		if i == p.anchor {
			b.anchor = int32(len(c.code))
		}
		c.code = append(c.code, uint32(len(set)))
		for _, k := range set {
			c.code = append(c.code, intern(k))
		}
	}
	b.prog = int32(len(c.code))
	c.bool(p.node)
	b.code = slices.Clip(c.code)
	if a := b.anchorSet(); a != nil {
		for _, t := range a {
			ix.addPosting(t, b.posting(id))
		}
	} else {
		ix.always = append(ix.always, id)
	}
	ix.setQuick(&b)
	ix.branches[id] = b
	return id
}

// keepNode stores a node that a program defers to and returns its index.
func (ix *Index) keepNode(n *query.Node) uint32 {
	if k := len(ix.freeNodes); k > 0 {
		i := ix.freeNodes[k-1]
		ix.freeNodes = ix.freeNodes[:k-1]
		ix.nodes[i] = n
		return i
	}
	ix.nodes = append(ix.nodes, n)
	return uint32(len(ix.nodes) - 1)
}

func (ix *Index) dropBranches(slot uint32) {
	m := &ix.monitors[slot]
	for _, id := range m.branches {
		b := &ix.branches[id]
		a := b.anchorSet()
		if a == nil {
			ix.always = deleteValue(ix.always, id)
		}
		for _, t := range a {
			ix.removePosting(t, b.posting(id))
		}
		var keys []uint32
		b.sets(func(set []uint32) bool {
			keys = append(keys, set...)
			return true
		})
		walkProgram(b.code[b.prog:], func(t uint32) { keys = append(keys, t) }, func(n uint32) {
			ix.nodes[n] = nil
			ix.freeNodes = append(ix.freeNodes, n)
		})
		slices.Sort(keys)
		for _, t := range slices.Compact(keys) {
			ix.release(t)
		}
		ix.branches[id] = branch{}
		ix.freeBranches = append(ix.freeBranches, id)
	}
	m.branches = nil
}

// deleteValue removes one v from s; order does not matter to callers.
func deleteValue(s []uint32, v uint32) []uint32 {
	i := slices.Index(s, v)
	if i < 0 {
		return s
	}
	s[i] = s[len(s)-1]
	return s[:len(s)-1]
}

func (ix *Index) intern(k string) uint32 {
	if t, ok := ix.dict.find(text.Hash(k), k); ok {
		ix.terms[t].refs++
		return t
	}
	var t uint32
	if n := len(ix.freeTerms); n > 0 {
		t = ix.freeTerms[n-1]
		ix.freeTerms = ix.freeTerms[:n-1]
	} else {
		t = uint32(len(ix.terms))
		ix.terms = append(ix.terms, term{})
		ix.postings = append(ix.postings, nil)
		if int(t/64) >= len(ix.anchors) {
			ix.anchors = append(ix.anchors, 0)
		}
		ix.freq = append(ix.freq, 0)
		ix.prior = append(ix.prior, 0)
	}
	ix.terms[t] = term{key: k, refs: 1}
	ix.freq[t] = 0
	ix.prior[t] = keyCost(k)
	if !anchorableKey(k) {
		ix.prior[t] = cannotAnchor
	}
	if bloomKey(k) {
		ix.bloom.add(text.Hash(k), ix.bloomKeyHashes) // before k is in dict: a resize re-adds dict
	}
	ix.dict.put(k, t)
	if pat, ok := patternOfKey(k); ok {
		p := prefixKey(literalPrefix(pat))
		ix.terms[t].prefix = p
		if pat != p+"*" {
			ix.terms[t].glob = pat // not a plain prefix: the word must fit the pattern
		}
		ix.prefixes.add(p, t, ix.terms[t].glob != "")
	}
	return t
}

func (ix *Index) release(t uint32) {
	tm := &ix.terms[t]
	tm.refs--
	if tm.refs > 0 {
		return
	}
	if tm.prefix != "" {
		ix.prefixes.remove(tm.prefix, t)
	}
	ix.dict.remove(tm.key)
	if bloomKey(tm.key) {
		ix.bloom.remove(text.Hash(tm.key))
	}
	*tm = term{}
	ix.postings[t] = nil
	ix.anchors[t/64] &^= 1 << (t % 64)
	ix.freeTerms = append(ix.freeTerms, t)
}

// Keys: a word is its folded form; other kinds carry a prefix that no folded
// word can start with.
const (
	keyPrefix  = "\x01p"
	keyAuthor  = "\x01a"
	keySite    = "\x01s"
	keyLang    = "\x01l"
	keyCountry = "\x01c"
	keySource  = "\x01o"
)

// bloomKeyHashes yields the hash of every key in the Bloom filter.
func (ix *Index) bloomKeyHashes(yield func(uint64)) {
	for k := range ix.dict.all {
		if bloomKey(k) {
			yield(text.Hash(k))
		}
	}
}

// bloomKey reports whether k goes in the key Bloom filter: every key but
// patterns, which the prefix set finds.
func bloomKey(k string) bool { _, pat := patternOfKey(k); return !pat }

// keyBloom is a counting Bloom filter over key hashes, so that keys can be
// removed as monitors go. Its two probes lie in one 64-bit word, so a lookup
// touches one cache line. It grows to keep 16 bits per key (about 2% false
// positives); growing re-adds every key from its owner.
type keyBloom struct {
	bits   []uint64
	counts []uint8 // saturate at 255: such a bit stays set, which is only slower
	n      int
}

const minBloomBits = 1 << 16

func (b *keyBloom) probes(h uint64) (uint64, uint64) {
	word := (h & uint64(len(b.counts)/64-1)) * 64
	return word + (h>>40)&63, word + (h>>52)&63
}

// add records h; all yields every hash already recorded, for a resize.
func (b *keyBloom) add(h uint64, all func(yield func(uint64))) {
	if (b.n+1)*16 > len(b.counts) {
		size := max(minBloomBits, 2*len(b.counts))
		for size < (b.n+1)*16 {
			size *= 2
		}
		*b = keyBloom{bits: make([]uint64, size/64), counts: make([]uint8, size)}
		if all != nil {
			all(b.set)
		}
	}
	b.set(h)
}

func (b *keyBloom) set(h uint64) {
	b.n++
	p, q := b.probes(h)
	for _, i := range [2]uint64{p, q} {
		if b.counts[i] < 0xff {
			b.counts[i]++
		}
		b.bits[i/64] |= 1 << (i % 64)
	}
}

func (b *keyBloom) remove(h uint64) {
	if len(b.counts) == 0 {
		return
	}
	b.n--
	p, q := b.probes(h)
	for _, i := range [2]uint64{p, q} {
		if b.counts[i] == 0xff {
			continue
		}
		b.counts[i]--
		if b.counts[i] == 0 {
			b.bits[i/64] &^= 1 << (i % 64)
		}
	}
}

func (b *keyBloom) has(h uint64) bool {
	if len(b.bits) == 0 {
		return false
	}
	w := b.bits[h&uint64(len(b.bits)-1)]
	return w&(1<<((h>>40)&63)) != 0 && w&(1<<((h>>52)&63)) != 0
}

// literalPrefix returns a pattern's start before its first wildcard.
func literalPrefix(pat string) string {
	if i := strings.IndexAny(pat, "*?"); i >= 0 {
		return pat[:i]
	}
	return pat
}

func patternOfKey(k string) (string, bool) {
	if len(k) > len(keyPrefix) && k[:len(keyPrefix)] == keyPrefix {
		return k[len(keyPrefix):], true
	}
	return "", false
}

// branchPlan is a branch before its keys are interned.
type branchPlan struct {
	node   *query.Node
	req    [][]string
	anchor int // index into req, or -1
}

// plan splits a query into branches and chooses their anchors.
func plan(root *query.Node, cost func(key string) float64) []branchPlan {
	var nodes []*query.Node
	var split func(n *query.Node)
	split = func(n *query.Node) {
		if n.Op == query.OpOr {
			for _, c := range n.Children {
				split(c)
			}
			return
		}
		nodes = append(nodes, n)
	}
	split(root)
	plans := make([]branchPlan, len(nodes))
	for i, n := range nodes {
		req := dedupeSets(required(n, cost))
		best, bestCost := -1, 0.0
		for j, set := range req {
			if !anchorable(set) {
				continue
			}
			if c := setCost(set, cost); best < 0 || c < bestCost {
				best, bestCost = j, c
			}
		}
		// Sets of function words filter out almost nothing and would make
		// every "the" of every post a lookup hit; keep only the anchor.
		kept := req[:0]
		for j, set := range req {
			if j == best {
				best = len(kept)
			} else if setCost(set, cost) >= weakSet {
				continue
			}
			kept = append(kept, set)
		}
		plans[i] = branchPlan{node: n, req: kept, anchor: best}
	}
	return plans
}

// required returns key sets that every post matching n satisfies: for each
// set, the post has at least one of its keys.
func required(n *query.Node, cost func(string) float64) [][]string {
	switch n.Op {
	case query.OpTerm:
		switch n.Kind {
		case query.TermHashtag:
			return [][]string{{"#" + n.Parts[0].Fold}}
		case query.TermMention:
			return [][]string{{"@" + n.Parts[0].Fold}}
		}
		var sets [][]string
		for _, p := range n.Parts {
			if p.Pattern {
				sets = append(sets, []string{keyPrefix + p.Fold})
			} else {
				sets = append(sets, []string{p.Fold})
			}
		}
		return sets
	case query.OpField:
		switch n.Field {
		case query.FieldAuthor:
			return [][]string{{keyAuthor + n.Value}}
		case query.FieldSite:
			return [][]string{{keySite + n.Value}}
		case query.FieldLang:
			return [][]string{{keyLang + n.Value}}
		case query.FieldCountry:
			return [][]string{{keyCountry + n.Value}}
		case query.FieldSource:
			return [][]string{{keySource + n.Value}}
		}
		return nil // url: fragments are checked by the verifier only
	case query.OpAnd, query.OpNear:
		var sets [][]string
		for _, c := range n.Children {
			sets = append(sets, required(c, cost)...)
		}
		return sets
	case query.OpOr:
		var union []string
		for _, c := range n.Children {
			cs := required(c, cost)
			if len(cs) == 0 {
				return nil
			}
			best := cs[0]
			for _, s := range cs[1:] {
				if setCost(s, cost) < setCost(best, cost) {
					best = s
				}
			}
			union = append(union, best...)
		}
		return [][]string{union}
	}
	return nil // NOT removes; it never requires
}

func dedupeSets(sets [][]string) [][]string {
	out := sets[:0]
	seen := map[string]bool{}
	for _, s := range sets {
		s = slices.Compact(slices.Sorted(slices.Values(s)))
		k := fmt.Sprint(s)
		if !seen[k] {
			seen[k] = true
			out = append(out, s)
		}
	}
	return out
}

// anchorable reports whether a set can index a branch: filters such as
// lang:en hold for a large share of all posts.
func anchorable(set []string) bool {
	for _, k := range set {
		if !anchorableKey(k) {
			return false
		}
	}
	return true
}

func anchorableKey(k string) bool {
	return !(len(k) > 2 && k[0] == 1 && (k[:2] == keyLang || k[:2] == keyCountry || k[:2] == keySource))
}

// weakSet is the cost from which a required set is not worth checking.
const weakSet = 1e5

func setCost(set []string, cost func(string) float64) float64 {
	c := 0.0
	for _, k := range set {
		c += cost(k)
	}
	return c
}

// keyCost estimates how often a key occurs, in posts per million. Longer words
// are rarer; function words are everywhere; tags are rarer than words.
func keyCost(k string) float64 {
	if k == "" {
		return 1e6
	}
	switch {
	case k[0] == '#' || k[0] == '@':
		return wordCost(k[1:]) / 20
	case len(k) > 2 && k[0] == 1:
		switch k[:2] {
		case keyPrefix:
			pat := k[2:]
			if strings.Contains(pat, "*") {
				return wordCost(literalPrefix(pat)) * 6
			}
			return wordCost(literalPrefix(pat)) * 2 // '?' only: a fixed length
		case keyAuthor:
			return 5
		case keySite:
			return 20
		default:
			return 1e6
		}
	}
	return wordCost(k)
}

func wordCost(w string) float64 {
	if stopWords[w] {
		return 1e5
	}
	n := utf8.RuneCountInString(w)
	switch {
	case n <= 1:
		return 2e4
	case n == 2:
		return 8000
	case n == 3:
		return 3000
	case n == 4:
		return 1500
	case n == 5:
		return 800
	case n == 6:
		return 400
	case n == 7:
		return 250
	}
	return 150
}

// addPosting adds posting p to term t's postings.
func (ix *Index) addPosting(t, p uint32) {
	ix.postings[t] = append(ix.postings[t], p)
	ix.anchors[t/64] |= 1 << (t % 64)
}

// removePosting removes posting p from term t's postings.
func (ix *Index) removePosting(t, p uint32) {
	ix.postings[t] = deleteValue(ix.postings[t], p)
	if len(ix.postings[t]) == 0 {
		ix.anchors[t/64] &^= 1 << (t % 64)
	}
}
