package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
)

// TestSourceKinds: a workspace's source filter offers the kinds its
// mentions have, not another workspace's.
func TestSourceKinds(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "m", "other-m")
		if got := must(s.SourceKinds(ctx, f.ws.ID))(t); len(got) != 0 {
			t.Fatalf("no mentions yet: %v", got)
		}
		var items []Item
		for i, kind := range []string{"rss", "mastodon", "rss", "bluesky"} {
			monitor := "m"
			if kind == "bluesky" {
				monitor = "other-m"
			}
			items = append(items, Item{Post: post(fmt.Sprint(i), "x", t0.Add(time.Duration(i)*30*time.Hour)), MonitorKeys: []string{monitor}})
			items[i].Post.Source = kind
		}
		must(saveBatch(s, ctx, f.source.ID, items, nil))(t)
		if got := must(s.SourceKinds(ctx, f.ws.ID))(t); fmt.Sprint(got) != "[mastodon rss]" {
			t.Errorf("kinds of the workspace: %v", got)
		}
		if got := must(s.SourceKinds(ctx, f.other.ID))(t); fmt.Sprint(got) != "[bluesky]" {
			t.Errorf("kinds of the other workspace: %v", got)
		}
	})
}

// TestLastMentions: each monitor's newest mention, in its workspace only.
func TestLastMentions(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "m", "quiet", "other-m")
		var items []Item
		for i, monitor := range []string{"m", "m", "other-m"} {
			items = append(items, Item{Post: post(fmt.Sprint(i), "x", t0.Add(time.Duration(i)*time.Hour)), MonitorKeys: []string{monitor}})
		}
		must(saveBatch(s, ctx, f.source.ID, items, nil))(t)
		got := must(s.LastMentions(ctx, f.ws.ID))(t)
		if len(got) != 1 || !got["m"].Equal(t0.Add(time.Hour)) {
			t.Errorf("last mentions %v, want m at %v", got, t0.Add(time.Hour))
		}
	})
}

// TestFirstMentionSince: the publication of the workspace's first mention
// at or after a time, to the microsecond, a mention marked irrelevant too
// (the hourly totals leave it out), another workspace's not.
func TestFirstMentionSince(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "m", "quiet", "other-m")
		hour := t0.Truncate(time.Hour)
		before, after := hour.Add(-100*time.Millisecond), hour.Add(100*time.Millisecond)
		must(saveBatch(s, ctx, f.source.ID, []Item{
			{Post: post("early", "x", before.Add(-time.Hour)), MonitorKeys: []string{"other-m"}},
			{Post: post("irrelevant", "x", before), MonitorKeys: []string{"m"}},
			{Post: post("next", "x", after), MonitorKeys: []string{"m"}},
		}, nil))(t)
		all := must(s.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: f.ws.ID, From: before, To: after}))(t)
		if len(all.Mentions) != 1 {
			t.Fatalf("%d mentions at %v", len(all.Mentions), before)
		}
		if err := s.SetTags(ctx, f.ws.ID, all.Mentions[0].ID, []string{TagIrrelevant}, "t"); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			since time.Time
			want  time.Time // zero: none
		}{
			{hour.Add(-3 * time.Hour), before},
			{before, before},
			{before.Add(time.Microsecond), after},
			{after, after},
			{after.Add(time.Microsecond), time.Time{}},
		} {
			at, ok, err := s.FirstMentionSince(ctx, f.ws.ID, c.since)
			if err != nil || ok != !c.want.IsZero() || !at.Equal(c.want) {
				t.Errorf("since %v: %v %v %v, want %v", c.since, at, ok, err, c.want)
			}
		}
	})
}

// TestOverviewSeriesOnly: the monitors' series alone are those of the
// whole overview, each total the sum of its points.
func TestOverviewSeriesOnly(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		f := newAggFixture(t, s)
		loadAgg(t, s, f)
		for name, flt := range overviewCases(f.ws.ID) {
			full := must(s.Overview(context.Background(), flt))(t)
			flt.SeriesOnly = true
			only := must(s.Overview(context.Background(), flt))(t)
			if len(only.Volume) != len(full.Volume) {
				t.Fatalf("%s: %d series, want %d", name, len(only.Volume), len(full.Volume))
			}
			for i := range full.Volume {
				sum := 0
				for j, p := range full.Volume[i].Points {
					sum += p.Count
					if only.Volume[i].Points[j] != p {
						t.Fatalf("%s: %s point %d: %+v, want %+v", name, full.Volume[i].ID, j, only.Volume[i].Points[j], p)
					}
				}
				if only.Volume[i].Total != sum {
					t.Errorf("%s: %s total %d, want %d", name, full.Volume[i].ID, only.Volume[i].Total, sum)
				}
			}
		}
	})
}
