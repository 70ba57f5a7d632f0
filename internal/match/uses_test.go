package match

import (
	"testing"

	"github.com/vigie-project/vigie/internal/query"
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
