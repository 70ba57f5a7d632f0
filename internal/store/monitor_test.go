package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
)

func ptr[T any](v T) *T { return &v }

func TestCreateMonitor(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		m := vigie.MonitorRecord{Monitor: vigie.Monitor{ID: "epfl", Name: "EPFL", Kind: vigie.KindBrand, Query: "epfl OR ethz"}, WorkspaceID: f.ws.ID}
		got := must(s.CreateMonitor(ctx, m))(t)
		if got.Monitor != m.Monitor || got.WorkspaceID != f.ws.ID || got.CreatedAt.IsZero() || !got.UpdatedAt.Equal(got.CreatedAt) {
			t.Errorf("CreateMonitor = %+v", got)
		}
		if found := must(s.FindMonitorByID(ctx, f.ws.ID, "epfl"))(t); found != got {
			t.Errorf("FindMonitorByID = %+v, want %+v", found, got)
		}
		tests := []struct {
			name string
			m    vigie.MonitorRecord
			err  error
		}{
			{"existing id", m, vigie.ErrConflict},
			{"no id", vigie.MonitorRecord{Monitor: vigie.Monitor{Query: "x"}, WorkspaceID: f.ws.ID}, vigie.ErrInvalid},
			{"no query", vigie.MonitorRecord{Monitor: vigie.Monitor{ID: "q"}, WorkspaceID: f.ws.ID}, vigie.ErrInvalid},
			{"bad kind", vigie.MonitorRecord{Monitor: vigie.Monitor{ID: "k", Query: "x", Kind: "nope"}, WorkspaceID: f.ws.ID}, vigie.ErrInvalid},
			{"no workspace", vigie.MonitorRecord{Monitor: vigie.Monitor{ID: "w", Query: "x"}}, vigie.ErrInvalid},
			{"unknown workspace", vigie.MonitorRecord{Monitor: vigie.Monitor{ID: "w", Query: "x"}, WorkspaceID: 9999}, vigie.ErrInvalid},
		}
		for _, tt := range tests {
			_, err := s.CreateMonitor(ctx, tt.m)
			wantErr(t, err, tt.err, tt.name)
		}
		_, err := s.FindMonitorByID(ctx, f.ws.ID, "missing")
		wantErr(t, err, vigie.ErrNotFound, "find missing")

		// Ids are per workspace: another workspace may have "epfl" too,
		// its own monitor under its own key, and neither sees the other's.
		theirs := vigie.MonitorRecord{Monitor: vigie.Monitor{ID: "epfl", Name: "Theirs", Query: "lausanne"}, WorkspaceID: f.other.ID}
		other := must(s.CreateMonitor(ctx, theirs))(t)
		if other.Key == got.Key || other.ID != "epfl" || other.WorkspaceID != f.other.ID {
			t.Errorf("same id in another workspace: %+v (first: %+v)", other, got)
		}
		if found := must(s.FindMonitorByID(ctx, f.ws.ID, "epfl"))(t); found != got {
			t.Errorf("after the other workspace's: %+v, want %+v", found, got)
		}
		if found := must(s.FindMonitorByID(ctx, f.other.ID, "epfl"))(t); found != other {
			t.Errorf("the other workspace's: %+v, want %+v", found, other)
		}
		if found := must(s.FindMonitorByKey(ctx, other.Key))(t); found != other {
			t.Errorf("by key: %+v, want %+v", found, other)
		}
	})
}

func TestUpsertMonitor(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		clock := t0
		s.now = func() time.Time { return clock }
		m := vigie.MonitorRecord{Monitor: vigie.Monitor{ID: "m", Name: "first", Query: "a"}, WorkspaceID: f.ws.ID}
		first := must(s.UpsertMonitor(ctx, m))(t)
		if !first.CreatedAt.Equal(t0) || first.Name != "first" {
			t.Errorf("insert: %+v", first)
		}
		clock = t0.Add(time.Hour)
		m.Name, m.Kind, m.Query = "second", vigie.KindCompetitor, "b"
		second := must(s.UpsertMonitor(ctx, m))(t)
		if !second.CreatedAt.Equal(t0) || !second.UpdatedAt.Equal(clock) || second.Monitor != m.Monitor {
			t.Errorf("update: %+v", second)
		}
		// The same id in another workspace is another monitor.
		m.WorkspaceID, m.Query = f.other.ID, "c"
		theirs := must(s.UpsertMonitor(ctx, m))(t)
		if theirs.Key == second.Key || theirs.WorkspaceID != f.other.ID || theirs.Query != "c" {
			t.Errorf("upsert into another workspace: %+v", theirs)
		}
		if got := must(s.FindMonitorByID(ctx, f.ws.ID, "m"))(t); got != second {
			t.Errorf("after another workspace's upsert: %+v, want %+v", got, second)
		}
	})
}

