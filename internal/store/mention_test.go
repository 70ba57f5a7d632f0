package store

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
)

// listing is a stored post as the mention filters see it.
type listing struct {
	ext      string
	at       time.Time
	kind     string
	sourceID int64
	lang     string
	country  string // as the source gave it: stored lower case
	monitors []string
}

// listingFixture stores 120 posts over three days, many sharing a
// published_at, with monitors in two workspaces and two sources.
func listingFixture(t *testing.T, s *Store) (fixture, vigie.Source, []listing) {
	t.Helper()
	ctx := context.Background()
	f := newFixture(t, s, "a", "b", "other-c")
	rss := must(s.CreateSource(ctx, vigie.Source{WorkspaceID: f.ws.ID, Kind: vigie.SourceRSS, Name: "feed", Enabled: true, Shared: true}))(t)
	var all []listing
	batches := map[int64][]Item{}
	for i := range 120 {
		l := listing{
			ext:      fmt.Sprintf("p%03d", i),
			at:       t0.Add(time.Duration(i*37%72) * time.Hour),
			kind:     []string{"mastodon", "rss"}[i%2],
			sourceID: []int64{f.source.ID, rss.ID}[i%5/4],
			lang:     []string{"fr", "en", "de"}[i%3],
			country:  []string{"CH", "fr", ""}[i%7%3],
			monitors: [][]string{{"a"}, {"b"}, {"a", "other-c"}, {"other-c"}}[i%4],
		}
		p := post(l.ext, "text "+l.ext, l.at)
		p.Source, p.Lang, p.Country = l.kind, l.lang, l.country
		batches[l.sourceID] = append(batches[l.sourceID], Item{Post: p, MonitorKeys: l.monitors})
		all = append(all, l)
	}
	for src, b := range batches {
		must(saveBatch(s, ctx, src, b, nil))(t)
	}
	return f, rss, all
}

func TestFindMentionsFilters(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		f, rss, all := listingFixture(t, s)
		wsOf := map[string]int64{"a": f.ws.ID, "b": f.ws.ID, "other-c": f.other.ID}
		tests := []struct {
			name   string
			filter vigie.MentionFilter
		}{
			{"everything", vigie.MentionFilter{}},
			{"workspace", vigie.MentionFilter{WorkspaceID: f.ws.ID}},
			{"other workspace", vigie.MentionFilter{WorkspaceID: f.other.ID}},
			{"monitor", vigie.MentionFilter{WorkspaceID: f.ws.ID, MonitorID: "a"}},
			{"monitor in its workspace", vigie.MentionFilter{WorkspaceID: f.ws.ID, MonitorID: "b"}},
			{"monitor of another workspace", vigie.MentionFilter{WorkspaceID: f.ws.ID, MonitorID: "other-c"}},
			{"unknown monitor", vigie.MentionFilter{WorkspaceID: f.ws.ID, MonitorID: "zzz"}},
			{"source kind", vigie.MentionFilter{Source: "rss"}},
			{"source id", vigie.MentionFilter{SourceID: rss.ID}},
			{"lang", vigie.MentionFilter{WorkspaceID: f.ws.ID, Lang: "fr"}},
			{"no lang", vigie.MentionFilter{WorkspaceID: f.ws.ID, Lang: vigie.FilterNone}},
			{"country", vigie.MentionFilter{WorkspaceID: f.ws.ID, Country: "ch"}},
			{"country in capitals", vigie.MentionFilter{Country: "FR"}},
			{"no country", vigie.MentionFilter{WorkspaceID: f.ws.ID, Country: vigie.FilterNone}},
			{"from", vigie.MentionFilter{From: t0.Add(30 * time.Hour)}},
			{"to", vigie.MentionFilter{To: t0.Add(30 * time.Hour)}},
			{"window and monitor", vigie.MentionFilter{WorkspaceID: f.ws.ID, MonitorID: "a", From: t0.Add(10 * time.Hour), To: t0.Add(50 * time.Hour)}},
			{"everything at once", vigie.MentionFilter{WorkspaceID: f.ws.ID, MonitorID: "a", Source: "mastodon", SourceID: f.source.ID, Lang: "de", From: t0, To: t0.Add(71 * time.Hour)}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				f := tt.filter
				var want []listing
				for _, l := range all {
					if keep(f, l, wsOf) {
						want = append(want, l)
					}
				}
				for _, limit := range []int{0, 1, 7, 500} {
					f.Limit = limit
					got, total, perDay := walk(t, s, f)
					checkWalk(t, got, total, perDay, want)
				}
			})
		}
	})
}

func keep(f vigie.MentionFilter, l listing, wsOf map[string]int64) bool {
	hit := false
	for _, m := range l.monitors {
		if (f.MonitorID == "" || m == f.MonitorID) && (f.WorkspaceID == 0 || wsOf[m] == f.WorkspaceID) {
			hit = true
		}
	}
	return hit && (f.Source == "" || l.kind == f.Source) && (f.SourceID == 0 || l.sourceID == f.SourceID) &&
		(f.Lang == "" || l.lang == f.Lang) && (f.Country == "" || strings.EqualFold(cmp.Or(l.country, vigie.FilterNone), f.Country)) && (f.From.IsZero() || !l.at.Before(f.From)) && (f.To.IsZero() || l.at.Before(f.To))
}

