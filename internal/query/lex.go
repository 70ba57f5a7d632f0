package query

import (
	"strconv"
	"strings"
	"unicode"
)

type tokKind uint8

const (
	tEOF tokKind = iota
	tWord
	tPhrase // text holds the unquoted content; slop ≥ 0 when followed by ~n
	tCase   // {…}
	tLParen
	tRParen
	tAnd
	tOr
	tNot
	tNear
	tMinus // '-' directly before an operand
	tField // text holds the field name, lower-cased
)

type token struct {
	kind    tokKind
	text    string
	col     int // 1-based, in characters
	slop    int
	dist    int
	ordered bool
}

func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "the end of the query"
	case tLParen:
		return `"("`
	case tRParen:
		return `")"`
	case tAnd:
		return "AND"
	case tOr:
		return "OR"
	case tNot:
		return "NOT"
	case tNear:
		if t.ordered {
			return "NEAR/" + strconv.Itoa(t.dist) + "f"
		}
		return "NEAR/" + strconv.Itoa(t.dist)
	case tMinus:
		return `"-"`
	case tField:
		return t.text + ":"
	case tPhrase:
		return strconv.Quote(t.text)
	}
	return strconv.Quote(t.text)
}

// lex splits a query into tokens. Columns count characters from 1.
func lex(q string) ([]token, *Error) {
	rs := []rune(q)
	var toks []token
	i := 0
	for i < len(rs) {
		r := rs[i]
		col := i + 1
		switch {
		case unicode.IsSpace(r):
			i++
		case r == '(':
			toks = append(toks, token{kind: tLParen, col: col})
			i++
		case r == ')':
			toks = append(toks, token{kind: tRParen, col: col})
			i++
		case r == '"' || r == '“' || r == '”' || r == '„' || r == '«':
			close := closingQuote(r)
			var b strings.Builder
			j := i + 1
			for j < len(rs) && !(rs[j] == close || close == '"' && (rs[j] == '”' || rs[j] == '“')) {
				if rs[j] == '\\' && j+1 < len(rs) {
					j++
				}
				b.WriteRune(rs[j])
				j++
			}
			if j >= len(rs) {
				return nil, &Error{Column: col, Code: CodeQuoteUnclosed, Args: []string{string(close)}, Msg: "this quote is never closed: add the closing " + strconv.QuoteRune(close)}
			}
			t := token{kind: tPhrase, text: b.String(), col: col, slop: -1}
			j++
			if j < len(rs) && rs[j] == '~' {
				k := j + 1
				for k < len(rs) && '0' <= rs[k] && rs[k] <= '9' {
					k++
				}
				if k == j+1 {
					return nil, &Error{Column: j + 1, Code: CodeProximityNumber, Msg: `expected a number after "~", e.g. "word1 word2"~3`}
				}
				n, err := strconv.Atoi(string(rs[j+1 : k]))
				if err != nil || n > maxDistance {
					return nil, &Error{Column: j + 2, Code: CodeProximityTooFar, Args: []string{strconv.Itoa(maxDistance)}, Msg: "the distance after \"~\" must be at most " + strconv.Itoa(maxDistance)}
				}
				t.slop = n
				j = k
			}
			toks = append(toks, t)
			i = j
		case r == '{':
			j := i + 1
			for j < len(rs) && rs[j] != '}' {
				j++
			}
			if j >= len(rs) {
				return nil, &Error{Column: col, Code: CodeBraceUnclosed, Msg: `this "{" is never closed: a case-sensitive word is written {Word}`}
			}
			toks = append(toks, token{kind: tCase, text: string(rs[i+1 : j]), col: col})
			i = j + 1
		case r == '}':
			return nil, &Error{Column: col, Code: CodeBraceUnopened, Msg: `unexpected "}": a case-sensitive word is written {Word}`}
		case r == '-' && (i == 0 || isBoundary(rs[i-1])):
			if i+1 >= len(rs) || unicode.IsSpace(rs[i+1]) || rs[i+1] == ')' {
				return nil, &Error{Column: col, Code: CodeMinusDetached, Msg: `"-" excludes what directly follows it: write it without a space, e.g. -spam`}
			}
			toks = append(toks, token{kind: tMinus, col: col})
			i++
		default:
			j := i
			for j < len(rs) && !isBoundary(rs[j]) {
				// "https://…" is a link, not the field "https:": as a field
				// value (site:, url:) it is kept whole.
				if rs[j] == ':' && isFieldName(rs[i:j]) && !(j+2 < len(rs) && rs[j+1] == '/' && rs[j+2] == '/') {
					break
				}
				j++
			}
			if j == i { // a closing quote mark with no opening one
				return nil, &Error{Column: col, Code: CodeQuoteUnopened, Args: []string{string(r)}, Msg: "unexpected " + strconv.QuoteRune(r) + ": this quote mark closes nothing"}
			}
			word := string(rs[i:j])
			if j < len(rs) && rs[j] == ':' {
				toks = append(toks, token{kind: tField, text: strings.ToLower(word), col: col})
				i = j + 1
				continue
			}
			t := token{kind: tWord, text: word, col: col}
			switch {
			case word == "AND":
				t.kind = tAnd
			case word == "OR":
				t.kind = tOr
			case word == "NOT":
				t.kind = tNot
			case strings.HasPrefix(word, "NEAR"):
				if err := lexNear(&t); err != nil {
					return nil, err
				}
			}
			toks = append(toks, t)
			i = j
		}
	}
	toks = append(toks, token{kind: tEOF, col: len(rs) + 1})
	return toks, nil
}

