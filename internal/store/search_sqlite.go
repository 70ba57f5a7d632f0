package store

import (
	"context"
	"database/sql"
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
// meaning, when it has one (exactWords).
func exactFTS(n *query.Node) (string, bool) {
	quote := func(w string) string { return `"` + strings.ReplaceAll(w, `"`, `""`) + `"` }
	return exactWords(n, wordSyntax{
		word:   quote,
		prefix: func(p string) string { return quote(p) + "*" },
		or:     func(parts []string) string { return "(" + strings.Join(parts, " OR ") + ")" },
		andNot: func(pos, neg []string) string {
			e := "(" + strings.Join(pos, " AND ") + ")"
			if len(neg) > 0 {
				e = "(" + e + " NOT (" + strings.Join(neg, " OR ") + "))"
			}
			return e
		},
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

// ftsIDs returns the posts FTS5 matches, by rowid; with atMost > 0, more
// reports more than atMost matches, and then no ids.
func (s *Store) ftsIDs(ctx context.Context, match string, atMost int) (ids []int64, more bool, err error) {
	limit := -1
	if atMost > 0 {
		limit = atMost + 1
	}
	rows, err := s.db.QueryContext(ctx, "SELECT rowid FROM posts_fts WHERE posts_fts MATCH ? LIMIT ?", match, limit)
	if err != nil {
		return nil, false, s.errf(err, "find mentions: index")
	}
	ids, err = collectIDs(rows, func(err error) error { return s.errf(err, "find mentions: index") })
	if atMost > 0 && len(ids) > atMost {
		return nil, true, err
	}
	return ids, false, err
}

// collectIDs reads rows of one id each.
func collectIDs(rows *sql.Rows, wrap func(error) error) ([]int64, error) {
	return collect(rows, func(r interface{ Scan(...any) error }) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	}, wrap)
}
