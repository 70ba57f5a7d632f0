package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/vigie-project/vigie"
)

// Correctable fields of a post's enrichment.
const (
	FieldLang      = "lang"
	FieldSentiment = "sentiment"
)

// sentimentScore is the score a corrected sentiment label carries: the team
// says what the post is, with certainty.
var sentimentScore = map[string]float64{vigie.Positive: 1, vigie.Neutral: 0, vigie.Negative: -1}

// checkCorrection validates a correction's field and value.
func checkCorrection(field, value string) error {
	switch field {
	case FieldLang:
		if !vigie.KnownLanguage(value) {
			return fmt.Errorf("%w: language %q is not an ISO 639-1 code: give two letters, like \"fr\", \"de\", \"en\" or \"it\"", vigie.ErrInvalid, value)
		}
	case FieldSentiment:
		if !vigie.ValidSentiment(value) {
			return fmt.Errorf("%w: sentiment %q must be positive, neutral or negative", vigie.ErrInvalid, value)
		}
	default:
		return fmt.Errorf("%w: %q cannot be corrected (lang and sentiment can)", vigie.ErrInvalid, field)
	}
	return nil
}

func validLangCode(s string) bool {
	return len(s) == 2 && s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' && s[1] <= 'z'
}

// Correct records a workspace's corrections of a stored mention's language
// and/or sentiment (fields: "lang", "sentiment" → value), all or none. A
// correction is the workspace's view of the post: the post itself keeps
// what enrichment said, and another workspace that sees the post sees its
// own corrections or the machine's values. The value enrichment had given
// is kept with each correction, so that the models can be measured against
// the team. A post the workspace has no mention of is ErrNotFound; a bad
// field or value is ErrInvalid, and nothing is changed.
func (s *Store) Correct(ctx context.Context, workspaceID, postID int64, fields map[string]string, by string) (vigie.Mention, error) {
	cs := make(map[string]Correction, len(fields))
	for field, value := range fields {
		cs[field] = Correction{Value: value, By: by}
	}
	return s.CorrectFields(ctx, workspaceID, postID, cs)
}

// Correction is a field's new value and who gave it.
type Correction struct {
	Value, By string
}

// CorrectFields is Correct with each field's author (the tone a person
// corrected, or the one re-read in the language they corrected).
func (s *Store) CorrectFields(ctx context.Context, workspaceID, postID int64, fields map[string]Correction) (vigie.Mention, error) {
	if err := noWorkspace("correct mention", workspaceID); err != nil {
		return vigie.Mention{}, err
	}
	if len(fields) == 0 {
		return vigie.Mention{}, fmt.Errorf("%w: nothing to correct", vigie.ErrInvalid)
	}
	clean := map[string]Correction{}
	for field, c := range fields {
		field, c.Value = strings.TrimSpace(field), strings.ToLower(strings.TrimSpace(c.Value))
		if err := checkCorrection(field, c.Value); err != nil {
			return vigie.Mention{}, err
		}
		clean[field] = c
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var lang, label string
		err := tx.QueryRowContext(ctx, s.q(`SELECT p.lang, p.sentiment FROM posts p WHERE p.id = ? AND EXISTS (
			SELECT 1 FROM mentions mm JOIN monitors mo ON mo.id = mm.monitor_id WHERE mm.post_id = p.id AND mo.workspace_id = ?)`),
			postID, workspaceID).Scan(&lang, &label)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: no mention %d", vigie.ErrNotFound, postID)
		}
		if err != nil {
			return err
		}
		// The dashboard's rollups follow (aggregate.go).
		return s.reroll(ctx, tx, []int64{postID}, func() error {
			for _, field := range []string{FieldLang, FieldSentiment} {
				c, ok := clean[field]
				if !ok {
					continue
				}
				machine := lang
				if field == FieldSentiment {
					machine = label
				}
				if err := s.applyCorrection(ctx, tx, workspaceID, postID, field, c.Value, machine, c.By); err != nil {
					return err
				}
			}
			return nil
		})
	})
	if err != nil {
		return vigie.Mention{}, s.errf(err, "correct mention %d", postID)
	}
	return s.FindMention(ctx, workspaceID, postID)
}

