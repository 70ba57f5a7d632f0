// Package query implements the monitor query language of
// shared/design/query-language.md: a lexer and parser to an AST, errors with a
// 1-based column, warnings, and the limits. It does no matching.
package query

import (
	"slices"
	"strconv"
	"strings"
)

// Op is the kind of a node.
type Op uint8

// Node kinds.
const (
	OpTerm  Op = iota // a word, phrase, pattern, hashtag or mention
	OpField           // author:, site:, url:, lang:, country:, source:
	OpAnd
	OpOr
	OpNot
	OpNear
)

// TermKind says what a term looks for.
type TermKind uint8

// Term kinds.
const (
	TermWords   TermKind = iota // one word, or a phrase of several
	TermHashtag                 // #tag
	TermMention                 // @handle or @handle@host
)

// Field is a post attribute a query can test.
type Field uint8

// Fields that take a value (title: is not one: it restricts terms).
const (
	FieldAuthor Field = iota + 1
	FieldSite
	FieldURL
	FieldLang
	FieldCountry
	FieldSource
)

var fieldNames = map[string]Field{
	"author": FieldAuthor, "site": FieldSite, "url": FieldURL,
	"lang": FieldLang, "country": FieldCountry, "source": FieldSource,
}

// knownFields lists every field name, title included, for messages.
var knownFields = []string{"title", "author", "site", "url", "lang", "country", "source"}

func (f Field) String() string {
	for k, v := range fieldNames {
		if v == f {
			return k
		}
	}
	return "field" + strconv.Itoa(int(f))
}

// Positive reports whether the field selects posts by themselves (author:,
// site:, url:), as opposed to lang:, country: and source:, which only filter.
func (f Field) Positive() bool { return f == FieldAuthor || f == FieldSite || f == FieldURL }

// Part is one word of a term. Fold is the normalised word; Kept keeps its
// case, for case-sensitive terms only (empty otherwise). A part with Pattern
// set holds '*' (any run of letters or digits, possibly none) or '?' (exactly
// one); Prefix is its literal start, before the first wildcard.
type Part struct {
	Fold    string
	Kept    string
	Prefix  string
	Hash    uint64 // text.Hash(Fold), for quick absence tests; 0 for patterns
	Pattern bool
}

// Node is a node of a parsed query. Fields are ordered to keep it small: an
// index of 100,000 monitors holds a million of them.
type Node struct {
	Children []*Node // And, Or: two or more; Not: one; Near: two
	Parts    []Part  // Term: one for a word; several for a phrase, in order
	Host     string  // Term: mention @user@host
	Value    string  // Field

	Dist int // Near: at most Dist other words between the operands
	Slop int // Term: -1 for consecutive words; n ≥ 0 for "a b"~n, any order
	Col  int // 1-based column of the node's first character in the query

	Op            Op
	Kind          TermKind // Term
	Field         Field    // Field
	Ordered       bool     // Near: NEAR/nf, left operand before the right one
	CaseSensitive bool     // Term: {Word}
	Title         bool     // Term: title:… — only within the title
}

// Query is a parsed, valid query.
type Query struct {
	Text     string
	Root     *Node
	Warnings []Warning
	Clauses  int
}

// Warning flags something legal that probably is not what the user meant.
// Code and Args say it again for a translation (see Codes); Message says it
// in English.
type Warning struct {
	Column  int
	Code    string
	Args    []string
	Message string
}

func (w Warning) String() string { return "column " + strconv.Itoa(w.Column) + ": " + w.Message }

// String renders the node in canonical query syntax, fully parenthesised. It
// parses back to an equivalent node.
func (n *Node) String() string {
	var b strings.Builder
	n.write(&b)
	return b.String()
}

func (n *Node) write(b *strings.Builder) {
	switch n.Op {
	case OpAnd, OpOr:
		op := " AND "
		if n.Op == OpOr {
			op = " OR "
		}
		b.WriteByte('(')
		for i, c := range n.Children {
			if i > 0 {
				b.WriteString(op)
			}
			c.write(b)
		}
		b.WriteByte(')')
	case OpNot:
		b.WriteString("NOT ")
		n.Children[0].write(b)
	case OpNear:
		b.WriteByte('(')
		n.Children[0].write(b)
		b.WriteString(" NEAR/" + strconv.Itoa(n.Dist))
		if n.Ordered {
			b.WriteByte('f')
		}
		b.WriteByte(' ')
		n.Children[1].write(b)
		b.WriteByte(')')
	case OpField:
		b.WriteString(n.Field.String())
		b.WriteByte(':')
		b.WriteString(quote(n.Value))
	case OpTerm:
		if n.Title {
			b.WriteString("title:")
		}
		switch n.Kind {
		case TermHashtag:
			b.WriteString("#" + n.Parts[0].Fold)
			return
		case TermMention:
			b.WriteString("@" + n.Parts[0].Fold)
			if n.Host != "" {
				b.WriteString("@" + n.Host)
			}
			return
		}
		words := make([]string, len(n.Parts))
		for i, p := range n.Parts {
			words[i] = p.Fold
			if n.CaseSensitive {
				words[i] = p.Kept
			}
		}
		open, close := `"`, `"`
		if n.CaseSensitive {
			open, close = "{", "}"
		}
		if len(words) == 1 && n.Slop < 0 && !n.CaseSensitive {
			b.WriteString(words[0])
			return
		}
		if n.Slop < 0 && !n.CaseSensitive && slices.ContainsFunc(words, func(w string) bool { return strings.HasSuffix(w, "?") }) {
			// In quotes a final '?' is punctuation; the hyphenated form keeps it a wildcard.
			b.WriteString(strings.Join(words, "-"))
			return
		}
		b.WriteString(open + strings.Join(words, " ") + close)
		if n.Slop >= 0 {
			b.WriteString("~" + strconv.Itoa(n.Slop))
		}
	}
}

// quote writes s as a query phrase: only '"' and '\\' are escaped.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// Terms returns what a post must contain for the query to possibly match
// it, as a network's search box takes it: the words and phrases (quoted
// when several words), #hashtags and @mentions of the query's positive
// branches — none under a NOT, no patterns (a network does not take
// them) — each once, in the query's order. A network that filters on its
// side (hashtags, search terms) is asked for these when a source names
// nothing to follow; Vigie's own matching then decides.
func (q *Query) Terms() []string {
	var out []string
	seen := map[string]bool{}
	var walk func(n *Node)
	walk = func(n *Node) {
		switch n.Op {
		case OpNot:
			return
		case OpTerm:
			words := make([]string, 0, len(n.Parts))
			for _, p := range n.Parts {
				if p.Pattern {
					return
				}
				w := p.Kept
				if w == "" {
					w = p.Fold
				}
				words = append(words, w)
			}
			t := strings.Join(words, " ")
			switch {
			case n.Kind == TermHashtag:
				t = "#" + t
			case n.Kind == TermMention:
				t = "@" + t
			case len(words) > 1:
				t = `"` + t + `"`
			}
			if t != "" && !seen[strings.ToLower(t)] {
				seen[strings.ToLower(t)] = true
				out = append(out, t)
			}
		default:
			for _, c := range n.Children {
				walk(c)
			}
		}
	}
	if q != nil && q.Root != nil {
		walk(q.Root)
	}
	return out
}
