package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/account"
)

// TokenPrefix starts every API token, so that a leaked one is easy to spot.
const TokenPrefix = "vgt_"

// tokenTouch is how stale last_used_at may get before Authenticate writes it.
const tokenTouch = time.Minute

// MaxTokenNameLen bounds a token's name, in characters.
const MaxTokenNameLen = 100

// ErrTokenExpired is Authenticate's answer for a token past its expiry; it
// is an ErrNotFound, so that callers refusing unknown tokens refuse it too.
var ErrTokenExpired = fmt.Errorf("%w: the token has expired", vigie.ErrNotFound)

func hashToken(plaintext string) string {
	h := sha256.Sum256([]byte(plaintext))
	return hex.EncodeToString(h[:])
}

const tokenCols = "id, COALESCE(workspace_id, 0), name, role, created_at, last_used_at, expires_at"

func scanToken(row interface{ Scan(...any) error }) (vigie.APIToken, error) {
	var t vigie.APIToken
	err := row.Scan(&t.ID, &t.WorkspaceID, &t.Name, &t.Role, timeCol(&t.CreatedAt), timeCol(&t.LastUsedAt), timeCol(&t.ExpiresAt))
	return t, err
}

// TokenSpec is what a new API token is: a name to recognise it by, the
// workspace it works on, its role there, and when it stops working (zero:
// never).
type TokenSpec struct {
	Name        string
	WorkspaceID int64
	Role        account.Role
	ExpiresAt   time.Time
}

// CreateToken makes a new API token: 32 random bytes, "vgt_" + base64url.
// The plaintext is returned once; only its SHA-256 is stored. An unknown
// workspace is ErrInvalid.
func (s *Store) CreateToken(ctx context.Context, spec TokenSpec) (string, vigie.APIToken, error) {
	name := strings.TrimSpace(spec.Name)
	role, roleErr := account.ParseRole(string(spec.Role))
	now := s.clock()
	switch {
	case name == "":
		return "", vigie.APIToken{}, fmt.Errorf("create token: %w: no name", vigie.ErrInvalid)
	case len([]rune(name)) > MaxTokenNameLen:
		return "", vigie.APIToken{}, fmt.Errorf("create token: %w: a name has at most %d characters", vigie.ErrInvalid, MaxTokenNameLen)
	case spec.WorkspaceID == 0:
		return "", vigie.APIToken{}, fmt.Errorf("create token %q: %w: no workspace", name, vigie.ErrInvalid)
	case roleErr != nil:
		return "", vigie.APIToken{}, fmt.Errorf("create token %q: %w", name, roleErr)
	case !spec.ExpiresAt.IsZero() && !spec.ExpiresAt.After(now):
		return "", vigie.APIToken{}, fmt.Errorf("create token %q: %w: the expiry %s is not in the future", name, vigie.ErrInvalid,
			spec.ExpiresAt.UTC().Format(time.RFC3339))
	}
	var secret [32]byte
	if _, err := rand.Read(secret[:]); err != nil {
		return "", vigie.APIToken{}, fmt.Errorf("create token: %w", err)
	}
	plaintext := TokenPrefix + base64.RawURLEncoding.EncodeToString(secret[:])
	var t vigie.APIToken
	err := s.write(ctx, func(q querier) error {
		var err error
		t, err = scanToken(q.QueryRowContext(ctx, s.q(`INSERT INTO api_tokens (workspace_id, name, role, hash, created_at, expires_at)
			SELECT id, ?, ?, ?, ?, ? FROM workspaces WHERE id = ? RETURNING `+tokenCols),
			name, string(role), hashToken(plaintext), s.tm(now), s.tmNull(spec.ExpiresAt), spec.WorkspaceID))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return "", vigie.APIToken{}, fmt.Errorf("create token %q: %w: no workspace %d", name, vigie.ErrInvalid, spec.WorkspaceID)
	}
	if err != nil {
		return "", vigie.APIToken{}, s.errf(err, "create token %q", name)
	}
	return plaintext, t, nil
}

// Authenticate returns the token whose plaintext this is, or ErrNotFound
// (ErrTokenExpired for an expired one). It records the use, at most once a
// minute per token.
func (s *Store) Authenticate(ctx context.Context, plaintext string) (vigie.APIToken, error) {
	if !strings.HasPrefix(plaintext, TokenPrefix) {
		return vigie.APIToken{}, fmt.Errorf("authenticate: %w", vigie.ErrNotFound)
	}
	t, err := scanToken(s.db.QueryRowContext(ctx, s.q("SELECT "+tokenCols+" FROM api_tokens WHERE hash = ? AND revoked_at IS NULL"), hashToken(plaintext)))
	if err != nil {
		return vigie.APIToken{}, s.errf(err, "authenticate")
	}
	now := s.clock()
	if t.Expired(now) {
		return vigie.APIToken{}, fmt.Errorf("authenticate: %w on %s", ErrTokenExpired, t.ExpiresAt.UTC().Format(time.RFC3339))
	}
	if t.WorkspaceID == 0 {
		// Only a hand-edited row can lack one; it opens nothing.
		return vigie.APIToken{}, fmt.Errorf("authenticate: %w: token %d has no workspace", vigie.ErrNotFound, t.ID)
	}
	if t.LastUsedAt.IsZero() || now.Sub(t.LastUsedAt) >= tokenTouch {
		_, err := s.exec(ctx, s.q("UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)"),
			s.tm(now), t.ID, s.tm(now.Add(-tokenTouch)))
		if err != nil {
			return vigie.APIToken{}, s.errf(err, "authenticate")
		}
		t.LastUsedAt = now
	}
	return t, nil
}

// FindTokens returns the workspace's API tokens (without secrets), oldest
// first; expired ones included, until they are revoked.
func (s *Store) FindTokens(ctx context.Context, workspaceID int64) ([]vigie.APIToken, error) {
	rows, err := s.db.QueryContext(ctx, s.q("SELECT "+tokenCols+" FROM api_tokens WHERE workspace_id = ? AND revoked_at IS NULL ORDER BY id"), workspaceID)
	if err != nil {
		return nil, s.errf(err, "find tokens")
	}
	return collect(rows, scanToken, func(err error) error { return s.errf(err, "find tokens") })
}

// FindTokenByID returns one of the workspace's tokens, or ErrNotFound.
func (s *Store) FindTokenByID(ctx context.Context, workspaceID, id int64) (vigie.APIToken, error) {
	t, err := scanToken(s.db.QueryRowContext(ctx, s.q("SELECT "+tokenCols+" FROM api_tokens WHERE workspace_id = ? AND id = ? AND revoked_at IS NULL"), workspaceID, id))
	if err != nil {
		return vigie.APIToken{}, s.errf(err, "find token %d", id)
	}
	return t, nil
}

// DeleteToken revokes one of the workspace's tokens; another workspace's,
// or one already revoked, is ErrNotFound. The row stays without its hash
// (migration 0019), so that its id is never a new token's.
func (s *Store) DeleteToken(ctx context.Context, workspaceID, id int64) error {
	res, err := s.exec(ctx, s.q(`UPDATE api_tokens SET revoked_at = ?, hash = ?
		WHERE workspace_id = ? AND id = ? AND revoked_at IS NULL`), s.tm(s.clock()), "revoked:"+strconv.FormatInt(id, 10), workspaceID, id)
	if err != nil {
		return s.errf(err, "delete token %d", id)
	}
	return affected(res, "delete token %d", id)
}
