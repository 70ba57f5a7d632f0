package store

import (
	"context"
	"time"

	"github.com/vigie-project/vigie"
)

// NewMentions returns the workspace's mentions stored after the post id
// after (ids grow with storage order), oldest first, at most limit: what a
// live stream has not shown yet, whatever their publication time.
func (s *Store) NewMentions(ctx context.Context, workspaceID, after int64, limit int) ([]vigie.Mention, error) {
	rows, err := s.db.QueryContext(ctx, s.q("SELECT "+mentionCols+` FROM posts p LEFT JOIN authors a ON a.id = p.author_id
		WHERE p.id > ? AND EXISTS (SELECT 1 FROM mentions mm JOIN monitors mo ON mo.id = mm.monitor_id WHERE mm.post_id = p.id AND mo.workspace_id = ?)
		ORDER BY p.id LIMIT ?`), after, workspaceID, limit)
	if err != nil {
		return nil, s.errf(err, "new mentions")
	}
	ms, err := collect(rows, scanMention, func(err error) error { return s.errf(err, "new mentions") })
	if err != nil {
		return nil, err
	}
	return ms, s.complete(ctx, workspaceID, ms)
}

// LastPostID returns the id of the workspace's last stored mention (0 when
// none), where its live stream starts: the page carries it, so it says
// nothing of other workspaces' posts.
func (s *Store) LastPostID(ctx context.Context, workspaceID int64) (int64, error) {
	if err := noWorkspace("last post", workspaceID); err != nil {
		return 0, err
	}
	var id int64
	if err := s.db.QueryRowContext(ctx, s.q(lastPostIDQuery), workspaceID).Scan(&id); err != nil {
		return 0, s.errf(err, "last post")
	}
	return id, nil
}

// lastPostIDQuery takes each of the workspace's monitors' last mention, one
// step down mentions_monitor_post each: its cost is the workspace's number
// of monitors, whatever other workspaces store. Walking the mentions newest
// first until one of the workspace's read every mention stored since its
// last one — the whole table, for a quiet workspace in a busy instance, on
// each opening of its live stream.
const lastPostIDQuery = `SELECT COALESCE(MAX((SELECT mm.post_id FROM mentions mm WHERE mm.monitor_id = mo.id
	ORDER BY mm.post_id DESC LIMIT 1)), 0) FROM monitors mo WHERE mo.workspace_id = ?`

// OldestPost returns when the oldest stored post was published (zero when
// there is none).
func (s *Store) OldestPost(ctx context.Context) (time.Time, error) {
	var at time.Time
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM posts LIMIT 1) AS one").Scan(&n); err != nil || n == 0 {
		return at, err
	}
	err := s.db.QueryRowContext(ctx, "SELECT published_at FROM posts ORDER BY published_at LIMIT 1").Scan(timeCol(&at))
	if err != nil {
		return at, s.errf(err, "oldest post")
	}
	return at, nil
}
