package store

import (
	"context"
	"strings"
)

// tsQuery renders a prefilter as a PostgreSQL tsquery expression over '?'
// arguments: a word is plainto_tsquery('simple', word) (the AND of its
// lexemes, no positions needed), a prefix to_tsquery('simple', 'prefix':*),
// combined with && and ||. PostgreSQL's parser (and the database's locale)
// decide what a lexeme is, so each leaf is first checked in the database:
// a word with no lexeme, or a prefix that is not exactly one lexeme, is
// simplified away. It returns "" for no filter.
func (s *Store) tsQuery(ctx context.Context, p *pre) (string, []any, error) {
	leaves := p.leaves()
	if len(leaves) == 0 {
		return "", nil, nil
	}
	exprs := make([]string, len(leaves))
	args := make([]any, len(leaves))
	for i, l := range leaves {
		exprs[i], args[i] = tsLeaf(l)
		exprs[i] = "numnode(" + exprs[i] + ")"
	}
	dest := make([]any, len(leaves))
	nodes := make([]int, len(leaves))
	for i := range nodes {
		dest[i] = &nodes[i]
	}
	if err := s.db.QueryRowContext(ctx, s.q("SELECT "+strings.Join(exprs, ", ")), args...).Scan(dest...); err != nil {
		return "", nil, s.errf(err, "search: check words")
	}
	usable := make(map[leaf]bool, len(leaves))
	for i, l := range leaves {
		usable[l] = l.op == preWord && nodes[i] > 0 || l.op == prePrefix && nodes[i] == 1
	}
	p = p.simplify(func(l leaf) bool { return usable[l] })
	if p == nil {
		return "", nil, nil
	}
	var b strings.Builder
	var out []any
	p.render(&b, " && ", " || ", func(l *pre) {
		expr, arg := tsLeaf(leaf{l.op, l.word})
		b.WriteString(expr)
		out = append(out, arg)
	})
	return b.String(), out, nil
}

func tsLeaf(l leaf) (string, any) {
	if l.op == prePrefix {
		quoted := "'" + strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(l.word) + "':*"
		return "to_tsquery('simple'::regconfig, ?)", quoted
	}
	return "plainto_tsquery('simple'::regconfig, ?)", l.word
}