// TestUpsertMonitors: many monitors saved together, over several
// transactions, leave what one UpsertMonitor each would: the same monitors,
// one change-log entry per monitor created or changed (none for one left
// as it was), a backfill for each new monitor or new query. A bad monitor
// or an id given twice is an error naming it and
// saves nothing.
func TestUpsertMonitors(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		clock := t0
		s.now = func() time.Time { return clock }
		ws := f.ws.ID
		rec := func(id, name, q string) vigie.MonitorRecord {
			return vigie.MonitorRecord{Monitor: vigie.Monitor{ID: id, Name: name, Kind: vigie.KindKeyword, Query: q}, WorkspaceID: ws}
		}
		must(s.UpsertMonitor(ctx, rec("same", "Same", "s")))(t)
		must(s.UpsertMonitor(ctx, rec("renamed", "Old", "r")))(t)
		must(s.UpsertMonitor(ctx, rec("requery", "Q", "old")))(t)
		must(s.CreateMonitor(ctx, vigie.MonitorRecord{Monitor: vigie.Monitor{ID: "theirs", Query: "t"}, WorkspaceID: f.other.ID}))(t)
		start := must(s.LastMonitorChange(ctx))(t)

		// More than one transaction's worth, the existing ones in the
		// second transaction.
		var ms []vigie.MonitorRecord
		for i := range monitorsPerTx + 7 {
			ms = append(ms, rec(fmt.Sprintf("m%04d", i), "", fmt.Sprint("q", i)))
		}
		ms = append(ms, rec("same", "Same", "s"), rec("renamed", "New", "r"), rec("requery", "Q", "new"))
		total := func() int { return len(must(s.FindMonitors(ctx, ws))(t)) }

		bad := slices.Clone(ms)
		bad[monitorsPerTx+2].Query = " "
		_, err := s.UpsertMonitors(ctx, ws, bad)
		wantErr(t, err, vigie.ErrInvalid, "an empty query")
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%q", bad[monitorsPerTx+2].ID)) {
			t.Errorf("the error does not name the monitor: %v", err)
		}
		dup := append(slices.Clone(ms), rec("m0003", "", "x"))
		_, err = s.UpsertMonitors(ctx, ws, dup)
		wantErr(t, err, vigie.ErrInvalid, "an id twice")
		if err == nil || !strings.Contains(err.Error(), `"m0003"`) {
			t.Errorf("the error does not name the monitor: %v", err)
		}
		if _, err := s.UpsertMonitors(ctx, 0, ms); err == nil {
			t.Error("no workspace: no error")
		}
		if n := total(); n != 3 {
			t.Fatalf("%d monitors after refused calls, want 3", n)
		}
		if n := must(s.LastMonitorChange(ctx))(t); n != start {
			t.Fatalf("refused calls left changes: last %d, want %d", n, start)
		}

		clock = t0.Add(time.Hour)
		saved := must(s.UpsertMonitors(ctx, ws, ms))(t)
		if len(saved) != len(ms) {
			t.Fatalf("%d saved, want %d", len(saved), len(ms))
		}
		for i, m := range saved {
			if m.Monitor != ms[i].Monitor || m.WorkspaceID != ws || !m.UpdatedAt.Equal(clock) {
				t.Fatalf("saved[%d] = %+v, want %+v", i, m, ms[i])
			}
		}
		if m := saved[len(saved)-1]; !m.CreatedAt.Equal(t0) {
			t.Errorf("an existing monitor's created_at changed: %+v", m)
		}
		if n := total(); n != len(ms) {
			t.Errorf("%d monitors, want %d", n, len(ms))
		}

		ops := map[string]string{}
		for _, c := range must(s.MonitorChangesSince(ctx, start, 10000))(t) {
			if _, twice := ops[idOf(c.MonitorKey)]; twice || c.WorkspaceID != ws {
				t.Errorf("change %+v", c)
			}
			ops[idOf(c.MonitorKey)] = c.Op
		}
		if len(ops) != monitorsPerTx+7+2 || ops["m0000"] != ChangeCreate || ops[fmt.Sprintf("m%04d", monitorsPerTx+6)] != ChangeCreate ||
			ops["renamed"] != ChangeUpdate || ops["requery"] != ChangeUpdate || ops["same"] != "" {
			t.Errorf("%d changes: m0000 %q, renamed %q, requery %q, same %q", len(ops), ops["m0000"], ops["renamed"], ops["requery"], ops["same"])
		}
		bs := must(s.FindBackfills(ctx, ws))(t)
		gen := func(id string) int64 { return bs[id].Generation }
		if len(bs) != len(ms) || gen("m0000") != 1 || gen(fmt.Sprintf("m%04d", monitorsPerTx+6)) != 1 ||
			gen("same") != 1 || gen("renamed") != 1 || gen("requery") != 2 {
			t.Errorf("%d backfills; generations: m0000 %d, same %d, renamed %d, requery %d (want 1, 1, 1, 2)",
				len(bs), gen("m0000"), gen("same"), gen("renamed"), gen("requery"))
		}

		// Again, unchanged: nothing recorded.
		last := must(s.LastMonitorChange(ctx))(t)
		must(s.UpsertMonitors(ctx, ws, ms))(t)
		if n := must(s.LastMonitorChange(ctx))(t); n != last {
			t.Errorf("saving the same monitors again recorded changes: %d → %d", last, n)
		}
	})
}

