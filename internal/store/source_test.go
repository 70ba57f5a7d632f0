package store

import (
	"context"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
)

func TestSources(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		src := vigie.Source{
			WorkspaceID: f.ws.ID, Kind: vigie.SourceRSS, Name: "News", URL: "https://news.example/feed",
			Settings: map[string]string{"lang": "fr"}, Interval: 15 * time.Minute, Enabled: true,
			SourceState: vigie.SourceState{NextCheckAt: t0, Cursor: "c0"},
		}
		got := must(s.CreateSource(ctx, src))(t)
		if got.ID == 0 || got.CreatedAt.IsZero() {
			t.Errorf("created %+v", got)
		}
		want := src
		want.ID, want.CreatedAt = got.ID, got.CreatedAt
		if !sameSource(got, want) {
			t.Errorf("CreateSource = %+v, want %+v", got, want)
		}
		if found := must(s.FindSourceByID(ctx, f.ws.ID, got.ID))(t); !sameSource(found, got) {
			t.Errorf("FindSourceByID = %+v, want %+v", found, got)
		}
		tests := []struct {
			name string
			src  vigie.Source
			err  error
		}{
			{"same name and kind", vigie.Source{WorkspaceID: f.ws.ID, Kind: vigie.SourceRSS, Name: "News"}, vigie.ErrConflict},
			{"no name", vigie.Source{WorkspaceID: f.ws.ID, Kind: vigie.SourceRSS}, vigie.ErrInvalid},
			{"no kind", vigie.Source{WorkspaceID: f.ws.ID, Name: "x"}, vigie.ErrInvalid},
			{"unknown workspace", vigie.Source{WorkspaceID: 777, Kind: vigie.SourceRSS, Name: "x"}, vigie.ErrInvalid},
			{"same name, other kind", vigie.Source{WorkspaceID: f.ws.ID, Kind: vigie.SourceImport, Name: "News"}, nil},
			{"same name, other workspace", vigie.Source{WorkspaceID: f.other.ID, Kind: vigie.SourceRSS, Name: "News"}, nil},
		}
		for _, tt := range tests {
			_, err := s.CreateSource(ctx, tt.src)
			wantErr(t, err, tt.err, tt.name)
		}
		_, err := s.FindSourceByID(ctx, f.ws.ID, 99999)
		wantErr(t, err, vigie.ErrNotFound, "find missing")

		// newFixture's source, "News" rss and import here, "News" in other.
		if n := len(must(s.FindSources(ctx, 0))(t)); n != 4 {
			t.Errorf("FindSources(all) = %d sources, want 4", n)
		}
		if n := len(must(s.FindSources(ctx, f.ws.ID))(t)); n != 3 {
			t.Errorf("FindSources(ws) = %d sources, want 3", n)
		}
		if n := len(must(s.FindSources(ctx, f.other.ID))(t)); n != 1 {
			t.Errorf("FindSources(other) = %d sources, want 1", n)
		}
	})
}

// sameSource compares sources, times by instant.
func sameSource(a, b vigie.Source) bool {
	times := [][2]time.Time{{a.CreatedAt, b.CreatedAt}, {a.NextCheckAt, b.NextCheckAt}, {a.LastSuccessAt, b.LastSuccessAt}, {a.LastErrorAt, b.LastErrorAt}}
	for _, p := range times {
		if !p[0].Equal(p[1]) {
			return false
		}
	}
	if len(a.Settings) != len(b.Settings) {
		return false
	}
	for k, v := range a.Settings {
		if b.Settings[k] != v {
			return false
		}
	}
	a.CreatedAt, a.NextCheckAt, a.LastSuccessAt, a.LastErrorAt, a.Settings = time.Time{}, time.Time{}, time.Time{}, time.Time{}, nil
	b.CreatedAt, b.NextCheckAt, b.LastSuccessAt, b.LastErrorAt, b.Settings = time.Time{}, time.Time{}, time.Time{}, time.Time{}, nil
	return a.ID == b.ID && a.WorkspaceID == b.WorkspaceID && a.Kind == b.Kind && a.Name == b.Name && a.URL == b.URL &&
		a.Interval == b.Interval && a.Enabled == b.Enabled && a.SourceState == b.SourceState
}