// walk reads every page of a listing, checking that each page has the same
// Total and PerDay and that keys strictly decrease across pages.
func walk(t *testing.T, s *Store, f vigie.MentionFilter) (got []vigie.Mention, total int, perDay []vigie.DayCount) {
	t.Helper()
	ctx := context.Background()
	limit := f.Limit
	if limit == 0 {
		limit = DefaultMentionLimit
	}
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("pagination does not end")
		}
		page := must(s.FindMentions(ctx, f))(t)
		if pages == 0 {
			total, perDay = page.Total, page.PerDay
		} else if page.Total != total || fmt.Sprint(page.PerDay) != fmt.Sprint(perDay) {
			t.Fatalf("page %d: total %d per day %v, first page said %d %v", pages, page.Total, page.PerDay, total, perDay)
		}
		if len(page.Mentions) > limit {
			t.Fatalf("page of %d mentions, limit %d", len(page.Mentions), limit)
		}
		if page.NextCursor != "" && len(page.Mentions) != limit {
			t.Fatalf("short page of %d (limit %d) with a next cursor", len(page.Mentions), limit)
		}
		got = append(got, page.Mentions...)
		if page.NextCursor == "" {
			break
		}
		f.Cursor = page.NextCursor
	}
	for i := 1; i < len(got); i++ {
		a, b := key{got[i-1].Post.PublishedAt, got[i-1].ID}, key{got[i].Post.PublishedAt, got[i].ID}
		if !b.before(a) {
			t.Fatalf("mention %d %v is not older than mention %d %v", i, b, i-1, a)
		}
	}
	return got, total, perDay
}

// checkWalk compares what walk read with the expected posts.
func checkWalk(t *testing.T, got []vigie.Mention, total int, perDay []vigie.DayCount, want []listing) {
	t.Helper()
	var gotIDs, wantIDs []string
	for _, m := range got {
		gotIDs = append(gotIDs, m.Post.ID)
	}
	days := map[string]int{}
	for _, l := range want {
		wantIDs = append(wantIDs, l.ext)
		days[l.at.Format(time.DateOnly)]++
	}
	slices.Sort(gotIDs)
	slices.Sort(wantIDs)
	if !equal(gotIDs, wantIDs) {
		t.Errorf("got %d mentions %v\nwant %d %v", len(gotIDs), gotIDs, len(wantIDs), wantIDs)
	}
	if total != len(want) {
		t.Errorf("Total = %d, want %d", total, len(want))
	}
	var wantDays []vigie.DayCount
	for _, d := range slices.Sorted(maps.Keys(days)) {
		wantDays = append(wantDays, vigie.DayCount{Day: d, Count: days[d]})
	}
	if fmt.Sprint(perDay) != fmt.Sprint(wantDays) {
		t.Errorf("PerDay = %v, want %v", perDay, wantDays)
	}
}

func TestFindMentionsMonitorIDs(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f, _, _ := listingFixture(t, s)
		tests := []struct {
			name   string
			filter vigie.MentionFilter
			want   []string // monitors of p002
		}{
			{"all workspaces", vigie.MentionFilter{}, []string{"a", "other-c"}},
			{"only the workspace's", vigie.MentionFilter{WorkspaceID: f.ws.ID}, []string{"a"}},
			{"only the other's", vigie.MentionFilter{WorkspaceID: f.other.ID}, []string{"other-c"}},
		}
		for _, tt := range tests {
			tt.filter.Limit = 500
			page := must(s.FindMentions(ctx, tt.filter))(t)
			found := false
			for _, m := range page.Mentions {
				if m.Post.ID == "p002" {
					found = true
					if !equal(m.MonitorIDs, tt.want) {
						t.Errorf("%s: monitors %v, want %v", tt.name, m.MonitorIDs, tt.want)
					}
				}
			}
			if !found {
				t.Errorf("%s: p002 not listed", tt.name)
			}
		}
	})
}

func TestFindMentionsPaging(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		newFixture(t, s)
		tests := []struct {
			name   string
			filter vigie.MentionFilter
			want   int // mentions on the page
		}{
			{"empty store", vigie.MentionFilter{}, 0},
			{"limit above the maximum", vigie.MentionFilter{Limit: 100000}, 0},
		}
		for _, tt := range tests {
			page := must(s.FindMentions(ctx, tt.filter))(t)
			if len(page.Mentions) != tt.want || page.Mentions == nil || page.Total != 0 || page.NextCursor != "" || page.PerDay != nil {
				t.Errorf("%s: %+v", tt.name, page)
			}
		}
		for _, c := range []string{"garbage!", "bm90LWEta2V5", key{t0, 1}.cursor() + "x", key{time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC), 1}.cursor()} {
			_, err := s.FindMentions(ctx, vigie.MentionFilter{Cursor: c})
			wantErr(t, err, vigie.ErrInvalid, "cursor "+c)
		}
	})
}

func TestFindMentionsLimits(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "m")
		batch := make([]Item, 600)
		for i := range batch {
			batch[i] = Item{Post: post(fmt.Sprint(i), "x", t0.Add(time.Duration(i)*time.Second)), MonitorKeys: []string{"m"}}
		}
		must(saveBatch(s, ctx, f.source.ID, batch, nil))(t)
		tests := []struct {
			limit, want int
		}{{0, DefaultMentionLimit}, {-1, DefaultMentionLimit}, {10, 10}, {501, MaxMentionLimit}}
		for _, tt := range tests {
			page := must(s.FindMentions(ctx, vigie.MentionFilter{Limit: tt.limit}))(t)
			if len(page.Mentions) != tt.want || page.Total != 600 || page.NextCursor == "" {
				t.Errorf("limit %d: %d mentions, total %d, cursor %q", tt.limit, len(page.Mentions), page.Total, page.NextCursor)
			}
			if page.Mentions[0].Post.ID != "599" {
				t.Errorf("limit %d: first is %s, want the newest", tt.limit, page.Mentions[0].Post.ID)
			}
		}
	})
}
