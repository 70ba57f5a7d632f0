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
	"github.com/vigie-project/vigie/internal/influence"
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
	if err := checkFilter(&f); err != nil {
		return nil, fmt.Errorf("top authors: %w", err)
	}
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
		in.Score, in.Parts = influence.Score(in.Inputs)
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

// sumsSQL sums an author's rows of author_days: on SQLite, TOTAL sums in
// floating point without a cast per row.
func (s *Store) sumsSQL() string {
	if s.pg() {
		return `SUM(n), SUM(CAST(engagement AS DOUBLE PRECISION)), MAX(followers)`
	}
	return `SUM(n), TOTAL(engagement), MAX(followers)`
}

// scanScored reads author sums (id, mentions, engagement, followers) and
// keeps the best.
func scanScored(rows *sql.Rows, best []scored, limit int) ([]scored, error) {
	defer rows.Close()
	for rows.Next() {
		var x scored
		if err := rows.Scan(&x.id, &x.in.Inputs.Mentions, sumCol{&x.in.Inputs.Engagement}, &x.in.Inputs.Followers); err != nil {
			return nil, err
		}
		x.in.Score, x.in.Parts = influence.Score(x.in.Inputs)
		best = keepBest(best, x, limit)
	}
	return best, rows.Err()
}

// Where the walk down author_bounds pays: periods of two weeks or more
// (a month of 1M mentions: 40 ms of CPU against 210 summing every row), and
// at most maxBoundsVisits authors visited before it gives way to the scan.
const (
	minBoundsPeriod = 14 * 24 * time.Hour
	maxBoundsVisits = 8192
)

// bestByBounds is topAuthorsFromDays' walk down author_bounds; nil when it
// would visit more than maxBoundsVisits authors. Pages of
// bounds are read whole (one open result per connection on PostgreSQL).
// Bounds and sums are read apart, not in one snapshot: a batch stored in
// between can only make the list a batch late.
func (s *Store) bestByBounds(ctx context.Context, ws int64, cond string, args []any, limit int) ([]scored, error) {
	// Sums are read for a few authors first, then for twice as many each
	// time: the best usually come first, and the first sums set the bar.
	const page, maxChunk = 1024, 512
	chunk := max(limit, 16)
	var (
		best    []scored
		after   *[2]any // the last bound and author read
		pending []any
		visits  int
	)
	sum := func() error {
		if len(pending) == 0 {
			return nil
		}
		rows, err := s.db.QueryContext(ctx, s.q(`SELECT author_id, `+s.sumsSQL()+` FROM author_days
			WHERE workspace_id = ? AND author_id IN (`+list(len(pending))+`)`+cond+` GROUP BY author_id`),
			append(append([]any{ws}, pending...), args[1:]...)...)
		if err != nil {
			return err
		}
		best, err = scanScored(rows, best, limit)
		pending, chunk = pending[:0], min(2*chunk, maxChunk)
		return err
	}
	for {
		q, qargs := `SELECT author_id, bound FROM author_bounds WHERE workspace_id = ?`, []any{ws}
		if after != nil {
			q += ` AND (bound < ? OR bound = ? AND author_id < ?)`
			qargs = append(qargs, after[0], after[0], after[1])
		}
		rows, err := s.db.QueryContext(ctx, s.q(q+` ORDER BY bound DESC, author_id DESC LIMIT `+strconv.Itoa(page)), qargs...)
		if err != nil {
			return nil, err
		}
		type cand struct {
			id    int64
			bound float64
		}
		cands, err := collect(rows, func(r interface{ Scan(...any) error }) (cand, error) {
			var c cand
			return c, r.Scan(&c.id, &c.bound)
		}, func(err error) error { return err })
		if err != nil {
			return nil, err
		}
		for _, c := range cands {
			if len(pending) >= chunk {
				if err := sum(); err != nil {
					return nil, err
				}
			}
			if len(best) == limit && c.bound < best[limit-1].in.Score {
				err := sum() // before best is read: sum changes it
				return best, err
			}
			if visits++; visits > maxBoundsVisits {
				return nil, nil
			}
			pending = append(pending, c.id)
		}
		if len(cands) < page {
			err := sum()
			return best, err
		}
		last := cands[len(cands)-1]
		after = &[2]any{last.bound, last.id}
	}
}

