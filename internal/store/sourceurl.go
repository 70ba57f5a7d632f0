package store

import (
	"context"
	"fmt"

	"github.com/vigie-project/vigie"
)

// FindSourceIDByURL returns the id and workspace of the source of a kind
// whose address is url, whatever its workspace. The inbound webhooks find
// their source so: its address is the SHA-256 of its secret (package
// webhook), so the secret itself is never looked up. ErrNotFound when no
// source has it; ErrConflict when several do (never made by Vigie, whose
// secrets are random).
func (s *Store) FindSourceIDByURL(ctx context.Context, kind vigie.SourceKind, url string) (id, workspaceID int64, err error) {
	rows, err := s.db.QueryContext(ctx, s.q("SELECT id, workspace_id FROM sources WHERE kind = ? AND url = ? ORDER BY id LIMIT 2"), string(kind), url)
	if err != nil {
		return 0, 0, s.errf(err, "find %s source by address", kind)
	}
	type ref struct{ id, ws int64 }
	refs, err := collect(rows, func(r interface{ Scan(...any) error }) (ref, error) {
		var x ref
		return x, r.Scan(&x.id, &x.ws)
	}, func(err error) error { return s.errf(err, "find %s source by address", kind) })
	switch {
	case err != nil:
		return 0, 0, err
	case len(refs) == 0:
		return 0, 0, fmt.Errorf("find %s source by address: %w", kind, vigie.ErrNotFound)
	case len(refs) > 1:
		return 0, 0, fmt.Errorf("find %s source by address: %w: sources %d and %d have it", kind, vigie.ErrConflict, refs[0].id, refs[1].id)
	}
	return refs[0].id, refs[0].ws, nil
}
