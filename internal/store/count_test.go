package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
)

// TestCountFromRollups: a listing's total and per-day counts read from the
// rollups equal those counted row by row, whatever the filter and period
// (whole days, hours, minutes), with mentions marked irrelevant shown or
// hidden, and a monitor of another workspace counts nothing.
func TestCountFromRollups(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newAggFixture(t, s)
		loadAgg(t, s, f)
		all := allMentions(t, s, f.ws.ID)
		for i, m := range all[:40] {
			tags := []string{TagIrrelevant}
			if i%3 == 0 {
				tags = []string{"keep"}
			}
			if err := s.SetTags(ctx, f.ws.ID, m.ID, tags, "test"); err != nil {
				t.Fatal(err)
			}
		}
		day := t0.Truncate(24 * time.Hour)
		periods := []struct {
			name     string
			from, to time.Time
		}{
			{"any time", time.Time{}, time.Time{}},
			{"since a day", day.Add(-3 * 24 * time.Hour), time.Time{}},
			{"until a day", time.Time{}, day},
			{"whole days", day.Add(-5 * 24 * time.Hour), day},
			{"hours", day.Add(-30 * time.Hour), day.Add(5 * time.Hour)},
			{"minutes", day.Add(-30*time.Hour - 17*time.Minute - 3*time.Second), day.Add(5*time.Hour + 41*time.Minute)},
			{"within an hour", day.Add(10 * time.Minute), day.Add(50 * time.Minute)},
			{"empty", day.Add(300 * 24 * time.Hour), day.Add(301 * 24 * time.Hour)},
			// Minutes at either end that hold mentions marked irrelevant
			// (all[1] and all[2] are): counted once, not from the minutes
			// and again from their tags.
			{"minutes with irrelevant mentions", all[2].Post.PublishedAt.Add(-time.Microsecond), all[1].Post.PublishedAt.Add(3*time.Hour + time.Microsecond)},
			{"from an irrelevant mention", all[1].Post.PublishedAt, time.Time{}},
		}
		filters := []struct {
			name string
			f    vigie.MentionFilter
		}{
			{"workspace", vigie.MentionFilter{}},
			{"monitor", vigie.MentionFilter{WorkspaceID: f.ws.ID, MonitorID: "c1"}},
			{"other workspace's monitor", vigie.MentionFilter{WorkspaceID: f.ws.ID, MonitorID: "other-x"}},
			{"sentiment", vigie.MentionFilter{Sentiment: vigie.Negative}},
			{"source and language", vigie.MentionFilter{Source: "RSS", Lang: "fr"}},
			{"no language", vigie.MentionFilter{Lang: vigie.FilterNone}},
			{"monitor, country and sentiment", vigie.MentionFilter{WorkspaceID: f.ws.ID, MonitorID: "b1", Country: "ch", Sentiment: vigie.Positive}},
			{"no country", vigie.MentionFilter{Country: vigie.FilterNone}},
		}
		for _, p := range periods {
			for _, fl := range filters {
				for _, hide := range []bool{false, true} {
					mf := fl.f
					mf.WorkspaceID, mf.From, mf.To, mf.HideIrrelevant = f.ws.ID, p.from, p.to, hide
					name := fmt.Sprintf("%s/%s/hide=%v", p.name, fl.name, hide)
					wantDays, wantTotal, err := s.countPerDay(ctx, s.selectMentions(&mf))
					if err != nil {
						t.Fatal(err)
					}
					days, total, ok, err := s.countFromRollups(ctx, &mf)
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					if !ok {
						if p.name != "within an hour" {
							t.Errorf("%s: not counted from the rollups", name)
						}
						continue
					}
					if len(wantDays) == 0 {
						wantDays = nil
					}
					if total != wantTotal || !slices.Equal(days, wantDays) {
						t.Errorf("%s: total %d, want %d; per day %v, want %v", name, total, wantTotal, days, wantDays)
					}
				}
			}
		}
		// The listing itself answers the same.
		page := must(s.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: f.ws.ID, Sentiment: vigie.Neutral}))(t)
		_, want, _ := s.countPerDay(ctx, s.selectMentions(&vigie.MentionFilter{WorkspaceID: f.ws.ID, Sentiment: vigie.Neutral}))
		if page.Total != want || page.Total == 0 {
			t.Errorf("FindMentions total %d, want %d", page.Total, want)
		}
	})
}

