package store

import (
	"context"
	"fmt"
	"hash/maphash"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vigie-project/vigie"
)

// Counting a listing's mentions row by row reads the whole archive: a
// million rows, half a second of one core, for every first page (50 API
// clients got 5 pages/s). The rollups already hold the same figure per
// hour and per day (aggregate.go), so a listing they can answer is counted
// from them, exactly: the whole hours of the period from the rollups, the
// minutes at either end from the posts, and the mentions marked
// irrelevant (which the rollups leave out) added back from their tags.

// rollupHourBound stands for "no bound" in hours since 1970 (±100,000 years).
const rollupHourBound = 1 << 30

// countFromRollups returns the per-day counts and total of the listing f
// (without a query) from the rollups, or ok false when the rollups cannot
// answer it: no workspace, a tag or a source id (not in the rollups), or a
// period shorter than an hour.
func (s *Store) countFromRollups(ctx context.Context, f *vigie.MentionFilter) (days []vigie.DayCount, total int, ok bool, err error) {
	// A sentiment is compared exactly in SQL, case-insensitively by LIKE.
	if f.WorkspaceID == 0 || strings.TrimSpace(f.Query) != "" || f.Tag != "" || f.SourceID != 0 || f.Sentiment != "" && !vigie.ValidSentiment(f.Sentiment) {
		return nil, 0, false, nil
	}
	lo, hi := int64(-rollupHourBound), int64(rollupHourBound)
	if !f.From.IsZero() {
		lo = hourOf(f.From.Add(time.Hour - time.Nanosecond)) // the first whole hour
	}
	if !f.To.IsZero() {
		hi = hourOf(f.To)
	}
	if lo >= hi || lo <= -rollupHourBound && !f.From.IsZero() || hi >= rollupHourBound && !f.To.IsZero() {
		return nil, 0, false, nil
	}
	sets := "set_id IN (SELECT id FROM monitor_sets WHERE workspace_id = ? AND key = '')"
	setArgs := []any{f.WorkspaceID}
	if f.MonitorID != "" {
		sets = "set_id IN (SELECT mem.set_id FROM monitor_set_members mem JOIN monitor_sets ms ON ms.id = mem.set_id WHERE mem.monitor_id = (SELECT id FROM monitors WHERE workspace_id = ? AND public_id = ?) AND ms.workspace_id = ?)"
		setArgs = []any{f.WorkspaceID, f.MonitorID, f.WorkspaceID}
	}
	// Without a source, language or country, the totals per set and
	// sentiment answer: a few rows per day instead of hundreds.
	totals := f.Source == "" && f.Lang == "" && f.Country == ""
	perDay := map[string]int{}
	var parts []string
	var args []any
	for _, seg := range segments(lo, hi) {
		if !totals && seg.table == "rollup_days" {
			// Whole days of other filters: cached while their totals'
			// versions hold.
			value, valueArgs := postValueLike(f)
			counts, err := s.cachedDayCounts(ctx, sets, setArgs, value, valueArgs, seg.lo, seg.hi)
			if err != nil {
				return nil, 0, false, err
			}
			for d, n := range counts {
				perDay[time.Unix(d*86400, 0).UTC().Format(time.DateOnly)] += n
			}
			continue
		}
		day := "bucket"
		if seg.table == "rollup_hours" {
			day = "(bucket - ((bucket % 24) + 24) % 24) / 24"
		}
		if totals {
			cond := ""
			args = append(append(args, setArgs...), seg.lo, seg.hi)
			if f.Sentiment != "" {
				cond = " AND sentiment = ?"
				args = append(args, f.Sentiment)
			}
			parts = append(parts, "SELECT "+day+" AS day, n FROM "+totalsOf(seg.table)+" WHERE "+sets+" AND bucket >= ? AND bucket < ?"+cond)
			continue
		}
		value, valueArgs := postValueLike(f)
		parts = append(parts, "SELECT "+day+" AS day, n FROM "+seg.table+" WHERE "+sets+" AND dim = ? AND bucket >= ? AND bucket < ?"+value)
		args = append(append(append(args, setArgs...), dimPost, seg.lo, seg.hi), valueArgs...)
	}
	if len(parts) > 0 {
		rows, err := s.db.QueryContext(ctx, s.q("SELECT day, CAST(SUM(n) AS BIGINT) FROM ("+strings.Join(parts, " UNION ALL ")+") r GROUP BY day"), args...)
		if err != nil {
			return nil, 0, false, s.errf(err, "find mentions: count")
		}
		for rows.Next() {
			var d int64
			var n int
			if err := rows.Scan(&d, &n); err != nil {
				rows.Close()
				return nil, 0, false, s.errf(err, "find mentions: count")
			}
			perDay[time.Unix(d*86400, 0).UTC().Format(time.DateOnly)] += n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, 0, false, s.errf(err, "find mentions: count")
		}
	}
	// The minutes before the first whole hour and after the last.
	var edges [][2]time.Time
	if !f.From.IsZero() && f.From.Before(time.Unix(lo*3600, 0)) {
		edges = append(edges, [2]time.Time{f.From, time.Unix(lo*3600, 0)})
	}
	if !f.To.IsZero() && time.Unix(hi*3600, 0).Before(f.To) {
		edges = append(edges, [2]time.Time{time.Unix(hi*3600, 0), f.To})
	}
	for _, e := range edges {
		// Without the mentions marked irrelevant, as the rollups: those
		// of the whole period are added back from their tags below.
		g := *f
		g.From, g.To, g.HideIrrelevant = e[0], e[1], true
		ds, _, err := s.countPerDay(ctx, s.selectMentions(&g))
		if err != nil {
			return nil, 0, false, err
		}
		for _, d := range ds {
			perDay[d.Day] += d.Count
		}
	}
	if !f.HideIrrelevant {
		tagged, err := s.countTaggedByDay(ctx, *f, TagIrrelevant)
		if err != nil {
			return nil, 0, false, err
		}
		for d, n := range tagged {
			perDay[d] += n
		}
	}
	for d, n := range perDay {
		if n != 0 {
			days = append(days, vigie.DayCount{Day: d, Count: n})
			total += n
		}
	}
	sortDays(days)
	return days, total, true, nil
}

