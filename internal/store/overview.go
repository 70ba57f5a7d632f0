package store

// The dashboard's reads of the rollups that aggregate.go writes: Overview
// and its parts (series, totals, share of voice, top lists).

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
)

// Overview computes the dashboard of a workspace for a period from the
// rollups: volume per monitor and bucket, share of voice, sentiment,
// breakdowns by source, language and country, top and rising hashtags, top
// domains — each with the previous period's figure. An invalid filter, or
// a monitor not of the workspace, is ErrInvalid. (Top authors come from
// TopAuthors.)
func (s *Store) Overview(ctx context.Context, f vigie.OverviewFilter) (vigie.Overview, error) {
	if err := f.Validate(); err != nil {
		return vigie.Overview{}, err
	}
	limit := f.Limit
	if limit == 0 {
		limit = DefaultOverviewLimit
	}
	limit = min(limit, MaxOverviewLimit)
	from := f.From.UTC().Truncate(time.Hour)
	nb := int((f.To.Sub(from) + f.Bucket - 1) / f.Bucket)
	o := vigie.Overview{From: from, To: from.Add(time.Duration(nb) * f.Bucket), Bucket: f.Bucket}
	o.PrevFrom = from.Add(-o.To.Sub(from))

	monitors, err := s.FindMonitors(ctx, f.WorkspaceID)
	if err != nil {
		return o, fmt.Errorf("overview: %w", err)
	}
	whole := true // all the workspace's monitors are selected
	if len(f.MonitorIDs) > 0 {
		byID := map[string]bool{}
		for _, m := range monitors {
			byID[m.ID] = true
		}
		for _, id := range f.MonitorIDs {
			if !byID[id] {
				return o, fmt.Errorf("%w: overview: monitor %q is not one of workspace %d", vigie.ErrInvalid, id, f.WorkspaceID)
			}
		}
		monitors = slices.DeleteFunc(monitors, func(m vigie.MonitorRecord) bool { return !slices.Contains(f.MonitorIDs, m.ID) })
		whole = len(monitors) == len(byID)
	}
	selected := map[string]int{} // by key: index in o.Volume
	o.Volume = make([]vigie.MonitorSeries, len(monitors))
	for i, m := range monitors {
		selected[m.Key] = i
		o.Volume[i] = vigie.MonitorSeries{ID: m.ID, Name: m.Name, Kind: m.Kind, Points: make([]vigie.BucketCount, nb)}
	}
	o.Sentiment = make([]vigie.SentimentBucket, nb)
	o.PrevVolume = make([]vigie.BucketCount, nb)
	for i := range nb {
		at := from.Add(time.Duration(i) * f.Bucket)
		o.Sentiment[i].At = at
		o.PrevVolume[i].At = o.PrevFrom.Add(time.Duration(i) * f.Bucket)
		for j := range o.Volume {
			o.Volume[j].Points[i].At = at
		}
	}
	o.BySource, o.ByLang, o.ByCountry = []vigie.KeyCount{}, []vigie.KeyCount{}, []vigie.KeyCount{}
	o.TopHashtags, o.TopDomains, o.Rising = []vigie.KeyCount{}, []vigie.KeyCount{}, []vigie.KeyCount{}
	o.ShareOfVoice = []vigie.Voice{}

	// The sets of the workspace that hold a selected monitor, with those
	// monitors (indexes in o.Volume), for the per-monitor figures; for the
	// others (once per post), the same sets, or the workspace's own when
	// every monitor is selected.
	members := map[int64][]int{}
	var workspaceSet int64
	var others []int64 // sets holding unselected monitors
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT ms.id, COALESCE(mem.monitor_id, '') FROM monitor_sets ms
		LEFT JOIN monitor_set_members mem ON mem.set_id = ms.id WHERE ms.workspace_id = ?`), f.WorkspaceID)
	if err != nil {
		return o, s.errf(err, "overview: monitor sets")
	}
	for rows.Next() {
		var id int64
		var m string
		if err := rows.Scan(&id, &m); err != nil {
			rows.Close()
			return o, s.errf(err, "overview: monitor sets")
		}
		switch i, ok := selected[m]; {
		case m == "":
			workspaceSet = id
		case ok:
			members[id] = append(members[id], i)
		default:
			others = append(others, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return o, s.errf(err, "overview: monitor sets")
	}
	o.ByKind = byKind(o.Volume)
	if len(members) == 0 {
		return o, nil
	}
	ids := make([]string, 0, len(members))
	for id := range members {
		ids = append(ids, strconv.FormatInt(id, 10))
	}
	slices.Sort(ids)
	q := overviewQuery{o: &o, members: members, monitorSets: "set_id IN (" + strings.Join(ids, ", ") + ")"}
	q.postSets = q.monitorSets
	if whole && workspaceSet != 0 {
		q.postSets = "set_id = " + strconv.FormatInt(workspaceSet, 10)
	} else if workspaceSet != 0 {
		// Some monitors: their sets, or the workspace's set less the sets
		// without them, whichever reads fewer rows.
		disjoint := slices.DeleteFunc(others, func(id int64) bool { return members[id] != nil })
		if err := s.pickPostSets(ctx, &q, workspaceSet, disjoint); err != nil {
			return o, err
		}
	}
	if err := s.overviewSeries(ctx, &q); err != nil {
		return o, err
	}
	if f.SeriesOnly {
		// Each monitor's total is its points' sum (the posts of its sets).
		for i := range o.Volume {
			for _, p := range o.Volume[i].Points {
				o.Volume[i].Total += p.Count
			}
		}
		return o, nil
	}
	if err := s.overviewTotals(ctx, &q, limit); err != nil {
		return o, err
	}
	o.ByKind = byKind(o.Volume)
	return o, nil
}

// shareOfVoice sums the posts of each monitor set by the voice it is: the
// brands (all brand monitors are one voice), one competitor, or several.
// Sets are the exact combinations of monitors posts matched, so each post
// counts once.
type shareOfVoice map[string]*vigie.Voice

func (sv shareOfVoice) add(o *vigie.Overview, members []int, cur, prev int) {
	key := ""
	for _, m := range members {
		k := ""
		switch o.Volume[m].Kind {
		case vigie.KindBrand:
			k = vigie.VoiceBrand
		case vigie.KindCompetitor:
			k = "c\x00" + o.Volume[m].ID
		default:
			continue
		}
		switch key {
		case "", k:
			key = k
		default:
			key = vigie.VoiceSeveral
		}
	}
	if key == "" {
		return
	}
	v := sv[key]
	if v == nil {
		v = &vigie.Voice{Key: key}
		if id, ok := strings.CutPrefix(key, "c\x00"); ok {
			v.Key = id
			for _, m := range members {
				if o.Volume[m].ID == id {
					v.Name = o.Volume[m].Name
				}
			}
		}
		sv[key] = v
	}
	v.Count += cur
	v.Prev += prev
}

// list is the voices heard in either period: the brands first, then the
// competitors by count, then several.
func (sv shareOfVoice) list(o *vigie.Overview) []vigie.Voice {
	out := []vigie.Voice{}
	var brand, several *vigie.Voice
	var rest []vigie.Voice
	for k, v := range sv {
		switch {
		case v.Count == 0 && v.Prev == 0:
		case k == vigie.VoiceBrand:
			brand = v
		case k == vigie.VoiceSeveral:
			several = v
		default:
			rest = append(rest, *v)
		}
	}
	if brand != nil {
		out = append(out, *brand)
	}
	slices.SortFunc(rest, func(a, b vigie.Voice) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(b.Prev, a.Prev), strings.Compare(a.Key, b.Key))
	})
	out = append(out, rest...)
	if several != nil {
		out = append(out, *several)
	}
	return out
}

// overviewQuery is an overview being filled in.
type overviewQuery struct {
	o       *vigie.Overview
	members map[int64][]int // monitors (indexes in o.Volume) of each set
	// Conditions on set_id: the sets of the per-monitor figures, and those
	// of the figures per post, less those of lessSets when not empty.
	monitorSets, postSets, lessSets string
}

// pickPostSets counts the figures per post of some monitors on the
// workspace's set less the sets without them (disjoint) when their rows of
// the last day of the period (of hashtags and domains, the most) are fewer
// than those of the monitors' sets.
func (s *Store) pickPostSets(ctx context.Context, q *overviewQuery, workspace int64, disjoint []int64) error {
	ids := strconv.FormatInt(workspace, 10)
	for _, id := range disjoint {
		ids += ", " + strconv.FormatInt(id, 10)
	}
	var less, more int
	err := s.db.QueryRowContext(ctx, s.q(`SELECT
		(SELECT COUNT(*) FROM rollup_days WHERE set_id IN (`+ids+`) AND dim IN (?, ?) AND bucket = ?),
		(SELECT COUNT(*) FROM rollup_days WHERE `+q.monitorSets+` AND dim IN (?, ?) AND bucket = ?)`),
		dimHashtag, dimDomain, floorDiv(hourOf(q.o.To)-1, 24), dimHashtag, dimDomain, floorDiv(hourOf(q.o.To)-1, 24)).Scan(&less, &more)
	if err != nil {
		return s.errf(err, "overview: monitor sets")
	}
	if less < more {
		q.postSets = "set_id = " + strconv.FormatInt(workspace, 10)
		if len(disjoint) > 0 {
			q.lessSets = "set_id IN (" + ids[strings.Index(ids, ", ")+2:] + ")"
		}
	}
	return nil
}

// overviewSeries fills the buckets of the volume and sentiment series, and
// the previous period's volume. Bucket indexes count from the previous
// period's start (so that SQL's integer division never meets a negative).
func (s *Store) overviewSeries(ctx context.Context, q *overviewQuery) error {
	o := q.o
	nb := int64(len(o.Sentiment))
	from, to, prev := hourOf(o.From), hourOf(o.To), hourOf(o.PrevFrom)
	// The totals per set and sentiment: a few rows per set and bucket.
	table, step := "rollup_hour_totals", int64(o.Bucket/time.Hour)
	if o.Bucket == 24*time.Hour && from%24 == 0 {
		// UTC days: the daily rollups.
		table, from, to, prev, step = "rollup_day_totals", from/24, to/24, prev/24, 1
	}
	// Per monitor, the posts of each set; once per post, by sentiment.
	args := []any{prev, step, from, to, prev, step, prev, to}
	less := ""
	if q.lessSets != "" {
		less = `
		UNION ALL
		SELECT 0, (bucket - ?) / ?, sentiment, -CAST(SUM(n) AS BIGINT) FROM ` + table + `
		WHERE ` + q.lessSets + ` AND bucket >= ? AND bucket < ? GROUP BY 1, 2, 3`
		args = append(args, prev, step, prev, to)
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT set_id, (bucket - ?) / ?, '', CAST(SUM(n) AS BIGINT) FROM `+table+`
		WHERE `+q.monitorSets+` AND bucket >= ? AND bucket < ? GROUP BY 1, 2
		UNION ALL
		SELECT 0, (bucket - ?) / ?, sentiment, CAST(SUM(n) AS BIGINT) FROM `+table+`
		WHERE `+q.postSets+` AND bucket >= ? AND bucket < ? GROUP BY 1, 2, 3`+less),
		args...)
	if err != nil {
		return s.errf(err, "overview: series")
	}
	defer rows.Close()
	for rows.Next() {
		var (
			set, i int64
			label  string
			n      int
		)
		if err := rows.Scan(&set, &i, &label, &n); err != nil {
			return s.errf(err, "overview: series")
		}
		switch {
		case i < 0 || i >= 2*nb:
		case set == 0 && i < nb:
			o.PrevVolume[i].Count += n
		case set == 0:
			addSentiment(&o.Sentiment[i-nb].SentimentCounts, label, n)
		case i >= nb:
			for _, m := range q.members[set] {
				o.Volume[m].Points[i-nb].Count += n
			}
		}
	}
	if err := rows.Err(); err != nil {
		return s.errf(err, "overview: series")
	}
	return nil
}

