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

// CreateFeedToken stores a private feed's token hash for a user and a
// workspace's monitor (ErrNotFound when the workspace has no such monitor).
func (s *Store) CreateFeedToken(ctx context.Context, tokenHash string, workspaceID int64, monitorID string, userID int64) error {
	if err := noWorkspace("create feed token", workspaceID); err != nil {
		return err
	}
	res, err := s.exec(ctx, s.q(`INSERT INTO feed_tokens (token_hash, monitor_id, user_id, created_at)
		SELECT ?, id, ?, ? FROM monitors WHERE workspace_id = ? AND public_id = ?`),
		tokenHash, userID, s.tm(s.clock()), workspaceID, monitorID)
	if err != nil {
		return s.errf(err, "create feed token")
	}
	return affected(res, "create feed token: monitor %q", monitorID)
}

// FeedMonitor returns the monitor a private feed token opens, if its user
// is still an active member of the monitor's workspace; else ErrNotFound.
func (s *Store) FeedMonitor(ctx context.Context, tokenHash string) (vigie.MonitorRecord, error) {
	var (
		id string
		ws int64
	)
	err := s.db.QueryRowContext(ctx, s.q(`SELECT mo.public_id, mo.workspace_id FROM feed_tokens f
		JOIN monitors mo ON mo.id = f.monitor_id
		JOIN users u ON u.id = f.user_id AND NOT u.disabled
		JOIN memberships ms ON ms.user_id = f.user_id AND ms.workspace_id = mo.workspace_id
		WHERE f.token_hash = ?`), tokenHash).Scan(&id, &ws)
	if errors.Is(err, sql.ErrNoRows) {
		return vigie.MonitorRecord{}, fmt.Errorf("%w: no such feed", vigie.ErrNotFound)
	}
	if err != nil {
		return vigie.MonitorRecord{}, s.errf(err, "feed token")
	}
	return s.FindMonitorByID(ctx, ws, id)
}

// FeedToken is a private feed of a user, named by the start of its hash.
type FeedToken struct {
	Ref       string // first 16 hex digits of the token's hash
	MonitorID string
	CreatedAt time.Time
}

// FeedTokens lists a user's private feeds of a workspace's monitors.
func (s *Store) FeedTokens(ctx context.Context, workspaceID, userID int64) ([]FeedToken, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT f.token_hash, mo.public_id, f.created_at FROM feed_tokens f
		JOIN monitors mo ON mo.id = f.monitor_id WHERE mo.workspace_id = ? AND f.user_id = ? ORDER BY f.created_at`), workspaceID, userID)
	if err != nil {
		return nil, s.errf(err, "feed tokens")
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (FeedToken, error) {
		var f FeedToken
		var hash string
		err := r.Scan(&hash, &f.MonitorID, timeCol(&f.CreatedAt))
		f.Ref = hash[:min(16, len(hash))]
		return f, err
	}, func(err error) error { return s.errf(err, "feed tokens") })
}

// RevokeFeedToken deletes a user's private feed of a workspace's monitor by
// its reference; another user's, or another workspace's, is ErrNotFound.
func (s *Store) RevokeFeedToken(ctx context.Context, workspaceID, userID int64, ref string) error {
	if err := noWorkspace("revoke feed", workspaceID); err != nil {
		return err
	}
	if len(ref) != 16 || strings.Trim(ref, "0123456789abcdef") != "" {
		return fmt.Errorf("%w: no feed %q", vigie.ErrNotFound, ref)
	}
	res, err := s.exec(ctx, s.q(`DELETE FROM feed_tokens WHERE user_id = ? AND token_hash LIKE ?
		AND monitor_id IN (SELECT id FROM monitors WHERE workspace_id = ?)`), userID, ref+"%", workspaceID)
	if err != nil {
		return s.errf(err, "revoke feed")
	}
	return affected(res, "revoke feed %s", ref)
}
