package match

import (
	"slices"
	"strings"
	"testing"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/query"
	"github.com/vigie-project/vigie/internal/text"
)

// TestUsesLang follows monitors that test the language as they come and go.
func TestUsesLang(t *testing.T) {
	ix := NewIndex()
	add := func(id, q string) {
		t.Helper()
		pq, err := query.Parse(q)
		if err != nil {
			t.Fatal(err)
		}
		if err := ix.Add(id, pq); err != nil {
			t.Fatal(err)
		}
	}
	add("a", "valmont")
	if ix.UsesLang() {
		t.Fatal("no monitor tests lang yet")
	}
	add("b", "valmont NOT (x OR lang:en)")
	add("c", "lang:(fr OR de) ecole")
	if !ix.UsesLang() {
		t.Fatal("b and c test lang")
	}
	add("b", "valmont") // replaced without lang
	ix.Remove("c")
	if ix.UsesLang() {
		t.Fatal("no monitor tests lang any more")
	}
}

// TestDetectLangOnDemand: with Matcher.DetectLang, a post's language is
// detected once, only when the outcome of a candidate's monitor depends on
// it (not when the rest of the query already fails or holds), and the
// declared language plays no part.
func TestDetectLangOnDemand(t *testing.T) {
	ix := NewIndex()
	for id, q := range map[string]string{"plain": "valmont", "fr": "rival lang:fr", "not-en": "rival -lang:en",
		"phrase": `"acme corp" lang:fr`, "no-spam": "acme -lang:en NOT spam"} {
		pq, err := query.Parse(q)
		if err != nil {
			t.Fatal(err)
		}
		if err := ix.Add(id, pq); err != nil {
			t.Fatal(err)
		}
	}
	m := NewMatcher(ix)
	calls := 0
	m.DetectLang = func(*text.Doc) string { calls++; return "en" }
	var an text.Analyzer
	tests := []struct {
		text, declared string
		want           []string
		calls          int
	}{
		{"valmont news", "fr", []string{"plain"}, 0},
		{"rival news", "fr", nil, 1}, // declared fr, detected en
		{"rival and valmont", "", []string{"plain"}, 1},
		{"nothing here", "en", nil, 0},
		{"corp of acme, spam", "fr", nil, 0}, // no phrase, and spam: no language decides
		{"acme corp", "", nil, 1},
		{"acme news", "de", nil, 1}, // detected en
	}
	for _, tt := range tests {
		calls = 0
		d := an.Analyze(&vigie.Post{ID: "x", Source: "rss", Text: tt.text, Lang: tt.declared})
		got := slices.Sorted(slices.Values(m.MatchDoc(d)))
		if !slices.Equal(got, tt.want) || calls != tt.calls || m.LangDetected != (tt.calls > 0) {
			t.Errorf("%q: matched %v, %d detections (LangDetected %v); want %v, %d", tt.text, got, calls, m.LangDetected, tt.want, tt.calls)
		}
		if tt.calls > 0 && d.Lang != "en" {
			t.Errorf("%q: d.Lang %q after detection", tt.text, d.Lang)
		}
	}
}

// TestScope: a Matcher with a Scope matches only the monitors of the owners
// it lists; replacing a monitor's query keeps its owner.
func TestScope(t *testing.T) {
	ix := NewIndex()
	for _, m := range []struct {
		id    string
		owner int64
	}{{"a", 1}, {"b", 2}, {"c", 0}} {
		q, err := query.Parse("valmont")
		if err != nil {
			t.Fatal(err)
		}
		if err := ix.AddOwned(m.id, m.owner, q); err != nil {
			t.Fatal(err)
		}
	}
	q, _ := query.Parse("valmont OR rival")
	if err := ix.Add("b", q); err != nil {
		t.Fatal(err)
	}
	if got := ix.Owner("b"); got != 2 {
		t.Errorf("owner of b after Add = %d, want 2 (kept)", got)
	}
	post := &vigie.Post{ID: "1", Text: "Valmont news"}
	m := NewMatcher(ix)
	for _, tt := range []struct {
		scope []int64
		want  string
	}{{nil, "a b c"}, {[]int64{1}, "a"}, {[]int64{2}, "b"}, {[]int64{1, 2}, "a b"}, {[]int64{3}, ""}} {
		m.Scope = tt.scope
		if got := strings.Join(m.Match(post), " "); got != tt.want {
			t.Errorf("scope %v: matched %q, want %q", tt.scope, got, tt.want)
		}
	}
}
