package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
)

// aggFixture is a workspace whose monitors have every kind, a monitor of
// another workspace, and sources of several kinds.
type aggFixture struct {
	fixture
	monitors []string // of f.ws
}

func newAggFixture(t testing.TB, s *Store) aggFixture {
	t.Helper()
	ctx := context.Background()
	f := aggFixture{fixture: newFixture(t, s, "other-x")}
	kinds := map[string]vigie.MonitorKind{"b1": vigie.KindBrand, "c1": vigie.KindCompetitor, "c2": vigie.KindCompetitor, "k1": vigie.KindKeyword, "n1": ""}
	for _, id := range []string{"b1", "c1", "c2", "k1", "n1"} {
		must(s.CreateMonitor(ctx, vigie.MonitorRecord{Monitor: vigie.Monitor{ID: id, Name: "Monitor " + id, Kind: kinds[id], Query: id}, WorkspaceID: f.ws.ID}))(t)
		f.monitors = append(f.monitors, id)
	}
	return f
}

var (
	aggSources   = []string{"mastodon", "bluesky", "rss"}
	aggLangs     = []string{"en", "fr", "de", ""}
	aggCountries = []string{"ch", "fr", ""}
	aggLabels    = []string{vigie.Positive, vigie.Neutral, vigie.Negative, ""}
	aggTags      = []string{"epfl", "climat", "research", "ai", "sport", "crisis"}
	aggDomains   = []string{"epfl.ch", "news.example", "rts.ch"}
)

// aggItems generates n posts published at random over [t0 − 10 days,
// t0 + 2 days), out of order, matching one or more monitors.
func aggItems(rng *rand.Rand, from, n int, monitors []string) []Item {
	out := make([]Item, n)
	for i := range out {
		at := t0.Add(-10*24*time.Hour + time.Duration(rng.IntN(12*24*60))*time.Minute + time.Duration(rng.IntN(60))*time.Second)
		p := vigie.Post{ID: fmt.Sprintf("g%d", from+i), Source: aggSources[rng.IntN(len(aggSources))], Text: "post", PublishedAt: at,
			Country: aggCountries[rng.IntN(len(aggCountries))], Author: vigie.Author{ID: fmt.Sprint(rng.IntN(20))}}
		e := Enrichment{Lang: aggLangs[rng.IntN(len(aggLangs))], Sentiment: vigie.Sentiment{Label: aggLabels[rng.IntN(len(aggLabels))]}}
		for range rng.IntN(3) {
			tag := aggTags[rng.IntN(len(aggTags))]
			if at.After(t0.Add(-24*time.Hour)) && rng.IntN(2) == 0 {
				tag = "crisis" // rising
			}
			e.Entities.Hashtags = append(e.Entities.Hashtags, tag)
		}
		for range rng.IntN(2) {
			e.Entities.Domains = append(e.Entities.Domains, aggDomains[rng.IntN(len(aggDomains))])
		}
		it := Item{Post: p, Enrichment: e}
		switch r := rng.IntN(20); {
		case r == 0:
			it.MonitorKeys = []string{"other-x"}
		case r < 3:
			it.MonitorKeys = []string{monitors[rng.IntN(len(monitors))], "other-x"}
		case r < 9:
			it.MonitorKeys = []string{monitors[rng.IntN(len(monitors))], monitors[rng.IntN(len(monitors))]}
		default:
			it.MonitorKeys = []string{monitors[rng.IntN(len(monitors))]}
		}
		out[i] = it
	}
	return out
}

// loadAgg stores a few hundred generated mentions in batches, re-delivering
// some posts with more monitors (stored posts gaining mentions).
func loadAgg(t testing.TB, s *Store, f aggFixture) {
	t.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 7))
	for i := range 4 {
		must(saveBatch(s, ctx, f.source.ID, aggItems(rng, i*100, 100, f.monitors), nil))(t)
	}
	again := aggItems(rand.New(rand.NewPCG(7, 7)), 0, 60, f.monitors)
	for i := range again {
		again[i].MonitorKeys = append(again[i].MonitorKeys, f.monitors[i%len(f.monitors)])
	}
	must(saveBatch(s, ctx, f.source.ID, again, nil))(t)
}

// allMentions returns every mention of the workspace, with its monitors of
// the workspace.
func allMentions(t testing.TB, s *Store, ws int64) []vigie.Mention {
	t.Helper()
	var out []vigie.Mention
	f := vigie.MentionFilter{WorkspaceID: ws, Limit: MaxMentionLimit}
	for {
		page := must(s.FindMentions(context.Background(), f))(t)
		out = append(out, page.Mentions...)
		if page.NextCursor == "" {
			return out
		}
		f.Cursor = page.NextCursor
	}
}

