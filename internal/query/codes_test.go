package query

import (
	"errors"
	"go/ast"
	goparser "go/parser"
	gotoken "go/token"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestErrorCodes drives every error and warning of the package with a bad
// or dubious query and checks its code and arguments: together the cases
// must produce every code of Codes, so a new code without a case fails.
func TestErrorCodes(t *testing.T) {
	clauses := make([]string, MaxClauses+1)
	for i := range clauses {
		clauses[i] = "w" + strconv.Itoa(i)
	}
	tests := []struct {
		q    string
		code string
		args []string
	}{
		{strings.Repeat("a ", 2048) + "b", CodeTooLong, []string{"4097", "4096"}},
		{" ", CodeEmpty, nil},
		{`"abc`, CodeQuoteUnclosed, []string{`"`}},
		{"«a b", CodeQuoteUnclosed, []string{"»"}},
		{"a »", CodeQuoteUnopened, []string{"»"}},
		{`"a b"~`, CodeProximityNumber, nil},
		{`"a b"~1001`, CodeProximityTooFar, []string{"1000"}},
		{"{Apple", CodeBraceUnclosed, nil},
		{"Apple}", CodeBraceUnopened, nil},
		{"a - b", CodeMinusDetached, nil},
		{"a NEAR b", CodeNearDistance, nil},
		{"a NEAR/x b", CodeNearNumber, nil},
		{"a NEAR/0 b", CodeNearZero, nil},
		{"a NEAR/1001 b", CodeNearTooFar, []string{"1000"}},
		{"(a NEAR/3f)", CodeOperandMissing, []string{"NEAR/3f", `")"`}},
		{"a NEAR/3 (b AND c)", CodeNearOperands, []string{"NEAR/3"}},
		{"(a AND b OR)", CodeOperandMissing, []string{"OR", `")"`}},
		{"a OR", CodeOperandEnd, []string{"OR"}},
		{"a AND AND b", CodeOperandMissing, []string{"AND", "AND"}},
		{"a AND lang:", CodeFieldNoValue, []string{"lang"}},
		{"OR b", CodeOperatorBefore, []string{"OR"}},
		{"NEAR/2 b", CodeOperatorBefore, []string{"NEAR/2"}},
		{"(a)) OR b", CodeParenUnopened, nil},
		{"(a", CodeParenUnclosed, nil},
		{"()", CodeParenEmpty, nil},
		{"(", CodeUnexpectedEnd, nil},
		{strings.Join(clauses, " OR "), CodeTooManyClauses, []string{"500"}},
		{"foo:bar", CodeFieldSuggest, []string{"foo", "url", "title:, author:, site:, url:, lang:, country:, source:"}},
		{"colour:red", CodeFieldSuggest, []string{"colour", "country", "title:, author:, site:, url:, lang:, country:, source:"}},
		{"https://x.ch", CodeLink, nil},
		{"see http:x", CodeLink, nil},
		{"epfl site:", CodeFieldNoValue, []string{"site"}},
		{"title:", CodeFieldNoValue, []string{"title"}},
		{"epfl author:", CodeFieldNoValue, []string{"author"}},
		{"epfl url:", CodeFieldNoValue, []string{"url"}},
		{"epfl country:", CodeFieldNoValue, []string{"country"}},
		{"epfl source:", CodeFieldNoValue, []string{"source"}},
		{"site:(a lang:fr)", CodeFieldNested, []string{"site"}},
		{"epfl lang:({FR})", CodeFieldCaseValue, []string{"lang"}},
		{`author:"@"`, CodeAuthorInvalid, []string{"@"}},
		{"epfl lang:fr!", CodeFieldInvalid, []string{"lang", "fr!"}},
		{`site:""`, CodeFieldEmpty, []string{"site"}},
		{`""`, CodePhraseEmpty, nil},
		{"{}", CodeCaseEmpty, nil},
		{"{App*}", CodeCaseWildcard, nil},
		{"#epfl*", CodeHashtag, nil},
		{"@", CodeMention, nil},
		{"@epfl@", CodeMentionHost, nil},
		{"epfl ...", CodeWordEmpty, []string{"..."}},
		{"*tech", CodeWildcardStart, nil},
		{"epfl e?", CodeWildcardShort, []string{"e?"}},
		{"NOT a", CodeNothing, nil},
		{"epfl OR lang:fr", CodeNothingInOr, nil},
		{"NOT NOT a", CodeNothingNegated, nil},
		{"apple or samsung", WarnLowerCase, []string{"or", "OR"}},
		{"apple near/3 samsung", WarnLowerCase, []string{"near/3", "NEAR/3"}},
		{"epfl ET ethz", WarnFrench, []string{"ET", "AND"}},
		{"epfl sauf sport", WarnFrench, []string{"sauf", "NOT"}},
		{"eth Oder epfl", WarnGerman, []string{"Oder", "OR"}},
		{"usi E supsi", WarnItalian, []string{"E", "AND"}},
		{"usi NON sport", WarnFrenchOrItalian, []string{"NON", "NOT"}},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		code, args := parseCode(t, tt.q)
		seen[code] = true
		if code != tt.code || !slices.Equal(args, tt.args) {
			t.Errorf("Parse(%.40q): code %q args %q, want %q %q", tt.q, code, args, tt.code, tt.args)
		}
	}
	// The parser reaches unexpected() only at a ")" (an operator left over
	// is caught earlier, as a missing operand): its other answers are
	// tried directly.
	for _, tt := range []struct {
		tok  token
		code string
		args []string
		msg  string
	}{
		{token{kind: tWord, text: "x"}, CodeUnexpected, []string{`"x"`}, `unexpected "x"`},
		{token{kind: tOr}, CodeOperatorSides, []string{"OR"}, "OR needs something on both sides, e.g. a OR b"},
		{token{kind: tNear, dist: 2}, CodeNearBothSides, []string{"NEAR/2"}, "NEAR/2 needs a word, phrase or group on both sides, e.g. a NEAR/2 b"},
	} {
		e := (&parser{toks: []token{tt.tok}}).unexpected()
		if e.Code != tt.code || !slices.Equal(e.Args, tt.args) || e.Msg != tt.msg {
			t.Errorf("unexpected() at %v: %+v", tt.tok, e)
		}
		seen[e.Code] = true
	}
	// Every name is within reach of "url:" today; a name far from all the
	// fields gets the list alone.
	e := unknownField(1, "ab", []string{"country"})
	if e.Code != CodeFieldUnknown || !slices.Equal(e.Args, []string{"ab", "country:"}) || !strings.HasPrefix(e.Msg, `unknown field "ab:" Known fields: country:.`) {
		t.Errorf("unknownField without a suggestion: %+v", e)
	}
	seen[e.Code] = true
	for _, c := range Codes() {
		if !seen[c] {
			t.Errorf("no case produces code %q", c)
		}
	}
}

// parseCode parses q, which must fail or warn, and returns the code and
// arguments of its error or first warning.
func parseCode(t *testing.T, q string) (string, []string) {
	t.Helper()
	parsed, err := Parse(q)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("Parse(%.40q): %v is not an *Error", q, err)
		}
		return e.Code, e.Args
	}
	if len(parsed.Warnings) == 0 {
		t.Fatalf("Parse(%.40q) is valid without a warning", q)
	}
	return parsed.Warnings[0].Code, parsed.Warnings[0].Args
}