// postValueLike returns the condition on a dimPost value that the filter's
// sentiment, source, language and country make (a LIKE pattern, '%' for
// the dimensions not filtered), or "" when none is filtered.
func postValueLike(f *vigie.MentionFilter) (string, []any) {
	if f.Sentiment == "" && f.Source == "" && f.Lang == "" && f.Country == "" {
		return "", nil
	}
	esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	part := func(given bool, v string) string {
		if !given {
			return "%"
		}
		return esc.Replace(v)
	}
	pattern := part(f.Sentiment != "", f.Sentiment) + setSep +
		part(f.Source != "", strings.ToLower(strings.TrimSpace(f.Source))) + setSep +
		part(f.Lang != "", orNone(strings.ToLower(f.Lang))) + setSep +
		part(f.Country != "", orNone(strings.ToLower(f.Country)))
	return ` AND value LIKE ? ESCAPE '\'`, []any{pattern}
}

func sortDays(days []vigie.DayCount) {
	slices.SortFunc(days, func(a, b vigie.DayCount) int { return strings.Compare(a.Day, b.Day) })
}

// A filter the totals cannot answer (a source, language or country) is
// counted from the rollups' rows: hundreds per day. Past days rarely
// change, so their counts are kept, each with the fingerprint of its
// totals' versions (rollup_totals.go), which change with any of the rows
// they sum — in any process, as they are in the database. A day whose
// fingerprint is unchanged has the same rows, and so the same count; only
// the days that changed (today, in a live workspace) are counted again.

// maxCachedFilters bounds the cache; past it, it starts afresh.
const maxCachedFilters = 1024