func TestUpdateMonitor(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		orig := must(s.CreateMonitor(ctx, vigie.MonitorRecord{Monitor: vigie.Monitor{ID: "m", Name: "n", Kind: vigie.KindBrand, Query: "q"}, WorkspaceID: f.ws.ID}))(t)
		tests := []struct {
			name string
			u    MonitorUpdate
			want vigie.Monitor
			err  error
		}{
			{"nothing", MonitorUpdate{}, orig.Monitor, nil},
			{"name", MonitorUpdate{Name: ptr("new")}, vigie.Monitor{ID: "m", Name: "new", Kind: vigie.KindBrand, Query: "q"}, nil},
			{"kind and query", MonitorUpdate{Kind: ptr("product"), Query: ptr("q2")}, vigie.Monitor{ID: "m", Name: "new", Kind: vigie.KindProduct, Query: "q2"}, nil},
			{"bad kind", MonitorUpdate{Kind: ptr("nope")}, vigie.Monitor{}, vigie.ErrInvalid},
			{"empty query", MonitorUpdate{Query: ptr(" ")}, vigie.Monitor{}, vigie.ErrInvalid},
		}
		for _, tt := range tests {
			got, err := s.UpdateMonitor(ctx, f.ws.ID, "m", tt.u)
			wantErr(t, err, tt.err, tt.name)
			if err == nil && got.Monitor != tt.want {
				t.Errorf("%s: got %+v, want %+v", tt.name, got.Monitor, tt.want)
			}
			if err == nil && !got.CreatedAt.Equal(orig.CreatedAt) {
				t.Errorf("%s: created_at changed", tt.name)
			}
		}
		_, err := s.UpdateMonitor(ctx, f.ws.ID, "missing", MonitorUpdate{Name: ptr("x")})
		wantErr(t, err, vigie.ErrNotFound, "update missing")
	})
}