// bruteOverview computes the overview from the mentions themselves.
func bruteOverview(t testing.TB, s *Store, f vigie.OverviewFilter) vigie.Overview {
	t.Helper()
	from := f.From.UTC().Truncate(time.Hour)
	nb := int((f.To.Sub(from) + f.Bucket - 1) / f.Bucket)
	o := vigie.Overview{From: from, To: from.Add(time.Duration(nb) * f.Bucket), Bucket: f.Bucket}
	o.PrevFrom = from.Add(-o.To.Sub(from))
	limit := cmp.Or(f.Limit, DefaultOverviewLimit)

	monitors := must(s.FindMonitors(context.Background(), f.WorkspaceID))(t)
	if len(f.MonitorIDs) > 0 {
		monitors = slices.DeleteFunc(monitors, func(m vigie.MonitorRecord) bool { return !slices.Contains(f.MonitorIDs, m.ID) })
	}
	index := map[string]int{}
	for i, m := range monitors {
		index[m.ID] = i
		series := vigie.MonitorSeries{ID: m.ID, Name: m.Name, Kind: m.Kind}
		for b := range nb {
			series.Points = append(series.Points, vigie.BucketCount{At: from.Add(time.Duration(b) * f.Bucket)})
		}
		o.Volume = append(o.Volume, series)
	}
	for b := range nb {
		o.Sentiment = append(o.Sentiment, vigie.SentimentBucket{At: from.Add(time.Duration(b) * f.Bucket)})
		o.PrevVolume = append(o.PrevVolume, vigie.BucketCount{At: o.PrevFrom.Add(time.Duration(b) * f.Bucket)})
	}
	dims := map[string]map[string]*vigie.KeyCount{}
	count := func(dim, key string, cur bool) {
		if dims[dim] == nil {
			dims[dim] = map[string]*vigie.KeyCount{}
		}
		kc := dims[dim][key]
		if kc == nil {
			kc = &vigie.KeyCount{Key: key}
			dims[dim][key] = kc
		}
		if cur {
			kc.Count++
		} else {
			kc.Prev++
		}
	}
	sentiment := func(c *vigie.SentimentCounts, label string) {
		switch label {
		case vigie.Positive:
			c.Positive++
		case vigie.Neutral:
			c.Neutral++
		case vigie.Negative:
			c.Negative++
		default:
			c.Unknown++
		}
	}
	voices := map[string]*vigie.Voice{}
	for _, m := range allMentions(t, s, f.WorkspaceID) {
		var sel []int
		for _, id := range m.MonitorIDs {
			if i, ok := index[id]; ok {
				sel = append(sel, i)
			}
		}
		at := m.Post.PublishedAt
		if len(sel) == 0 || at.Before(o.PrevFrom) || !at.Before(o.To) {
			continue
		}
		cur := !at.Before(o.From)
		b := int(at.Sub(from) / f.Bucket)
		// The voice of the post: the brands, one competitor, or several.
		voice := ""
		for _, i := range sel {
			k := ""
			switch monitors[i].Kind {
			case vigie.KindBrand:
				k = vigie.VoiceBrand
			case vigie.KindCompetitor:
				k = "c:" + monitors[i].ID
			}
			if k != "" && voice != "" && voice != k {
				k = vigie.VoiceSeveral
			}
			if k != "" {
				voice = k
			}
		}
		if voice != "" {
			v := voices[voice]
			if v == nil {
				v = &vigie.Voice{Key: strings.TrimPrefix(voice, "c:")}
				if id, ok := strings.CutPrefix(voice, "c:"); ok {
					v.Name = monitors[index[id]].Name
				}
				voices[voice] = v
			}
			if cur {
				v.Count++
			} else {
				v.Prev++
			}
		}
		for _, i := range sel {
			if cur {
				o.Volume[i].Total++
				o.Volume[i].Points[b].Count++
			} else {
				o.Volume[i].PrevTotal++
			}
		}
		if cur {
			o.Total++
			sentiment(&o.SentimentTotal, m.Sentiment.Label)
			sentiment(&o.Sentiment[b].SentimentCounts, m.Sentiment.Label)
		} else {
			o.PrevTotal++
			sentiment(&o.PrevSentimentTotal, m.Sentiment.Label)
			o.PrevVolume[int(at.Sub(o.PrevFrom)/f.Bucket)].Count++
		}
		count("source", m.Post.Source, cur)
		count("lang", m.Post.Lang, cur)
		count("country", m.Post.Country, cur)
		for _, h := range m.Entities.Hashtags {
			count("hashtag", h, cur)
		}
		for _, d := range m.Entities.Domains {
			count("domain", d, cur)
		}
	}
	sorted := func(dim string, keep func(vigie.KeyCount) bool) []vigie.KeyCount {
		out := []vigie.KeyCount{}
		for _, kc := range dims[dim] {
			if keep(*kc) {
				out = append(out, *kc)
			}
		}
		slices.SortFunc(out, func(a, b vigie.KeyCount) int {
			return cmp.Or(b.Count-a.Count, b.Prev-a.Prev, strings.Compare(a.Key, b.Key))
		})
		return out
	}
	all := func(vigie.KeyCount) bool { return true }
	o.BySource, o.ByLang, o.ByCountry = sorted("source", all), sorted("lang", all), sorted("country", all)
	inPeriod := func(kc vigie.KeyCount) bool { return kc.Count > 0 }
	o.TopHashtags, o.TopDomains = sorted("hashtag", inPeriod), sorted("domain", inPeriod)
	o.TopHashtags, o.TopDomains = o.TopHashtags[:min(limit, len(o.TopHashtags))], o.TopDomains[:min(limit, len(o.TopDomains))]
	o.Rising = sorted("hashtag", func(kc vigie.KeyCount) bool { return kc.Count >= vigie.RisingMinCount && kc.Count > kc.Prev })
	z := func(kc vigie.KeyCount) float64 { return float64(kc.Count-kc.Prev) / math.Sqrt(float64(kc.Prev)+1) }
	slices.SortStableFunc(o.Rising, func(a, b vigie.KeyCount) int { return cmp.Compare(z(b), z(a)) })
	o.Rising = o.Rising[:min(limit, len(o.Rising))]
	o.ShareOfVoice = []vigie.Voice{}
	var rest []vigie.Voice
	for k, v := range voices {
		if k != vigie.VoiceBrand && k != vigie.VoiceSeveral {
			rest = append(rest, *v)
		}
	}
	slices.SortFunc(rest, func(a, b vigie.Voice) int {
		return cmp.Or(b.Count-a.Count, b.Prev-a.Prev, strings.Compare(a.Key, b.Key))
	})
	if v := voices[vigie.VoiceBrand]; v != nil {
		o.ShareOfVoice = append(o.ShareOfVoice, *v)
	}
	o.ShareOfVoice = append(o.ShareOfVoice, rest...)
	if v := voices[vigie.VoiceSeveral]; v != nil {
		o.ShareOfVoice = append(o.ShareOfVoice, *v)
	}
	o.ByKind = []vigie.KeyCount{}
	for _, k := range append(slices.Clone(vigie.MonitorKinds), "") {
		kc, seen := vigie.KeyCount{Key: string(k)}, false
		for _, m := range o.Volume {
			if m.Kind == k {
				kc.Count, kc.Prev, seen = kc.Count+m.Total, kc.Prev+m.PrevTotal, true
			}
		}
		if seen {
			o.ByKind = append(o.ByKind, kc)
		}
	}
	return o
}

