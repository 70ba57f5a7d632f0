package query

import (
	"errors"
	"slices"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that any input parses or fails with an *Error whose column
// lies within the query, and that a parsed query prints back to a query that
// parses to the same thing.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"epfl", `"eth zurich" OR ethz`, "(epfl OR ethz) NEAR/3 (ranking OR classement)", "innov* -spam",
		"{Nestlé} NOT lang:en", "#epfl site:epfl.ch", "url:/RESEARCH/", "author:@epfl@mastodon.social news", `"a b"~2`,
		"a NEAR/2f b NEAR/3 c", "title:(a OR \"b c\") lang:(fr OR de)", "(epfl OR ethz", "epfl AND", "NEAR/0", "*tech", "colour:red",
		"-(a OR b) c", "東京", "l'epfl", "eth-zürich", "wom?n", `"a \" b"`, "«a b»", "„a b“", "a:b", "10:30", "@"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := Parse(s)
		if err != nil {
			var qe *Error
			if !errors.As(err, &qe) {
				t.Fatalf("Parse(%q): error %v is not an *Error", s, err)
			}
			if n := utf8.RuneCountInString(s); qe.Column < 1 || qe.Column > max(n, MaxLength)+1 {
				t.Fatalf("Parse(%q): column %d outside 1..%d", s, qe.Column, n+1)
			}
			if !slices.Contains(Codes(), qe.Code) {
				t.Fatalf("Parse(%q): error code %q is not one of Codes() (%s)", s, qe.Code, qe.Msg)
			}
			_ = qe.Caret(s)
			return
		}
		for _, w := range q.Warnings {
			if !slices.Contains(Codes(), w.Code) {
				t.Fatalf("Parse(%q): warning code %q is not one of Codes() (%s)", s, w.Code, w.Message)
			}
		}
		printed := q.Root.String()
		q2, err := Parse(printed)
		if err != nil {
			t.Fatalf("Parse(%q) printed as %q, which does not parse: %v", s, printed, err)
		}
		if again := q2.Root.String(); again != printed {
			t.Fatalf("Parse(%q) printed as %q, reparsed as %q", s, printed, again)
		}
	})
}
