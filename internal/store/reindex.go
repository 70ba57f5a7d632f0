package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/vigie-project/vigie"
)

// ScanPosts returns stored posts with an id above after, in id order, at
// most limit (as mentions with their corrections but without their
// monitors), for re-matching and re-enrichment.
func (s *Store) ScanPosts(ctx context.Context, after int64, limit int) ([]vigie.Mention, error) {
	rows, err := s.db.QueryContext(ctx, s.q("SELECT "+mentionCols+" FROM posts p LEFT JOIN authors a ON a.id = p.author_id WHERE p.id > ? AND p.deleted_at IS NULL ORDER BY p.id LIMIT ?"), after, limit)
	if err != nil {
		return nil, s.errf(err, "scan posts")
	}
	ms, err := collect(rows, scanMention, func(err error) error { return s.errf(err, "scan posts") })
	if err != nil {
		return nil, err
	}
	return ms, s.addCorrections(ctx, 0, ms)
}

// AddMentions records that stored posts match a monitor (a backfill after
// the monitor was created or changed). Existing mentions are kept; it
// returns how many were added. An unknown monitor is ErrNotFound.
func (s *Store) AddMentions(ctx context.Context, workspaceID int64, monitorID string, postIDs []int64) (int, error) {
	m, err := s.FindMonitorByID(ctx, workspaceID, monitorID)
	if err != nil {
		return 0, fmt.Errorf("add mentions: %w", err)
	}
	// Only posts the workspace may see become its mentions.
	postIDs, err = s.visiblePosts(ctx, workspaceID, postIDs)
	if err != nil {
		return 0, err
	}
	total := 0
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		// The dashboard's rollups follow (aggregate.go).
		return s.reroll(ctx, tx, postIDs, func() error { return s.insertMentionsOf(ctx, tx, m.Key, postIDs, &total) })
	})
	return total, err
}

// insertMentionsOf inserts the mentions of the monitor with this key of the
// posts, adding how many are new to total.
func (s *Store) insertMentionsOf(ctx context.Context, tx *sql.Tx, key string, postIDs []int64, total *int) error {
	for chunk := range slices.Chunk(postIDs, maxParams-1) {
		args := make([]any, 0, len(chunk)+1)
		args = append(args, key)
		for _, id := range chunk {
			args = append(args, id)
		}
		res, err := tx.ExecContext(ctx, s.q(`INSERT INTO mentions (post_id, monitor_id, published_at)
			SELECT id, ?, published_at FROM posts WHERE id IN (`+list(len(chunk))+`) AND deleted_at IS NULL
			ON CONFLICT (post_id, monitor_id) DO NOTHING`), args...)
		if err != nil {
			return s.errf(err, "add mentions")
		}
		n, err := res.RowsAffected()
		if err != nil {
			return s.errf(err, "add mentions")
		}
		*total += int(n)
	}
	return nil
}

// RecentPost is a stored post's identity and simhash, to rebuild the
// near-duplicate window at start-up.
type RecentPost struct {
	Ref     PostRef
	Simhash uint64
	At      time.Time
}

// RecentSimhashes returns the posts published since a time that have a
// simhash, oldest first.
func (s *Store) RecentSimhashes(ctx context.Context, since time.Time) ([]RecentPost, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT source_kind, external_id, simhash, published_at FROM posts
		WHERE published_at >= ? AND simhash <> 0 ORDER BY published_at, id`), s.tm(since))
	if err != nil {
		return nil, s.errf(err, "recent simhashes")
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (RecentPost, error) {
		var p RecentPost
		var h int64
		err := r.Scan(&p.Ref.Kind, &p.Ref.ID, &h, timeCol(&p.At))
		p.Simhash = uint64(h)
		return p, err
	}, func(err error) error { return s.errf(err, "recent simhashes") })
}

// StoredSimhashesAfter returns the posts stored after the post of id after
// (posts' ids grow as they are stored), published since a time, that have
// a simhash, and the largest id read (after itself when there is none): a
// match worker follows what the other workers store, for its
// near-duplicate window. It is best effort: on PostgreSQL a transaction
// that took a smaller id and commits after a larger one is passed over.
func (s *Store) StoredSimhashesAfter(ctx context.Context, after int64, since time.Time, limit int) ([]RecentPost, int64, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT id, source_kind, external_id, simhash, published_at FROM posts
		WHERE id > ? ORDER BY id LIMIT ?`), after, limit)
	if err != nil {
		return nil, after, s.errf(err, "stored simhashes")
	}
	defer rows.Close()
	var out []RecentPost
	last := after
	for rows.Next() {
		var p RecentPost
		var h int64
		if err := rows.Scan(&last, &p.Ref.Kind, &p.Ref.ID, &h, timeCol(&p.At)); err != nil {
			return nil, after, s.errf(err, "stored simhashes")
		}
		if p.Simhash = uint64(h); h != 0 && !p.At.Before(since) {
			out = append(out, p)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, after, s.errf(err, "stored simhashes")
	}
	return out, last, nil
}