// sameOverview reports the fields where got and want differ, as JSON.
func sameOverview(t testing.TB, name string, got, want vigie.Overview) {
	t.Helper()
	var g, w map[string]json.RawMessage
	for _, x := range []struct {
		o   vigie.Overview
		dst *map[string]json.RawMessage
	}{{got, &g}, {want, &w}} {
		b, err := json.Marshal(x.o)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, x.dst); err != nil {
			t.Fatal(err)
		}
	}
	for k := range w {
		if string(g[k]) != string(w[k]) {
			t.Errorf("%s: %s\n got %s\nwant %s", name, k, g[k], w[k])
		}
	}
}

// overviewCases are the periods the differential tests check.
func overviewCases(ws int64) map[string]vigie.OverviewFilter {
	day := t0.Truncate(24 * time.Hour)
	return map[string]vigie.OverviewFilter{
		"24h hourly":          {WorkspaceID: ws, From: t0.Add(-24*time.Hour + 30*time.Minute), To: t0, Bucket: time.Hour},
		"7d UTC days":         {WorkspaceID: ws, From: day.Add(-6 * 24 * time.Hour), To: day.Add(24 * time.Hour), Bucket: 24 * time.Hour},
		"7d local days":       {WorkspaceID: ws, From: t0.Add(-7 * 24 * time.Hour), To: t0, Bucket: 24 * time.Hour},
		"80h hourly":          {WorkspaceID: ws, From: t0.Add(-75 * time.Hour), To: t0.Add(5 * time.Hour), Bucket: time.Hour},
		"30d days":            {WorkspaceID: ws, From: day.Add(-15 * 24 * time.Hour), To: day.Add(3 * 24 * time.Hour), Bucket: 24 * time.Hour},
		"7d brand+competitor": {WorkspaceID: ws, MonitorIDs: []string{"b1", "c2"}, From: day.Add(-6 * 24 * time.Hour), To: day.Add(24 * time.Hour), Bucket: 24 * time.Hour},
		"7d all but one":      {WorkspaceID: ws, MonitorIDs: []string{"b1", "c1", "c2", "k1"}, From: day.Add(-6 * 24 * time.Hour), To: day.Add(24 * time.Hour), Bucket: 24 * time.Hour},
		"24h one monitor":     {WorkspaceID: ws, MonitorIDs: []string{"k1"}, From: t0.Add(-24 * time.Hour), To: t0, Bucket: time.Hour, Limit: 3},
		"uneven end":          {WorkspaceID: ws, From: t0.Add(-50 * time.Hour), To: t0.Add(-time.Minute), Bucket: 24 * time.Hour},
	}
}

func checkOverviews(t *testing.T, s *Store, ws int64, when string) {
	t.Helper()
	existing := map[string]bool{}
	for _, m := range must(s.FindMonitors(context.Background(), ws))(t) {
		existing[m.ID] = true
	}
	for name, f := range overviewCases(ws) {
		f.MonitorIDs = slices.DeleteFunc(f.MonitorIDs, func(id string) bool { return !existing[id] })
		got, err := s.Overview(context.Background(), f)
		if err != nil {
			t.Fatalf("%s, %s: %v", when, name, err)
		}
		sameOverview(t, when+", "+name, got, bruteOverview(t, s, f))
	}
	checkRollups(t, s, when)
}

// rollupRows returns the rollups by set key, table, dimension, bucket and value.
func rollupRows(t testing.TB, s *Store) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, table := range []string{"rollup_hours", "rollup_days"} {
		rows, err := s.db.Query("SELECT ms.workspace_id, ms.key, r.dim, r.bucket, r.value, r.n FROM " + table + " r JOIN monitor_sets ms ON ms.id = r.set_id")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var key, dim, value string
			var ws, bucket, n int64
			if err := rows.Scan(&ws, &key, &dim, &bucket, &value, &n); err != nil {
				t.Fatal(err)
			}
			out[fmt.Sprintf("%s|%d|%q|%s|%d|%s", table, ws, key, dim, bucket, value)] += n
		}
		rows.Close()
	}
	return out
}

// authorDayRows reads author_days in key order.
func authorDayRows(t testing.TB, s *Store) []string {
	t.Helper()
	rows, err := s.db.Query("SELECT workspace_id, day, author_id, n, engagement, followers FROM author_days ORDER BY workspace_id, day, author_id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var ws, day, a, n, e, fl int64
		if err := rows.Scan(&ws, &day, &a, &n, &e, &fl); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d/%d/%d:%d,%d,%d", ws, day, a, n, e, fl))
	}
	return out
}

// rebuildRollups empties the rollups and runs migration 0006 again: its
// backfill computes them from the mentions.
func rebuildRollups(t testing.TB, s *Store) { rebuildRollupsAs(t, s, true) }

