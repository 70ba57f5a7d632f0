package match

import (
	"math"
	"math/bits"
	"slices"
	"strings"
	"unsafe"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/text"
)

// Matcher matches posts against an Index. It owns the scratch memory of one
// goroutine: use one Matcher per worker; many Matchers share one Index.
type Matcher struct {
	ix *Index
	an text.Analyzer

	gen     uint32
	keys    []keyMark // by term id
	seenBr  []uint32  // branch id → gen when already a candidate
	seenMon []uint32  // monitor slot → gen when already matched
	cands   []uint32
	slots   []uint32
	key     []byte
	ids     []string

	// The post being verified, for the programs (program.go): the key id of
	// each token's word and of its tag (hashtags and mentions), noKey if none.
	doc         *text.Doc
	tokWord     []uint32
	tokTag      []uint32
	langUnknown bool // DetectLang is set and has not run for this post
	spanBuf     []span
	used        []bool

	// DetectLang, when set, gives a post's language on demand: MatchDoc
	// then ignores the d.Lang it is given (a source's declared language is
	// only a hint) and sets d.Lang = DetectLang(d) the first time a
	// candidate's monitor tests lang:, so that detection — the costliest
	// step of enrichment — runs only on the posts whose result depends on
	// it. LangDetected reports whether it ran for the last post.
	DetectLang   func(*text.Doc) string
	LangDetected bool

	// Scope, when not nil, limits the next posts to the monitors whose
	// owner it lists (Index.AddOwned): a workspace's private source is
	// matched against that workspace's monitors only. Other monitors are
	// skipped before their verification.
	Scope []int64

	dirty       []uint32
	unpublished int

	// Counters since the Matcher was created.
	Posts      int64 // posts matched
	Candidates int64 // branches reached through the index (anchors + always set)
	Verified   int64 // branches that passed every required key set: run by the exact verifier
	Matches    int64 // (post, monitor) matches
	Detected   int64 // posts whose language DetectLang gave
}

// NewMatcher returns a Matcher over ix.
func NewMatcher(ix *Index) *Matcher {
	return &Matcher{ix: ix}
}

// Match returns the ids of the monitors that p matches, in the order the
// monitors were first added. The slice is reused by the next call.
func (m *Matcher) Match(p *vigie.Post) []string {
	return m.MatchDoc(m.an.Analyze(p))
}

// MatchDoc is Match for an already analysed post.
func (m *Matcher) MatchDoc(d *text.Doc) []string {
	if m.matchDoc(d) {
		m.ix.replan()
	}
	return m.ids
}

