package store

import (
	"context"
	"database/sql"
	"slices"
	"time"
)

// SourceKinds returns the source kinds (rss, mastodon, import…) of the
// workspace's mentions, in byte order: what its stream's source filter
// can offer. It reads the workspace's daily rollups (one row per day and
// combination of sentiment, kind, language and country), not the mentions.
func (s *Store) SourceKinds(ctx context.Context, workspaceID int64) ([]string, error) {
	if err := noWorkspace("source kinds", workspaceID); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT DISTINCT r.value FROM rollup_days r
		WHERE r.set_id = (SELECT id FROM monitor_sets WHERE workspace_id = ? AND key = '') AND r.dim = ?`), workspaceID, dimPost)
	if err != nil {
		return nil, s.errf(err, "source kinds")
	}
	values, err := collect(rows, func(r interface{ Scan(...any) error }) (string, error) {
		var v string
		return v, r.Scan(&v)
	}, func(err error) error { return s.errf(err, "source kinds") })
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	kinds := []string{}
	for _, v := range values {
		if _, kind, _, _ := postDimsOf(v); kind != "" && !seen[kind] {
			seen[kind] = true
			kinds = append(kinds, kind)
		}
	}
	slices.Sort(kinds)
	return kinds, nil
}

// LastMentions returns when each of the workspace's monitors was last
// mentioned (the publication time of its newest mention), by id; monitors
// without mentions are absent. One index seek per monitor.
func (s *Store) LastMentions(ctx context.Context, workspaceID int64) (map[string]time.Time, error) {
	if err := noWorkspace("last mentions", workspaceID); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT mo.public_id, (SELECT MAX(mm.published_at) FROM mentions mm WHERE mm.monitor_id = mo.id)
		FROM monitors mo WHERE mo.workspace_id = ?`), workspaceID)
	if err != nil {
		return nil, s.errf(err, "last mentions")
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var id string
		var at time.Time
		if err := rows.Scan(&id, timeCol(&at)); err != nil {
			return nil, s.errf(err, "last mentions")
		}
		if !at.IsZero() {
			out[id] = at
		}
	}
	if err := rows.Err(); err != nil {
		return nil, s.errf(err, "last mentions")
	}
	return out, nil
}

// FirstMentionSince returns when the workspace's first mention published
// at or after since was published: how far back a "last 7 days" figure
// really reaches on a young archive. ok is false when it has none since
// then. Every mention counts, those marked irrelevant too, as in a listing
// that shows them: the hourly totals, which leave them out, made a test of
// a query begin after the irrelevant mention it then did not count (and
// their hours began up to an hour before the first mention).
func (s *Store) FirstMentionSince(ctx context.Context, workspaceID int64, since time.Time) (at time.Time, ok bool, err error) {
	if err := noWorkspace("first mention", workspaceID); err != nil {
		return time.Time{}, false, err
	}
	// Each monitor's first since then, one step down mentions_monitor each.
	row := s.db.QueryRowContext(ctx, s.q(`SELECT MIN((SELECT mm.published_at FROM mentions mm
		WHERE mm.monitor_id = mo.id AND mm.published_at >= ? ORDER BY mm.published_at LIMIT 1))
		FROM monitors mo WHERE mo.workspace_id = ?`), s.tm(since), workspaceID)
	if s.pg() {
		var t sql.NullTime
		err = row.Scan(&t)
		at = t.Time
	} else {
		var v sql.NullString
		if err = row.Scan(&v); err == nil && v.Valid {
			err = timeCol(&at).Scan(v.String)
		}
	}
	if err != nil {
		return time.Time{}, false, s.errf(err, "first mention")
	}
	return at.UTC(), !at.IsZero(), nil
}