// bestByDays sums a short period's rows of author_days per author in Go,
// read through the index by day (migration 0023): the period's rows only,
// in day order, so that each author's engagement is summed in the order
// SQL sums it (bestByScan), to the same floating-point total.
func (s *Store) bestByDays(ctx context.Context, ws int64, cond string, args []any, limit int) ([]scored, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT author_id, n, engagement, followers FROM author_days
		WHERE workspace_id = ?`+cond+` ORDER BY day`), args...)
	if err != nil {
		return nil, err
	}
	type sums struct {
		n, followers int64
		engagement   float64
	}
	by := map[int64]*sums{}
	for rows.Next() {
		var id, n, e, followers int64
		if err := rows.Scan(&id, &n, &e, &followers); err != nil {
			rows.Close()
			return nil, err
		}
		x := by[id]
		if x == nil {
			x = &sums{followers: followers}
			by[id] = x
		}
		x.n += n
		x.engagement += float64(e)
		x.followers = max(x.followers, followers)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	best := make([]scored, 0, limit+1)
	for id, x := range by {
		var sc scored
		sc.id = id
		sc.in.Inputs.Mentions, sc.in.Inputs.Engagement, sc.in.Inputs.Followers = int(x.n), saturate(x.engagement), x.followers
		sc.in.Score, sc.in.Parts = influence.Score(sc.in.Inputs)
		best = keepBest(best, sc, limit)
	}
	if best == nil {
		best = []scored{}
	}
	return best, nil
}

// bestByScan sums every row of the workspace's author_days in the period
// (what the bounds spare; tests compare the two). Two halves of the authors
// are read at once, on two connections.
func (s *Store) bestByScan(ctx context.Context, ws int64, cond string, args []any, limit int) ([]scored, error) {
	var mid int64
	if err := s.db.QueryRowContext(ctx, s.q(`SELECT COALESCE((SELECT MIN(author_id) FROM author_days WHERE workspace_id = ?), 0)
		+ COALESCE((SELECT MAX(author_id) FROM author_days WHERE workspace_id = ?), 0)`), ws, ws).Scan(&mid); err != nil {
		return nil, err
	}
	mid /= 2
	var (
		halves [2][]scored
		errs   [2]error
		wg     sync.WaitGroup
	)
	for i, half := range []string{" AND author_id <= ?", " AND author_id > ?"} {
		wg.Go(func() {
			rows, err := s.db.QueryContext(ctx, s.q(`SELECT author_id, `+s.sumsSQL()+` FROM author_days
				WHERE workspace_id = ?`+cond+half+` GROUP BY author_id`), append(slices.Clone(args), mid)...)
			if err == nil {
				halves[i], err = scanScored(rows, nil, limit)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := cmp.Or(errs[0], errs[1]); err != nil {
		return nil, err
	}
	all := append(halves[0], halves[1]...)
	slices.SortFunc(all, better)
	return all[:min(limit, len(all))], nil
}

// sortInfluence orders authors by score, then mentions, then name.
func sortInfluence(out []vigie.Influence) {
	slices.SortFunc(out, func(x, y vigie.Influence) int {
		return cmp.Or(cmp.Compare(y.Score, x.Score), cmp.Compare(y.Inputs.Mentions, x.Inputs.Mentions),
			cmp.Compare(x.Source, y.Source), cmp.Compare(x.Author.Handle, y.Author.Handle), cmp.Compare(x.Author.Name, y.Author.Name))
	})
}

// authorBound is an author's bound in author_bounds (migration 0022): the
// score of its inputs, unrounded, plus 0.2. influence.Score rounds each part
// to 0.001 and the score to 0.1, so it exceeds the unrounded score by at
// most 0.1: the bound of inputs at or above an author's in a period is
// above its score in that period. authorBoundSQL is the same in SQL.
func authorBound(mentions, topPost, followers int64) float64 {
	part := func(x int64, full float64) float64 { return min(math.Log10(1+float64(max(x, 0)))/full, 1) }
	return 100*(0.5*part(followers, 6)+0.3*part(topPost, 3)+0.2*part(mentions, 2)) + 0.2
}

// scored is an author's influence in a period, with its id.
type scored struct {
	id int64
	in vigie.Influence
}

// better orders authors by score, then mentions, then id.
func better(x, y scored) int {
	return cmp.Or(cmp.Compare(y.in.Score, x.in.Score), cmp.Compare(y.in.Inputs.Mentions, x.in.Inputs.Mentions), cmp.Compare(x.id, y.id))
}

// keepBest adds x to best (sorted by better, at most limit long).
func keepBest(best []scored, x scored, limit int) []scored {
	if len(best) == limit && better(x, best[limit-1]) >= 0 {
		return best
	}
	i, _ := slices.BinarySearchFunc(best, x, better)
	best = slices.Insert(best, i, x)
	return best[:min(len(best), limit)]
}

// topAuthorsFromDays ranks a workspace's authors from author_days: it walks
// the authors from the highest bound (author_bounds) down, sums author_days
// over the period's days for a few hundred at a time, and stops when the
// next bound is under the last of the best: no author left can reach it.
// Then it reads the details of the winners only. (It summed every row of
// the workspace: a month of 1M mentions read 750k rows; the bounds make it
// the authors that could rank.)
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
	// The bounds hold over all time: against a short period they are loose
	// and the walk would visit most authors (1 day of 1M mentions: 875 ms
	// of CPU against 80 for summing every row), so short periods sum their
	// own rows, read by day; a walk that finds it must visit too many
	// authors sums every row.
	var (
		all []scored
		err error
	)
	switch {
	case f.From.IsZero() || f.To.IsZero() || f.To.Sub(f.From) >= minBoundsPeriod:
		all, err = s.bestByBounds(ctx, f.WorkspaceID, cond, args, limit)
	default:
		all, err = s.bestByDays(ctx, f.WorkspaceID, cond, args, limit)
	}
	if all == nil && err == nil {
		all, err = s.bestByScan(ctx, f.WorkspaceID, cond, args, limit)
	}
	if err != nil {
		return nil, s.errf(err, "top authors")
	}
	if s.checkTopAuthors {
		scan, err := s.bestByScan(ctx, f.WorkspaceID, cond, args, limit)
		if err != nil {
			return nil, s.errf(err, "top authors")
		}
		if !slices.EqualFunc(all, scan, func(a, b scored) bool { return a.id == b.id && a.in.Inputs == b.in.Inputs }) {
			return nil, fmt.Errorf("top authors: the bounds give %v, every row gives %v", all, scan)
		}
	}
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
