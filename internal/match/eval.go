// Package match is the percolator: monitors compiled into an index so that each
// post only visits the monitors it can possibly match, then an exact verifier
// with the full semantics of the query language. It does no I/O.
package match

import (
	"strings"
	"unicode/utf8"

	"github.com/vigie-project/vigie/internal/query"
	"github.com/vigie-project/vigie/internal/text"
)

// Eval reports whether the query node matches the analysed post. It is the
// exact semantics of shared/design/query-language.md; the index only decides
// which monitors are worth evaluating.
func Eval(n *query.Node, d *text.Doc) bool {
	switch n.Op {
	case query.OpAnd:
		for _, c := range n.Children {
			if !Eval(c, d) {
				return false
			}
		}
		return true
	case query.OpOr:
		for _, c := range n.Children {
			if Eval(c, d) {
				return true
			}
		}
		return false
	case query.OpNot:
		return !Eval(n.Children[0], d)
	case query.OpField:
		return evalField(n, d)
	case query.OpTerm:
		if certainlyAbsent(n, d) {
			return false
		}
		if len(n.Parts) == 1 {
			for i := range d.Tokens {
				if tokenMatches(n, 0, d, i) {
					return true
				}
			}
			return false
		}
		return len(spans(n, d, nil)) > 0
	case query.OpNear:
		return len(spans(n, d, nil)) > 0
	}
	return false
}

// certainlyAbsent reports whether a word of the term is missing from the post,
// by the post's word filter: most terms are settled without a scan.
func certainlyAbsent(n *query.Node, d *text.Doc) bool {
	if n.Kind == query.TermMention {
		return false // the word of a mention is only the first label of its handle
	}
	for i := range n.Parts {
		if p := &n.Parts[i]; !p.Pattern && !d.MayHaveWord(p.Hash) {
			return true
		}
	}
	return false
}

// span is an occurrence of a term or NEAR: positions first..last.
type span struct{ first, last int32 }

// spans appends the occurrences of a term, OR-group or NEAR node.
func spans(n *query.Node, d *text.Doc, out []span) []span {
	switch n.Op {
	case query.OpOr:
		for _, c := range n.Children {
			out = spans(c, d, out)
		}
	case query.OpNear:
		a := spans(n.Children[0], d, nil)
		if len(a) == 0 {
			return out
		}
		b := spans(n.Children[1], d, nil)
		for _, x := range a {
			for _, y := range b {
				if near(x, y, n.Dist, n.Ordered) {
					out = append(out, span{min(x.first, y.first), max(x.last, y.last)})
				}
			}
		}
	case query.OpTerm:
		if certainlyAbsent(n, d) {
			return out
		}
		switch {
		case len(n.Parts) == 1:
			for i := range d.Tokens {
				if tokenMatches(n, 0, d, i) {
					p := d.Tokens[i].Pos
					out = append(out, span{p, p})
				}
			}
		case n.Slop < 0:
			out = phraseSpans(n, d, out)
		default:
			out = proximitySpans(n, d, out)
		}
	}
	return out
}

// near reports whether x and y do not overlap and have at most dist words
// between them (x before y when ordered).
func near(x, y span, dist int, ordered bool) bool {
	if x.last < y.first {
		return int(y.first-x.last-1) <= dist
	}
	if ordered {
		return false
	}
	if y.last < x.first {
		return int(x.first-y.last-1) <= dist
	}
	return false
}

// Consecutive positions are consecutive tokens: every token has its own
// position and segments are far apart.
func phraseSpans(n *query.Node, d *text.Doc, out []span) []span {
	k := len(n.Parts)
	for i := 0; i+k <= len(d.Tokens); i++ {
		if !tokenMatches(n, 0, d, i) {
			continue
		}
		p := d.Tokens[i].Pos
		ok := true
		for j := 1; j < k; j++ {
			if d.Tokens[i+j].Pos != p+int32(j) || !tokenMatches(n, j, d, i+j) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, span{p, p + int32(k-1)})
		}
	}
	return out
}

// proximitySpans finds windows where every word of "w1 … wk"~n occurs, each on
// its own token, in any order, with at most n other words in between.
func proximitySpans(n *query.Node, d *text.Doc, out []span) []span {
	k := len(n.Parts)
	width := int32(n.Slop + k) // positions a window may cover
	for i := range d.Tokens {
		if !anyPartMatches(n, d, i) {
			continue
		}
		first := d.Tokens[i].Pos
		// Tokens in the window [first, first+width).
		end := i
		for end < len(d.Tokens) && d.Tokens[end].Pos < first+width {
			end++
		}
		used := make([]bool, end-i)
		if last, ok := assign(n, d, i, end, 0, used, first, true); ok {
			out = append(out, span{first, last})
		}
	}
	return out
}