// rebuildRollupsAs is rebuildRollups, in the layout of before migration
// 0013 (a row per dimension) unless combos.
func rebuildRollupsAs(t testing.TB, s *Store, combos bool) {
	t.Helper()
	stmts := []string{"DROP TABLE rollup_hour_totals", "DROP TABLE rollup_day_totals",
		"DELETE FROM schema_migrations WHERE version = '0018_rollup_totals'", "DROP TABLE rollup_hours", "DROP TABLE rollup_days", "DROP TABLE monitor_set_members",
		"DROP TABLE monitor_sets", "DELETE FROM schema_migrations WHERE version = '0006_rollups'",
		"DROP TABLE author_days", "DELETE FROM schema_migrations WHERE version = '0008_author_days'",
		"DROP TABLE author_bounds", "DELETE FROM schema_migrations WHERE version = '0022_author_bounds'"}
	if combos {
		stmts = append(stmts, "DELETE FROM schema_migrations WHERE version = '0013_rollup_post_combinations'")
	}
	for _, stmt := range stmts {
		if _, err := s.db.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	if err := s.migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// checkRollups checks that the rollups kept up to date are what the
// migration's backfill computes, with no row of zero.
func checkRollups(t *testing.T, s *Store, when string) {
	t.Helper()
	var zero int
	if err := s.db.QueryRow("SELECT (SELECT COUNT(*) FROM rollup_hours WHERE n <= 0) + (SELECT COUNT(*) FROM rollup_days WHERE n <= 0)").Scan(&zero); err != nil {
		t.Fatal(err)
	}
	if zero > 0 {
		t.Errorf("%s: %d rollup rows of zero or less", when, zero)
	}
	checkRollupTotals(t, s, when)
	// The backfill replaces the rollups kept so far (the next changes
	// build on it).
	kept := rollupRows(t, s)
	keptAuthors := authorDayRows(t, s)
	rebuildRollups(t, s)
	rebuilt := rollupRows(t, s)
	if got, want := fmt.Sprint(keptAuthors), fmt.Sprint(authorDayRows(t, s)); got != want {
		t.Errorf("%s: author_days kept\n%s\nbackfill gives\n%s", when, got, want)
	}
	for k, n := range kept {
		if rebuilt[k] != n {
			t.Errorf("%s: rollup %s = %d, backfill gives %d", when, k, n, rebuilt[k])
		}
	}
	for k, n := range rebuilt {
		if _, ok := kept[k]; !ok {
			t.Errorf("%s: rollup %s missing, backfill gives %d", when, k, n)
		}
	}
}

// checkRollupTotals checks that the rollups' totals are the sums of their
// 'post' rows.
func checkRollupTotals(t *testing.T, s *Store, when string) {
	t.Helper()
	for _, table := range []string{"hour", "day"} {
		sums := map[string]int64{}
		rows, err := s.db.Query("SELECT set_id, bucket, value, n FROM rollup_" + table + "s WHERE dim = 'post'")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var set, bucket, n int64
			var value string
			if err := rows.Scan(&set, &bucket, &value, &n); err != nil {
				t.Fatal(err)
			}
			sentiment, _, _, _ := postDimsOf(value)
			sums[fmt.Sprintf("%d|%d|%s", set, bucket, sentiment)] += n
		}
		rows.Close()
		kept := map[string]int64{}
		rows, err = s.db.Query("SELECT set_id, bucket, sentiment, n FROM rollup_" + table + "_totals")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var set, bucket, n int64
			var sentiment string
			if err := rows.Scan(&set, &bucket, &sentiment, &n); err != nil {
				t.Fatal(err)
			}
			kept[fmt.Sprintf("%d|%d|%s", set, bucket, sentiment)] = n
		}
		rows.Close()
		for k, n := range sums {
			if kept[k] != n {
				t.Errorf("%s: rollup_%s_totals %s = %d, its rows sum to %d", when, table, k, kept[k], n)
			}
		}
		for k, n := range kept {
			if _, ok := sums[k]; !ok && n != 0 {
				t.Errorf("%s: rollup_%s_totals %s = %d, without rows", when, table, k, n)
			}
		}
	}
}

func TestOverviewMatchesMentions(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newAggFixture(t, s)
		loadAgg(t, s, f)
		checkOverviews(t, s, f.ws.ID, "after SaveBatch")

		ms := allMentions(t, s, f.ws.ID)
		for i, m := range ms[:20] {
			field, value := FieldSentiment, aggLabels[i%3]
			if i%2 == 1 {
				field, value = FieldLang, []string{"it", "en", "fr"}[i%3]
			}
			must(s.Correct(ctx, f.ws.ID, m.ID, map[string]string{field: value}, "tester"))(t)
		}
		checkOverviews(t, s, f.ws.ID, "after Correct")

		var updates []EnrichmentUpdate
		for i, m := range ms[10:80] {
			updates = append(updates, EnrichmentUpdate{PostID: m.ID, Lang: []string{"es", "", "en"}[i%3],
				Sentiment: vigie.Sentiment{Label: aggLabels[(i+1)%4], Score: 0.5}})
		}
		must(s.UpdateEnrichment(ctx, updates))(t)
		checkOverviews(t, s, f.ws.ID, "after UpdateEnrichment")

		var ids []int64
		for _, m := range ms[40:160] {
			ids = append(ids, m.ID)
		}
		if n := must(s.AddMentions(ctx, f.ws.ID, "k1", ids))(t); n == 0 {
			t.Fatal("AddMentions added nothing")
		}
		checkOverviews(t, s, f.ws.ID, "after AddMentions")

		// A monitor's query changed: some of its mentions go.
		if n := must(s.RemoveMentions(ctx, f.ws.ID, "k1", ids[:60]))(t); n != 60 {
			t.Fatalf("RemoveMentions removed %d of 60", n)
		}
		checkOverviews(t, s, f.ws.ID, "after RemoveMentions")

		if err := s.DeleteMonitor(ctx, f.ws.ID, "c1"); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteMonitor(ctx, f.other.ID, "other-x"); err != nil {
			t.Fatal(err)
		}
		checkOverviews(t, s, f.ws.ID, "after DeleteMonitor")

		// New posts after all that still count.
		must(saveBatch(s, ctx, f.source.ID, aggItems(rand.New(rand.NewPCG(9, 9)), 1000, 50, []string{"b1", "c2", "k1"}), nil))(t)
		checkOverviews(t, s, f.ws.ID, "after more SaveBatch")
	})
}

