package store

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/vigie-project/vigie/internal/query"
)

// A search runs in two steps: a full-text prefilter picks candidate posts by
// the words every match must contain, then the exact verifier (match.Eval on
// the analysed post) decides, so that a search and a monitor always agree.
// The prefilter may let through posts that do not match, never the reverse.

// preOp is the kind of a prefilter node.
type preOp uint8

const (
	preWord   preOp = iota // the folded word, as text.Analyze gives it
	prePrefix              // a word starting with the folded prefix
	preAnd
	preOr
)

// pre is a prefilter: a boolean expression of words and prefixes (no NOT).
// A nil *pre asks for nothing: every post is a candidate.
type pre struct {
	op   preOp
	word string
	kids []*pre
}

// prefilter derives from a query the words every match must contain: AND
// of the required words, OR-groups as OR, NOT and fields skipped, patterns
// as prefixes. It returns nil when nothing can be derived.
func prefilter(n *query.Node) *pre {
	switch n.Op {
	case query.OpTerm:
		var kids []*pre
		for i := range n.Parts {
			part := &n.Parts[i]
			switch {
			case n.Kind == query.TermMention:
				// The word of a mention @a.b.c@host is its first label.
				w, _, _ := strings.Cut(part.Fold, ".")
				kids = append(kids, wordLeaf(w))
			case part.Pattern:
				if p := truncateWord(part.Prefix); p != "" {
					kids = append(kids, &pre{op: prePrefix, word: p})
				}
			default:
				kids = append(kids, wordLeaf(part.Fold))
			}
		}
		return and(kids)
	case query.OpAnd, query.OpNear:
		var kids []*pre
		for _, c := range n.Children {
			if p := prefilter(c); p != nil {
				kids = append(kids, p)
			}
		}
		return and(kids)
	case query.OpOr:
		var kids []*pre
		for _, c := range n.Children {
			p := prefilter(c)
			if p == nil {
				return nil // this branch can match any post
			}
			kids = append(kids, p)
		}
		return or(kids)
	}
	return nil // NOT, fields
}

func and(kids []*pre) *pre { return join(preAnd, kids) }
func or(kids []*pre) *pre  { return join(preOr, kids) }

// join builds an AND or OR node, flattening nested nodes of the same op
// and dropping repeated words.
func join(op preOp, kids []*pre) *pre {
	var flat []*pre
	seen := map[leaf]bool{}
	for _, k := range kids {
		if k == nil {
			continue
		}
		if k.op == op {
			for _, kk := range k.kids {
				flat = appendUnique(flat, kk, seen)
			}
			continue
		}
		flat = appendUnique(flat, k, seen)
	}
	switch len(flat) {
	case 0:
		return nil
	case 1:
		return flat[0]
	}
	return &pre{op: op, kids: flat}
}

func appendUnique(list []*pre, k *pre, seen map[leaf]bool) []*pre {
	if k.op == preWord || k.op == prePrefix {
		key := leaf{k.op, k.word}
		if seen[key] {
			return list
		}
		seen[key] = true
	}
	return append(list, k)
}

// simplify removes from p the leaves that ok rejects (the database cannot
// look them up exactly): an AND drops them, an OR holding one becomes nil.
func (p *pre) simplify(ok func(leaf) bool) *pre {
	if p == nil {
		return nil
	}
	switch p.op {
	case preWord, prePrefix:
		if !ok(leaf{p.op, p.word}) {
			return nil
		}
		return p
	case preAnd:
		var kids []*pre
		for _, k := range p.kids {
			if k = k.simplify(ok); k != nil {
				kids = append(kids, k)
			}
		}
		return and(kids)
	default:
		var kids []*pre
		for _, k := range p.kids {
			k = k.simplify(ok)
			if k == nil {
				return nil
			}
			kids = append(kids, k)
		}
		return or(kids)
	}
}

// hasPrefix reports whether p looks for a prefix.
func (p *pre) hasPrefix() bool {
	return slices.ContainsFunc(p.leaves(), func(l leaf) bool { return l.op == prePrefix })
}

// leaf is a word or prefix of a prefilter.
type leaf struct {
	op   preOp
	word string
}

