package match

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/vigie-project/vigie/internal/text"
)

// TestKeyTable follows a map through random additions and removals, so that
// the table's growth and its backward-shift deletion are both exercised.
func TestKeyTable(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var kt keyTable
	want := map[string]uint32{}
	for i := range 200000 {
		k := fmt.Sprint("k", r.IntN(5000))
		if r.IntN(4) == 0 {
			k += "-a-key-longer-than-a-slot"
		}
		if id, ok := want[k]; ok {
			got, found := kt.find(text.Hash(k), k)
			if !found || got != id {
				t.Fatalf("step %d: find(%q) = %d, %v; want %d", i, k, got, found, id)
			}
			if r.IntN(2) == 0 {
				kt.remove(k)
				delete(want, k)
			}
			continue
		}
		if _, found := kt.find(text.Hash(k), k); found {
			t.Fatalf("step %d: %q found after its removal", i, k)
		}
		kt.put(k, uint32(i))
		want[k] = uint32(i)
		if kt.len() != len(want) {
			t.Fatalf("step %d: %d keys, want %d", i, kt.len(), len(want))
		}
	}
	n := 0
	for k := range kt.all {
		if _, ok := want[k]; !ok {
			t.Fatalf("all yields %q, not in the table", k)
		}
		n++
	}
	if n != len(want) || len(kt.long) > n {
		t.Fatalf("all yields %d keys, %d long ones kept; want %d keys", n, len(kt.long), len(want))
	}
	for k, id := range want {
		if got, ok := kt.find(text.Hash(k), k); !ok || got != id {
			t.Fatalf("find(%q) = %d, %v; want %d", k, got, ok, id)
		}
	}
}