type dayCountCache struct {
	mu      sync.Mutex
	seed    maphash.Seed
	filters map[string]map[int64]dayCount // filter → day → count
}

type dayCount struct {
	fingerprint uint64
	n           int
}

// cachedDayCounts returns the count per day (in days since 1970) of the
// rollups' 'post' rows of the sets whose value matches the condition, over
// the days [lo, hi).
func (s *Store) cachedDayCounts(ctx context.Context, sets string, setArgs []any, value string, valueArgs []any, lo, hi int64) (map[int64]int, error) {
	c := &s.dayCounts
	c.mu.Lock()
	if c.filters == nil {
		c.seed = maphash.MakeSeed()
		c.filters = map[string]map[int64]dayCount{}
	}
	seed := c.seed
	c.mu.Unlock()
	// The versions first: a count read after them is at least as new, and
	// a change in between shows as a new version next time.
	args := append(slices.Clone(setArgs), lo, hi)
	rows, err := s.db.QueryContext(ctx, s.q("SELECT bucket, set_id, sentiment, version FROM rollup_day_totals WHERE "+sets+
		" AND bucket >= ? AND bucket < ? ORDER BY bucket, set_id, sentiment"), args...)
	if err != nil {
		return nil, s.errf(err, "find mentions: count")
	}
	prints := map[int64]*maphash.Hash{}
	var days []int64
	for rows.Next() {
		var day, set, version int64
		var sentiment string
		if err := rows.Scan(&day, &set, &sentiment, &version); err != nil {
			rows.Close()
			return nil, s.errf(err, "find mentions: count")
		}
		h := prints[day]
		if h == nil {
			h = &maphash.Hash{}
			h.SetSeed(seed)
			prints[day] = h
			days = append(days, day)
		}
		h.WriteString(strconv.FormatInt(set, 10) + "|" + sentiment + "|" + strconv.FormatInt(version, 10) + "\n")
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.errf(err, "find mentions: count")
	}
	key := sets + "\x00" + value + "\x00" + fmtArgs(setArgs) + "\x00" + fmtArgs(valueArgs)
	out := make(map[int64]int, len(days))
	var stale []int64
	c.mu.Lock()
	cached := c.filters[key]
	for _, d := range days {
		if e, ok := cached[d]; ok && e.fingerprint == prints[d].Sum64() {
			out[d] = e.n
		} else {
			stale = append(stale, d)
		}
	}
	c.mu.Unlock()
	if len(stale) == 0 {
		return out, nil
	}
	fresh := make(map[int64]int, len(stale))
	for chunk := range slices.Chunk(stale, maxParams/2) {
		args := slices.Clone(setArgs)
		args = append(args, dimPost)
		for _, d := range chunk {
			args = append(args, d)
		}
		args = append(args, valueArgs...)
		rows, err := s.db.QueryContext(ctx, s.q("SELECT bucket, CAST(SUM(n) AS BIGINT) FROM rollup_days WHERE "+sets+
			" AND dim = ? AND bucket IN ("+list(len(chunk))+")"+value+" GROUP BY bucket"), args...)
		if err != nil {
			return nil, s.errf(err, "find mentions: count")
		}
		for rows.Next() {
			var d int64
			var n int
			if err := rows.Scan(&d, &n); err != nil {
				rows.Close()
				return nil, s.errf(err, "find mentions: count")
			}
			fresh[d] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, s.errf(err, "find mentions: count")
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.filters[key] == nil {
		if len(c.filters) >= maxCachedFilters {
			c.filters = map[string]map[int64]dayCount{}
		}
		c.filters[key] = map[int64]dayCount{}
	}
	for _, d := range stale {
		out[d] = fresh[d]
		c.filters[key][d] = dayCount{prints[d].Sum64(), fresh[d]}
	}
	return out, nil
}

// fmtArgs writes a query's arguments for a cache key.
func fmtArgs(args []any) string { return fmt.Sprintf("%#v", args) }