// applyCorrection records a workspace's correction; the machine's value is
// the one of its first correction of the field.
func (s *Store) applyCorrection(ctx context.Context, tx *sql.Tx, workspaceID, postID int64, field, value, machine, by string) error {
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO corrections (workspace_id, post_id, field, value, machine, corrected_by, corrected_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (workspace_id, post_id, field) DO UPDATE SET value = excluded.value, corrected_by = excluded.corrected_by,
			corrected_at = excluded.corrected_at`),
		workspaceID, postID, field, value, machine, by, s.tm(s.clock()))
	return err
}

// correctedLang and correctedSentiment are SQL conditions on a post p's
// language or sentiment in effect in a workspace: its correction there,
// else the post's. Bind: value, workspace, workspace, value.
const (
	correctedLang = `((p.lang = ? AND NOT EXISTS (SELECT 1 FROM corrections c WHERE c.workspace_id = ? AND c.post_id = p.id AND c.field = 'lang'))
		OR p.id IN (SELECT c.post_id FROM corrections c WHERE c.workspace_id = ? AND c.field = 'lang' AND c.value = ?))`
	correctedSentiment = `((p.sentiment = ? AND NOT EXISTS (SELECT 1 FROM corrections c WHERE c.workspace_id = ? AND c.post_id = p.id AND c.field = 'sentiment'))
		OR p.id IN (SELECT c.post_id FROM corrections c WHERE c.workspace_id = ? AND c.field = 'sentiment' AND c.value = ?))`
)

// FindMention returns one stored mention of the workspace (any workspace
// when 0) with its monitors, entities and corrections.
func (s *Store) FindMention(ctx context.Context, workspaceID, postID int64) (vigie.Mention, error) {
	row := s.db.QueryRowContext(ctx, s.q("SELECT "+mentionCols+` FROM posts p LEFT JOIN authors a ON a.id = p.author_id
		WHERE p.id = ? AND EXISTS (SELECT 1 FROM mentions mm JOIN monitors mo ON mo.id = mm.monitor_id WHERE mm.post_id = p.id AND (? = 0 OR mo.workspace_id = ?))`),
		postID, workspaceID, workspaceID)
	m, err := scanMention(row)
	if errors.Is(err, sql.ErrNoRows) {
		return m, fmt.Errorf("%w: no mention %d", vigie.ErrNotFound, postID)
	}
	if err != nil {
		return m, s.errf(err, "find mention %d", postID)
	}
	ms := []vigie.Mention{m}
	if err := s.complete(ctx, workspaceID, ms); err != nil {
		return m, err
	}
	return ms[0], nil
}

// addCorrections fills in the corrections of each mention.
func (s *Store) addCorrections(ctx context.Context, workspaceID int64, ms []vigie.Mention) error {
	if len(ms) == 0 {
		return nil
	}
	at := make(map[int64]int, len(ms))
	args := make([]any, len(ms))
	for i, m := range ms {
		at[m.ID] = i
		args[i] = m.ID
	}
	if workspaceID == 0 {
		// Re-enrichment reads the posts as the machine left them.
		return nil
	}
	args = append(args, workspaceID)
	rows, err := s.db.QueryContext(ctx, s.q("SELECT post_id, field, value, machine, corrected_by, corrected_at FROM corrections WHERE post_id IN ("+list(len(ms))+") AND workspace_id = ? ORDER BY post_id, field"), args...)
	if err != nil {
		return s.errf(err, "find mentions: corrections")
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id int64
			c  vigie.Correction
		)
		if err := rows.Scan(&id, &c.Field, &c.Value, &c.Machine, &c.CorrectedBy, timeCol(&c.CorrectedAt)); err != nil {
			return s.errf(err, "find mentions: corrections")
		}
		m := &ms[at[id]]
		m.Corrections = append(m.Corrections, c)
		// The workspace's view of the post.
		switch c.Field {
		case FieldLang:
			m.Post.Lang = c.Value
		case FieldSentiment:
			m.Sentiment = vigie.Sentiment{Label: c.Value, Score: sentimentScore[c.Value]}
		}
	}
	if err := rows.Err(); err != nil {
		return s.errf(err, "find mentions: corrections")
	}
	return nil
}

// EnrichmentUpdate is a stored post's recomputed language and sentiment.
type EnrichmentUpdate struct {
	PostID    int64
	Lang      string
	Sentiment vigie.Sentiment
}

// UpdateEnrichment writes recomputed languages and sentiments (after a
// model update) to the posts; the workspaces' corrections stay over them
// as the teams set them. It returns how many posts changed.
func (s *Store) UpdateEnrichment(ctx context.Context, updates []EnrichmentUpdate) (int, error) {
	changed := 0
	ids := make([]int64, len(updates))
	for i, u := range updates {
		ids[i] = u.PostID
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		changed = 0
		// The dashboard's rollups follow (aggregate.go).
		return s.reroll(ctx, tx, ids, func() error { return s.applyEnrichment(ctx, tx, updates, &changed) })
	})
	if err != nil {
		return 0, s.errf(err, "update enrichment")
	}
	return changed, nil
}

// applyEnrichment writes the updates, counting the posts that changed.
func (s *Store) applyEnrichment(ctx context.Context, tx *sql.Tx, updates []EnrichmentUpdate, changed *int) error {
	langStmt, err := tx.PrepareContext(ctx, s.q(`UPDATE posts SET lang = ? WHERE id = ? AND lang <> ?`))
	if err != nil {
		return err
	}
	defer langStmt.Close()
	sentStmt, err := tx.PrepareContext(ctx, s.q(`UPDATE posts SET sentiment = ?, sentiment_score = ? WHERE id = ? AND (sentiment <> ? OR sentiment_score <> ?)`))
	if err != nil {
		return err
	}
	defer sentStmt.Close()
	for _, u := range updates {
		n := int64(0)
		if u.Lang != "" {
			res, err := langStmt.ExecContext(ctx, u.Lang, u.PostID, u.Lang)
			if err != nil {
				return err
			}
			n, _ = res.RowsAffected()
		}
		res, err := sentStmt.ExecContext(ctx, u.Sentiment.Label, u.Sentiment.Score, u.PostID, u.Sentiment.Label, u.Sentiment.Score)
		if err != nil {
			return err
		}
		m, _ := res.RowsAffected()
		if n+m > 0 {
			*changed++
		}
	}
	return nil
}