// MaxPostID is the largest id of a stored post (0: none).
func (s *Store) MaxPostID(ctx context.Context) (int64, error) {
	var id int64
	if err := s.db.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM posts").Scan(&id); err != nil {
		return 0, s.errf(err, "last post id")
	}
	return id, nil
}

// ScanPostsSince is ScanPosts restricted to posts published at or after
// since (through the publication index).
// since (through the publication index), among the posts a workspace may
// see: those of its sources and of the sources shared with its
// organisation (0: every post, for the operator's commands).
func (s *Store) ScanPostsSince(ctx context.Context, workspaceID, after int64, since time.Time, limit int) ([]vigie.Mention, error) {
	where, args := "", []any{after, s.tm(since)}
	if workspaceID != 0 {
		where, args = " AND p.source_id IN ("+visibleSources+")", append(args, workspaceID, workspaceID)
	}
	rows, err := s.db.QueryContext(ctx, s.q("SELECT "+mentionCols+` FROM posts p LEFT JOIN authors a ON a.id = p.author_id
		WHERE p.id > ? AND p.published_at >= ? AND p.deleted_at IS NULL`+where+` ORDER BY p.id LIMIT ?`), append(args, limit)...)
	if err != nil {
		return nil, s.errf(err, "scan posts")
	}
	return collect(rows, scanMention, func(err error) error { return s.errf(err, "scan posts") })
}

// ScanMonitorPosts returns the stored posts a monitor has mentions of, with
// an id above after, in id order, at most limit: what re-checking a changed
// monitor reads.
func (s *Store) ScanMonitorPosts(ctx context.Context, workspaceID int64, monitorID string, after int64, limit int) ([]vigie.Mention, error) {
	if err := noWorkspace("scan monitor posts", workspaceID); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, s.q("SELECT "+mentionCols+` FROM mentions mm JOIN monitors mo ON mo.id = mm.monitor_id JOIN posts p ON p.id = mm.post_id
		LEFT JOIN authors a ON a.id = p.author_id WHERE mo.public_id = ? AND mo.workspace_id = ? AND p.id > ? ORDER BY p.id LIMIT ?`), monitorID, workspaceID, after, limit)
	if err != nil {
		return nil, s.errf(err, "scan monitor posts")
	}
	return collect(rows, scanMention, func(err error) error { return s.errf(err, "scan monitor posts") })
}

// RemoveMentions deletes a monitor's mentions of these posts (its query
// changed and they no longer match); the dashboard's rollups follow. It
// returns how many were removed.
func (s *Store) RemoveMentions(ctx context.Context, workspaceID int64, monitorID string, postIDs []int64) (int, error) {
	if len(postIDs) == 0 {
		return 0, nil
	}
	m, err := s.FindMonitorByID(ctx, workspaceID, monitorID)
	if err != nil {
		return 0, fmt.Errorf("remove mentions: %w", err)
	}
	removed := 0
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		removed = 0
		return s.reroll(ctx, tx, postIDs, func() error {
			for chunk := range slices.Chunk(postIDs, maxParams-1) {
				args := []any{m.Key}
				for _, id := range chunk {
					args = append(args, id)
				}
				res, err := tx.ExecContext(ctx, s.q("DELETE FROM mentions WHERE monitor_id = ? AND post_id IN ("+list(len(chunk))+")"), args...)
				if err != nil {
					return err
				}
				n, _ := res.RowsAffected()
				removed += int(n)
			}
			return nil
		})
	})
	if err != nil {
		return 0, s.errf(err, "remove mentions")
	}
	return removed, nil
}