func TestOverviewShape(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newAggFixture(t, s)
		// Empty: every bucket and monitor is there, at zero.
		o := must(s.Overview(ctx, vigie.OverviewFilter{WorkspaceID: f.ws.ID, From: t0.Add(-24 * time.Hour), To: t0, Bucket: time.Hour}))(t)
		if len(o.Sentiment) != 24 || len(o.Volume) != len(f.monitors) || o.Total != 0 {
			t.Fatalf("empty overview: %d buckets, %d monitors, total %d", len(o.Sentiment), len(o.Volume), o.Total)
		}
		for _, v := range o.Volume {
			if len(v.Points) != 24 || v.Points[23].At != t0.Add(-time.Hour) {
				t.Errorf("monitor %s: %d points, last %v", v.ID, len(v.Points), v.Points[len(v.Points)-1].At)
			}
		}
		if !o.PrevFrom.Equal(t0.Add(-48 * time.Hour)) {
			t.Errorf("PrevFrom = %v", o.PrevFrom)
		}

		// One mention 3 hours before t0: the other buckets stay at zero.
		batch := items("b1", post("1", "hello", t0.Add(-150*time.Minute)))
		batch[0].MonitorKeys = append(batch[0].MonitorKeys, "c1")
		batch[0].Enrichment.Sentiment.Label = vigie.Negative
		must(saveBatch(s, ctx, f.source.ID, batch, nil))(t)
		o = must(s.Overview(ctx, vigie.OverviewFilter{WorkspaceID: f.ws.ID, From: t0.Add(-24 * time.Hour), To: t0, Bucket: time.Hour}))(t)
		if o.Total != 1 || o.Sentiment[21].Negative != 1 || o.SentimentTotal != (vigie.SentimentCounts{Negative: 1}) {
			t.Errorf("one mention: total %d, bucket 21 %+v, sentiment %+v", o.Total, o.Sentiment[21], o.SentimentTotal)
		}
		// Counted once in the workspace, once per monitor in the share of voice.
		want := []vigie.KeyCount{{Key: "brand", Count: 1}, {Key: "competitor", Count: 1}, {Key: "keyword"}, {Key: ""}}
		if !slices.Equal(o.ByKind, want) {
			t.Errorf("ByKind = %+v, want %+v", o.ByKind, want)
		}
		for _, v := range o.Volume {
			for i, p := range v.Points {
				want := 0
				if (v.ID == "b1" || v.ID == "c1") && i == 21 {
					want = 1
				}
				if p.Count != want {
					t.Errorf("%s bucket %d = %d, want %d", v.ID, i, p.Count, want)
				}
			}
		}
		// The mention falls in the previous period of a later one.
		o = must(s.Overview(ctx, vigie.OverviewFilter{WorkspaceID: f.ws.ID, From: t0, To: t0.Add(24 * time.Hour), Bucket: 24 * time.Hour}))(t)
		if o.Total != 0 || o.PrevTotal != 1 || o.PrevSentimentTotal.Negative != 1 || len(o.Sentiment) != 1 {
			t.Errorf("next day: %+v", o)
		}
		// Rounding: From down to the hour, To up to the end of the last bucket.
		o = must(s.Overview(ctx, vigie.OverviewFilter{WorkspaceID: f.ws.ID, From: t0.Add(-90 * time.Minute), To: t0.Add(25 * time.Hour), Bucket: 24 * time.Hour}))(t)
		if !o.From.Equal(t0.Add(-2*time.Hour)) || !o.To.Equal(t0.Add(46*time.Hour)) || len(o.Sentiment) != 2 {
			t.Errorf("rounded period: %v – %v, %d buckets", o.From, o.To, len(o.Sentiment))
		}
	})
}

func TestOverviewInvalid(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		f := newAggFixture(t, s)
		ws := f.ws.ID
		tests := []struct {
			name string
			f    vigie.OverviewFilter
		}{
			{"no workspace", vigie.OverviewFilter{From: t0.Add(-time.Hour), To: t0, Bucket: time.Hour}},
			{"no period", vigie.OverviewFilter{WorkspaceID: ws, Bucket: time.Hour}},
			{"no start", vigie.OverviewFilter{WorkspaceID: ws, To: t0, Bucket: time.Hour}},
			{"end before start", vigie.OverviewFilter{WorkspaceID: ws, From: t0, To: t0.Add(-time.Hour), Bucket: time.Hour}},
			{"empty period", vigie.OverviewFilter{WorkspaceID: ws, From: t0, To: t0, Bucket: time.Hour}},
			{"no bucket", vigie.OverviewFilter{WorkspaceID: ws, From: t0.Add(-time.Hour), To: t0}},
			{"minute bucket", vigie.OverviewFilter{WorkspaceID: ws, From: t0.Add(-time.Hour), To: t0, Bucket: time.Minute}},
			{"week bucket", vigie.OverviewFilter{WorkspaceID: ws, From: t0.Add(-30 * 24 * time.Hour), To: t0, Bucket: 7 * 24 * time.Hour}},
			{"too many buckets", vigie.OverviewFilter{WorkspaceID: ws, From: t0.Add(-1001 * time.Hour), To: t0, Bucket: time.Hour}},
			{"negative limit", vigie.OverviewFilter{WorkspaceID: ws, From: t0.Add(-time.Hour), To: t0, Bucket: time.Hour, Limit: -1}},
			{"unknown monitor", vigie.OverviewFilter{WorkspaceID: ws, MonitorIDs: []string{"nope"}, From: t0.Add(-time.Hour), To: t0, Bucket: time.Hour}},
			{"monitor of another workspace", vigie.OverviewFilter{WorkspaceID: ws, MonitorIDs: []string{"b1", "other-x"}, From: t0.Add(-time.Hour), To: t0, Bucket: time.Hour}},
		}
		for _, tt := range tests {
			_, err := s.Overview(context.Background(), tt.f)
			wantErr(t, err, vigie.ErrInvalid, tt.name)
		}
		// The most buckets allowed.
		_, err := s.Overview(context.Background(), vigie.OverviewFilter{WorkspaceID: ws, From: t0.Add(-1000 * time.Hour), To: t0, Bucket: time.Hour})
		wantErr(t, err, nil, "1000 buckets")
	})
}