func addSentiment(c *vigie.SentimentCounts, label string, n int) {
	switch label {
	case vigie.Negative:
		c.Negative += n
	case vigie.Neutral:
		c.Neutral += n
	case vigie.Positive:
		c.Positive += n
	default:
		c.Unknown += n
	}
}

// segment is a range of buckets [lo, hi) of one rollup table.
type segment struct {
	table  string
	lo, hi int64
}

// segments covers the hours [lo, hi) with the fewest rollup rows: the
// whole UTC days from the daily rollups, the hours at either end from the
// hourly ones.
func segments(lo, hi int64) []segment {
	dlo, dhi := floorDiv(lo+23, 24), floorDiv(hi, 24)
	if dlo >= dhi {
		return []segment{{"rollup_hours", lo, hi}}
	}
	out := []segment{{"rollup_days", dlo, dhi}}
	if lo < dlo*24 {
		out = append(out, segment{"rollup_hours", lo, dlo * 24})
	}
	if dhi*24 < hi {
		out = append(out, segment{"rollup_hours", dhi * 24, hi})
	}
	return out
}

// overviewTotals fills the totals of both periods: per monitor, by
// sentiment, the breakdowns and the top lists.
func (s *Store) overviewTotals(ctx context.Context, q *overviewQuery, limit int) error {
	o := q.o
	var parts []string
	var args []any
	for _, p := range []struct {
		from, to   time.Time
		cols, less string
	}{{o.From, o.To, "n AS cur, 0 AS prev", "-n, 0"}, {o.PrevFrom, o.From, "0 AS cur, n AS prev", "0, -n"}} {
		for _, seg := range segments(hourOf(p.from), hourOf(p.to)) {
			parts = append(parts, "SELECT set_id, '"+dimPost+"' AS dim, '' AS value, "+p.cols+" FROM "+totalsOf(seg.table)+" WHERE "+q.monitorSets+
				" AND bucket >= ? AND bucket < ?")
			args = append(args, seg.lo, seg.hi)
			parts = append(parts, "SELECT 0, dim, value, "+p.cols+" FROM "+seg.table+" WHERE "+q.postSets+
				" AND dim IN (?, ?, ?) AND bucket >= ? AND bucket < ?")
			args = append(args, dimPost, dimHashtag, dimDomain, seg.lo, seg.hi)
			if q.lessSets != "" {
				parts = append(parts, "SELECT 0, dim, value, "+p.less+" FROM "+seg.table+" WHERE "+q.lessSets+
					" AND dim IN (?, ?, ?) AND bucket >= ? AND bucket < ?")
				args = append(args, dimPost, dimHashtag, dimDomain, seg.lo, seg.hi)
			}
		}
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT set_id, dim, value, CAST(SUM(cur) AS BIGINT), CAST(SUM(prev) AS BIGINT)
		FROM (`+strings.Join(parts, " UNION ALL ")+`) r GROUP BY 1, 2, 3`), args...)
	if err != nil {
		return s.errf(err, "overview: totals")
	}
	defer rows.Close()
	lists := map[string][]vigie.KeyCount{}
	voices := shareOfVoice{}
	// The breakdowns add up the combinations that share a value.
	breakdown := map[string]map[string]*vigie.KeyCount{dimSource: {}, dimLang: {}, dimCountry: {}}
	count := func(dim, key string, cur, prev int) {
		kc := breakdown[dim][key]
		if kc == nil {
			kc = &vigie.KeyCount{Key: key}
			breakdown[dim][key] = kc
		}
		kc.Count += cur
		kc.Prev += prev
	}
	for rows.Next() {
		var (
			set        int64
			dim, value string
			cur, prev  int
		)
		if err := rows.Scan(&set, &dim, &value, &cur, &prev); err != nil {
			return s.errf(err, "overview: totals")
		}
		switch {
		case dim == dimPost && set != 0:
			for _, m := range q.members[set] {
				o.Volume[m].Total += cur
				o.Volume[m].PrevTotal += prev
			}
			voices.add(o, q.members[set], cur, prev)
		case dim == dimPost:
			sentiment, source, lang, country := postDimsOf(value)
			addSentiment(&o.SentimentTotal, sentiment, cur)
			addSentiment(&o.PrevSentimentTotal, sentiment, prev)
			count(dimSource, source, cur, prev)
			count(dimLang, lang, cur, prev)
			count(dimCountry, country, cur, prev)
		case cur != 0 || prev != 0:
			lists[dim] = append(lists[dim], vigie.KeyCount{Key: value, Count: cur, Prev: prev})
		}
	}
	if err := rows.Err(); err != nil {
		return s.errf(err, "overview: totals")
	}
	for dim, keys := range breakdown {
		for _, kc := range keys {
			if kc.Count != 0 || kc.Prev != 0 {
				lists[dim] = append(lists[dim], *kc)
			}
		}
	}
	o.Total, o.PrevTotal = o.SentimentTotal.Total(), o.PrevSentimentTotal.Total()
	o.ShareOfVoice = voices.list(o)
	byCount := func(a, b vigie.KeyCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(b.Prev, a.Prev), strings.Compare(a.Key, b.Key))
	}
	for dim, dst := range map[string]*[]vigie.KeyCount{dimSource: &o.BySource, dimLang: &o.ByLang, dimCountry: &o.ByCountry} {
		if l := lists[dim]; l != nil {
			slices.SortFunc(l, byCount)
			*dst = l
		}
	}
	top := func(l []vigie.KeyCount) []vigie.KeyCount {
		l = slices.DeleteFunc(append([]vigie.KeyCount{}, l...), func(k vigie.KeyCount) bool { return k.Count == 0 })
		slices.SortFunc(l, byCount)
		return l[:min(limit, len(l))]
	}
	o.TopHashtags, o.TopDomains = top(lists[dimHashtag]), top(lists[dimDomain])
	o.Rising = rising(lists[dimHashtag], limit)
	return nil
}

// rising ranks the keys of at least RisingMinCount that grew, by how
// unlikely their growth is by chance: (count − prev) / √(prev + 1), the
// growth in standard deviations of a Poisson count of mean prev — so that
// 0 → 5 does not outrank 100 → 400.
func rising(l []vigie.KeyCount, limit int) []vigie.KeyCount {
	score := func(k vigie.KeyCount) float64 { return float64(k.Count-k.Prev) / math.Sqrt(float64(k.Prev+1)) }
	out := []vigie.KeyCount{}
	for _, k := range l {
		if k.Count >= vigie.RisingMinCount && k.Count > k.Prev {
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(a, b vigie.KeyCount) int {
		return cmp.Or(cmp.Compare(score(b), score(a)), cmp.Compare(b.Count, a.Count), strings.Compare(a.Key, b.Key))
	})
	return out[:min(limit, len(out))]
}

// byKind sums the monitors' totals per kind, in the order of
// vigie.MonitorKinds (kinds without monitors left out), then "".
func byKind(volume []vigie.MonitorSeries) []vigie.KeyCount {
	out := []vigie.KeyCount{}
	for _, k := range append(slices.Clone(vigie.MonitorKinds), "") {
		kc, seen := vigie.KeyCount{Key: string(k)}, false
		for _, m := range volume {
			if m.Kind == k {
				kc.Count += m.Total
				kc.Prev += m.PrevTotal
				seen = true
			}
		}
		if seen {
			out = append(out, kc)
		}
	}
	return out
}
