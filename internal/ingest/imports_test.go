package ingest

import (
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestNoConnectorImported: the pipeline and the scheduler know connectors
// only through package connector's registry; importing one here is how the
// package would grow with every network added.
func TestNoConnectorImported(t *testing.T) {
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), e.Name(), nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			for _, c := range []string{"/internal/rss", "/internal/simulator"} {
				if strings.HasSuffix(p, c) {
					t.Errorf("%s imports the connector %s", e.Name(), p)
				}
			}
		}
	}
}
