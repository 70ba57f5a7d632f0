package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
)

// The web app's publishing pages (migration 0031): the Mastodon
// connections under way (OAuth states) and the private iCal links to a
// workspace's publishing calendar.

const (
	sealOAuthSecret   = "oauth_client_secret"
	sealOAuthVerifier = "oauth_verifier"
)

// OAuthState is a Mastodon connection under way.
type OAuthState struct {
	Hash         string // of the state sent to the instance
	WorkspaceID  int64
	UserID       int64
	Instance     string
	ClientID     string
	ClientSecret string
	Verifier     string
	PublishRole  string
	ExpiresAt    time.Time
}

// CreateOAuthState keeps a connection under way, sealing its secrets; it
// forgets the states whose life is over.
func (s *Store) CreateOAuthState(ctx context.Context, st OAuthState) error {
	if err := noWorkspace("oauth state", st.WorkspaceID); err != nil {
		return err
	}
	if s.secrets == nil {
		return errors.New("an app's secret must be encrypted, and the store was opened without a secret key")
	}
	secret := s.secrets.Seal(st.ClientSecret, sealOAuthSecret)
	verifier := s.secrets.Seal(st.Verifier, sealOAuthVerifier)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM oauth_states WHERE expires_at < ?"), s.tm(s.clock())); err != nil {
			return s.errf(err, "oauth states")
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO oauth_states (state_hash, workspace_id, user_id, instance, client_id, client_secret, verifier, publish_role, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`), st.Hash, st.WorkspaceID, st.UserID, st.Instance, st.ClientID, secret, verifier, st.PublishRole, s.tm(st.ExpiresAt))
		return s.errfNil(err, "oauth state")
	})
}

// TakeOAuthState returns the connection under way whose state hashes to
// hash, begun by userID and still alive, and forgets it: a state is used
// once. Any other is ErrNotFound. The caller checks that the user may
// still connect accounts to its workspace.
func (s *Store) TakeOAuthState(ctx context.Context, hash string, userID int64) (OAuthState, error) {
	st := OAuthState{Hash: hash}
	var secret, verifier string
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, s.q(`SELECT workspace_id, user_id, instance, client_id, client_secret, verifier, publish_role, expires_at
			FROM oauth_states WHERE state_hash = ?`), hash).Scan(&st.WorkspaceID, &st.UserID, &st.Instance, &st.ClientID, &secret, &verifier,
			&st.PublishRole, scanTime{&st.ExpiresAt})
		if err != nil {
			return err
		}
		if st.UserID != userID {
			return sql.ErrNoRows // another's: left for them
		}
		_, err = tx.ExecContext(ctx, s.q("DELETE FROM oauth_states WHERE state_hash = ?"), hash)
		return err
	})
	if err != nil {
		return OAuthState{}, s.errf(err, "oauth state")
	}
	if !st.ExpiresAt.After(s.clock()) {
		return OAuthState{}, fmt.Errorf("oauth state: expired: %w", vigie.ErrNotFound)
	}
	if st.ClientSecret, err = s.open(secret, sealOAuthSecret); err != nil {
		return OAuthState{}, fmt.Errorf("oauth state: %w", err)
	}
	if st.Verifier, err = s.open(verifier, sealOAuthVerifier); err != nil {
		return OAuthState{}, fmt.Errorf("oauth state: %w", err)
	}
	return st, nil
}

// CalendarToken is a private iCal link, named by the start of its hash.
type CalendarToken struct {
	Ref       string // first 16 hex digits of the token's hash
	UserID    int64
	UserName  string
	CreatedAt time.Time
}

// CreateCalendarToken stores a calendar link's token hash.
func (s *Store) CreateCalendarToken(ctx context.Context, tokenHash string, workspaceID, userID int64) error {
	if err := noWorkspace("create calendar link", workspaceID); err != nil {
		return err
	}
	_, err := s.exec(ctx, s.q("INSERT INTO calendar_tokens (token_hash, workspace_id, user_id, created_at) VALUES (?, ?, ?, ?)"),
		tokenHash, workspaceID, userID, s.tm(s.clock()))
	return s.errfNil(err, "create calendar link")
}

// CalendarTokens lists a workspace's calendar links.
func (s *Store) CalendarTokens(ctx context.Context, workspaceID int64) ([]CalendarToken, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT c.token_hash, c.user_id, COALESCE(NULLIF(u.name, ''), u.email), c.created_at FROM calendar_tokens c
		JOIN users u ON u.id = c.user_id WHERE c.workspace_id = ? ORDER BY c.created_at`), workspaceID)
	if err != nil {
		return nil, s.errf(err, "calendar links")
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (CalendarToken, error) {
		var c CalendarToken
		var hash string
		err := r.Scan(&hash, &c.UserID, &c.UserName, timeCol(&c.CreatedAt))
		c.Ref = hash[:min(16, len(hash))]
		return c, err
	}, func(err error) error { return s.errf(err, "calendar links") })
}

// RevokeCalendarToken deletes a workspace's calendar link by its reference.
func (s *Store) RevokeCalendarToken(ctx context.Context, workspaceID int64, ref string) error {
	if err := noWorkspace("revoke calendar link", workspaceID); err != nil {
		return err
	}
	if len(ref) != 16 || strings.Trim(ref, "0123456789abcdef") != "" {
		return fmt.Errorf("%w: no calendar link %q", vigie.ErrNotFound, ref)
	}
	res, err := s.exec(ctx, s.q("DELETE FROM calendar_tokens WHERE workspace_id = ? AND token_hash LIKE ?"), workspaceID, ref+"%")
	if err != nil {
		return s.errf(err, "revoke calendar link")
	}
	return affected(res, "revoke calendar link %s", ref)
}

// CalendarWorkspace returns the workspace a calendar link opens, while its
// creator is an active member of it; else ErrNotFound.
func (s *Store) CalendarWorkspace(ctx context.Context, tokenHash string) (vigie.Workspace, error) {
	var ws int64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT c.workspace_id FROM calendar_tokens c
		JOIN users u ON u.id = c.user_id AND NOT u.disabled
		JOIN memberships ms ON ms.user_id = c.user_id AND ms.workspace_id = c.workspace_id
		WHERE c.token_hash = ?`), tokenHash).Scan(&ws)
	if err != nil {
		return vigie.Workspace{}, s.errf(err, "calendar link")
	}
	return s.FindWorkspaceByID(ctx, ws)
}