// TestRollupBackfill stores mentions behind the rollups' back, as a
// database from before migration 0006 holds them, and checks that the
// migration's backfill counts them.
func TestRollupBackfill(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newAggFixture(t, s)
		loadAgg(t, s, f)
		// Posts, mentions and entities written directly, as before 0006.
		rng := rand.New(rand.NewPCG(3, 3))
		for i, it := range keyed(s, aggItems(rng, 5000, 80, f.monitors)) {
			var id int64
			p := it.Post
			err := s.db.QueryRow(s.q(`INSERT INTO posts (source_id, source_kind, external_id, published_at, lang, country, sentiment, stored_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`), f.source.ID, p.Source, p.ID, s.tm(p.PublishedAt),
				it.Enrichment.Lang, p.Country, it.Enrichment.Sentiment.Label, s.tm(t0)).Scan(&id)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range it.MonitorKeys {
				if _, err := s.db.Exec(s.q(`INSERT INTO mentions (post_id, monitor_id, published_at) VALUES (?, ?, ?)
					ON CONFLICT (post_id, monitor_id) DO NOTHING`), id, m, s.tm(p.PublishedAt)); err != nil {
					t.Fatal(err)
				}
			}
			for _, h := range append(it.Enrichment.Entities.Hashtags, fmt.Sprint("raw", i%4)) {
				if _, err := s.db.Exec(s.q(`INSERT INTO post_entities (post_id, kind, value) VALUES (?, 'hashtag', ?)
					ON CONFLICT (post_id, kind, value) DO NOTHING`), id, h); err != nil {
					t.Fatal(err)
				}
			}
		}
		if !s.pg() {
			// As the insert trigger of those days did (migration 0026).
			if _, err := s.db.Exec("INSERT INTO posts_fts (posts_fts) VALUES ('rebuild')"); err != nil {
				t.Fatal(err)
			}
		}
		// A post published before 1970 (negative buckets).
		old := items("b1", post("old", "old", time.Date(1969, 12, 31, 22, 30, 0, 0, time.UTC)))
		must(saveBatch(s, ctx, f.source.ID, old, nil))(t)

		rebuildRollups(t, s)
		for name, of := range overviewCases(f.ws.ID) {
			sameOverview(t, "backfill, "+name, must(s.Overview(ctx, of))(t), bruteOverview(t, s, of))
		}
		of := vigie.OverviewFilter{WorkspaceID: f.ws.ID, From: time.Date(1969, 12, 30, 0, 0, 0, 0, time.UTC), To: time.Date(1970, 1, 2, 0, 0, 0, 0, time.UTC), Bucket: 24 * time.Hour}
		o := must(s.Overview(ctx, of))(t)
		sameOverview(t, "backfill, 1969", o, bruteOverview(t, s, of))
		if o.Total != 1 {
			t.Errorf("1969: total %d", o.Total)
		}
		// From now on the rollups follow the changes.
		ms := allMentions(t, s, f.ws.ID)
		must(s.Correct(ctx, f.ws.ID, ms[0].ID, map[string]string{FieldSentiment: vigie.Negative}, "tester"))(t)
		must(saveBatch(s, ctx, f.source.ID, aggItems(rng, 6000, 30, f.monitors), nil))(t)
		checkOverviews(t, s, f.ws.ID, "after the backfill")
	})
}

func TestRising(t *testing.T) {
	got := rising([]vigie.KeyCount{
		{Key: "new", Count: 5}, {Key: "big", Count: 400, Prev: 100}, {Key: "small", Count: 3},
		{Key: "falling", Count: 50, Prev: 80}, {Key: "flat", Count: 20, Prev: 20}, {Key: "double", Count: 40, Prev: 20},
	}, 10)
	var keys []string
	for _, k := range got {
		keys = append(keys, k.Key)
	}
	if want := []string{"big", "new", "double"}; !slices.Equal(keys, want) {
		t.Errorf("rising = %v, want %v", keys, want)
	}
}

func TestSegments(t *testing.T) {
	tests := []struct {
		lo, hi int64
		want   []segment
	}{
		{0, 24, []segment{{"rollup_days", 0, 1}}},
		{5, 20, []segment{{"rollup_hours", 5, 20}}},
		{5, 30, []segment{{"rollup_hours", 5, 30}}},
		{5, 50, []segment{{"rollup_days", 1, 2}, {"rollup_hours", 5, 24}, {"rollup_hours", 48, 50}}},
		{-30, 24, []segment{{"rollup_days", -1, 1}, {"rollup_hours", -30, -24}}},
	}
	for _, tt := range tests {
		if got := segments(tt.lo, tt.hi); !slices.Equal(got, tt.want) {
			t.Errorf("segments(%d, %d) = %v, want %v", tt.lo, tt.hi, got, tt.want)
		}
	}
}

