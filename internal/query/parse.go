package query

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vigie-project/vigie/internal/text"
)

// Limits of a query (§5).
const (
	MaxLength  = 4096 // characters
	MaxClauses = 500
)

const maxDistance = text.MaxDistance

// Error is an invalid query: what is wrong and where. Code and Args say it
// again for a translation (see Codes); Msg says it in English.
type Error struct {
	Column int // 1-based, in characters
	Code   string
	Args   []string
	Msg    string
}

func (e *Error) Error() string { return "column " + strconv.Itoa(e.Column) + ": " + e.Msg }

// Caret returns the query on one line and a caret under the error's column.
func (e *Error) Caret(q string) string {
	line := strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || r == '\r' {
			return ' '
		}
		return r
	}, q)
	col := e.Column
	if n := utf8.RuneCountInString(line); col > n+1 {
		col = n + 1
	}
	return line + "\n" + strings.Repeat(" ", col-1) + "^"
}

// Parse parses and validates a query. Its error, if any, is an *Error.
func Parse(q string) (*Query, error) {
	if n := utf8.RuneCountInString(q); n > MaxLength {
		return nil, &Error{Column: MaxLength + 1, Code: CodeTooLong, Args: []string{strconv.Itoa(n), strconv.Itoa(MaxLength)}, Msg: "the query is " + strconv.Itoa(n) + " characters long; the limit is " + strconv.Itoa(MaxLength) + ": split it into several monitors"}
	}
	if strings.TrimSpace(q) == "" {
		return nil, &Error{Column: 1, Code: CodeEmpty, Msg: "the query is empty: write at least one word to look for"}
	}
	toks, lerr := lex(q)
	if lerr != nil {
		return nil, lerr
	}
	p := &parser{toks: toks}
	root, err := p.parseOr()
	if err == nil && p.peek().kind != tEOF {
		err = p.unexpected()
	}
	if err != nil {
		return nil, err
	}
	if err := checkPositive(root); err != nil {
		return nil, err
	}
	return &Query{Text: q, Root: root, Warnings: warnings(toks), Clauses: p.clauses}, nil
}

