package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vigie-project/vigie"
)

// TagIrrelevant marks a mention the stream hides and the dashboard does not
// count.
const TagIrrelevant = "irrelevant"

// NormaliseTag checks a tag and returns it trimmed and lower-cased.
func NormaliseTag(tag string) (string, error) {
	t := strings.ToLower(strings.TrimSpace(tag))
	if t == "" || utf8.RuneCountInString(t) > 40 || strings.ContainsAny(t, ",<>\"") || strings.ContainsFunc(t, unicode.IsControl) {
		return "", fmt.Errorf("%w: tag %q must be 1 to 40 characters, without commas, quotes or angle brackets", vigie.ErrInvalid, tag)
	}
	return t, nil
}

// SetTags replaces the workspace's tags on a mention. A post the workspace
// has no mention of is ErrNotFound.
func (s *Store) SetTags(ctx context.Context, workspaceID, postID int64, tags []string, by string) error {
	var clean []string
	for _, t := range tags {
		n, err := NormaliseTag(t)
		if err != nil {
			return err
		}
		clean = append(clean, n)
	}
	slices.Sort(clean)
	clean = slices.Compact(clean)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM mentions mm JOIN monitors mo ON mo.id = mm.monitor_id
			WHERE mm.post_id = ? AND mo.workspace_id = ?`), postID, workspaceID).Scan(&n); err != nil {
			return s.errf(err, "tags")
		}
		if n == 0 {
			return fmt.Errorf("%w: no mention %d", vigie.ErrNotFound, postID)
		}
		// Irrelevant mentions leave the dashboard's rollups (aggregate.go).
		return s.reroll(ctx, tx, []int64{postID}, func() error {
			if _, err := tx.ExecContext(ctx, s.q("DELETE FROM mention_tags WHERE workspace_id = ? AND post_id = ?"), workspaceID, postID); err != nil {
				return s.errf(err, "tags")
			}
			now := s.tm(s.clock())
			for _, t := range clean {
				if _, err := tx.ExecContext(ctx, s.q("INSERT INTO mention_tags (workspace_id, post_id, tag, tagged_by, tagged_at) VALUES (?, ?, ?, ?, ?)"),
					workspaceID, postID, t, by, now); err != nil {
					return s.errf(err, "tags")
				}
			}
			return nil
		})
	})
}

// addTags fills in each mention's tags in the workspace.
func (s *Store) addTags(ctx context.Context, workspaceID int64, ms []vigie.Mention) error {
	if len(ms) == 0 || workspaceID == 0 {
		return nil
	}
	at := make(map[int64]int, len(ms))
	args := []any{workspaceID}
	for i, m := range ms {
		at[m.ID] = i
		args = append(args, m.ID)
	}
	rows, err := s.db.QueryContext(ctx, s.q("SELECT post_id, tag FROM mention_tags WHERE workspace_id = ? AND post_id IN ("+list(len(ms))+") ORDER BY post_id, tag"), args...)
	if err != nil {
		return s.errf(err, "find mentions: tags")
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var tag string
		if err := rows.Scan(&id, &tag); err != nil {
			return s.errf(err, "find mentions: tags")
		}
		ms[at[id]].Tags = append(ms[at[id]].Tags, tag)
	}
	if err := rows.Err(); err != nil {
		return s.errf(err, "find mentions: tags")
	}
	return nil
}

// CountTagged counts the workspace's mentions with a tag among those f
// selects (monitor, source, language, country, sentiment, period); tagged mentions
// are few, so this reads only them.
func (s *Store) CountTagged(ctx context.Context, f vigie.MentionFilter, tag string) (int, error) {
	days, err := s.countTaggedByDay(ctx, f, tag)
	n := 0
	for _, c := range days {
		n += c
	}
	return n, err
}

// countTaggedByDay is CountTagged per UTC day of publication.
func (s *Store) countTaggedByDay(ctx context.Context, f vigie.MentionFilter, tag string) (map[string]int, error) {
	day := "substr(p.published_at, 1, 10)"
	if s.pg() {
		day = "to_char(p.published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
	}
	q := `SELECT ` + day + `, COUNT(*) FROM mention_tags t JOIN posts p ON p.id = t.post_id WHERE t.workspace_id = ? AND t.tag = ?
		AND EXISTS (SELECT 1 FROM mentions mm JOIN monitors mo ON mo.id = mm.monitor_id WHERE mm.post_id = p.id AND mo.workspace_id = t.workspace_id)`
	args := []any{f.WorkspaceID, strings.ToLower(tag)}
	add := func(cond string, v any) {
		q += " AND " + cond
		args = append(args, v)
	}
	if f.MonitorID != "" {
		// Only a monitor of the workspace: another's counts nothing here.
		add("EXISTS (SELECT 1 FROM mentions mm JOIN monitors mo ON mo.id = mm.monitor_id WHERE mm.post_id = p.id AND mo.public_id = ? AND mo.workspace_id = t.workspace_id)", f.MonitorID)
	}
	if f.Source != "" {
		add("p.source_kind = ?", strings.ToLower(strings.TrimSpace(f.Source)))
	}
	if f.Lang != "" {
		v := orNone(strings.ToLower(f.Lang))
		q += " AND " + correctedLang
		args = append(args, v, f.WorkspaceID, f.WorkspaceID, v)
	}
	if f.Country != "" {
		add("p.country = ?", orNone(strings.ToLower(f.Country)))
	}
	if f.Sentiment != "" {
		q += " AND " + correctedSentiment
		args = append(args, f.Sentiment, f.WorkspaceID, f.WorkspaceID, f.Sentiment)
	}
	if !f.From.IsZero() {
		add("p.published_at >= ?", s.tm(f.From))
	}
	if !f.To.IsZero() {
		add("p.published_at < ?", s.tm(f.To))
	}
	rows, err := s.db.QueryContext(ctx, s.q(q+" GROUP BY 1"), args...)
	if err != nil {
		return nil, s.errf(err, "count tagged")
	}
	out := map[string]int{}
	defer rows.Close()
	for rows.Next() {
		var d string
		var n int
		if err := rows.Scan(&d, &n); err != nil {
			return nil, s.errf(err, "count tagged")
		}
		out[d] += n
	}
	if err := rows.Err(); err != nil {
		return nil, s.errf(err, "count tagged")
	}
	return out, nil
}