// assign gives each part from p on a distinct token of [lo, hi); the window's
// first token (lo) must be used, so each window is found once.
func assign(n *query.Node, d *text.Doc, lo, hi, p int, used []bool, last int32, needFirst bool) (int32, bool) {
	if p == len(n.Parts) {
		return last, !needFirst
	}
	for t := lo; t < hi; t++ {
		if used[t-lo] || !tokenMatches(n, p, d, t) {
			continue
		}
		used[t-lo] = true
		l := max(last, d.Tokens[t].Pos)
		if r, ok := assign(n, d, lo, hi, p+1, used, l, needFirst && t != lo); ok {
			used[t-lo] = false
			return r, true
		}
		used[t-lo] = false
	}
	return 0, false
}

func anyPartMatches(n *query.Node, d *text.Doc, i int) bool {
	for p := range n.Parts {
		if tokenMatches(n, p, d, i) {
			return true
		}
	}
	return false
}

// tokenMatches reports whether part p of term n matches token i.
func tokenMatches(n *query.Node, p int, d *text.Doc, i int) bool {
	t := &d.Tokens[i]
	if n.Title && t.Pos >= d.TitleEnd {
		return false
	}
	part := &n.Parts[p]
	switch n.Kind {
	case query.TermHashtag:
		return t.Kind == text.Hashtag && d.Tag(i) == part.Fold
	case query.TermMention:
		return t.Kind == text.Mention && d.Tag(i) == part.Fold && (n.Host == "" || d.Host(i) == n.Host)
	}
	w := d.Word(i)
	if part.Pattern {
		return glob(part.Fold, w)
	}
	if w != part.Fold {
		return false
	}
	return !n.CaseSensitive || text.EqualKeepCase(d.Span(i), part.Kept)
}

// glob matches a word against a pattern where '*' is any run of characters
// (possibly none) and '?' exactly one.
func glob(pat, w string) bool {
	for len(pat) > 0 {
		switch pat[0] {
		case '*':
			for len(pat) > 0 && pat[0] == '*' {
				pat = pat[1:]
			}
			if pat == "" {
				return true
			}
			for i := 0; i <= len(w); {
				if glob(pat, w[i:]) {
					return true
				}
				if i == len(w) {
					break
				}
				_, size := utf8.DecodeRuneInString(w[i:])
				i += size
			}
			return false
		case '?':
			if w == "" {
				return false
			}
			_, size := utf8.DecodeRuneInString(w)
			pat, w = pat[1:], w[size:]
		default:
			if w == "" || pat[0] != w[0] {
				return false
			}
			pat, w = pat[1:], w[1:]
		}
	}
	return w == ""
}

func evalField(n *query.Node, d *text.Doc) bool {
	v := n.Value
	switch n.Field {
	case query.FieldAuthor:
		a := d.Author
		if a == v {
			return true
		}
		local, _, hasHost := strings.Cut(a, "@")
		return hasHost && local == v
	case query.FieldSite:
		for _, h := range d.Hosts {
			if h == v || len(h) > len(v) && strings.HasSuffix(h, v) && h[len(h)-len(v)-1] == '.' {
				return true
			}
		}
		return false
	case query.FieldURL:
		for _, l := range d.Links {
			if containsFold(l, v) {
				return true
			}
		}
		return false
	case query.FieldLang:
		return d.Lang == v
	case query.FieldCountry:
		return d.Country == v
	case query.FieldSource:
		return d.Source == v
	}
	return false
}

// containsFold reports whether s contains the folded needle, ignoring case.
func containsFold(s, needle string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf || 'A' <= s[i] && s[i] <= 'Z' {
			return strings.Contains(text.Fold(s), needle)
		}
	}
	return strings.Contains(s, needle)
}

// evalSansLang is Eval before the post's language is known: it reports
// whether n matches whatever the language, matches for no language, or
// depends on it (known false). Matching asks for detection only in the
// last case.
func evalSansLang(n *query.Node, d *text.Doc) (match, known bool) {
	switch n.Op {
	case query.OpAnd:
		known = true
		for _, c := range n.Children {
			m, k := evalSansLang(c, d)
			if k && !m {
				return false, true
			}
			known = known && k
		}
		return known, known
	case query.OpOr:
		known = true
		for _, c := range n.Children {
			m, k := evalSansLang(c, d)
			if k && m {
				return true, true
			}
			known = known && k
		}
		return false, known
	case query.OpNot:
		m, k := evalSansLang(n.Children[0], d)
		return k && !m, k
	case query.OpField:
		if n.Field == query.FieldLang {
			return false, false
		}
	case query.OpNear:
		if testsLang(n) { // not in the grammar; kept exact all the same
			return false, false
		}
	}
	return Eval(n, d), true
}
