package query

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/vigie-project/vigie/internal/text"
)

func mustParse(tb testing.TB, q string) *Query {
	tb.Helper()
	p, err := Parse(q)
	if err != nil {
		tb.Fatalf("Parse(%q): %v", q, err)
	}
	return p
}

// TestParseSyntax parses every form of shared/design/query-language.md §3 to
// its canonical, fully parenthesised form.
func TestParseSyntax(t *testing.T) {
	tests := []struct {
		name, q, want string
	}{
		// word
		{"word", "epfl", "epfl"},
		{"word folded", "EPFL", "epfl"},
		{"word without diacritics", "Zürich", "zurich"},
		{"digits", "2026", "2026"},
		// juxtaposition, AND, OR
		{"juxtaposition", "a b", "(a AND b)"},
		{"juxtaposition of three", "a b c", "(a AND b AND c)"},
		{"and", "a AND b", "(a AND b)"},
		{"or", "a OR b", "(a OR b)"},
		{"or of three", "a OR b OR c", "(a OR b OR c)"},
		{"and mixed with juxtaposition", "a AND b c", "(a AND b AND c)"},
		{"tabs and newlines", "a\tb\nOR c", "((a AND b) OR c)"},
		// NOT and -
		{"not", "a NOT b", "(a AND NOT b)"},
		{"minus", "a -b", "(a AND NOT b)"},
		{"minus phrase", `a -"b c"`, `(a AND NOT "b c")`},
		{"minus group", "a -(b OR c)", "(a AND NOT (b OR c))"},
		{"minus field", "a -lang:en", `(a AND NOT lang:"en")`},
		{"minus hashtag", "a -#spam", "(a AND NOT #spam)"},
		{"minus after group", "(a)-b", "(a AND NOT b)"},
		{"not group", "a NOT (b c)", "(a AND NOT (b AND c))"},
		{"not first", "NOT spam epfl", "(NOT spam AND epfl)"},
		// grouping
		{"group", "(a OR b) c", "((a OR b) AND c)"},
		{"redundant parentheses", "((a))", "a"},
		{"nested groups", "(a (b OR (c d)))", "(a AND (b OR (c AND d)))"},
		// phrases
		{"phrase", `"exact phrase"`, `"exact phrase"`},
		{"phrase folded", `"Exact  PHRASE"`, `"exact phrase"`},
		{"one-word phrase", `"epfl"`, "epfl"},
		{"phrase with punctuation", `"l'EPFL, Lausanne"`, `"l epfl lausanne"`},
		{"curly quotes", "“a b”", `"a b"`},
		{"guillemets", "«a b»", `"a b"`},
		{"low-high quotes", "„a b“", `"a b"`},
		{"escaped quote", `"a \" b"`, `"a b"`},
		{"proximity", `"a b"~2`, `"a b"~2`},
		{"proximity zero", `"a b"~0`, `"a b"~0`},
		{"proximity of three", `"a b c"~5`, `"a b c"~5`},
		{"proximity of one word", `"a"~3`, "a"},
		// NEAR
		{"near", "a NEAR/3 b", "(a NEAR/3 b)"},
		{"near ordered", "a NEAR/3f b", "(a NEAR/3f b)"},
		{"near ordered upper F", "a NEAR/3F b", "(a NEAR/3f b)"},
		{"near max", "a NEAR/1000 b", "(a NEAR/1000 b)"},
		{"near phrases", `"a b" NEAR/2 "c d"`, `("a b" NEAR/2 "c d")`},
		{"near or-groups", "(epfl OR ethz) NEAR/3 (ranking OR classement)", "((epfl OR ethz) NEAR/3 (ranking OR classement))"},
		{"near group of phrase and word", `(a OR "b c") NEAR/3f d`, `((a OR "b c") NEAR/3f d)`},
		{"near chained", "a NEAR/2 b NEAR/3 c", "((a NEAR/2 b) NEAR/3 c)"},
		{"near of near group", "(a NEAR/2 b) NEAR/3 c", "((a NEAR/2 b) NEAR/3 c)"},
		{"near title term", "title:a NEAR/2 b", "(title:a NEAR/2 b)"},
		{"nearby is a word", "NEARBY store", "(nearby AND store)"},
		// wildcards
		{"prefix", "innov*", "innov*"},
		{"prefix folded", "Innov*", "innov*"},
		{"prefix of two letters", "ro*", "ro*"},
		{"one letter", "wom?n", "wom?n"},
		{"wildcards in phrase", `"innov* day"`, `"innov* day"`},
		{"question mark ending a phrase word is punctuation", `"how are you?"`, `"how are you"`},
		{"question mark inside a phrase word is a wildcard", `"wom?n day?"`, `"wom?n day"`},
		// case-sensitive
		{"case-sensitive", "{Apple}", "{Apple}"},
		{"case-sensitive without diacritics", "{Nestlé}", "{Nestle}"},
		{"case-sensitive phrase", "{Apple Pay}", "{Apple Pay}"},
		// hashtags and mentions
		{"hashtag", "#epfl", "#epfl"},
		{"hashtag folded with underscore", "#EPFL_News", "#epfl_news"},
		{"mention", "@epfl", "@epfl"},
		{"mention with underscore", "@EPFL_en", "@epfl_en"},
		{"mention with host", "@EPFL@Mastodon.Social", "@epfl@mastodon.social"},
		{"dotted handle", "@alice.bsky.social", "@alice.bsky.social"},
		// title:
		{"title word", "title:epfl", "title:epfl"},
		{"title phrase", `title:"annual report"`, `title:"annual report"`},
		{"title group", "title:(a OR b)", "(title:a OR title:b)"},
		{"title group with not", "title:(a -b)", "(title:a AND NOT title:b)"},
		{"title case-sensitive", "title:{Apple}", "title:{Apple}"},
		{"title hashtag", "title:#epfl", "title:#epfl"},
		{"title proximity", `title:"a b"~2`, `title:"a b"~2`},
		{"field name case", "TITLE:epfl", "title:epfl"},
		// author:
		{"author", "author:epfl", `author:"epfl"`},
		{"author with at", "author:@EPFL", `author:"epfl"`},
		{"author with host", "author:EPFL@Mastodon.Social", `author:"epfl@mastodon.social"`},
		{"author quoted", `author:"EPFL"`, `author:"epfl"`},
		// site:
		{"site", "site:epfl.ch", `site:"epfl.ch"`},
		{"site folded", "site:EPFL.ch.", `site:"epfl.ch"`},
		{"site wildcard subdomains", "site:*.epfl.ch", `site:"epfl.ch"`},
		{"site url", "site:https://www.EPFL.ch/x", `site:"www.epfl.ch"`},
		{"site quoted url", `site:"https://news.epfl.ch"`, `site:"news.epfl.ch"`},
		{"site path", "site:epfl.ch/research", `site:"epfl.ch"`},
		// url:
		{"url", "url:/RESEARCH/", `url:"/research/"`},
		{"url with scheme", "url:https://epfl.ch/Research", `url:"https://epfl.ch/research"`},
		{"url quoted", `url:"part/of the/link"`, `url:"part/of the/link"`},
		// filters
		{"lang", "epfl lang:fr", `(epfl AND lang:"fr")`},
		{"lang upper case", "epfl LANG:FR", `(epfl AND lang:"fr")`},
		{"lang group", "epfl lang:(fr OR de)", `(epfl AND (lang:"fr" OR lang:"de"))`},
		{"country", "epfl country:ch", `(epfl AND country:"ch")`},
		{"source", "epfl source:mastodon", `(epfl AND source:"mastodon")`},
		{"filter not", "{Nestlé} NOT lang:en", `({Nestle} AND NOT lang:"en")`},
		// words with hyphens, dots and apostrophes are phrases
		{"hyphen", "eth-zurich", `"eth zurich"`},
		{"hyphen with diacritics", "ETH-Zürich", `"eth zurich"`},
		{"apostrophe", "l'epfl", `"l epfl"`},
		{"typographic apostrophe", "l’EPFL", `"l epfl"`},
		{"possessive", "EPFL's", `"epfl s"`},
		{"dot", "node.js", `"node js"`},
		{"colon between digits", "10:30", `"10 30"`},
		{"leading minus then hyphen", "epfl -eth-zurich", `(epfl AND NOT "eth zurich")`},
		{"trailing hyphen", "epfl-", "epfl"},
		// scripts without spaces
		{"han", "東京", `"東 京"`},
		{"thai", "ไทย", `"ไ ท ย"`},
		// keywords only in upper case
		{"lower and", "a and b", "(a AND and AND b)"},
		{"lower or", "a or b", "(a AND or AND b)"},
		{"lower not", "a not b", "(a AND not AND b)"},
		{"mixed case or", "a Or b", "(a AND or AND b)"},
		{"lower near", "a near/3 b", `(a AND "near 3" AND b)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := mustParse(t, tt.q)
			if got := q.Root.String(); got != tt.want {
				t.Errorf("Parse(%q) = %s, want %s", tt.q, got, tt.want)
			}
			if q.Text != tt.q {
				t.Errorf("Query.Text = %q, want %q", q.Text, tt.q)
			}
		})
	}
}

// TestParsePrecedence: NOT/- bind tightest, then NEAR, then AND, then OR.
func TestParsePrecedence(t *testing.T) {
	tests := []struct {
		q, want string
	}{
		{"a OR b c", "(a OR (b AND c))"},
		{"a b OR c", "((a AND b) OR c)"},
		{"a b OR c d", "((a AND b) OR (c AND d))"},
		{"a AND b OR c", "((a AND b) OR c)"},
		{"a OR b AND c", "(a OR (b AND c))"},
		{"a OR b NEAR/2 c", "(a OR (b NEAR/2 c))"},
		{"a NEAR/2 b c", "((a NEAR/2 b) AND c)"},
		{"a b NEAR/2 c", "(a AND (b NEAR/2 c))"},
		{"a NEAR/2 b OR c", "((a NEAR/2 b) OR c)"},
		{"NOT a b", "(NOT a AND b)"},
		{"a -b OR c", "((a AND NOT b) OR c)"},
		{"a OR -b c", "(a OR (NOT b AND c))"},
		{"a NOT b NEAR/2 c", "error"}, // NOT binds tighter than NEAR: (NOT b) NEAR/2 c
		{"(a OR b) c OR d", "(((a OR b) AND c) OR d)"},
		{"a OR (b OR c)", "(a OR (b OR c))"},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			q, err := Parse(tt.q)
			if tt.want == "error" {
				if err == nil {
					t.Fatalf("Parse(%q) = %s, want an error", tt.q, q.Root)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.q, err)
			}
			if got := q.Root.String(); got != tt.want {
				t.Errorf("Parse(%q) = %s, want %s", tt.q, got, tt.want)
			}
		})
	}
}

// TestParseAST checks the parts of nodes that String does not show.
func TestParseAST(t *testing.T) {
	t.Run("word", func(t *testing.T) {
		n := mustParse(t, "Zürich").Root
		if n.Op != OpTerm || n.Kind != TermWords || len(n.Parts) != 1 || n.Slop != -1 || n.Col != 1 {
			t.Fatalf("node = %+v", n)
		}
		if p := n.Parts[0]; p.Fold != "zurich" || p.Pattern || p.Hash != text.Hash("zurich") {
			t.Errorf("part = %+v", p)
		}
	})
	t.Run("pattern", func(t *testing.T) {
		n := mustParse(t, "Wom?n*").Root
		if p := n.Parts[0]; !p.Pattern || p.Prefix != "wom" || p.Fold != "wom?n*" || p.Hash != 0 {
			t.Errorf("part = %+v", p)
		}
	})
	t.Run("case-sensitive", func(t *testing.T) {
		n := mustParse(t, "{Nestlé}").Root
		if p := n.Parts[0]; !n.CaseSensitive || p.Fold != "nestle" || p.Kept != "Nestle" {
			t.Errorf("node = %+v", n)
		}
	})
	t.Run("mention host", func(t *testing.T) {
		n := mustParse(t, "@EPFL@Mastodon.Social.").Root
		if n.Kind != TermMention || n.Parts[0].Fold != "epfl" || n.Host != "mastodon.social" {
			t.Errorf("node = %+v", n)
		}
	})
	t.Run("near", func(t *testing.T) {
		n := mustParse(t, "a NEAR/7f b").Root
		if n.Op != OpNear || n.Dist != 7 || !n.Ordered || len(n.Children) != 2 {
			t.Errorf("node = %+v", n)
		}
	})
	t.Run("columns", func(t *testing.T) {
		n := mustParse(t, "épfl -b title:c").Root
		if n.Op != OpAnd || n.Col != 1 || n.Children[1].Col != 6 || n.Children[1].Children[0].Col != 7 || n.Children[2].Col != 9 {
			t.Errorf("columns %d %d %d %d", n.Col, n.Children[1].Col, n.Children[1].Children[0].Col, n.Children[2].Col)
		}
	})
	t.Run("clauses", func(t *testing.T) {
		if got := mustParse(t, `a OR "b c" -d lang:(fr OR de) {E}`).Clauses; got != 6 {
			t.Errorf("Clauses = %d, want 6", got)
		}
	})
	t.Run("positive fields", func(t *testing.T) {
		for f, want := range map[Field]bool{FieldAuthor: true, FieldSite: true, FieldURL: true, FieldLang: false, FieldCountry: false, FieldSource: false} {
			if f.Positive() != want {
				t.Errorf("%v.Positive() = %v", f, !want)
			}
		}
	})
}

// TestParseErrors checks every error of §5 and the column it names.
func TestParseErrors(t *testing.T) {
	clauses := func(n int) string {
		w := make([]string, n)
		for i := range w {
			w[i] = "w" + strconv.Itoa(i)
		}
		return strings.Join(w, " OR ")
	}
	tooMany := clauses(501)
	tests := []struct {
		name string
		q    string
		col  int
		msg  string // the message contains this
	}{
		{"unbalanced open paren", "(epfl OR ethz", 1, `"(" is never closed`},
		{"unbalanced open paren later", "a (b", 3, `"(" is never closed`},
		{"unbalanced nested paren", "((a)", 1, `"(" is never closed`},
		{"unbalanced close paren", "a)", 2, `")" has no matching "("`},
		{"extra close paren", "(a))", 4, `")" has no matching "("`},
		{"unbalanced quote", `"abc`, 1, "never closed"},
		{"unbalanced quote later", `a "b c`, 3, "never closed"},
		{"unbalanced curly quote", "“a b", 1, "never closed"},
		{"unbalanced brace", "{Apple", 1, `"{" is never closed`},
		{"unbalanced close brace", "Apple}", 6, `unexpected "}"`},
		{"and without right operand", "a AND", 6, "after AND, found the end of the query"},
		{"or without right operand", "a OR", 5, "after OR"},
		{"or without left operand", "OR b", 1, "OR needs something before it"},
		{"and without left operand", "AND b", 1, "AND needs something before it"},
		{"not alone", "NOT", 4, "after NOT"},
		{"not at the end", "a NOT", 6, "after NOT"},
		{"and and", "a AND AND b", 7, "after AND, found AND"},
		{"and or", "a AND OR b", 7, "after AND, found OR"},
		{"or or", "a OR OR b", 6, "after OR, found OR"},
		{"or before close paren", "(a OR)", 6, `after OR, found ")"`},
		{"near zero", "a NEAR/0 b", 8, "NEAR/0 is not allowed"},
		{"near letter", "a NEAR/x b", 8, "expected a number after NEAR/"},
		{"near only f", "a NEAR/f b", 8, "expected a number after NEAR/"},
		{"near without distance", "a NEAR b", 3, "NEAR needs a distance"},
		{"near alone", "NEAR", 1, "NEAR needs a distance"},
		{"near slash alone", "a NEAR/ b", 3, "NEAR needs a distance"},
		{"near too far", "a NEAR/1001 b", 8, "at most 1000"},
		{"near without right operand", "a NEAR/3", 9, "after NEAR/3"},
		{"near without left operand", "NEAR/3f b", 1, "NEAR/3f needs something before it"},
		{"near of and", "a NEAR/3 (b AND c)", 11, "NEAR/3 takes words"},
		{"near of not", "-a NEAR/2 b", 1, "takes words"},
		{"near of field", "a NEAR/2 lang:fr", 10, "takes words"},
		{"leading wildcard", "*tech", 1, "cannot start with a wildcard"},
		{"leading wildcard later", "innov* *tech", 8, "cannot start with a wildcard"},
		{"leading question mark", "?tech", 1, "cannot start with a wildcard"},
		{"wildcard alone", "*", 1, "cannot start with a wildcard"},
		{"one letter before star", "e*", 2, "at least 2 letters"},
		{"one letter before question mark", "epfl e?", 7, "at least 2 letters"},
		{"one letter in phrase", `"a e* b"`, 4, "at least 2 letters"},
		{"wildcard in case-sensitive", "{App*}", 1, "wildcards are not allowed"},
		{"wildcard in hashtag", "#epfl*", 1, "hashtag"},
		{"unknown field", "colour:red", 1, `did you mean "country:"?`},
		{"unknown field later", "epfl titel:x", 6, `did you mean "title:"?`},
		{"unknown field lists known", "foo:bar", 1, "Known fields: title:, author:, site:, url:, lang:, country:, source:"},
		{"link as a word", "http://x.ch", 1, "a link cannot be searched as a word"},
		{"link as a word later", "epfl https://x.ch/y", 6, "a link cannot be searched as a word"},
		{"empty", "", 1, "the query is empty"},
		{"whitespace only", " \t\n ", 1, "the query is empty"},
		{"pure negative not", "NOT a", 1, "nothing to look for"},
		{"pure negative minus", "-a", 1, "nothing to look for"},
		{"pure negative two", "-a -b", 1, "nothing to look for"},
		{"pure negative group", "NOT (a OR b)", 1, "nothing to look for"},
		{"double negation", "NOT NOT a", 1, "nothing to look for"},
		{"filter alone", "lang:fr", 1, "nothing to look for"},
		{"filters alone", "lang:fr country:ch source:rss", 1, "nothing to look for"},
		{"filter with exclusion", "lang:fr -spam", 1, "nothing to look for"},
		{"filter as or alternative", "epfl OR lang:fr", 9, "this alternative of OR has nothing to look for"},
		{"negation as or alternative", "(NOT a) OR b", 2, "this alternative of OR has nothing to look for"},
		{"too long", strings.Repeat("a ", 2048) + "b", MaxLength + 1, "the limit is 4096"},
		{"too many clauses", tooMany, strings.Index(tooMany, "w500") + 1, "more than 500 clauses"},
		{"site without value", "site:", 6, `expected a value right after "site:"`},
		{"site without value later", "epfl site:", 11, `expected a value right after "site:"`},
		{"site empty phrase", `site:""`, 6, "empty value for site:"},
		{"title without value", "title:", 7, `expected a value right after "title:"`},
		{"lang invalid", "epfl lang:fr!", 11, `invalid value "fr!" for lang`},
		{"author empty", `author:"@"`, 8, "invalid handle"},
		{"detached minus", "a - b", 3, `"-" excludes what directly follows it`},
		{"minus at the end", "a -", 3, `"-" excludes what directly follows it`},
		{"minus alone", "-", 1, `"-" excludes what directly follows it`},
		{"empty phrase", `""`, 1, "no letters or digits"},
		{"empty phrase later", `epfl ""`, 6, "no letters or digits"},
		{"punctuation phrase", `"..."`, 1, "no letters or digits"},
		{"empty parens", "()", 1, "empty parentheses"},
		{"empty parens with space", "a ( )", 3, "empty parentheses"},
		{"empty braces", "{}", 1, "must hold a word"},
		{"proximity without number", `"a b"~`, 6, `expected a number after "~"`},
		{"proximity too far", `"a b"~1001`, 7, "at most 1000"},
		{"lone hash", "#", 1, "a hashtag is #"},
		{"lone at", "@", 1, "a mention is @"},
		{"mention without host", "@epfl@", 1, "host after the second @"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := Parse(tt.q)
			if err == nil {
				t.Fatalf("Parse(%q) = %s, want an error", tt.q, q.Root)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q): %T %v, want *Error", tt.q, err, err)
			}
			if e.Column != tt.col {
				t.Errorf("Parse(%q): column %d, want %d (%s)", tt.q, e.Column, tt.col, e.Msg)
			}
			if !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("Parse(%q): message %q does not contain %q", tt.q, e.Msg, tt.msg)
			}
			if !slices.Contains(Codes(), e.Code) {
				t.Errorf("Parse(%q): code %q is not one of Codes()", tt.q, e.Code)
			}
			if want := "column " + strconv.Itoa(e.Column) + ": " + e.Msg; err.Error() != want {
				t.Errorf("Error() = %q, want %q", err.Error(), want)
			}
		})
	}
}

