package match

import "github.com/vigie-project/vigie/internal/query"

// A branch's query is compiled into a flat program of uint32 words, stored
// right after its required key sets, so that verifying a candidate reads one
// contiguous slice rather than a tree of nodes, parts and strings spread over
// the heap (at 100,000 monitors each of those is a cache miss). Terms refer
// to keys by id: while the matcher scans a post's tokens it looks every word,
// tag and field up in the key dictionary anyway, so a term is settled by one
// load (Matcher.keys) and phrases compare key ids token by token instead
// of strings. What the program cannot express cheaply (url:, {Case}, a
// mention with a host, patterns inside phrases or NEAR) stays a query node,
// evaluated by Eval: the semantics remain Eval's.
//
// An instruction is a header word, op | size<<8 with size its length in
// words, then its operands:
//
//	opAnd, opOr   children
//	opNot         child
//	opKey         key id
//	opLang        key id
//	opTerm        flags, slop+1 (0: a phrase), then the key id of each part
//	opNear        dist, ordered, then two children in span form
//	opNode        index in Index.nodes
const (
	opAnd  = iota + 1 // every child holds
	opOr              // some child holds; in span form, the union of the children's spans
	opNot             // the child does not hold
	opKey             // the post has the key: a word, tag, pattern, author, site, country or source
	opLang            // the post's language is the key's (unknown until detected)
	opTerm            // occurrences of a word, phrase or "…"~n, tag or mention
	opNear            // occurrences of two children within dist words
	opNode            // a query node the program defers to Eval and spans
)

// Flags of opTerm: what a token must be to match a part.
const (
	termWord    = 0 // its word is the part's key (any kind of token)
	termHashtag = 1 // a hashtag whose tag key is the part's
	termMention = 2 // a mention whose tag key is the part's
	termKind    = 3
	termTitle   = 4 // and it lies in the title
)

// Results of the three-valued evaluation (the language may be unknown).
const (
	no uint8 = iota
	yes
	unknown
)

func ilen(h uint32) int { return int(h >> 8) }

// compiler appends a program to code, interning its keys and keeping the
// nodes it defers to through the Index.
type compiler struct {
	code   []uint32
	intern func(key string) uint32
	node   func(n *query.Node) uint32
}

func (c *compiler) open(op uint32) int {
	c.code = append(c.code, op)
	return len(c.code) - 1
}

func (c *compiler) close(at int) { c.code[at] |= uint32(len(c.code)-at) << 8 }

func (c *compiler) leaf(op uint32, v uint32) {
	c.code = append(c.code, op|2<<8, v)
}

// bool compiles n for a yes/no answer.
func (c *compiler) bool(n *query.Node) {
	switch n.Op {
	case query.OpAnd, query.OpOr:
		op := uint32(opAnd)
		if n.Op == query.OpOr {
			op = opOr
		}
		at := c.open(op)
		for _, ch := range n.Children {
			c.bool(ch)
		}
		c.close(at)
	case query.OpNot:
		at := c.open(opNot)
		c.bool(n.Children[0])
		c.close(at)
	case query.OpField:
		switch k := fieldKey(n); {
		case n.Field == query.FieldLang:
			c.leaf(opLang, c.intern(k))
		case k != "":
			c.leaf(opKey, c.intern(k))
		default:
			c.leaf(opNode, c.node(n))
		}
	case query.OpTerm:
		if len(n.Parts) == 1 && !n.Title && plainTerm(n) {
			c.leaf(opKey, c.intern(partKey(n, 0)))
		} else {
			c.spans(n)
		}
	case query.OpNear:
		if testsLang(n) { // not in the grammar; Eval keeps it exact all the same
			c.leaf(opNode, c.node(n))
		} else {
			c.spans(n)
		}
	default:
		c.leaf(opNode, c.node(n))
	}
}

// spans compiles n for its occurrences, as spans does.
func (c *compiler) spans(n *query.Node) {
	switch n.Op {
	case query.OpOr:
		at := c.open(opOr)
		for _, ch := range n.Children {
			c.spans(ch)
		}
		c.close(at)
	case query.OpNear:
		at := c.open(opNear)
		c.code = append(c.code, uint32(n.Dist), b2u(n.Ordered))
		c.spans(n.Children[0])
		c.spans(n.Children[1])
		c.close(at)
	case query.OpTerm:
		if !plainTerm(n) || anyPattern(n) {
			c.leaf(opNode, c.node(n))
			return
		}
		at := c.open(opTerm)
		flags := uint32(termWord)
		switch n.Kind {
		case query.TermHashtag:
			flags = termHashtag
		case query.TermMention:
			flags = termMention
		}
		if n.Title {
			flags |= termTitle
		}
		c.code = append(c.code, flags, uint32(n.Slop+1))
		for i := range n.Parts {
			c.code = append(c.code, c.intern(partKey(n, i)))
		}
		c.close(at)
	default:
		c.leaf(opNode, c.node(n)) // spans finds nothing in other nodes
	}
}