// TestTopAuthorsWholeDay: one whole UTC day (the 1-day dashboard) is read
// from author_days, as longer periods are, and ranks as the mentions do;
// a day that does not start at midnight UTC is read from the mentions.
func TestTopAuthorsWholeDay(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newAggFixture(t, s)
		loadAgg(t, s, f)
		day := t0.Truncate(24 * time.Hour).Add(-24 * time.Hour)
		one := vigie.MentionFilter{WorkspaceID: f.ws.ID, From: day, To: day.Add(24 * time.Hour), Limit: MaxAuthorLimit}
		if !fromDays(&one) {
			t.Fatal("a whole UTC day is not read from author_days")
		}
		if shifted := (vigie.MentionFilter{WorkspaceID: f.ws.ID, From: day.Add(time.Hour), To: day.Add(25 * time.Hour)}); fromDays(&shifted) {
			t.Fatal("a day from 01:00 is read from author_days")
		}
		fast := must(s.TopAuthors(ctx, one))(t)
		one.SourceID = f.source.ID // keeps every mention, forces the mentions
		slow := must(s.TopAuthors(ctx, one))(t)
		// Authors of equal score and no handle tie in any order.
		key := func(in []vigie.Influence) []string {
			var out []string
			for _, x := range in {
				out = append(out, fmt.Sprint(x))
			}
			slices.Sort(out)
			return out
		}
		if !slices.Equal(key(fast), key(slow)) || len(fast) == 0 {
			t.Errorf("author_days gives\n%v\nthe mentions give\n%v", fast, slow)
		}
	})
}

// TestCachedDayCountsFollowChanges: the counts of filters the totals cannot
// answer (source, language, country) are kept per day between listings,
// and stay exact when another process (a second store on the same
// database) changes past days: new posts, a corrected language, an
// enrichment, a mention marked irrelevant, a deleted monitor.
func TestCachedDayCountsFollowChanges(t *testing.T) {
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			u := testURL(t, d)
			r, w := openURL(t, u), openURL(t, u) // reader, writer
			ctx := context.Background()
			f := newAggFixture(t, w)
			loadAgg(t, w, f)
			day := t0.Truncate(24 * time.Hour)
			filters := []vigie.MentionFilter{
				{Source: "rss", Lang: "fr"},
				{Lang: vigie.FilterNone},
				{Country: "ch"},
				{WorkspaceID: f.ws.ID, MonitorID: "c1", Source: "mastodon"},
				{WorkspaceID: f.ws.ID, MonitorID: "b1", Country: "fr", Sentiment: vigie.Positive, From: day.Add(-6*24*time.Hour + 5*time.Hour), To: day},
			}
			check := func(when string) {
				t.Helper()
				for _, mf := range filters {
					mf.WorkspaceID = f.ws.ID
					want, wantTotal, err := r.countPerDay(ctx, r.selectMentions(&mf))
					if err != nil {
						t.Fatal(err)
					}
					if len(want) == 0 {
						want = nil
					}
					got, total, ok, err := r.countFromRollups(ctx, &mf)
					if err != nil || !ok {
						t.Fatalf("%s, %+v: ok %v, %v", when, mf, ok, err)
					}
					if total != wantTotal || !slices.Equal(got, want) {
						t.Errorf("%s, %+v: total %d, want %d; per day %v, want %v", when, mf, total, wantTotal, got, want)
					}
				}
			}
			check("first")
			r.dayCounts.mu.Lock()
			cached := len(r.dayCounts.filters)
			r.dayCounts.mu.Unlock()
			if cached != len(filters) {
				t.Fatalf("%d filters cached, want %d", cached, len(filters))
			}
			check("cached")

			must(saveBatch(w, ctx, f.source.ID, aggItems(rand.New(rand.NewPCG(9, 9)), 1000, 100, f.monitors), nil))(t)
			check("after new posts")
			ms := allMentions(t, w, f.ws.ID)
			for i, m := range ms[len(ms)-60:] { // the oldest
				must(w.Correct(ctx, f.ws.ID, m.ID, map[string]string{FieldLang: []string{"fr", "en", "de"}[i%3]}, "tester"))(t)
			}
			check("after Correct")
			var updates []EnrichmentUpdate
			for i, m := range ms[len(ms)-120 : len(ms)-60] {
				updates = append(updates, EnrichmentUpdate{PostID: m.ID, Lang: []string{"", "fr", "en"}[i%3], Sentiment: m.Sentiment})
			}
			must(w.UpdateEnrichment(ctx, updates))(t)
			check("after UpdateEnrichment")
			for _, m := range ms[len(ms)-150 : len(ms)-120] {
				if err := w.SetTags(ctx, f.ws.ID, m.ID, []string{TagIrrelevant}, "tester"); err != nil {
					t.Fatal(err)
				}
			}
			check("after irrelevant")
			if err := w.DeleteMonitor(ctx, f.ws.ID, "k1"); err != nil {
				t.Fatal(err)
			}
			check("after DeleteMonitor")
		})
	}
}

