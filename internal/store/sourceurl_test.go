package store

import (
	"context"
	"testing"

	"github.com/vigie-project/vigie"
)

// TestFindSourceIDByURL: a source is found by its kind and exact address
// in any workspace; no source, or another kind's, is ErrNotFound; two
// sources with the address are ErrConflict, never one of them.
func TestFindSourceIDByURL(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		hook := must(s.CreateSource(ctx, vigie.Source{WorkspaceID: f.other.ID, Kind: vigie.SourceWebhook, Name: "cms", URL: "webhook:sha256:aa", Enabled: true}))(t)
		must(s.CreateSource(ctx, vigie.Source{WorkspaceID: f.ws.ID, Kind: vigie.SourceImport, Name: "same address, other kind", URL: "webhook:sha256:bb"}))(t)
		id, ws, err := s.FindSourceIDByURL(ctx, vigie.SourceWebhook, "webhook:sha256:aa")
		if err != nil || id != hook.ID || ws != f.other.ID {
			t.Fatalf("found %d in workspace %d, %v; want %d in %d", id, ws, err, hook.ID, f.other.ID)
		}
		for _, u := range []string{"webhook:sha256:AA", "webhook:sha256:a", "webhook:sha256:bb", ""} {
			_, _, err := s.FindSourceIDByURL(ctx, vigie.SourceWebhook, u)
			wantErr(t, err, vigie.ErrNotFound, u)
		}
		must(s.CreateSource(ctx, vigie.Source{WorkspaceID: f.ws.ID, Kind: vigie.SourceWebhook, Name: "copy", URL: "webhook:sha256:aa"}))(t)
		if id, _, err := s.FindSourceIDByURL(ctx, vigie.SourceWebhook, "webhook:sha256:aa"); id != 0 {
			t.Fatalf("two sources with one address: found %d (%v)", id, err)
		} else {
			wantErr(t, err, vigie.ErrConflict, "two sources")
		}
	})
}