// plainTerm reports whether a term's tokens are told by their keys alone.
func plainTerm(n *query.Node) bool {
	return !n.CaseSensitive && !(n.Kind == query.TermMention && n.Host != "")
}

func anyPattern(n *query.Node) bool {
	for _, p := range n.Parts {
		if p.Pattern {
			return true
		}
	}
	return false
}

// partKey is the key that the matcher marks for a token matching part i.
func partKey(n *query.Node, i int) string {
	p := n.Parts[i]
	switch {
	case n.Kind == query.TermHashtag:
		return "#" + p.Fold
	case n.Kind == query.TermMention:
		return "@" + p.Fold
	case p.Pattern:
		return keyPrefix + p.Fold
	}
	return p.Fold
}

// fieldKey is the key that the matcher marks when a post has the field's
// value ("" for url:, which has none).
func fieldKey(n *query.Node) string {
	switch n.Field {
	case query.FieldAuthor:
		return keyAuthor + n.Value
	case query.FieldSite:
		return keySite + n.Value
	case query.FieldLang:
		return keyLang + n.Value
	case query.FieldCountry:
		return keyCountry + n.Value
	case query.FieldSource:
		return keySource + n.Value
	}
	return ""
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// walkProgram calls key with every key id of a program and node with every
// node index, once per occurrence.
func walkProgram(code []uint32, key, node func(uint32)) {
	for pc := 0; pc < len(code); {
		h := code[pc]
		switch h & 0xff {
		case opAnd, opOr, opNot:
			pc++
		case opNear:
			pc += 3
		case opKey, opLang:
			key(code[pc+1])
			pc += 2
		case opTerm:
			for _, id := range code[pc+3 : pc+ilen(h)] {
				key(id)
			}
			pc += ilen(h)
		case opNode:
			node(code[pc+1])
			pc += 2
		default:
			panic("match: corrupt program")
		}
	}
}

// eval runs the instruction at pc for a yes, no or (language unknown) unknown.
func (m *Matcher) eval(code []uint32, pc int) uint8 {
	h := code[pc]
	switch h & 0xff {
	case opAnd:
		r := yes
		for c, end := pc+1, pc+ilen(h); c < end; c += ilen(code[c]) {
			switch m.eval(code, c) {
			case no:
				return no
			case unknown:
				r = unknown
			}
		}
		return r
	case opOr:
		r := no
		for c, end := pc+1, pc+ilen(h); c < end; c += ilen(code[c]) {
			switch m.eval(code, c) {
			case yes:
				return yes
			case unknown:
				r = unknown
			}
		}
		return r
	case opNot:
		switch m.eval(code, pc+1) {
		case yes:
			return no
		case no:
			return yes
		}
		return unknown
	case opKey:
		return m.has(code[pc+1])
	case opLang:
		if m.langUnknown {
			return unknown
		}
		return m.has(code[pc+1])
	case opTerm:
		start := len(m.spanBuf)
		m.termSpans(code, pc, true)
		found := len(m.spanBuf) > start
		m.spanBuf = m.spanBuf[:start]
		return yesIf(found)
	case opNear:
		start := len(m.spanBuf)
		m.spans(code, pc)
		found := len(m.spanBuf) > start
		m.spanBuf = m.spanBuf[:start]
		return yesIf(found)
	case opNode:
		n := m.ix.nodes[code[pc+1]]
		if m.langUnknown {
			ok, known := evalSansLang(n, m.doc)
			if !known {
				return unknown
			}
			return yesIf(ok)
		}
		return yesIf(Eval(n, m.doc))
	}
	panic("match: corrupt program")
}

func yesIf(b bool) uint8 {
	if b {
		return yes
	}
	return no
}

func (m *Matcher) has(id uint32) uint8 { return yesIf(m.keys[id].gen == m.gen) }

// spans appends to m.spanBuf the occurrences of the span-form instruction at pc.
func (m *Matcher) spans(code []uint32, pc int) {
	h := code[pc]
	switch h & 0xff {
	case opOr:
		for c, end := pc+1, pc+ilen(h); c < end; c += ilen(code[c]) {
			m.spans(code, c)
		}
	case opTerm:
		m.termSpans(code, pc, false)
	case opNear:
		start := len(m.spanBuf)
		a := pc + 3
		m.spans(code, a)
		mid := len(m.spanBuf)
		if mid == start {
			return
		}
		m.spans(code, a+ilen(code[a]))
		end := len(m.spanBuf)
		dist, ordered := int(code[pc+1]), code[pc+2] != 0
		xs, ys := m.spanBuf[start:mid], m.spanBuf[mid:end]
		for _, x := range xs {
			for _, y := range ys {
				if near(x, y, dist, ordered) {
					m.spanBuf = append(m.spanBuf, span{min(x.first, y.first), max(x.last, y.last)})
				}
			}
		}
		// The operands' spans were scratch: keep only the NEAR's own.
		n := copy(m.spanBuf[start:], m.spanBuf[end:])
		m.spanBuf = m.spanBuf[:start+n]
	case opNode:
		m.spanBuf = spans(m.ix.nodes[code[pc+1]], m.doc, m.spanBuf)
	default:
		panic("match: corrupt program")
	}
}

// termSpans appends the occurrences of the opTerm at pc; with first, it
// stops at the first one.
func (m *Matcher) termSpans(code []uint32, pc int, first bool) {
	h := code[pc]
	flags, slop := code[pc+1], int(code[pc+2])-1
	ids := code[pc+3 : pc+ilen(h)]
	for _, id := range ids {
		if m.keys[id].gen != m.gen {
			return // a part is nowhere in the post
		}
	}
	toks := m.doc.Tokens
	switch {
	case len(ids) == 1:
		for i := range toks {
			if m.tokenIs(flags, ids[0], i) {
				p := toks[i].Pos
				m.spanBuf = append(m.spanBuf, span{p, p})
				if first {
					return
				}
			}
		}
	case slop < 0:
		// Consecutive positions are consecutive tokens: every token has its
		// own position and segments are far apart.
		k := len(ids)
		for i := 0; i+k <= len(toks); i++ {
			if !m.tokenIs(flags, ids[0], i) {
				continue
			}
			p := toks[i].Pos
			ok := true
			for j := 1; j < k; j++ {
				if toks[i+j].Pos != p+int32(j) || !m.tokenIs(flags, ids[j], i+j) {
					ok = false
					break
				}
			}
			if ok {
				m.spanBuf = append(m.spanBuf, span{p, p + int32(k-1)})
				if first {
					return
				}
			}
		}
	default:
		m.proximitySpans(flags, slop, ids, first)
	}
}

// proximitySpans is proximitySpans of eval.go on key ids.
func (m *Matcher) proximitySpans(flags uint32, slop int, ids []uint32, first bool) {
	toks := m.doc.Tokens
	width := int32(slop + len(ids))
	for i := range toks {
		any := false
		for _, id := range ids {
			if m.tokenIs(flags, id, i) {
				any = true
				break
			}
		}
		if !any {
			continue
		}
		start := toks[i].Pos
		end := i
		for end < len(toks) && toks[end].Pos < start+width {
			end++
		}
		m.used = append(m.used[:0], make([]bool, end-i)...)
		if last, ok := m.assign(flags, ids, i, end, 0, start, true); ok {
			m.spanBuf = append(m.spanBuf, span{start, last})
			if first {
				return
			}
		}
	}
}

// assign is assign of eval.go on key ids, with m.used for the tokens of [lo, hi).
func (m *Matcher) assign(flags uint32, ids []uint32, lo, hi, p int, last int32, needFirst bool) (int32, bool) {
	if p == len(ids) {
		return last, !needFirst
	}
	for t := lo; t < hi; t++ {
		if m.used[t-lo] || !m.tokenIs(flags, ids[p], t) {
			continue
		}
		m.used[t-lo] = true
		l := max(last, m.doc.Tokens[t].Pos)
		r, ok := m.assign(flags, ids, lo, hi, p+1, l, needFirst && t != lo)
		m.used[t-lo] = false
		if ok {
			return r, true
		}
	}
	return 0, false
}

// tokenIs reports whether token i matches a term's part whose key is id.
func (m *Matcher) tokenIs(flags, id uint32, i int) bool {
	if flags&termTitle != 0 && m.doc.Tokens[i].Pos >= m.doc.TitleEnd {
		return false
	}
	if flags&termKind == termWord {
		return m.tokWord[i] == id
	}
	// Tag keys start with '#' or '@': a hashtag's never equals a mention's.
	return m.tokTag[i] == id
}