// BenchmarkOverview1M measures Overview on an archive of a million
// mentions (SQLite), spread over the 60 days before tEnd: p50 and p95
// in milliseconds per period. The archive is built once with SaveBatch
// (a few minutes) in a temporary directory, or kept at VIGIE_BENCH_DB.
func BenchmarkOverview1M(b *testing.B) {
	ctx := context.Background()
	tEnd := time.Date(2026, 11, 20, 13, 0, 0, 0, time.UTC)
	path := os.Getenv("VIGIE_BENCH_DB")
	if path == "" {
		path = b.TempDir() + "/bench.db"
	}
	s, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	ws, err := s.EnsureWorkspace(ctx, "bench", "Bench")
	if err != nil {
		b.Fatal(err)
	}
	monitors := []string{"brand", "brand-2", "product", "comp-1", "comp-2", "comp-3", "keyword", "campaign"}
	if c := must(s.Counts(ctx))(b); c.Mentions < 1_000_000 {
		b.Logf("building the archive of 1M mentions in %s", path)
		kinds := []vigie.MonitorKind{vigie.KindBrand, vigie.KindBrand, vigie.KindProduct, vigie.KindCompetitor, vigie.KindCompetitor, vigie.KindCompetitor, vigie.KindKeyword, vigie.KindCampaign}
		for i, id := range monitors {
			must(s.UpsertMonitor(ctx, vigie.MonitorRecord{Monitor: vigie.Monitor{ID: id, Name: id, Kind: kinds[i], Query: id}, WorkspaceID: ws.ID}))(b)
		}
		src, err := s.CreateSource(ctx, vigie.Source{WorkspaceID: ws.ID, Kind: vigie.SourceSimulator, Name: "bench", Enabled: true})
		if err != nil {
			b.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(11, 11))
		start, mentions, posts := time.Now(), int64(c.Mentions), 0
		for batch := 0; mentions < 1_000_000; batch++ {
			saved, err := saveBatch(s, ctx, src.ID, benchOverviewItems(rng, batch*5000, 5000, tEnd, monitors), nil)
			if err != nil {
				b.Fatal(err)
			}
			mentions += int64(saved.Mentions)
			posts += saved.Posts
		}
		el := time.Since(start)
		b.Logf("stored %d posts (%d mentions) in %s: %.0f posts/s", posts, mentions, el.Round(time.Second), float64(posts)/el.Seconds())
		if err := s.Optimize(ctx); err != nil {
			b.Fatal(err)
		}
	}
	// The generator, not the monitors' queries, says which posts are whose
	// mentions: the backfills the monitors' creation requested would
	// re-match them and take most away the first time vigie serves this
	// archive (a served copy fell from 1,005,176 mentions to 522,728).
	if _, err := s.db.ExecContext(ctx, "DELETE FROM monitor_backfills"); err != nil {
		b.Fatal(err)
	}
	var hours, days int
	s.db.QueryRow("SELECT (SELECT COUNT(*) FROM rollup_hours), (SELECT COUNT(*) FROM rollup_days)").Scan(&hours, &days)
	b.Logf("rollups: %d hourly rows, %d daily rows", hours, days)
	today := tEnd.Truncate(24 * time.Hour)
	cases := []struct {
		name string
		f    vigie.OverviewFilter
	}{
		{"24h", vigie.OverviewFilter{WorkspaceID: ws.ID, From: tEnd.Add(-24 * time.Hour), To: tEnd, Bucket: time.Hour}},
		{"7d", vigie.OverviewFilter{WorkspaceID: ws.ID, From: today.Add(-6 * 24 * time.Hour), To: tEnd, Bucket: 24 * time.Hour}},
		{"30d", vigie.OverviewFilter{WorkspaceID: ws.ID, From: today.Add(-29 * 24 * time.Hour), To: tEnd, Bucket: 24 * time.Hour}},
		{"30d local days", vigie.OverviewFilter{WorkspaceID: ws.ID, From: today.Add(-29*24*time.Hour - time.Hour), To: tEnd, Bucket: 24 * time.Hour}},
		{"30d one monitor", vigie.OverviewFilter{WorkspaceID: ws.ID, MonitorIDs: []string{"comp-2"}, From: today.Add(-29 * 24 * time.Hour), To: tEnd, Bucket: 24 * time.Hour}},
		{"30d brand vs competitors", vigie.OverviewFilter{WorkspaceID: ws.ID, MonitorIDs: []string{"brand", "comp-1", "comp-2", "comp-3"}, From: today.Add(-29 * 24 * time.Hour), To: tEnd, Bucket: 24 * time.Hour}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var times []time.Duration
			var total int
			for b.Loop() {
				start := time.Now()
				o, err := s.Overview(ctx, c.f)
				if err != nil {
					b.Fatal(err)
				}
				times = append(times, time.Since(start))
				total = o.Total
			}
			slices.Sort(times)
			pct := func(p float64) float64 {
				return float64(times[min(len(times)-1, int(p*float64(len(times))))]) / 1e6
			}
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.95), "p95-ms")
			b.ReportMetric(float64(total), "mentions")
		})
	}
}

var (
	benchTags    = func() []string { return genNames("tag", 300) }()
	benchDomains = func() []string { return genNames("site", 80) }()
)

func genNames(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprint(prefix, i)
	}
	return out
}

// zipf picks an index in [0, n) with a heavy head.
func zipf(rng *rand.Rand, n int) int {
	return min(n-1, int(math.Floor(math.Pow(float64(n+1), rng.Float64())))-1)
}

