package store

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/account"
)

func TestTokens(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		clock := t0
		s.now = func() time.Time { return clock }
		f := newFixture(t, s)

		plain, tok := must2(s.CreateToken(ctx, TokenSpec{Name: "ci", WorkspaceID: f.ws.ID, Role: account.Admin}))(t)
		secret, ok := strings.CutPrefix(plain, "vgt_")
		if b, err := base64.RawURLEncoding.DecodeString(secret); !ok || err != nil || len(b) != 32 {
			t.Errorf("plaintext %q is not vgt_ + base64url of 32 bytes", plain)
		}
		want := vigie.APIToken{ID: tok.ID, WorkspaceID: f.ws.ID, Name: "ci", Role: "admin", CreatedAt: t0}
		if tok.ID == 0 || tok != want {
			t.Errorf("created %+v, want %+v", tok, want)
		}
		var stored string
		if err := s.db.QueryRow("SELECT hash FROM api_tokens").Scan(&stored); err != nil || stored != hashToken(plain) || strings.Contains(stored, secret) {
			t.Errorf("stored %q (%v), want the SHA-256 hex of the plaintext", stored, err)
		}
		expiry := t0.Add(90 * 24 * time.Hour)
		plain2, other := must2(s.CreateToken(ctx, TokenSpec{Name: "grafana", WorkspaceID: f.other.ID, Role: account.Viewer, ExpiresAt: expiry}))(t)
		if plain2 == plain {
			t.Error("two tokens with the same plaintext")
		}
		if other.WorkspaceID != f.other.ID || other.Role != "viewer" || !other.ExpiresAt.Equal(expiry) {
			t.Errorf("created %+v", other)
		}

		bad := []struct {
			name string
			spec TokenSpec
			err  error
			msg  string
		}{
			{"no name", TokenSpec{Name: " ", WorkspaceID: f.ws.ID, Role: account.Admin}, vigie.ErrInvalid, "no name"},
			{"long name", TokenSpec{Name: strings.Repeat("é", MaxTokenNameLen+1), WorkspaceID: f.ws.ID, Role: account.Admin}, vigie.ErrInvalid, "at most"},
			{"no workspace", TokenSpec{Name: "x", Role: account.Admin}, vigie.ErrInvalid, "no workspace"},
			{"unknown workspace", TokenSpec{Name: "x", WorkspaceID: 9999, Role: account.Admin}, vigie.ErrInvalid, "no workspace 9999"},
			{"no role", TokenSpec{Name: "x", WorkspaceID: f.ws.ID}, vigie.ErrInvalid, "admin, editor, viewer"},
			{"unknown role", TokenSpec{Name: "x", WorkspaceID: f.ws.ID, Role: "owner"}, vigie.ErrInvalid, "admin, editor, viewer"},
			{"past expiry", TokenSpec{Name: "x", WorkspaceID: f.ws.ID, Role: account.Admin, ExpiresAt: t0}, vigie.ErrInvalid, "not in the future"},
		}
		for _, tt := range bad {
			_, _, err := s.CreateToken(ctx, tt.spec)
			wantErr(t, err, tt.err, tt.name)
			if err != nil && !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("%s: %q does not say %q", tt.name, err, tt.msg)
			}
		}

		// last_used_at moves at most once a minute.
		steps := []struct {
			after    time.Duration
			wantUsed time.Time
		}{
			{0, t0},
			{30 * time.Second, t0},
			{59 * time.Second, t0},
			{61 * time.Second, t0.Add(61 * time.Second)},
			{90 * time.Second, t0.Add(61 * time.Second)},
		}
		for _, st := range steps {
			clock = t0.Add(st.after)
			got := must(s.Authenticate(ctx, plain))(t)
			if got.ID != tok.ID || got.WorkspaceID != f.ws.ID || got.Role != "admin" || !got.LastUsedAt.Equal(st.wantUsed) {
				t.Errorf("at +%v: %+v, want last used %v", st.after, got, st.wantUsed)
			}
			stored := must(s.FindTokens(ctx, f.ws.ID))(t)[0]
			if !stored.LastUsedAt.Equal(st.wantUsed) {
				t.Errorf("at +%v: stored last use %v, want %v", st.after, stored.LastUsedAt, st.wantUsed)
			}
		}

		for _, bad := range []string{"", "vgt_", "vgt_" + secret + "x", secret, "Bearer " + plain} {
			_, err := s.Authenticate(ctx, bad)
			wantErr(t, err, vigie.ErrNotFound, "authenticate "+bad)
			if errors.Is(err, ErrTokenExpired) {
				t.Errorf("%q: an unknown token said to have expired", bad)
			}
		}

		// Each workspace sees only its own tokens.
		if toks := must(s.FindTokens(ctx, f.ws.ID))(t); len(toks) != 1 || toks[0].Name != "ci" {
			t.Errorf("main's tokens: %+v", toks)
		}
		if toks := must(s.FindTokens(ctx, f.other.ID))(t); len(toks) != 1 || toks[0] != other {
			t.Errorf("other's tokens: %+v, want %+v", toks, other)
		}
		if got := must(s.FindTokenByID(ctx, f.other.ID, other.ID))(t); got != other {
			t.Errorf("FindTokenByID = %+v", got)
		}
		_, err := s.FindTokenByID(ctx, f.ws.ID, other.ID)
		wantErr(t, err, vigie.ErrNotFound, "another workspace's token by id")

		// Expiry: the token works until the instant it expires.
		clock = expiry.Add(-time.Second)
		if got := must(s.Authenticate(ctx, plain2))(t); got.ID != other.ID {
			t.Errorf("before expiry: %+v", got)
		}
		clock = expiry
		_, err = s.Authenticate(ctx, plain2)
		if !errors.Is(err, ErrTokenExpired) || !errors.Is(err, vigie.ErrNotFound) {
			t.Errorf("at expiry: %v, want ErrTokenExpired (an ErrNotFound)", err)
		}

		// Revocation is per workspace: another workspace's id is not found.
		wantErr(t, s.DeleteToken(ctx, f.other.ID, tok.ID), vigie.ErrNotFound, "revoke from another workspace")
		if _, err := s.Authenticate(ctx, plain); err != nil {
			t.Errorf("a token revoked from another workspace stopped working: %v", err)
		}
		if err := s.DeleteToken(ctx, f.ws.ID, tok.ID); err != nil {
			t.Fatal(err)
		}
		wantErr(t, s.DeleteToken(ctx, f.ws.ID, tok.ID), vigie.ErrNotFound, "delete twice")
		_, err = s.Authenticate(ctx, plain)
		wantErr(t, err, vigie.ErrNotFound, "revoked token")
		if errors.Is(err, ErrTokenExpired) {
			t.Error("a revoked token said to have expired")
		}
		if toks := must(s.FindTokens(ctx, f.ws.ID))(t); len(toks) != 0 {
			t.Errorf("after delete: %+v", toks)
		}
	})
}

