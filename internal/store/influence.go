package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/vigie-project/vigie"
)

// Bounds of TopAuthors.
const (
	DefaultAuthorLimit = 20
	MaxAuthorLimit     = 200
)

// fromDays reports whether TopAuthors can answer f from author_days: a
// whole workspace over whole UTC days, or over three days or more (counted
// over the whole UTC days the period touches).
func fromDays(f *vigie.MentionFilter) bool {
	return f.WorkspaceID != 0 && f.MonitorID == "" && f.Source == "" && f.SourceID == 0 && f.Lang == "" && f.Country == "" && f.Sentiment == "" &&
		f.Tag == "" && (f.From.IsZero() || f.To.IsZero() || f.To.Sub(f.From) >= 72*time.Hour || utcDay(f.From) && utcDay(f.To))
}

// utcDay reports whether t starts a UTC day: a period of whole days is read
// from author_days exactly (the 1-day dashboard summed every mention).
func utcDay(t time.Time) bool {
	return t.Unix()%86400 == 0
}

// TopAuthors ranks the authors of the mentions selected by f (workspace,
// monitor, source, language, period; Query and Cursor are ignored) by
// influence, highest first, at most f.Limit of them: from the author_days
// rollup when it can (fromDays), else from the mentions.
func (s *Store) TopAuthors(ctx context.Context, f vigie.MentionFilter) ([]vigie.Influence, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultAuthorLimit
	}
	limit = min(limit, MaxAuthorLimit)
	if f.WorkspaceID != 0 && f.Tag == "" {
		f.HideIrrelevant = true // as the dashboard's figures (and author_days) do
	}
	if fromDays(&f) {
		return s.topAuthorsFromDays(ctx, f, limit)
	}
	sel := s.selectMentions(&f)
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT a.source_kind, a.external_id, a.handle, a.name, a.followers, a.url,
		COUNT(*), SUM(CAST(p.likes AS DOUBLE PRECISION) + p.reposts + p.replies)`+sel.sql(true)+` AND a.id IS NOT NULL
		GROUP BY a.id, a.source_kind, a.external_id, a.handle, a.name, a.followers, a.url`), sel.args...)
	if err != nil {
		return nil, s.errf(err, "top authors")
	}
	out, err := collect(rows, func(row interface{ Scan(...any) error }) (vigie.Influence, error) {
		var in vigie.Influence
		a := &in.Author
		err := row.Scan(&in.Source, &a.ID, &a.Handle, &a.Name, &a.Followers, &a.URL, &in.Inputs.Mentions, sumCol{&in.Inputs.Engagement})
		in.Inputs.Followers = a.Followers
		in.Score, in.Parts = vigie.ScoreInfluence(in.Inputs)
		return in, err
	}, func(err error) error { return s.errf(err, "top authors") })
	if err != nil {
		return nil, err
	}
	sortInfluence(out)
	return out[:min(limit, len(out))], nil
}

// Engagement is summed in floating point: an integer SUM fails on overflow
// (SQLite) or overflows int64 (PostgreSQL's numeric), and rows stored before
// counts were clamped may hold values near the int64 limit. The score takes
// its logarithm, so the rounding of huge sums does not matter.

// sumCol reads a floating-point sum into *v, saturating at the int64 range.
type sumCol struct{ v *int64 }

func (c sumCol) Scan(src any) error {
	var f float64
	switch x := src.(type) {
	case nil:
		f = 0
	case float64:
		f = x
	case int64:
		*c.v = x
		return nil
	case []byte:
		return c.parse(string(x))
	case string:
		return c.parse(x)
	default:
		return fmt.Errorf("store: cannot read %T as a sum", src)
	}
	*c.v = saturate(f)
	return nil
}

func (c sumCol) parse(s string) error {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("store: bad sum %q: %w", s, err)
	}
	*c.v = saturate(f)
	return nil
}

// saturate converts f to an int64, the ends of the range for what lies beyond.
func saturate(f float64) int64 {
	switch {
	case f != f:
		return 0
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

// capCount brings a stored counter into [0, vigie.MaxCount], the range
// ingest keeps new posts in.
func capCount(v int64) int64 { return max(0, min(v, vigie.MaxCount)) }

// sortInfluence orders authors by score, then mentions, then name.
func sortInfluence(out []vigie.Influence) {
	slices.SortFunc(out, func(x, y vigie.Influence) int {
		return cmp.Or(cmp.Compare(y.Score, x.Score), cmp.Compare(y.Inputs.Mentions, x.Inputs.Mentions),
			cmp.Compare(x.Source, y.Source), cmp.Compare(x.Author.Handle, y.Author.Handle), cmp.Compare(x.Author.Name, y.Author.Name))
	})
}

// topAuthorsFromDays ranks a workspace's authors from author_days: sums
// per author over the period's days (rows are in author order: no sort),
// with the authors' current followers kept there, scores in Go, and reads
// the details of the winners only.
func (s *Store) topAuthorsFromDays(ctx context.Context, f vigie.MentionFilter, limit int) ([]vigie.Influence, error) {
	args := []any{f.WorkspaceID}
	cond := ""
	if !f.From.IsZero() {
		cond += " AND day >= ?"
		args = append(args, floorDiv(f.From.Unix(), 86400))
	}
	if !f.To.IsZero() {
		cond += " AND day < ?"
		args = append(args, floorDiv(f.To.Unix()+86400-1, 86400))
	}
	type scored struct {
		id int64
		in vigie.Influence
	}
	better := func(x, y scored) int {
		return cmp.Or(cmp.Compare(y.in.Score, x.in.Score), cmp.Compare(y.in.Inputs.Mentions, x.in.Inputs.Mentions), cmp.Compare(x.id, y.id))
	}
	// Keep the best limit as they stream by (tens of thousands of authors,
	// a few winners): a sorted insertion, rarely past the first compare.
	best := func(rows *sql.Rows) ([]scored, error) {
		defer rows.Close()
		all := make([]scored, 0, limit+1)
		for rows.Next() {
			var x scored
			if err := rows.Scan(&x.id, &x.in.Inputs.Mentions, sumCol{&x.in.Inputs.Engagement}, &x.in.Inputs.Followers); err != nil {
				return nil, err
			}
			x.in.Score, x.in.Parts = vigie.ScoreInfluence(x.in.Inputs)
			if len(all) == limit && better(x, all[limit-1]) >= 0 {
				continue
			}
			i, _ := slices.BinarySearchFunc(all, x, better)
			all = slices.Insert(all, i, x)
			if len(all) > limit {
				all = all[:limit]
			}
		}
		return all, rows.Err()
	}
	// A month of a large workspace is hundreds of thousands of rows, read
	// in author order: two halves of the authors are read at once, on two
	// connections (SQLite serves readers in parallel), and their best merged.
	var mid int64
	if err := s.db.QueryRowContext(ctx, s.q(`SELECT COALESCE((SELECT MIN(author_id) FROM author_days WHERE workspace_id = ?), 0)
		+ COALESCE((SELECT MAX(author_id) FROM author_days WHERE workspace_id = ?), 0)`), f.WorkspaceID, f.WorkspaceID).Scan(&mid); err != nil {
		return nil, s.errf(err, "top authors")
	}
	mid /= 2
	var (
		halves [2][]scored
		errs   [2]error
		wg     sync.WaitGroup
	)
	// The sums are most of the cost (per row): on SQLite, TOTAL sums in
	// floating point without a cast per row.
	sums := `SUM(n), SUM(CAST(engagement AS DOUBLE PRECISION)), MAX(followers)`
	if !s.pg() {
		sums = `SUM(n), TOTAL(engagement), MAX(followers)`
	}
	for i, half := range []string{" AND author_id <= ?", " AND author_id > ?"} {
		wg.Go(func() {
			rows, err := s.db.QueryContext(ctx, s.q(`SELECT author_id, `+sums+` FROM author_days
				WHERE workspace_id = ?`+cond+half+` GROUP BY author_id`), append(slices.Clone(args), mid)...)
			if err == nil {
				halves[i], err = best(rows)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := cmp.Or(errs[0], errs[1]); err != nil {
		return nil, s.errf(err, "top authors")
	}
	all := append(halves[0], halves[1]...)
	slices.SortFunc(all, better)
	all = all[:min(limit, len(all))]
	if len(all) == 0 {
		return []vigie.Influence{}, nil
	}
	ids := make([]any, len(all))
	at := map[int64]int{}
	for i, x := range all {
		ids[i], at[x.id] = x.id, i
	}
	rows, err := s.db.QueryContext(ctx, s.q("SELECT id, source_kind, external_id, handle, name, followers, url FROM authors WHERE id IN ("+list(len(ids))+")"), ids...)
	if err != nil {
		return nil, s.errf(err, "top authors")
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var in vigie.Influence
		a := &in.Author
		if err := rows.Scan(&id, &in.Source, &a.ID, &a.Handle, &a.Name, &a.Followers, &a.URL); err != nil {
			return nil, s.errf(err, "top authors")
		}
		x := &all[at[id]].in
		x.Source, x.Author = in.Source, in.Author
	}
	if err := rows.Err(); err != nil {
		return nil, s.errf(err, "top authors")
	}
	out := make([]vigie.Influence, len(all))
	for i, x := range all {
		out[i] = x.in
	}
	sortInfluence(out)
	return out, nil
}