// benchOverviewItems are posts published over the 60 days before end, out
// of order, with about 1.25 mentions each.
func benchOverviewItems(rng *rand.Rand, from, n int, end time.Time, monitors []string) []Item {
	out := make([]Item, n)
	langs, countries := []string{"en", "fr", "de", "it", ""}, []string{"", "", "", "ch", "fr", "de", "us", "be"}
	sources := []string{"mastodon", "bluesky", "rss", "reddit"}
	for i := range out {
		at := end.Add(-time.Duration(rng.Int64N(int64(60 * 24 * time.Hour))))
		p := vigie.Post{ID: fmt.Sprintf("o%d", from+i), Source: sources[zipf(rng, len(sources))], PublishedAt: at,
			Text:    "the university announced a new research lab #tag",
			Country: countries[rng.IntN(len(countries))], Author: vigie.Author{ID: fmt.Sprint(rng.IntN(20000))}}
		e := Enrichment{Lang: langs[zipf(rng, len(langs))], Sentiment: vigie.Sentiment{Label: aggLabels[rng.IntN(4)]}}
		for range rng.IntN(4) {
			e.Entities.Hashtags = append(e.Entities.Hashtags, benchTags[zipf(rng, len(benchTags))])
		}
		for range rng.IntN(3) {
			e.Entities.Domains = append(e.Entities.Domains, benchDomains[zipf(rng, len(benchDomains))])
		}
		slices.Sort(e.Entities.Hashtags)
		e.Entities.Hashtags = slices.Compact(e.Entities.Hashtags)
		slices.Sort(e.Entities.Domains)
		e.Entities.Domains = slices.Compact(e.Entities.Domains)
		out[i] = Item{Post: p, Enrichment: e, MonitorKeys: []string{monitors[zipf(rng, len(monitors))]}}
		if rng.IntN(4) == 0 {
			out[i].MonitorKeys = append(out[i].MonitorKeys, monitors[rng.IntN(len(monitors))])
		}
	}
	return out
}

// TestCountryLowerCaseMigration: posts stored with the source's case of
// their country ("CH") before migration 0011, and rollups split between
// "CH" and "ch", end in lower case and merged — and migration 0013 turns
// rollups of a row per dimension into the same figures.
func TestCountryLowerCaseMigration(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newAggFixture(t, s)
		loadAgg(t, s, f)
		// As a database from before holds them: half the countries in
		// capitals, rollups counted from them.
		if _, err := s.db.Exec("UPDATE posts SET country = upper(country) WHERE id % 2 = 0"); err != nil {
			t.Fatal(err)
		}
		rebuildRollupsAs(t, s, false)
		var split int
		if err := s.db.QueryRow("SELECT COUNT(*) FROM rollup_days WHERE dim = 'country' AND value = 'CH'").Scan(&split); err != nil || split == 0 {
			t.Fatalf("the fixture has no rollup of CH (%d, %v)", split, err)
		}
		// 0011, then 0013 (and 0018, which sums its rows) as on a database of then.
		for _, stmt := range []string{"DROP TABLE rollup_hour_totals", "DROP TABLE rollup_day_totals",
			"DELETE FROM schema_migrations WHERE version IN ('0011_country_lower_case', '0013_rollup_post_combinations', '0018_rollup_totals')"} {
			if _, err := s.db.Exec(stmt); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.migrate(ctx); err != nil {
			t.Fatal(err)
		}
		var upper int
		if err := s.db.QueryRow(`SELECT (SELECT COUNT(*) FROM posts WHERE country <> lower(country))
			+ (SELECT COUNT(*) FROM rollup_hours WHERE dim = 'country' AND value <> lower(value))
			+ (SELECT COUNT(*) FROM rollup_days WHERE dim = 'country' AND value <> lower(value))`).Scan(&upper); err != nil || upper != 0 {
			t.Fatalf("%d rows keep capitals (%v)", upper, err)
		}
		for name, of := range overviewCases(f.ws.ID) {
			sameOverview(t, "after 0011, "+name, must(s.Overview(ctx, of))(t), bruteOverview(t, s, of))
		}
		checkRollups(t, s, "after 0011")
	})
}

// BenchmarkDashboardReads1M measures the dashboard's two reads beside the
// overview — top authors and rising words — on the archive that
// BenchmarkOverview1M builds (VIGIE_BENCH_DB; skipped without it): p50 and
// p95 in milliseconds per period.
func BenchmarkDashboardReads1M(b *testing.B) {
	path := os.Getenv("VIGIE_BENCH_DB")
	if path == "" {
		b.Skip("VIGIE_BENCH_DB names no archive: build one with BenchmarkOverview1M first")
	}
	ctx := context.Background()
	s := must(Open(ctx, path))(b)
	b.Cleanup(func() { s.Close() })
	ws := must(s.EnsureWorkspace(ctx, "bench", "Bench"))(b)
	end := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	for _, days := range []int{1, 7, 30, 60} {
		from := end.Add(-time.Duration(days) * 24 * time.Hour)
		for _, read := range []struct {
			name string
			fn   func() error
		}{
			{"top authors", func() error {
				_, err := s.TopAuthors(ctx, vigie.MentionFilter{WorkspaceID: ws.ID, From: from, To: end, Limit: 8})
				return err
			}},
			{"rising words", func() error {
				_, err := s.RisingTerms(ctx, ws.ID, from, end, from.Add(-end.Sub(from)), 10, func(string) bool { return true })
				return err
			}},
		} {
			b.Run(fmt.Sprintf("%s %dd", read.name, days), func(b *testing.B) {
				var times []time.Duration
				cpu0 := cpuTime()
				for b.Loop() {
					start := time.Now()
					if err := read.fn(); err != nil {
						b.Fatal(err)
					}
					times = append(times, time.Since(start))
				}
				// CPU time per read: steadier than wall time on a shared machine.
				b.ReportMetric(float64(cpuTime()-cpu0)/1e6/float64(len(times)), "cpu-ms/op")
				slices.Sort(times)
				pct := func(p float64) float64 {
					return float64(times[min(len(times)-1, int(p*float64(len(times))))]) / 1e6
				}
				b.ReportMetric(pct(0.50), "p50-ms")
				b.ReportMetric(pct(0.95), "p95-ms")
			})
		}
	}
}