// TestTokensMigrated: tokens made before tokens had a workspace and a role
// keep working on the first workspace, as admin, without expiry; the users
// who administered every workspace administer the default organisation.
func TestTokensMigrated(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			for _, withWorkspace := range []bool{true, false} {
				s := storeBefore(t, d, "0015")
				now := s.tm(t0)
				var first int64
				if withWorkspace {
					for _, slug := range []string{"press", "science"} {
						if _, err := s.db.Exec(s.q("INSERT INTO workspaces (organisation_id, name, slug, created_at) SELECT id, ?, ?, ? FROM organisations WHERE slug = 'default'"), slug, slug, now); err != nil {
							t.Fatal(err)
						}
					}
					if err := s.db.QueryRow("SELECT MIN(id) FROM workspaces").Scan(&first); err != nil {
						t.Fatal(err)
					}
					for _, u := range []struct {
						email string
						roles []string
					}{{"boss@uval.example", []string{"admin", "admin"}}, {"half@uval.example", []string{"admin", "viewer"}}} {
						var uid int64
						if err := s.db.QueryRow(s.q("INSERT INTO users (email, created_at, updated_at) VALUES (?, ?, ?) RETURNING id"), u.email, now, now).Scan(&uid); err != nil {
							t.Fatal(err)
						}
						for i, r := range u.roles {
							if _, err := s.db.Exec(s.q("INSERT INTO memberships (user_id, workspace_id, role) SELECT ?, id, ? FROM workspaces WHERE slug = ?"),
								uid, r, []string{"press", "science"}[i]); err != nil {
								t.Fatal(err)
							}
						}
					}
				}
				plain := TokenPrefix + "old"
				if _, err := s.db.Exec(s.q("INSERT INTO api_tokens (name, hash, created_at) VALUES (?, ?, ?)"), "old", hashToken(plain), now); err != nil {
					t.Fatal(err)
				}
				if err := s.migrate(ctx); err != nil {
					t.Fatal(err)
				}
				tok, err := s.Authenticate(ctx, plain)
				if err != nil {
					t.Fatalf("old token after the migration: %v", err)
				}
				ws := must(s.FindWorkspaces(ctx))(t)
				if !withWorkspace {
					if len(ws) != 1 || ws[0].Slug != "main" {
						t.Fatalf("tokens without a workspace: workspaces %+v, want the main one", ws)
					}
					first = ws[0].ID
				}
				if tok.WorkspaceID != first || tok.Role != "admin" || !tok.ExpiresAt.IsZero() {
					t.Errorf("old token migrated to %+v, want workspace %d, admin, no expiry", tok, first)
				}
				if withWorkspace {
					boss, _ := must2(s.FindUserByEmail(ctx, "boss@uval.example"))(t)
					half, _ := must2(s.FindUserByEmail(ctx, "half@uval.example"))(t)
					if orgs := must(s.AdministeredOrganisations(ctx, boss.ID))(t); len(orgs) != 1 || orgs[0] != ws[0].OrganisationID {
						t.Errorf("the admin of every workspace administers %v, want the default organisation %d", orgs, ws[0].OrganisationID)
					}
					if orgs := must(s.AdministeredOrganisations(ctx, half.ID))(t); len(orgs) != 0 {
						t.Errorf("an admin of one workspace of two administers %v", orgs)
					}
				}
			}
		})
	}
}

