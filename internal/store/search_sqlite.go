package store

import "strings"

// ftsPieces splits a word as FTS5's ascii tokenizer does: at every ASCII
// character that is not a letter or digit ('_' in handles); every other
// character belongs to a token.
func ftsPieces(w string) []string {
	return strings.FieldsFunc(w, func(r rune) bool {
		return r < 0x80 && !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
	})
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
	switch p.op {
	case preWord, prePrefix:
		pieces := ftsPieces(p.word)
		if len(pieces) > 1 {
			b.WriteByte('(')
		}
		for i, t := range pieces {
			if i > 0 {
				b.WriteString(" AND ")
			}
			b.WriteString(`"` + strings.ReplaceAll(t, `"`, `""`) + `"`)
			if p.op == prePrefix && i == len(pieces)-1 {
				b.WriteByte('*')
			}
		}
		if len(pieces) > 1 {
			b.WriteByte(')')
		}
	default:
		op := " AND "
		if p.op == preOr {
			op = " OR "
		}
		b.WriteByte('(')
		for i, k := range p.kids {
			if i > 0 {
				b.WriteString(op)
			}
			writeFTS(b, k)
		}
		b.WriteByte(')')
	}
}