func TestFindDueSources(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		// newFixture's source has a zero NextCheckAt: due since forever.
		mk := func(name string, next time.Time, enabled bool) int64 {
			return must(s.CreateSource(ctx, vigie.Source{WorkspaceID: f.ws.ID, Kind: vigie.SourceRSS, Name: name, Enabled: enabled,
				SourceState: vigie.SourceState{NextCheckAt: next}}))(t).ID
		}
		late := mk("late", t0.Add(-time.Hour), true)
		now := mk("now", t0, true)
		mk("future", t0.Add(time.Second), true)
		mk("disabled", t0.Add(-2*time.Hour), false)
		early := mk("early", t0.Add(-2*time.Hour), true)
		tests := []struct {
			name  string
			limit int
			want  []int64
		}{
			{"all due, most overdue first", 10, []int64{f.source.ID, early, late, now}},
			{"limit", 2, []int64{f.source.ID, early}},
		}
		for _, tt := range tests {
			var got []int64
			for _, src := range must(s.FindDueSources(ctx, t0, tt.limit))(t) {
				got = append(got, src.ID)
			}
			if !equal(got, tt.want) {
				t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
			}
		}
	})
}

func TestUpdateSourceState(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		states := []vigie.SourceState{
			{Cursor: "abc", ETag: `"e1"`, LastModified: "Fri, 20 Nov 2026 10:00:00 GMT", NextCheckAt: t0.Add(time.Minute),
				LastSuccessAt: t0, PostsSeen: 42},
			{Cursor: "abc", NextCheckAt: t0.Add(time.Hour), LastSuccessAt: t0, LastErrorAt: t0.Add(time.Second),
				LastError: "the feed answered 503", ErrorCount: 3, PostsSeen: 42},
			{},
		}
		for i, st := range states {
			if err := s.UpdateSourceState(ctx, f.source.ID, st); err != nil {
				t.Fatal(err)
			}
			got := must(s.FindSourceByID(ctx, f.ws.ID, f.source.ID))(t)
			want := f.source
			want.SourceState = st
			if !sameSource(got, want) {
				t.Errorf("state %d: got %+v, want %+v", i, got.SourceState, st)
			}
		}
		wantErr(t, s.UpdateSourceState(ctx, 4242, vigie.SourceState{}), vigie.ErrNotFound, "unknown source")
	})
}

func TestFindOrCreateSource(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		a := must(s.FindOrCreateSource(ctx, f.ws.ID, vigie.SourceImport, "import", ""))(t)
		b := must(s.FindOrCreateSource(ctx, f.ws.ID, vigie.SourceImport, "import", ""))(t)
		if a.ID == 0 || !sameSource(a, b) || a.Enabled || a.Kind != vigie.SourceImport {
			t.Errorf("FindOrCreateSource: %+v then %+v (want an import source, disabled)", a, b)
		}
		sim := must(s.FindOrCreateSource(ctx, f.ws.ID, vigie.SourceSimulator, "sim 2", ""))(t)
		if !sim.Enabled || sim.NextCheckAt.After(time.Now()) {
			t.Errorf("simulator source %+v: want enabled and due", sim)
		}
		c := must(s.FindOrCreateSource(ctx, f.other.ID, vigie.SourceImport, "import", ""))(t)
		if c.ID == a.ID {
			t.Error("other workspace got the same source")
		}
		// The fixture's source is found, not created.
		if d := must(s.FindOrCreateSource(ctx, f.ws.ID, vigie.SourceSimulator, "sim", ""))(t); d.ID != f.source.ID {
			t.Errorf("found %d, want the fixture's %d", d.ID, f.source.ID)
		}
		_, err := s.FindOrCreateSource(ctx, f.ws.ID, vigie.SourceImport, "", "")
		wantErr(t, err, vigie.ErrInvalid, "no name")
	})
}

func TestDeleteSourceKeepsPosts(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "m")
		must(s.SaveBatch(ctx, f.source.ID, items("m", post("1", "kept", t0)), nil))(t)
		if err := s.DeleteSource(ctx, f.ws.ID, f.source.ID); err != nil {
			t.Fatal(err)
		}
		wantErr(t, s.DeleteSource(ctx, f.ws.ID, f.source.ID), vigie.ErrNotFound, "delete twice")
		_, err := s.FindSourceByID(ctx, f.ws.ID, f.source.ID)
		wantErr(t, err, vigie.ErrNotFound, "find deleted")
		page := must(s.FindMentions(ctx, vigie.MentionFilter{MonitorID: "m"}))(t)
		if page.Total != 1 || page.Mentions[0].SourceID != 0 || page.Mentions[0].Post.Text != "kept" {
			t.Errorf("after delete: %+v", page)
		}
	})
}
