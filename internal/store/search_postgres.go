package store

import (
	"context"
	"strings"

	"github.com/vigie-project/vigie/internal/query"
)

// postWords is the indexed expression of posts_words (migration 0032):
// search_text's words as lexemes, as they are. A condition must spell it
// exactly so for the planner to use the index.
const postWords = "array_to_tsvector(array_remove(string_to_array(p.search_text, ' '), ''))"

// wordsMatch is the condition that a post's words match a tsquery argument.
const wordsMatch = postWords + " @@ ?::tsquery"

// tsLexeme quotes a word as a tsquery lexeme, taken as it is.
func tsLexeme(w string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(w) + "'"
}

// exactTS renders a query as a tsquery over posts_words with exactly the
// query's meaning, when it has one (exactWords).
func exactTS(n *query.Node) (string, bool) {
	return exactWords(n, tsSyntax)
}

var tsSyntax = wordSyntax{
	word:   tsLexeme,
	prefix: func(p string) string { return tsLexeme(p) + ":*" },
	or:     func(parts []string) string { return "(" + strings.Join(parts, " | ") + ")" },
	andNot: func(pos, neg []string) string {
		e := strings.Join(pos, " & ")
		if len(neg) > 0 {
			e += " & !(" + strings.Join(neg, " | ") + ")"
		}
		return "(" + e + ")"
	},
}

// tsPrefilter renders a prefilter as a tsquery over posts_words, or "" for
// no filter. A leaf that is not a single FTS5 token is simplified away, so
// that both databases narrow alike (SQLite splits it into its tokens).
func tsPrefilter(p *pre) string {
	p = p.simplify(func(l leaf) bool { return oneToken(l.word) })
	if p == nil {
		return ""
	}
	var b strings.Builder
	p.render(&b, " & ", " | ", func(l *pre) {
		b.WriteString(tsLexeme(l.word))
		if l.op == prePrefix {
			b.WriteString(":*")
		}
	})
	return b.String()
}

// wordsIDs returns the posts posts_words matches, by id; with atMost > 0,
// more reports more than atMost matches, and then no ids. Counting first
// costs the index alone: without a column to return, PostgreSQL skips
// the heap pages that VACUUM marked all-visible.
func (s *Store) wordsIDs(ctx context.Context, tsq string, atMost int) (ids []int64, more bool, err error) {
	if atMost > 0 {
		var n int
		if err := s.db.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM posts p WHERE "+wordsMatch), tsq).Scan(&n); err != nil {
			return nil, false, s.errf(err, "find mentions: index")
		}
		if n > atMost {
			return nil, true, nil
		}
	}
	rows, err := s.db.QueryContext(ctx, s.q("SELECT p.id FROM posts p WHERE "+wordsMatch+" ORDER BY p.id"), tsq)
	if err != nil {
		return nil, false, s.errf(err, "find mentions: index")
	}
	ids, err = collectIDs(rows, func(err error) error { return s.errf(err, "find mentions: index") })
	return ids, false, err
}