func closingQuote(r rune) rune {
	switch r {
	case '“':
		return '”'
	case '„':
		return '“'
	case '«':
		return '»'
	}
	return '"'
}

func lexNear(t *token) *Error {
	w := t.text
	if w != "NEAR" && !strings.HasPrefix(w, "NEAR/") {
		return nil // a word such as NEARBY
	}
	rest := strings.TrimPrefix(strings.TrimPrefix(w, "NEAR"), "/")
	ordered := false
	if strings.HasSuffix(rest, "f") || strings.HasSuffix(rest, "F") {
		ordered = true
		rest = rest[:len(rest)-1]
	}
	n, err := strconv.Atoi(rest)
	switch {
	case w == "NEAR" || w == "NEAR/":
		return &Error{Column: t.col, Code: CodeNearDistance, Msg: "NEAR needs a distance: NEAR/n with n at least 1, e.g. NEAR/3"}
	case err != nil || strings.HasPrefix(rest, "+") || strings.HasPrefix(rest, "-"):
		return &Error{Column: t.col + 5, Code: CodeNearNumber, Msg: "expected a number after NEAR/, e.g. NEAR/3 or NEAR/3f"}
	case n < 1:
		return &Error{Column: t.col + 5, Code: CodeNearZero, Msg: "NEAR/0 is not allowed: the distance counts the words allowed between, at least 1 (for adjacent words use a phrase)"}
	case n > maxDistance:
		return &Error{Column: t.col + 5, Code: CodeNearTooFar, Args: []string{strconv.Itoa(maxDistance)}, Msg: "the NEAR distance must be at most " + strconv.Itoa(maxDistance)}
	}
	t.kind, t.dist, t.ordered = tNear, n, ordered
	return nil
}

func isBoundary(r rune) bool {
	return unicode.IsSpace(r) || r == '(' || r == ')' || r == '"' || r == '{' || r == '}' || r == '“' || r == '”' || r == '„' || r == '«' || r == '»'
}

// isFieldName reports whether rs looks like a field name: ASCII letters only.
func isFieldName(rs []rune) bool {
	for _, r := range rs {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') {
			return false
		}
	}
	return len(rs) > 0
}
