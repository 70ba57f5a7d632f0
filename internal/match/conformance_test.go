package match

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/apptest"
	"github.com/vigie-project/vigie/internal/query"
)

// TestConformance runs every case of shared/data/query-conformance/public.jsonl
// through the parser, the exact verifier and the percolator.
func TestConformance(t *testing.T) {
	f, err := os.Open(apptest.Shared(t, "data/query-conformance/public.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		var c struct {
			ID    string      `json:"id"`
			Query string      `json:"query"`
			Post  *vigie.Post `json:"post"`
			Match *bool       `json:"match"`
			Error bool        `json:"error"`
		}
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("line %d: %v", n+1, err)
		}
		n++
		t.Run(c.ID, func(t *testing.T) {
			q, err := query.Parse(c.Query)
			if c.Error {
				if err == nil {
					t.Fatalf("query %q: want an error, got none", c.Query)
				}
				return
			}
			if err != nil {
				t.Fatalf("query %q: %v", c.Query, err)
			}
			ix := NewIndex()
			if err := ix.Add(c.ID, q); err != nil {
				t.Fatal(err)
			}
			got := len(NewMatcher(ix).Match(c.Post)) == 1
			if got != *c.Match {
				t.Errorf("query %q on %+v: match = %v, want %v", c.Query, c.Post, got, *c.Match)
			}
		})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no cases read")
	}
}
