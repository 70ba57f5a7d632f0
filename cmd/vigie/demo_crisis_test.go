package main

import (
	"context"
	"testing"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/account"
	"github.com/vigie-project/vigie/internal/store"
)

// TestDemoCrisisOnlyFromTheDemoWorkspace: another workspace's editor cannot
// drive the demo's simulator (it published the crisis into the demo).
func TestDemoCrisisOnlyFromTheDemoWorkspace(t *testing.T) {
	in, srv, tok := testInstance(t, true)
	ctx := context.Background()
	law, err := in.app.store.CreateWorkspace(ctx, vigie.Workspace{Slug: "law", Name: "Law"})
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := in.app.store.CreateToken(ctx, store.TokenSpec{Name: "law-editor", WorkspaceID: law.ID, Role: account.Editor})
	if err != nil {
		t.Fatal(err)
	}
	if code, body := (client{t: t, base: srv.URL, token: other}).do("POST", "/api/v1/demo/crisis?kind=data-leak", nil); code != 404 {
		t.Fatalf("another workspace started the demo's crisis: %d %v", code, body)
	}
	// The demo's own token reaches the simulator (in this test it is not
	// running: 202 once it runs, 400 before).
	if code, body := (client{t: t, base: srv.URL, token: tok}).do("POST", "/api/v1/demo/crisis?kind=data-leak", nil); code != 202 && code != 400 {
		t.Fatalf("the demo's token: %d %v", code, body)
	}
}
