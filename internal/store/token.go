package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
)

// TokenPrefix starts every API token, so that a leaked one is easy to spot.
const TokenPrefix = "vgt_"

// tokenTouch is how stale last_used_at may get before Authenticate writes it.
const tokenTouch = time.Minute

func hashToken(plaintext string) string {
	h := sha256.Sum256([]byte(plaintext))
	return hex.EncodeToString(h[:])
}

const tokenCols = "id, name, created_at, last_used_at"

func scanToken(row interface{ Scan(...any) error }) (vigie.APIToken, error) {
	var t vigie.APIToken
	err := row.Scan(&t.ID, &t.Name, timeCol(&t.CreatedAt), timeCol(&t.LastUsedAt))
	return t, err
}

// CreateToken makes a new API token: 32 random bytes, "vgt_" + base64url.
// The plaintext is returned once; only its SHA-256 is stored.
func (s *Store) CreateToken(ctx context.Context, name string) (string, vigie.APIToken, error) {
	if strings.TrimSpace(name) == "" {
		return "", vigie.APIToken{}, fmt.Errorf("create token: %w: no name", vigie.ErrInvalid)
	}
	var secret [32]byte
	if _, err := rand.Read(secret[:]); err != nil {
		return "", vigie.APIToken{}, fmt.Errorf("create token: %w", err)
	}
	plaintext := TokenPrefix + base64.RawURLEncoding.EncodeToString(secret[:])
	row := s.db.QueryRowContext(ctx, s.q("INSERT INTO api_tokens (name, hash, created_at) VALUES (?, ?, ?) RETURNING "+tokenCols),
		name, hashToken(plaintext), s.tm(s.clock()))
	t, err := scanToken(row)
	if err != nil {
		return "", vigie.APIToken{}, s.errf(err, "create token %q", name)
	}
	return plaintext, t, nil
}

// Authenticate returns the token whose plaintext this is, or ErrNotFound. It
// records the use, at most once a minute per token.
func (s *Store) Authenticate(ctx context.Context, plaintext string) (vigie.APIToken, error) {
	if !strings.HasPrefix(plaintext, TokenPrefix) {
		return vigie.APIToken{}, fmt.Errorf("authenticate: %w", vigie.ErrNotFound)
	}
	t, err := scanToken(s.db.QueryRowContext(ctx, s.q("SELECT "+tokenCols+" FROM api_tokens WHERE hash = ?"), hashToken(plaintext)))
	if err != nil {
		return vigie.APIToken{}, s.errf(err, "authenticate")
	}
	now := s.clock()
	if t.LastUsedAt.IsZero() || now.Sub(t.LastUsedAt) >= tokenTouch {
		_, err := s.db.ExecContext(ctx, s.q("UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)"),
			s.tm(now), t.ID, s.tm(now.Add(-tokenTouch)))
		if err != nil {
			return vigie.APIToken{}, s.errf(err, "authenticate")
		}
		t.LastUsedAt = now
	}
	return t, nil
}

// FindTokens returns every API token (without secrets), oldest first.
func (s *Store) FindTokens(ctx context.Context) ([]vigie.APIToken, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+tokenCols+" FROM api_tokens ORDER BY id")
	if err != nil {
		return nil, s.errf(err, "find tokens")
	}
	return collect(rows, scanToken, func(err error) error { return s.errf(err, "find tokens") })
}

// DeleteToken revokes a token.
func (s *Store) DeleteToken(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, s.q("DELETE FROM api_tokens WHERE id = ?"), id)
	if err != nil {
		return s.errf(err, "delete token %d", id)
	}
	return affected(res, "delete token %d", id)
}