// TestEverySiteHasCode reads the package's source: every Error and Warning
// it builds names a code, and Codes lists every code constant, so that a
// new message cannot reach a translated interface as untranslated English.
func TestEverySiteHasCode(t *testing.T) {
	fset := gotoken.NewFileSet()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	consts := map[string]bool{}
	sites := 0
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := goparser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ValueSpec:
				for i, id := range n.Names {
					if (strings.HasPrefix(id.Name, "Code") || strings.HasPrefix(id.Name, "Warn")) && i < len(n.Values) {
						if lit, ok := n.Values[i].(*ast.BasicLit); ok && lit.Kind == gotoken.STRING {
							v, _ := strconv.Unquote(lit.Value)
							consts[v] = true
						}
					}
				}
			case *ast.CompositeLit:
				typ, ok := n.Type.(*ast.Ident)
				if !ok || typ.Name != "Error" && typ.Name != "Warning" {
					return true
				}
				sites++
				hasCode := false
				for _, el := range n.Elts {
					if kv, ok := el.(*ast.KeyValueExpr); ok {
						if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Code" {
							hasCode = true
						}
					}
				}
				if !hasCode {
					t.Errorf("%s: %s built without a Code", fset.Position(n.Pos()), typ.Name)
				}
			}
			return true
		})
	}
	if sites < 40 {
		t.Fatalf("found %d places building an Error or a Warning: the check reads the wrong files", sites)
	}
	codes := Codes()
	for c := range consts {
		if !slices.Contains(codes, c) {
			t.Errorf("Codes() lacks %q", c)
		}
	}
	if len(consts) != len(codes) {
		t.Errorf("Codes() has %d codes, the constants %d", len(codes), len(consts))
	}
}