// TestParseLimits checks that the limits themselves are allowed.
func TestParseLimits(t *testing.T) {
	w := make([]string, MaxClauses)
	for i := range w {
		w[i] = "w" + strconv.Itoa(i)
	}
	for name, q := range map[string]string{
		"4096 characters": strings.Repeat("abcdefgh ", 455) + "x",
		"500 clauses":     strings.Join(w, " OR "),
		"4096 runes":      strings.Repeat("é", MaxLength),
	} {
		t.Run(name, func(t *testing.T) {
			if name != "500 clauses" && utf8.RuneCountInString(q) != MaxLength {
				t.Fatalf("test query has %d characters", utf8.RuneCountInString(q))
			}
			mustParse(t, q)
		})
	}
}

func TestErrorCaret(t *testing.T) {
	tests := []struct {
		name  string
		q     string
		col   int
		caret string
	}{
		{"first column", "(epfl", 1, "(epfl\n^"},
		{"middle", "a AND AND b", 7, "a AND AND b\n      ^"},
		{"end of query", "a AND", 6, "a AND\n     ^"},
		{"tabs and newlines become spaces", "a\tb\nc", 5, "a b c\n    ^"},
		{"characters not bytes", "Zürich (", 8, "Zürich (\n       ^"},
		{"beyond the end", "ab", 10, "ab\n  ^"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &Error{Column: tt.col, Msg: "x"}
			if got := e.Caret(tt.q); got != tt.caret {
				t.Errorf("Caret(%q) =\n%s\nwant\n%s", tt.q, got, tt.caret)
			}
		})
	}
	t.Run("from Parse", func(t *testing.T) {
		q := "épfl AND"
		_, err := Parse(q)
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("Parse(%q): %v", q, err)
		}
		if got, want := e.Caret(q), "épfl AND\n        ^"; got != want {
			t.Errorf("Caret =\n%s\nwant\n%s", got, want)
		}
	})
}

