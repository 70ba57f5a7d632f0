package api

import (
	"context"

	"github.com/vigie-project/vigie/internal/account"
)

// Principal is who is asking through the API: a token, bound to one
// workspace with one role. Every handler works on the principal's workspace
// and checks its role; nothing in a request can name another workspace.
type Principal struct {
	TokenID     int64
	Name        string // the token's name, recorded with corrections and tags ("token:NAME")
	WorkspaceID int64
	Role        account.Role
}

type principalKey struct{}

// WithPrincipal returns ctx carrying the authenticated principal; the
// authentication middleware sets it before any API handler runs.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal of ctx, if the request was
// authenticated.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok && p.WorkspaceID != 0
}