// must2 is must for functions returning two values and an error.
func must2[A, B any](a A, b B, err error) func(tb testing.TB) (A, B) {
	return func(tb testing.TB) (A, B) {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
		return a, b
	}
}

// TestRevokedTokenIDsAreNotReused: a token made after the newest was
// revoked gets a new id, so that a stale revoke of the old id cannot
// revoke it (SQLite gave the deleted id again).
func TestRevokedTokenIDsAreNotReused(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		_, old := must3(s.CreateToken(ctx, TokenSpec{Name: "temp", WorkspaceID: f.ws.ID, Role: "viewer"}))(t)
		if err := s.DeleteToken(ctx, f.ws.ID, old.ID); err != nil {
			t.Fatal(err)
		}
		plain, fresh := must3(s.CreateToken(ctx, TokenSpec{Name: "new", WorkspaceID: f.ws.ID, Role: "viewer"}))(t)
		if fresh.ID == old.ID {
			t.Fatalf("the revoked token's id %d was given again", old.ID)
		}
		wantErr(t, s.DeleteToken(ctx, f.ws.ID, old.ID), vigie.ErrNotFound, "revoking a revoked token again")
		if _, err := s.Authenticate(ctx, plain); err != nil {
			t.Fatalf("the new token after a stale revoke: %v", err)
		}
		if ts := must(s.FindTokens(ctx, f.ws.ID))(t); len(ts) != 1 || ts[0].ID != fresh.ID {
			t.Fatalf("listed tokens: %+v", ts)
		}
	})
}

func must3[A, B any](a A, b B, err error) func(testing.TB) (A, B) {
	return func(tb testing.TB) (A, B) {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
		return a, b
	}
}