type parser struct {
	toks    []token
	i       int
	clauses int
	field   Field // inside field:(…), the field of the words
	title   bool  // inside title:(…)
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token { t := p.toks[p.i]; p.i++; return t }

// startsOperand reports whether t can begin an operand, so that juxtaposition
// means AND.
func startsOperand(t token) bool {
	switch t.kind {
	case tWord, tPhrase, tCase, tLParen, tNot, tMinus, tField:
		return true
	}
	return false
}

func (p *parser) unexpected() *Error {
	t := p.peek()
	switch t.kind {
	case tRParen:
		return &Error{Column: t.col, Code: CodeParenUnopened, Msg: `unbalanced parenthesis: this ")" has no matching "("`}
	case tOr, tAnd:
		return &Error{Column: t.col, Code: CodeOperatorSides, Args: []string{t.describe()}, Msg: t.describe() + " needs something on both sides, e.g. a " + t.describe() + " b"}
	case tNear:
		return &Error{Column: t.col, Code: CodeNearBothSides, Args: []string{t.describe()}, Msg: t.describe() + " needs a word, phrase or group on both sides, e.g. a " + t.describe() + " b"}
	}
	if t.kind == tEOF {
		return &Error{Column: t.col, Code: CodeUnexpectedEnd, Msg: "unexpected end of the query"}
	}
	return &Error{Column: t.col, Code: CodeUnexpected, Args: []string{t.describe()}, Msg: "unexpected " + t.describe()}
}

// operandError explains a missing operand after the operator op.
func (p *parser) operandError(op token) *Error {
	t := p.peek()
	what := "a word, phrase or group"
	if t.kind == tEOF {
		return &Error{Column: t.col, Code: CodeOperandEnd, Args: []string{op.describe()}, Msg: "expected " + what + " after " + op.describe() + ", found the end of the query"}
	}
	return &Error{Column: t.col, Code: CodeOperandMissing, Args: []string{op.describe(), t.describe()}, Msg: "expected " + what + " after " + op.describe() + ", found " + t.describe()}
}

func (p *parser) parseOr() (*Node, *Error) {
	if t := p.peek(); t.kind == tOr || t.kind == tAnd || t.kind == tNear {
		return nil, &Error{Column: t.col, Code: CodeOperatorBefore, Args: []string{t.describe()}, Msg: t.describe() + " needs something before it, e.g. a " + t.describe() + " b"}
	}
	left, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	if p.peek().kind != tOr {
		return left, nil
	}
	n := &Node{Op: OpOr, Children: []*Node{left}, Col: left.Col}
	for p.peek().kind == tOr {
		op := p.next()
		if !startsOperand(p.peek()) {
			return nil, p.operandError(op)
		}
		right, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		n.Children = append(n.Children, right)
	}
	return n, nil
}

func (p *parser) parseAnd() (*Node, *Error) {
	left, err := p.parseNear()
	if err != nil {
		return nil, err
	}
	var n *Node
	for {
		t := p.peek()
		if t.kind == tAnd {
			p.next()
			if !startsOperand(p.peek()) {
				return nil, p.operandError(t)
			}
		} else if !startsOperand(t) {
			break
		}
		right, err := p.parseNear()
		if err != nil {
			return nil, err
		}
		if n == nil {
			n = &Node{Op: OpAnd, Children: []*Node{left}, Col: left.Col}
		}
		n.Children = append(n.Children, right)
	}
	if n == nil {
		return left, nil
	}
	return n, nil
}

func (p *parser) parseNear() (*Node, *Error) {
	left, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	for p.peek().kind == tNear {
		op := p.next()
		if !startsOperand(p.peek()) {
			return nil, p.operandError(op)
		}
		right, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		for _, c := range []*Node{left, right} {
			if bad := nearOperandProblem(c); bad != nil {
				return nil, &Error{Column: bad.Col, Code: CodeNearOperands, Args: []string{op.describe()}, Msg: op.describe() + " takes words, phrases, or parenthesised OR-groups of them on each side; put AND, NOT and fields outside the NEAR"}
			}
		}
		left = &Node{Op: OpNear, Children: []*Node{left, right}, Dist: op.dist, Ordered: op.ordered, Col: left.Col}
	}
	return left, nil
}

// nearOperandProblem returns the node that cannot be an operand of NEAR, or nil.
func nearOperandProblem(n *Node) *Node {
	switch n.Op {
	case OpTerm:
		return nil
	case OpOr, OpNear:
		for _, c := range n.Children {
			if bad := nearOperandProblem(c); bad != nil {
				return bad
			}
		}
		return nil
	}
	return n
}

func (p *parser) parseUnary() (*Node, *Error) {
	t := p.peek()
	switch t.kind {
	case tNot, tMinus:
		p.next()
		if !startsOperand(p.peek()) {
			return nil, p.operandError(t)
		}
		c, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		return &Node{Op: OpNot, Children: []*Node{c}, Col: t.col}, nil
	}
	return p.parsePrimary()
}

func (p *parser) parsePrimary() (*Node, *Error) {
	t := p.next()
	switch t.kind {
	case tLParen:
		if p.peek().kind == tRParen {
			return nil, &Error{Column: t.col, Code: CodeParenEmpty, Msg: `empty parentheses: put something to look for between "(" and ")"`}
		}
		n, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if c := p.peek(); c.kind != tRParen {
			if c.kind == tEOF {
				return nil, &Error{Column: t.col, Code: CodeParenUnclosed, Msg: `unbalanced parenthesis: this "(" is never closed`}
			}
			p.i--
			return nil, p.unexpected()
		}
		p.next()
		return n, nil
	case tField:
		return p.parseField(t)
	case tWord, tPhrase, tCase:
		if err := p.countClause(t); err != nil {
			return nil, err
		}
		if p.field != 0 {
			return p.fieldValue(p.field, t)
		}
		return p.term(t)
	case tEOF:
		return nil, &Error{Column: t.col, Code: CodeUnexpectedEnd, Msg: "unexpected end of the query"}
	}
	p.i--
	return nil, p.unexpected()
}

func (p *parser) countClause(t token) *Error {
	p.clauses++
	if p.clauses > MaxClauses {
		return &Error{Column: t.col, Code: CodeTooManyClauses, Args: []string{strconv.Itoa(MaxClauses)}, Msg: "the query has more than " + strconv.Itoa(MaxClauses) + " clauses: split it into several monitors"}
	}
	return nil
}

func (p *parser) parseField(t token) (*Node, *Error) {
	name := t.text
	f, ok := fieldNames[name]
	if !ok && name != "title" {
		if name == "http" || name == "https" {
			return nil, &Error{Column: t.col, Code: CodeLink, Msg: linkAsWord}
		}
		return nil, unknownField(t.col, name, knownFields)
	}
	v := p.peek()
	if !(v.kind == tWord || v.kind == tPhrase || v.kind == tLParen || v.kind == tCase && name == "title") {
		return nil, &Error{Column: v.col, Code: CodeFieldNoValue, Args: []string{name}, Msg: "expected a value right after \"" + name + ":\" (no space), e.g. " + fieldExample(name)}
	}
	if p.field != 0 {
		return nil, &Error{Column: t.col, Code: CodeFieldNested, Args: []string{p.field.String()}, Msg: "a field cannot be used inside " + p.field.String() + ":(…)"}
	}
	if name == "title" {
		saved := p.title
		p.title = true
		n, err := p.parsePrimary()
		p.title = saved
		if err == nil {
			n.Col = t.col
		}
		return n, err
	}
	p.field = f
	n, err := p.parsePrimary()
	p.field = 0
	if err == nil {
		n.Col = t.col
	}
	return n, err
}

// unknownField names the known fields, and the nearest one when name is
// close enough to one of them.
func unknownField(col int, name string, fields []string) *Error {
	known := strings.Join(fields, ":, ") + ":"
	e := &Error{Column: col, Code: CodeFieldUnknown, Args: []string{name, known}, Msg: "unknown field \"" + name + ":\""}
	if s := nearest(name, fields); s != "" {
		e.Code, e.Args = CodeFieldSuggest, []string{name, s, known}
		e.Msg += "; did you mean \"" + s + ":\"?"
	}
	e.Msg += " Known fields: " + known + "." + ` To search for text containing ":", put it in quotes.`
	return e
}

const linkAsWord = "a link cannot be searched as a word: use site:example.com or url:\"part/of/the/link\""

func fieldExample(name string) string {
	switch name {
	case "title":
		return `title:epfl or title:"annual report"`
	case "author":
		return "author:epfl"
	case "site":
		return "site:epfl.ch"
	case "url":
		return "url:/research/"
	case "lang":
		return "lang:fr or lang:(fr OR de)"
	case "country":
		return "country:ch"
	case "source":
		return "source:mastodon"
	}
	return name + ":value"
}

func (p *parser) fieldValue(f Field, t token) (*Node, *Error) {
	if t.kind == tCase {
		return nil, &Error{Column: t.col, Code: CodeFieldCaseValue, Args: []string{f.String()}, Msg: "{…} is not allowed as a value of " + f.String() + ":"}
	}
	raw := strings.TrimSpace(t.text)
	n := &Node{Op: OpField, Field: f, Col: t.col}
	switch f {
	case FieldAuthor:
		n.Value = strings.TrimPrefix(text.Fold(raw), "@")
		if strings.ContainsFunc(n.Value, unicode.IsSpace) || !strings.ContainsFunc(n.Value, isAlnum) || strings.HasPrefix(n.Value, "@") {
			return nil, &Error{Column: t.col, Code: CodeAuthorInvalid, Args: []string{raw}, Msg: "invalid handle " + strconv.Quote(raw) + " for author:, e.g. author:epfl or author:epfl@mastodon.social"}
		}
	case FieldSite:
		v := text.Host(raw)
		if i := strings.Index(raw, "://"); i < 0 && !strings.ContainsAny(raw, "/") {
			v = strings.TrimSuffix(text.Fold(raw), ".")
		}
		v = strings.TrimPrefix(v, "*.")
		n.Value = v
	case FieldURL:
		n.Value = text.Fold(raw)
	default:
		v := strings.ToLower(raw)
		for _, r := range v {
			if !('a' <= r && r <= 'z' || r == '-' || r == '_' || '0' <= r && r <= '9') {
				return nil, &Error{Column: t.col, Code: CodeFieldInvalid, Args: []string{f.String(), raw}, Msg: "invalid value " + strconv.Quote(raw) + " for " + f.String() + ": expected a code such as " + fieldExample(f.String())}
			}
		}
		n.Value = v
	}
	if n.Value == "" {
		return nil, &Error{Column: t.col, Code: CodeFieldEmpty, Args: []string{f.String()}, Msg: "empty value for " + f.String() + ":, e.g. " + fieldExample(f.String())}
	}
	return n, nil
}

// term builds a word, phrase, pattern, hashtag, mention or case-sensitive term.
func (p *parser) term(t token) (*Node, *Error) {
	n := &Node{Op: OpTerm, Slop: -1, Title: p.title, Col: t.col}
	switch t.kind {
	case tPhrase:
		n.Parts = splitParts(questionMarksAsPunctuation(t.text))
		n.Slop = t.slop
		if len(n.Parts) == 0 {
			return nil, &Error{Column: t.col, Code: CodePhraseEmpty, Msg: "this phrase has no letters or digits to look for"}
		}
		if len(n.Parts) == 1 {
			n.Slop = -1
		}
	case tCase:
		pieces := text.SplitQuery(t.text, false)
		if len(pieces) == 0 {
			return nil, &Error{Column: t.col, Code: CodeCaseEmpty, Msg: "{…} must hold a word, e.g. {Apple}"}
		}
		if strings.ContainsAny(t.text, "*?") {
			return nil, &Error{Column: t.col, Code: CodeCaseWildcard, Msg: "wildcards are not allowed in a case-sensitive {Word}"}
		}
		n.CaseSensitive = true
		for _, pc := range pieces {
			n.Parts = append(n.Parts, Part{Fold: pc.Fold, Kept: pc.Kept})
		}
	case tWord:
		w := t.text
		switch {
		case strings.HasPrefix(w, "#"):
			body, ok := text.FoldTag(w[1:])
			if !ok {
				return nil, &Error{Column: t.col, Code: CodeHashtag, Msg: "a hashtag is # followed by letters, digits or _, e.g. #epfl; wildcards and punctuation are not allowed in it"}
			}
			n.Kind = TermHashtag
			n.Parts = []Part{{Fold: body}}
		case strings.HasPrefix(w, "@"):
			handle, host, _ := strings.Cut(w[1:], "@")
			var labels []string
			for _, l := range strings.Split(handle, ".") {
				f, ok := text.FoldTag(l)
				if !ok {
					return nil, &Error{Column: t.col, Code: CodeMention, Msg: "a mention is @ followed by a handle of letters, digits or _, e.g. @epfl or @epfl@mastodon.social"}
				}
				labels = append(labels, f)
			}
			n.Kind = TermMention
			n.Parts = []Part{{Fold: strings.Join(labels, ".")}}
			n.Host = strings.TrimRight(text.Fold(host), ".")
			if strings.Contains(w[1:], "@") && (!strings.ContainsFunc(n.Host, isAlnum) || strings.ContainsAny(n.Host, "@/:?#\"\\")) {
				return nil, &Error{Column: t.col, Code: CodeMentionHost, Msg: "the host after the second @ is missing, e.g. @epfl@mastodon.social"}
			}
		default:
			if strings.Contains(w, "://") {
				return nil, &Error{Column: t.col, Code: CodeLink, Msg: linkAsWord}
			}
			n.Parts = splitParts(w)
			if len(n.Parts) == 0 {
				return nil, &Error{Column: t.col, Code: CodeWordEmpty, Args: []string{w}, Msg: strconv.Quote(w) + " has no letters or digits to look for"}
			}
		}
	}
	for i := range n.Parts {
		if err := checkPattern(&n.Parts[i], t.col, t.text); err != nil {
			return nil, err
		}
		if !n.Parts[i].Pattern {
			n.Parts[i].Hash = text.Hash(n.Parts[i].Fold)
		}
	}
	return n, nil
}

// questionMarksAsPunctuation blanks a '?' that ends a word inside a phrase:
// "how are you?" is a question copied into a query, not a wildcard.
func questionMarksAsPunctuation(s string) string {
	if !strings.Contains(s, "?") {
		return s
	}
	rs := []rune(s)
	for i, r := range rs {
		if r == '?' && (i+1 == len(rs) || !isAlnum(rs[i+1]) && rs[i+1] != '*' && rs[i+1] != '?') {
			rs[i] = ' '
		}
	}
	return string(rs)
}

func splitParts(s string) []Part {
	pieces := text.SplitQuery(s, true)
	parts := make([]Part, 0, len(pieces))
	for _, pc := range pieces {
		parts = append(parts, Part{Fold: pc.Fold})
	}
	return parts
}

// checkPattern validates and completes a part holding '*' or '?'.
func checkPattern(pt *Part, col int, raw string) *Error {
	i := strings.IndexAny(pt.Fold, "*?")
	if i < 0 {
		return nil
	}
	// Point at the wildcard in the raw token when we can find it.
	c := col
	if j := strings.IndexAny(raw, "*?"); j >= 0 {
		c = col + utf8.RuneCountInString(raw[:j])
	}
	letters := utf8.RuneCountInString(pt.Fold[:i])
	switch {
	case letters == 0:
		return &Error{Column: c, Code: CodeWildcardStart, Msg: "a word cannot start with a wildcard (e.g. *tech): write at least 2 letters before * or ?"}
	case letters < 2:
		return &Error{Column: c, Code: CodeWildcardShort, Args: []string{pt.Fold}, Msg: "a wildcard needs at least 2 letters before it, e.g. innov* (not " + pt.Fold + ")"}
	}
	pt.Pattern = true
	pt.Prefix = pt.Fold[:i] // shares Fold's memory
	return nil
}

// checkPositive rejects queries that would match posts by filters or
// exclusions alone (§4): every alternative must look for something.
func checkPositive(root *Node) *Error {
	if positive(root) {
		return nil
	}
	if !hasPositiveLeaf(root, false) {
		return &Error{Column: root.Col, Code: CodeNothing, Msg: "the query has nothing to look for: add a word, phrase, hashtag, mention, author:, site: or url: that is not excluded (lang:, country: and source: only filter, NOT only removes)"}
	}
	// Find the alternative of an OR that has nothing to look for.
	if bad := nonPositiveAlternative(root); bad != nil {
		return &Error{Column: bad.Col, Code: CodeNothingInOr, Msg: "this alternative of OR has nothing to look for, so it would match almost every post: add a word to it, or move it out of the OR"}
	}
	return &Error{Column: root.Col, Code: CodeNothingNegated, Msg: "the query has nothing to look for"}
}

func positive(n *Node) bool {
	switch n.Op {
	case OpTerm, OpNear:
		return true
	case OpField:
		return n.Field.Positive()
	case OpAnd:
		for _, c := range n.Children {
			if positive(c) {
				return true
			}
		}
		return false
	case OpOr:
		for _, c := range n.Children {
			if !positive(c) {
				return false
			}
		}
		return true
	}
	return false
}

func hasPositiveLeaf(n *Node, negated bool) bool {
	switch n.Op {
	case OpTerm, OpNear:
		return !negated
	case OpField:
		return !negated && n.Field.Positive()
	case OpNot:
		return hasPositiveLeaf(n.Children[0], !negated)
	}
	for _, c := range n.Children {
		if hasPositiveLeaf(c, negated) {
			return true
		}
	}
	return false
}

func nonPositiveAlternative(n *Node) *Node {
	switch n.Op {
	case OpOr:
		for _, c := range n.Children {
			if !positive(c) {
				if d := nonPositiveAlternative(c); d != nil {
					return d
				}
				return c
			}
		}
	case OpAnd:
		for _, c := range n.Children {
			if c.Op != OpNot && !positive(c) {
				if d := nonPositiveAlternative(c); d != nil {
					return d
				}
			}
		}
	}
	return nil
}

// foreignOps are the operators as French, German and Italian users write
// them, with the operator meant: such a word between two terms is searched
// as a word, and the monitor silently matches almost nothing. The short
// or common ones (e, o, non) are flagged only in capitals, where they
// cannot be meant as words.
var foreignOps = map[string]struct {
	op          string
	lowerToo    bool
	languageTag string
	code        string
}{
	"et": {"AND", true, "French", WarnFrench}, "ou": {"OR", true, "French", WarnFrench},
	"sauf": {"NOT", true, "French", WarnFrench}, "sans": {"NOT", false, "French", WarnFrench},
	"und": {"AND", true, "German", WarnGerman}, "oder": {"OR", true, "German", WarnGerman}, "nicht": {"NOT", true, "German", WarnGerman},
	"e": {"AND", false, "Italian", WarnItalian}, "o": {"OR", false, "Italian", WarnItalian},
	"non": {"NOT", false, "French or Italian", WarnFrenchOrItalian},
}

// warnings flags lower-case operators, and operators written in French,
// German or Italian, between two operands (§5).
func warnings(toks []token) []Warning {
	var ws []Warning
	for i := 1; i+1 < len(toks); i++ {
		t := toks[i]
		if t.kind != tWord {
			continue
		}
		prev, next := toks[i-1], toks[i+1]
		if !endsOperand(prev) || !startsOperand(next) {
			continue
		}
		lw := strings.ToLower(t.text)
		switch f, foreign := foreignOps[lw]; {
		case lw == "and" || lw == "or" || lw == "not" || strings.HasPrefix(lw, "near/"):
			ws = append(ws, Warning{Column: t.col, Code: WarnLowerCase, Args: []string{t.text, strings.ToUpper(lw)},
				Message: strconv.Quote(t.text) + " is searched as a word; write " + strings.ToUpper(lw) + " in capitals if you meant the operator"})
		case foreign && (f.lowerToo || t.text == strings.ToUpper(t.text)):
			ws = append(ws, Warning{Column: t.col, Code: f.code, Args: []string{t.text, f.op},
				Message: strconv.Quote(t.text) + " is searched as a word; operators are written in English: write " + f.op +
					" if you meant the " + f.languageTag + " " + strconv.Quote(t.text)})
		}
	}
	return ws
}

func endsOperand(t token) bool {
	return t.kind == tWord || t.kind == tPhrase || t.kind == tCase || t.kind == tRParen
}

// nearest returns the candidate closest to s: fewest edits, then the longest
// common prefix (people get the start of a name right more often than its end).
func nearest(s string, candidates []string) string {
	best, bestD, bestP := "", 1<<30, -1
	for _, c := range candidates {
		d, p := editDistance(s, c), commonPrefix(s, c)
		if d < bestD || d == bestD && p > bestP {
			best, bestD, bestP = c, d, p
		}
	}
	if bestD > max(len(s), 3) {
		return ""
	}
	return best
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

func isAlnum(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
