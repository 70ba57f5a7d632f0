package simulator

import (
	"context"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
)

func TestDemoNetwork(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	now := start
	n := &Network{Start: start, Now: func() time.Time { return now }}
	if got, cur, err := n.Notifications(ctx, nil, ""); err != nil || len(got) != 0 || cur != "" {
		t.Fatalf("before the first: %v %q %v", got, cur, err)
	}
	now = start.Add(21 * time.Second)
	got, cur, err := n.Notifications(ctx, nil, "")
	if err != nil || len(got) != 1 || cur != "1" || got[0].Language != "fr" {
		t.Fatalf("the first: %+v %q %v", got, cur, err)
	}
	now = start.Add(20*time.Second + 3*90*time.Second)
	got, cur, _ = n.Notifications(ctx, nil, cur)
	if len(got) != 3 || cur != "4" || got[2].Language != "it" {
		t.Fatalf("three more: %+v %q", got, cur)
	}
	if again, cur2, _ := n.Notifications(ctx, nil, cur); len(again) != 0 || cur2 != cur {
		t.Errorf("nothing new: %+v %q", again, cur2)
	}
	if _, _, err := n.Notifications(ctx, nil, "x"); err == nil {
		t.Error("a bad cursor was taken")
	}
	d := vigie.Draft{Key: "k1", Text: "hello"}
	a, _ := n.Publish(ctx, nil, d)
	b, _ := n.Publish(ctx, nil, d)
	if a != b || a.ID != "1" {
		t.Errorf("the same key twice: %+v %+v", a, b)
	}
	if p, ok, _ := n.Lookup(ctx, nil, d); !ok || p != a {
		t.Errorf("lookup %+v %v", p, ok)
	}
}
