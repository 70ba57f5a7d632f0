package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/vigie-project/vigie"
)

// CreateFeedToken stores a private feed's token hash for a user and monitor.
func (s *Store) CreateFeedToken(ctx context.Context, tokenHash, monitorID string, userID int64) error {
	_, err := s.db.ExecContext(ctx, s.q("INSERT INTO feed_tokens (token_hash, monitor_id, user_id, created_at) VALUES (?, ?, ?, ?)"),
		tokenHash, monitorID, userID, s.tm(s.clock()))
	if err != nil {
		return s.errf(err, "create feed token")
	}
	return nil
}

// FeedMonitor returns the monitor a private feed token opens, if its user
// is still an active member of the monitor's workspace; else ErrNotFound.
func (s *Store) FeedMonitor(ctx context.Context, tokenHash string) (vigie.MonitorRecord, error) {
	var id string
	err := s.db.QueryRowContext(ctx, s.q(`SELECT f.monitor_id FROM feed_tokens f
		JOIN monitors mo ON mo.id = f.monitor_id
		JOIN users u ON u.id = f.user_id AND NOT u.disabled
		JOIN memberships ms ON ms.user_id = f.user_id AND ms.workspace_id = mo.workspace_id
		WHERE f.token_hash = ?`), tokenHash).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return vigie.MonitorRecord{}, fmt.Errorf("%w: no such feed", vigie.ErrNotFound)
	}
	if err != nil {
		return vigie.MonitorRecord{}, s.errf(err, "feed token")
	}
	return s.FindMonitorByID(ctx, id)
}