// matchDoc matches under the read lock and reports whether the index's
// anchors are due to be re-planned.
func (m *Matcher) matchDoc(d *text.Doc) bool {
	ix := m.ix
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	m.prepare()
	m.Posts++

	m.doc = d
	// The lengths of the prefix keys: words shorter than all are not looked up.
	prefixLens, prefixLo, prefixHi := ix.prefixes.lens, math.MaxInt, 0
	if prefixLens != 0 {
		prefixLo, prefixHi = bits.TrailingZeros32(prefixLens), bits.Len32(prefixLens)-1
	}
	m.tokWord = resize(m.tokWord, len(d.Tokens))
	m.tokTag = resize(m.tokTag, len(d.Tokens))
	for i := range d.Tokens {
		t := &d.Tokens[i]
		w := d.Word(i)
		word, tag := uint32(noKey), uint32(noKey)
		if ix.bloom.has(t.Hash) {
			if id, ok := ix.dict.find(t.Hash, w); ok {
				word = id
				m.mark(id)
			}
		}
		switch t.Kind {
		case text.Hashtag:
			tag = m.markKey('#', "", d.Tag(i))
		case text.Mention:
			tag = m.markKey('@', "", d.Tag(i))
		}
		m.tokWord[i], m.tokTag[i] = word, tag
		if len(w) >= prefixLo {
			m.markPrefixes(w, prefixLens, prefixLo, prefixHi)
		}
	}
	if d.Author != "" {
		m.markKey(0, keyAuthor, d.Author)
		if local, _, ok := strings.Cut(d.Author, "@"); ok {
			m.markKey(0, keyAuthor, local)
		}
	}
	for _, h := range d.Hosts {
		for h != "" {
			m.markKey(0, keySite, h)
			_, rest, ok := strings.Cut(h, ".")
			if !ok {
				break
			}
			h = rest
		}
	}
	m.LangDetected = false
	lazy := m.DetectLang != nil
	m.langUnknown = lazy
	if d.Lang != "" && !lazy {
		m.markKey(0, keyLang, d.Lang)
	}
	if d.Country != "" {
		m.markKey(0, keyCountry, d.Country)
	}
	if d.Source != "" {
		m.markKey(0, keySource, d.Source)
	}
	// Unanchored branches are in no postings: each comes once.
	m.cands = append(m.cands, ix.always...)

	m.Candidates += int64(len(m.cands))
	m.slots = m.slots[:0]
	for _, c := range m.cands {
		b := &ix.branches[c]
		if b.siblings && m.seenMon[b.mon] == m.gen {
			continue // matched by another branch
		}
		if m.Scope != nil && !slices.Contains(m.Scope, ix.monitors[b.mon].owner) {
			continue
		}
		if q := b.quick; q[0] != noKey && m.keys[q[0]].gen != m.gen && (q[1] == noKey || m.keys[q[1]].gen != m.gen) {
			continue // a required set is missing: hasRequired would say so
		}
		if m.langUnknown && b.lang {
			// Detection costs several times the rest of matching a post:
			// only a branch whose outcome depends on the language asks
			// for it.
			if !m.hasRequiredButLang(b) {
				continue
			}
			m.Verified++
			r := m.eval(b.code, int(b.prog))
			if r == unknown {
				m.detectLang(d)
				r = m.eval(b.code, int(b.prog))
			}
			if r == yes {
				m.matched(b)
			}
			continue
		}
		if !m.hasRequired(b) {
			continue
		}
		m.Verified++
		if m.eval(b.code, int(b.prog)) == yes {
			m.matched(b)
		}
	}
	m.Matches += int64(len(m.slots))
	slices.SortFunc(m.slots, func(a, b uint32) int {
		sa, sb := ix.monitors[a].seq, ix.monitors[b].seq
		if sa < sb {
			return -1
		}
		if sa > sb {
			return 1
		}
		return 0
	})
	m.ids = m.ids[:0]
	for _, s := range m.slots {
		m.ids = append(m.ids, ix.monitors[s].id)
	}
	m.unpublished++
	return m.unpublished >= flushEvery && m.publish()
}

// matched records that the post matches b's monitor.
func (m *Matcher) matched(b *branch) {
	if b.siblings {
		m.seenMon[b.mon] = m.gen
	}
	m.slots = append(m.slots, b.mon)
}

// prepare sizes the scratch arrays to the index and starts a new generation.
func (m *Matcher) prepare() {
	ix := m.ix
	if n := len(ix.terms); len(m.keys) < n {
		m.keys = append(m.keys, make([]keyMark, n-len(m.keys)+n/4)...)
	}
	m.seenBr = grow(m.seenBr, len(ix.branches))
	m.seenMon = grow(m.seenMon, len(ix.monitors))
	m.gen++
	if m.gen == 0 { // wrapped: forget every old stamp
		for i := range m.keys {
			m.keys[i].gen = 0
		}
		clear(m.seenBr)
		clear(m.seenMon)
		m.gen = 1
	}
	m.cands = m.cands[:0]
}

// keyMark is what a matcher knows of a key; both fields in one place, as
// marking a key writes both.
type keyMark struct {
	gen   uint32 // the generation of the last post that had the key
	count uint32 // posts with the key not yet published to the index
}

// noKey marks a token whose word or tag is no key.
const noKey = ^uint32(0)

// resize returns s with length n, reusing its memory.
func resize(s []uint32, n int) []uint32 {
	if cap(s) < n {
		return make([]uint32, n, n+n/4)
	}
	return s[:n]
}

func grow(s []uint32, n int) []uint32 {
	if len(s) >= n {
		return s
	}
	return append(s, make([]uint32, n-len(s)+n/4)...)
}

