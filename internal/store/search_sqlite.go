package store

import (
	"strings"

	"github.com/vigie-project/vigie/internal/query"
)

// ftsPieces splits a word as FTS5's ascii tokenizer (with '_' as a token
// character) does: at every other ASCII character that is not a letter or
// digit; every non-ASCII character belongs to a token.
func ftsPieces(w string) []string {
	return strings.FieldsFunc(w, func(r rune) bool {
		return r < 0x80 && r != '_' && !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
	})
}

// exactFTS renders a query as an FTS5 expression with exactly the query's
// meaning, when it has one: plain words and trailing-* prefixes combined with
// AND, OR and NOT, anywhere in title or text. Then the index answers alone —
// no post needs the verifier — and counts come straight from SQL. Phrases,
// NEAR, tags, fields, {Case} and title: need positions or more than words.
func exactFTS(n *query.Node) (string, bool) {
	quote := func(w string) string { return `"` + strings.ReplaceAll(w, `"`, `""`) + `"` }
	switch n.Op {
	case query.OpTerm:
		if n.Kind != query.TermWords || len(n.Parts) != 1 || n.CaseSensitive || n.Title {
			return "", false
		}
		p := n.Parts[0]
		if p.Pattern {
			if p.Fold != p.Prefix+"*" || truncateWord(p.Prefix) != p.Prefix || len(ftsPieces(p.Prefix)) != 1 || ftsPieces(p.Prefix)[0] != p.Prefix {
				return "", false
			}
			return quote(p.Prefix) + "*", true
		}
		// A word longer than the index keeps is indexed by its start: not exact.
		if len(p.Fold) >= maxIndexedWord || len(ftsPieces(p.Fold)) != 1 || ftsPieces(p.Fold)[0] != p.Fold {
			return "", false
		}
		return quote(p.Fold), true
	case query.OpOr:
		parts := make([]string, len(n.Children))
		for i, c := range n.Children {
			e, ok := exactFTS(c)
			if !ok {
				return "", false
			}
			parts[i] = e
		}
		return "(" + strings.Join(parts, " OR ") + ")", true
	case query.OpAnd:
		var pos, neg []string
		for _, c := range n.Children {
			if c.Op == query.OpNot {
				e, ok := exactFTS(c.Children[0])
				if !ok {
					return "", false
				}
				neg = append(neg, e)
				continue
			}
			e, ok := exactFTS(c)
			if !ok {
				return "", false
			}
			pos = append(pos, e)
		}
		if len(pos) == 0 {
			return "", false
		}
		e := "(" + strings.Join(pos, " AND ") + ")"
		if len(neg) > 0 {
			e = "(" + e + " NOT (" + strings.Join(neg, " OR ") + "))"
		}
		return e, true
	}
	return "", false
}

// ftsMatch renders a prefilter as an FTS5 MATCH expression: each token a
// quoted string, prefixes with '*', AND and OR. Words that hold no token
// cannot be looked up and are simplified away. It returns "" for no filter.
func ftsMatch(p *pre) string {
	p = p.simplify(func(l leaf) bool { return len(ftsPieces(l.word)) > 0 })
	if p == nil {
		return ""
	}
	var b strings.Builder
	writeFTS(&b, p)
	return b.String()
}

func writeFTS(b *strings.Builder, p *pre) {
	p.render(b, " AND ", " OR ", func(l *pre) {
		pieces := ftsPieces(l.word)
		if len(pieces) > 1 {
			b.WriteByte('(')
		}
		for i, t := range pieces {
			if i > 0 {
				b.WriteString(" AND ")
			}
			b.WriteString(`"` + strings.ReplaceAll(t, `"`, `""`) + `"`)
			if l.op == prePrefix && i == len(pieces)-1 {
				b.WriteByte('*')
			}
		}
		if len(pieces) > 1 {
			b.WriteByte(')')
		}
	})
}