// TestTopAuthorsBounds: the walk down author_bounds finds the authors that
// summing every row of author_days finds (checkTopAuthors compares them on
// every call), with more authors than the list holds, followers raised by
// another workspace's post, mentions marked irrelevant, and a monitor
// deleted.
func TestTopAuthorsBounds(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "m1", "m2", "other-x")
		rng := rand.New(rand.NewPCG(7, 7))
		day0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		var batch []Item
		for i := range 600 {
			a := rng.IntN(150)
			p := vigie.Post{ID: fmt.Sprint("p", i), Source: "mastodon", Text: "x", PublishedAt: day0.Add(time.Duration(rng.IntN(20*24)) * time.Hour),
				Author:  vigie.Author{ID: fmt.Sprint("a", a), Followers: int64(a * a * rng.IntN(3))},
				Metrics: vigie.Metrics{Likes: int64(rng.IntN(50) * rng.IntN(50)), Replies: int64(rng.IntN(5))}}
			mon := []string{"m1", "m2", "other-x"}[rng.IntN(3)]
			batch = append(batch, Item{Post: p, MonitorKeys: []string{mon}})
		}
		must(saveBatch(s, ctx, f.source.ID, batch, nil))(t)
		// An author gains followers on a post only the other workspace
		// sees: its rows in this workspace carry them too.
		big := vigie.Post{ID: "big", Source: "mastodon", Text: "x", PublishedAt: day0.Add(5 * 24 * time.Hour),
			Author: vigie.Author{ID: "a3", Followers: 5_000_000}}
		must(saveBatch(s, ctx, f.source.ID, []Item{{Post: big, MonitorKeys: []string{"other-x"}}}, nil))(t)
		check := func(when string) {
			t.Helper()
			for _, ws := range []int64{f.ws.ID, f.other.ID} {
				for _, days := range []int{1, 3, 7, 20, 30} {
					for _, limit := range []int{1, 5, 20} {
						from := day0.Add(time.Duration(20-min(days, 20)) * 24 * time.Hour)
						got, err := s.TopAuthors(ctx, vigie.MentionFilter{WorkspaceID: ws, From: from, To: from.Add(time.Duration(days) * 24 * time.Hour), Limit: limit})
						if err != nil {
							t.Fatalf("%s: %v", when, err)
						}
						if len(got) == 0 {
							t.Fatalf("%s: no author in workspace %d over %d days", when, ws, days)
						}
					}
				}
			}
		}
		// It leads this workspace's list over the whole period.
		top := must(s.TopAuthors(ctx, vigie.MentionFilter{WorkspaceID: f.ws.ID, From: day0, To: day0.Add(20 * 24 * time.Hour), Limit: 1}))(t)
		if len(top) != 1 || top[0].Author.ID != "a3" {
			t.Fatalf("top author %v, want a3 and its new followers", top)
		}
		check("after the batches")
		ms := allMentions(t, s, f.ws.ID)
		for i, m := range ms {
			if i%7 != 0 {
				continue
			}
			if err := s.SetTags(ctx, f.ws.ID, m.ID, []string{"irrelevant"}, "tester"); err != nil {
				t.Fatal(err)
			}
		}
		check("after marking mentions irrelevant")
		if err := s.DeleteMonitor(ctx, f.ws.ID, "m2"); err != nil {
			t.Fatal(err)
		}
		check("after deleting a monitor")
	})
}