// leaves returns the distinct leaves of p.
func (p *pre) leaves() []leaf {
	var out []leaf
	var walk func(*pre)
	walk = func(p *pre) {
		if p == nil {
			return
		}
		if p.op == preWord || p.op == prePrefix {
			if l := (leaf{p.op, p.word}); !slices.Contains(out, l) {
				out = append(out, l)
			}
			return
		}
		for _, k := range p.kids {
			walk(k)
		}
	}
	walk(p)
	return out
}

// maxIndexedWord is the longest word kept whole in search_text, in bytes.
// Longer words (base64 blobs, hostile input) are indexed by their start,
// and a query word that long looks for that start as a prefix; PostgreSQL
// would otherwise drop words over 2 KB from its index.
const maxIndexedWord = 128

// truncateWord cuts w to at most maxIndexedWord bytes, at a rune boundary.
func truncateWord(w string) string {
	if len(w) <= maxIndexedWord {
		return w
	}
	n := maxIndexedWord
	for n > 0 && !utf8.RuneStart(w[n]) {
		n--
	}
	return w[:n]
}

// wordLeaf looks for a whole word, or for the indexed start of a long one.
func wordLeaf(w string) *pre {
	if t := truncateWord(w); t != w {
		return &pre{op: prePrefix, word: t}
	}
	return &pre{op: preWord, word: w}
}

// render writes the prefilter as a boolean expression, with the given AND and
// OR operators and leaf writer: FTS5 MATCH and tsquery differ only there.
func (p *pre) render(b *strings.Builder, and, or string, leaf func(*pre)) {
	if p.op == preWord || p.op == prePrefix {
		leaf(p)
		return
	}
	op := and
	if p.op == preOr {
		op = or
	}
	b.WriteByte('(')
	for i, k := range p.kids {
		if i > 0 {
			b.WriteString(op)
		}
		k.render(b, and, or, leaf)
	}
	b.WriteByte(')')
}

// wordSyntax writes the boolean expressions of one full-text index.
type wordSyntax struct {
	word, prefix func(string) string
	or           func(parts []string) string
	andNot       func(pos, neg []string) string // all of pos, none of neg
}

// exactWords renders a query in the index's syntax with exactly the query's
// meaning, when it has one: plain words and trailing-* prefixes combined
// with AND, OR and NOT, anywhere in title or text. The index then answers
// alone — no post needs the verifier — and counts come straight from SQL.
// Phrases, NEAR, tags, fields, {Case} and title: need positions or more
// than words. Words must be single FTS5 tokens, so that both databases'
// indexes, holding search_text's words, decide alike.
func exactWords(n *query.Node, syn wordSyntax) (string, bool) {
	switch n.Op {
	case query.OpTerm:
		if n.Kind != query.TermWords || len(n.Parts) != 1 || n.CaseSensitive || n.Title {
			return "", false
		}
		p := n.Parts[0]
		if p.Pattern {
			if p.Fold != p.Prefix+"*" || truncateWord(p.Prefix) != p.Prefix || !oneToken(p.Prefix) {
				return "", false
			}
			return syn.prefix(p.Prefix), true
		}
		// A word longer than the index keeps is indexed by its start: not exact.
		if len(p.Fold) >= maxIndexedWord || !oneToken(p.Fold) {
			return "", false
		}
		return syn.word(p.Fold), true
	case query.OpOr:
		parts := make([]string, len(n.Children))
		for i, c := range n.Children {
			e, ok := exactWords(c, syn)
			if !ok {
				return "", false
			}
			parts[i] = e
		}
		return syn.or(parts), true
	case query.OpAnd:
		var pos, neg []string
		for _, c := range n.Children {
			if c.Op == query.OpNot {
				e, ok := exactWords(c.Children[0], syn)
				if !ok {
					return "", false
				}
				neg = append(neg, e)
				continue
			}
			e, ok := exactWords(c, syn)
			if !ok {
				return "", false
			}
			pos = append(pos, e)
		}
		if len(pos) == 0 {
			return "", false
		}
		return syn.andNot(pos, neg), true
	}
	return "", false
}

// oneToken reports whether w is a single token for FTS5's tokenizer.
func oneToken(w string) bool {
	p := ftsPieces(w)
	return len(p) == 1 && p[0] == w
}
