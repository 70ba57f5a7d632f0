package store

import (
	"cmp"
	"context"
	"slices"

	"github.com/vigie-project/vigie"
)

// Bounds of TopAuthors.
const (
	DefaultAuthorLimit = 20
	MaxAuthorLimit     = 200
)

// TopAuthors ranks the authors of the mentions selected by f (workspace,
// monitor, source, language, period; Query and Cursor are ignored) by
// influence, highest first, at most f.Limit of them.
func (s *Store) TopAuthors(ctx context.Context, f vigie.MentionFilter) ([]vigie.Influence, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultAuthorLimit
	}
	limit = min(limit, MaxAuthorLimit)
	sel := s.selectMentions(&f)
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT a.source_kind, a.external_id, a.handle, a.name, a.followers, a.url,
		COUNT(*), SUM(p.likes + p.reposts + p.replies)`+sel.sql(true)+` AND a.id IS NOT NULL
		GROUP BY a.id, a.source_kind, a.external_id, a.handle, a.name, a.followers, a.url`), sel.args...)
	if err != nil {
		return nil, s.errf(err, "top authors")
	}
	out, err := collect(rows, func(row interface{ Scan(...any) error }) (vigie.Influence, error) {
		var in vigie.Influence
		a := &in.Author
		err := row.Scan(&in.Source, &a.ID, &a.Handle, &a.Name, &a.Followers, &a.URL, &in.Inputs.Mentions, &in.Inputs.Engagement)
		in.Inputs.Followers = a.Followers
		in.Score, in.Parts = vigie.ScoreInfluence(in.Inputs)
		return in, err
	}, func(err error) error { return s.errf(err, "top authors") })
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(x, y vigie.Influence) int {
		return cmp.Or(cmp.Compare(y.Score, x.Score), cmp.Compare(y.Inputs.Mentions, x.Inputs.Mentions),
			cmp.Compare(x.Source, y.Source), cmp.Compare(x.Author.Handle, y.Author.Handle), cmp.Compare(x.Author.Name, y.Author.Name))
	})
	return out[:min(limit, len(out))], nil
}