func TestDeleteAndFindMonitors(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "b", "a", "other-c")
		ids := func(ms []vigie.MonitorRecord) []string {
			var out []string
			for _, m := range ms {
				out = append(out, m.ID)
			}
			return out
		}
		tests := []struct {
			name string
			ws   int64
			want []string
		}{
			{"all", 0, []string{"a", "b", "other-c"}},
			{"workspace", f.ws.ID, []string{"a", "b"}},
			{"other", f.other.ID, []string{"other-c"}},
			{"unknown", 12345, nil},
		}
		for _, tt := range tests {
			if got := ids(must(s.FindMonitors(ctx, tt.ws))(t)); !equal(got, tt.want) {
				t.Errorf("%s: FindMonitors = %v, want %v", tt.name, got, tt.want)
			}
		}
		// Deleting a monitor deletes its mentions, not the posts.
		must(saveBatch(s, ctx, f.source.ID, items("a", post("1", "x", t0)), nil))(t)
		if err := s.DeleteMonitor(ctx, f.ws.ID, "a"); err != nil {
			t.Fatal(err)
		}
		wantErr(t, s.DeleteMonitor(ctx, f.ws.ID, "a"), vigie.ErrNotFound, "delete twice")
		_, err := s.FindMonitorByID(ctx, f.ws.ID, "a")
		wantErr(t, err, vigie.ErrNotFound, "find deleted")
		c := must(s.Counts(ctx))(t)
		if c.Posts != 1 || c.Mentions != 0 || c.Monitors != 2 {
			t.Errorf("after delete: %+v", c)
		}
	})
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestMonitorIDMigration: a database from before ids were per workspace
// keeps its monitors under their old keys (no mention rewritten), found by
// their id in their workspace, while another workspace may now take the
// same id.
func TestMonitorIDMigration(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s := storeBefore(t, d, "0024")
			now := s.tm(t0)
			ws := oldWorkspaces(t, s, "press", "science")
			var src, post int64
			for _, q := range []struct {
				sql  string
				args []any
				dest *int64
			}{
				{"INSERT INTO monitors (id, workspace_id, query, created_at, updated_at) VALUES ('brand', ?, 'valmont', ?, ?)", []any{ws["press"], now, now}, nil},
				{"INSERT INTO sources (workspace_id, kind, name, created_at, next_check_at) VALUES (?, 'import', 'i', ?, ?) RETURNING id", []any{ws["press"], now, now}, &src},
				{"INSERT INTO posts (source_id, source_kind, external_id, published_at, text, stored_at) VALUES (?, 'rss', 'p1', ?, 'Valmont', ?) RETURNING id", []any{&src, now, now}, &post},
				{"INSERT INTO mentions (post_id, monitor_id, published_at) VALUES (?, 'brand', ?)", []any{&post, now}, nil},
			} {
				args := make([]any, len(q.args))
				for i, a := range q.args {
					if p, ok := a.(*int64); ok {
						a = *p
					}
					args[i] = a
				}
				var err error
				if q.dest != nil {
					err = s.db.QueryRow(s.q(q.sql), args...).Scan(q.dest)
				} else {
					_, err = s.db.Exec(s.q(q.sql), args...)
				}
				if err != nil {
					t.Fatalf("%s: %v", q.sql, err)
				}
			}
			if err := s.migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if err := s.prepareWrites(ctx); err != nil {
				t.Fatal(err)
			}

			// (The rows above have no rollups: the listing is not counted.)
			old := must(s.FindMonitorByID(ctx, ws["press"], "brand"))(t)
			if old.Key != "brand" || old.ID != "brand" || old.Query != "valmont" {
				t.Fatalf("the old monitor after the migration: %+v", old)
			}
			if page := must(s.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: ws["press"], MonitorID: "brand", NoCount: true}))(t); len(page.Mentions) != 1 || fmt.Sprint(page.Mentions[0].MonitorIDs) != "[brand]" {
				t.Fatalf("its mentions: %+v, want p1 of brand", page.Mentions)
			}
			theirs := must(s.CreateMonitor(ctx, vigie.MonitorRecord{Monitor: vigie.Monitor{ID: "brand", Query: "science"}, WorkspaceID: ws["science"]}))(t)
			if theirs.Key == old.Key {
				t.Fatalf("the new monitor took the old one's key: %+v", theirs)
			}
			q := "valmont OR vlm"
			if m := must(s.UpdateMonitor(ctx, ws["press"], "brand", MonitorUpdate{Query: &q}))(t); m.Key != "brand" || m.Query != q {
				t.Fatalf("the old monitor updated: %+v", m)
			}
			if m := must(s.UpsertMonitor(ctx, vigie.MonitorRecord{Monitor: vigie.Monitor{ID: "brand", Query: "v"}, WorkspaceID: ws["press"]}))(t); m.Key != "brand" || m.Query != "v" {
				t.Fatalf("the old monitor upserted: %+v", m)
			}
			if err := s.DeleteMonitor(ctx, ws["press"], "brand"); err != nil {
				t.Fatal(err)
			}
			if m := must(s.FindMonitorByID(ctx, ws["science"], "brand"))(t); m != theirs {
				t.Fatalf("science's after press deleted its brand: %+v, want %+v", m, theirs)
			}
			var n int
			if err := s.db.QueryRow("SELECT COUNT(*) FROM mentions").Scan(&n); err != nil || n != 0 {
				t.Fatalf("mentions left: %d %v", n, err)
			}
		})
	}
}
