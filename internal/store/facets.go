package store

import (
	"context"
	"slices"
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
