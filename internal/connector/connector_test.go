package connector

import (
	"context"
	"testing"

	"github.com/vigie-project/vigie"
)

type fake struct{ d Deps }

func (f *fake) Run(context.Context, *vigie.Source) ([]vigie.Post, vigie.SourceState, error) {
	return nil, vigie.SourceState{}, nil
}

func TestRegistry(t *testing.T) {
	Register("fake-a", func(d Deps) Runner { return &fake{d} })
	Register("fake-b", func(d Deps) Runner { return &fake{d} })
	kinds := Kinds()
	if len(kinds) < 2 || !contains(kinds, "fake-a") || !contains(kinds, "fake-b") {
		t.Fatalf("kinds %v", kinds)
	}
	rs := Build(Deps{})
	a, ok := rs["fake-a"].(*fake)
	if !ok || a.d.Now == nil {
		t.Fatalf("built %v (a clock is always given)", rs)
	}
	defer func() {
		if recover() == nil {
			t.Error("a kind registered twice did not panic")
		}
	}()
	Register("fake-a", func(d Deps) Runner { return &fake{d} })
}

func contains(ks []vigie.SourceKind, k vigie.SourceKind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}