// TestParseWarnings: lower-case operators between operands are legal words
// but flagged (§5).
func TestParseWarnings(t *testing.T) {
	tests := []struct {
		q    string
		cols []int
	}{
		{"apple or samsung", []int{7}},
		{"apple OR samsung", nil},
		{"apple and samsung", []int{7}},
		{"apple AND samsung", nil},
		{"apple not samsung", []int{7}},
		{"apple Or samsung", []int{7}},
		{"(apple) or (samsung)", []int{9}},
		{`"apple pie" or samsung`, []int{13}},
		{"apple near/3 samsung", []int{7}},
		{"a or b and c", []int{3, 8}},
		{"not apple", nil},
		{"apple or", nil},
		{"oracle orange android", nil},
		// French, German and Italian operators.
		{"epfl ET ethz", []int{6}},
		{"epfl et ethz", []int{6}},
		{"epfl OU ethz", []int{6}},
		{"epfl SAUF sport", []int{6}},
		{"epfl SANS sport", []int{6}},
		{"epfl sans sport", nil},
		{"eth UND epfl", []int{5}},
		{"eth oder epfl", []int{5}},
		{"eth NICHT sport", []int{5}},
		{"usi E supsi", []int{5}},
		{"usi e supsi", nil}, // a word in Italian text
		{"usi O supsi", []int{5}},
		{"usi NON sport", []int{5}},
		{"usi non sport", nil},
		{`"recherche et innovation"`, nil}, // in a phrase
		{"et cetera", nil},                 // not between two terms
		{"ET", nil},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			q := mustParse(t, tt.q)
			var cols []int
			for _, w := range q.Warnings {
				cols = append(cols, w.Column)
				if !strings.Contains(w.Message, "is searched as a word") {
					t.Errorf("warning %q", w.Message)
				}
				if w.String() != "column "+strconv.Itoa(w.Column)+": "+w.Message {
					t.Errorf("Warning.String() = %q", w.String())
				}
			}
			if !equalInts(cols, tt.cols) {
				t.Errorf("warning columns %v, want %v (%v)", cols, tt.cols, q.Warnings)
			}
		})
	}
	q := mustParse(t, "apple or samsung")
	if m := q.Warnings[0].Message; !strings.Contains(m, `"or"`) || !strings.Contains(m, "OR") {
		t.Errorf("warning %q should quote the word and name the operator", m)
	}
	for in, want := range map[string]string{"a ET b": "AND", "a oder b": "OR", "a SAUF b": "NOT", "a E b": "AND"} {
		q := mustParse(t, in)
		if m := q.Warnings[0].Message; !strings.Contains(m, "write "+want) || !strings.Contains(m, "English") {
			t.Errorf("%s: warning %q should name %s and say operators are English", in, m, want)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestParseRoundTrip: the canonical form parses back to itself.
func TestParseRoundTrip(t *testing.T) {
	for _, q := range []string{
		"epfl", "EPFL ETHZ", `"eth zurich" OR ethz`, "(epfl OR ethz) NEAR/3 (ranking OR classement)",
		"innov* -spam", "{Nestlé} NOT lang:en", "#epfl site:epfl.ch", "url:/RESEARCH/", "author:@epfl@mastodon.social news",
		`"a b"~2`, `"a b c"~0`, "a NEAR/2f b NEAR/3 c", `title:(a OR "b c") lang:(fr OR de)`, "-(a OR b) c",
		"東京", "l'epfl", "eth-zürich", "wom?n", `"a \" b"`, "«a b»", "„a b“", "10:30", "a OR b c", "NOT a b",
		"a -b OR c -d", "title:{Apple} {Apple Pay}", "@alice.bsky.social OR @EPFL_en", "#EPFL_news title:#x",
		`url:"a\"b\\c"`, `url:"a b"`, "site:https://www.epfl.ch/x", "url:https://epfl.ch/Research?q=1",
		"country:ch source:mastodon epfl", "a NOT NOT b", "((a NEAR/2 b) OR c) NEAR/5f d", `"innov* day" wom?n`,
		"title:\"annual report\"~3", "a and b or c not d", "NEARBY", "Ω ω", "ประเทศไทย", "x² ½",
	} {
		t.Run(q, func(t *testing.T) {
			first := mustParse(t, q).Root.String()
			again, err := Parse(first)
			if err != nil {
				t.Fatalf("Parse(%q) printed as %q, which does not parse: %v", q, first, err)
			}
			if got := again.Root.String(); got != first {
				t.Errorf("Parse(%q) = %s, reparsed as %s", q, first, got)
			}
		})
	}
}

func TestPhraseEndingInWildcardRoundTrips(t *testing.T) {
	q, err := Parse("eth-zuric?")
	if err != nil {
		t.Fatal(err)
	}
	s := q.Root.String()
	q2, err := Parse(s)
	if err != nil || q2.Root.String() != s {
		t.Fatalf("%q printed as %q, reparsed as %v (%v)", "eth-zuric?", s, q2, err)
	}
}