// markPrefixes marks the prefix keys that w starts with. The keys are
// lo to hi bytes long (lens has their lengths; len(w) >= lo).
func (m *Matcher) markPrefixes(w string, lens uint32, lo, hi int) {
	ps := &m.ix.prefixes
	h := uint64(fnvOffset)
	for i := 0; i < lo-1; i++ { // shorter than any key: no lookup
		h ^= uint64(w[i])
		h *= fnvPrime
	}
	n := min(len(w), hi)
	for i := lo - 1; i < n; i++ {
		h ^= uint64(w[i])
		h *= fnvPrime
		if !ps.mayStart(h) {
			return // no key starts with w[:i+1]
		}
		if lens&(1<<(i+1)) == 0 || !ps.bloom.has(h) {
			continue
		}
		mask := uint64(len(ps.slots) - 1)
		for j := h & mask; ps.slots[j].id != 0; j = (j + 1) & mask {
			s := &ps.slots[j]
			if s.hash == h && int(s.size) == i+1 && string(s.prefix[:i+1]) == w[:i+1] &&
				(!s.glob || glob(m.ix.terms[s.id-1].glob, w)) {
				m.mark(s.id - 1)
			}
		}
	}
}

// The FNV-1a constants of text.Hash, for hashing prefixes incrementally.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// markKey marks the key tag+kind+v if there is one and returns its id, or noKey.
func (m *Matcher) markKey(tag byte, kind, v string) uint32 {
	m.key = m.key[:0]
	if tag != 0 {
		m.key = append(m.key, tag)
	}
	m.key = append(m.key, kind...)
	m.key = append(m.key, v...)
	h := uint64(fnvOffset)
	for _, c := range m.key {
		h ^= uint64(c)
		h *= fnvPrime
	}
	if !m.ix.bloom.has(h) {
		return noKey
	}
	// The key only lives for the lookup: no copy to a string.
	if id, ok := m.ix.dict.find(h, unsafe.String(unsafe.SliceData(m.key), len(m.key))); ok {
		m.mark(id)
		return id
	}
	return noKey
}

func (m *Matcher) mark(id uint32) {
	k := &m.keys[id]
	if k.gen == m.gen {
		return
	}
	k.gen = m.gen
	m.count(id)
	if m.ix.anchors[id/64]&(1<<(id%64)) == 0 {
		return // no branch is anchored on the key
	}
	for _, b := range m.ix.postings[id] {
		m.candidate(b)
	}
}

// candidate adds the branch of posting p. A branch anchored on one key is
// reached once per post (a key is marked once): only the others are checked
// for repeats, which spares a random read per candidate.
func (m *Matcher) candidate(p uint32) {
	if p&sharedAnchor == 0 {
		m.cands = append(m.cands, p)
		return
	}
	b := p &^ sharedAnchor
	if m.seenBr[b] != m.gen {
		m.seenBr[b] = m.gen
		m.cands = append(m.cands, b)
	}
}

// detectLang sets the post's language from DetectLang, once.
func (m *Matcher) detectLang(d *text.Doc) {
	m.LangDetected = true
	m.langUnknown = false
	m.Detected++
	d.Lang = m.DetectLang(d)
	if d.Lang != "" {
		// Language keys anchor no branch: marking one adds no candidate.
		m.markKey(0, keyLang, d.Lang)
	}
}

// hasRequiredButLang is hasRequired before the post's language is known:
// a set with a lang: key counts as satisfied.
func (m *Matcher) hasRequiredButLang(b *branch) bool {
	req := b.code[:b.prog]
	for i := 0; i < len(req); {
		n := int(req[i])
		ok := false
		for _, k := range req[i+1 : i+1+n] {
			if m.keys[k].gen == m.gen || strings.HasPrefix(m.ix.terms[k].key, keyLang) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
		i += 1 + n
	}
	return true
}

func (m *Matcher) hasRequired(b *branch) bool {
	req := b.code[:b.prog]
	for i := 0; i < len(req); {
		n := int(req[i])
		// The anchor set holds: the post reached the branch through it.
		if i != int(b.anchor) && !m.anyMarked(req[i+1:i+1+n]) {
			return false
		}
		i += 1 + n
	}
	return true
}

// anyMarked reports whether the post has one of the keys.
func (m *Matcher) anyMarked(keys []uint32) bool {
	for _, k := range keys {
		if m.keys[k].gen == m.gen {
			return true
		}
	}
	return false
}
