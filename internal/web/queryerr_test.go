package web

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/query"
)

// TestQueryMessages: every error and warning of the query language has a
// message in every locale. Each comes from parsing a query, so the English
// is checked against the query package's own, word for word (the English
// UI reads as the API and the command line do), and each translation is
// checked to be one (not the English) holding the query's words.
func TestQueryMessages(t *testing.T) {
	clauses := make([]string, query.MaxClauses+1)
	for i := range clauses {
		clauses[i] = "w" + strconv.Itoa(i)
	}
	queries := []string{
		strings.Repeat("a ", 2048) + "b", " ", `"abc`, "«a b", "a »", `"a b"~`, `"a b"~1001`, "{Apple", "Apple}", "a - b",
		"a NEAR b", "a NEAR/x b", "a NEAR/0 b", "a NEAR/1001 b", "a NEAR/3 (b AND c)", "OR b", "a OR", "a AND AND b",
		"(a)) OR b", "(a", "()", "(", strings.Join(clauses, " OR "), "colour:red", "https://x.ch", "title:", "epfl author:",
		"epfl site:", "epfl url:", "epfl lang:", "epfl country:", "epfl source:", "site:(a lang:fr)", "epfl lang:({FR})",
		`author:"@"`, "epfl lang:fr!", `site:""`, `""`, "{}", "{App*}", "#epfl*", "@", "@epfl@", "epfl ...", "*tech",
		"epfl e?", "NOT a", "epfl OR lang:fr", "NOT NOT a",
		"apple or samsung", "epfl ET ethz", "eth oder epfl", "usi E supsi", "usi NON sport",
	}
	type message struct {
		code, english string
		args          []string
	}
	var all []message
	for _, q := range queries {
		parsed, err := query.Parse(q)
		var e *query.Error
		switch {
		case errors.As(err, &e):
			all = append(all, message{e.Code, e.Msg, e.Args})
		case err != nil:
			t.Fatalf("Parse(%.30q): %v", q, err)
		case len(parsed.Warnings) == 0:
			t.Fatalf("Parse(%.30q) is valid without a warning", q)
		default:
			for _, w := range parsed.Warnings {
				all = append(all, message{w.Code, w.Message, w.Args})
			}
		}
	}
	// What no query reaches today (the parser catches it earlier, or
	// every field name is near a known one), in the query package's words.
	all = append(all,
		message{query.CodeUnexpected, `unexpected "x"`, []string{`"x"`}},
		message{query.CodeOperatorSides, "OR needs something on both sides, e.g. a OR b", []string{"OR"}},
		message{query.CodeNearBothSides, "NEAR/2 needs a word, phrase or group on both sides, e.g. a NEAR/2 b", []string{"NEAR/2"}},
		message{query.CodeFieldUnknown, `unknown field "ab:" Known fields: country:. To search for text containing ":", put it in quotes.`, []string{"ab", "country:"}},
	)
	seen := map[string]bool{}
	for _, m := range all {
		seen[m.code] = true
		if got := queryText("en", m.code, m.args, m.english); got != m.english {
			t.Errorf("%s in English:\n%s\nthe query package says:\n%s", m.code, got, m.english)
		}
		for _, l := range Locales[1:] {
			if _, ok := messages[l]["query."+m.code]; !ok {
				t.Errorf("%s: no message for %s", l, m.code)
				continue
			}
			got := queryText(l, m.code, m.args, m.english)
			if got == m.english || strings.Contains(got, "%!") {
				t.Errorf("%s in %s: %q", m.code, l, got)
			}
			for _, a := range m.args {
				if !strings.Contains(got, a) {
					t.Errorf("%s in %s: %q leaves out %q", m.code, l, got, a)
				}
			}
		}
	}
	for _, c := range query.Codes() {
		if !seen[c] {
			t.Errorf("no case shows %s: add a query that produces it", c)
		}
	}
}
