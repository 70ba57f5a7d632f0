package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
)

// TestLastPostIDPerWorkspace: where a workspace's live stream starts says
// nothing of the posts stored for other workspaces after its last mention.
func TestLastPostIDPerWorkspace(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "m", "other-m")
		if id := must(s.LastPostID(ctx, f.ws.ID))(t); id != 0 {
			t.Fatalf("no mention yet: %d", id)
		}
		must(saveBatch(s, ctx, f.source.ID, items("m", post("1", "a", t0)), nil))(t)
		mine := must(s.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: f.ws.ID}))(t).Mentions[0].ID
		must(saveBatch(s, ctx, f.source.ID, items("other-m", post("2", "b", t0), post("3", "c", t0)), nil))(t)
		if id := must(s.LastPostID(ctx, f.ws.ID))(t); id != mine {
			t.Errorf("LastPostID = %d, want %d (the workspace's own last mention)", id, mine)
		}
		if id := must(s.LastPostID(ctx, f.other.ID))(t); id <= mine {
			t.Errorf("other workspace's LastPostID = %d, want above %d", id, mine)
		}
		if _, err := s.LastPostID(ctx, 0); err == nil {
			t.Error("LastPostID without a workspace")
		}
	})
}

// TestLastPostIDReadsOnlyItsWorkspace: finding where a quiet workspace's
// live stream starts reads one mention per monitor of the workspace: not
// the mentions other workspaces stored since its last one (it walked them
// all, newest first), nor all of its own. On PostgreSQL the rows the query
// reads from mentions are counted (EXPLAIN ANALYZE); on SQLite its plan
// must reach mentions only by a search on the monitor, without sorting.
func TestLastPostIDReadsOnlyItsWorkspace(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		quiet := []string{"q0", "q1", "q2"}
		f := newFixture(t, s, append(quiet, "other-busy")...)
		var mine []Item
		for i := range 30 {
			mine = append(mine, items(quiet[i%3], post(fmt.Sprint("mine", i), "a", t0))...)
		}
		must(saveBatch(s, ctx, f.source.ID, mine, nil))(t)
		last := must(s.LastPostID(ctx, f.ws.ID))(t)
		// The busy workspace's 10,000 mentions stored after the quiet one's,
		// added cheaply (the rollups do not follow: nothing here reads
		// them).
		var others []vigie.MonitorRecord
		for i := range 40 {
			others = append(others, vigie.MonitorRecord{Monitor: vigie.Monitor{ID: fmt.Sprint("busy", i), Query: "b"}})
		}
		must(s.UpsertMonitors(ctx, f.other.ID, others))(t)
		var busy []vigie.Post
		for i := range 250 {
			busy = append(busy, post(fmt.Sprint("b", i), "b", t0))
		}
		must(saveBatch(s, ctx, f.source.ID, items("other-busy", busy...), nil))(t)
		res, err := s.db.ExecContext(ctx, s.q(`INSERT INTO mentions (post_id, monitor_id, published_at)
			SELECT p.id, mo.id, p.published_at FROM posts p, monitors mo WHERE p.id > ? AND mo.workspace_id = ? AND mo.public_id <> 'other-busy'`), last, f.other.ID)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n != 250*40 {
			t.Fatalf("%d mentions added, want %d", n, 250*40)
		}
		if _, err := s.db.ExecContext(ctx, "ANALYZE"); err != nil {
			t.Fatal(err)
		}
		if id := must(s.LastPostID(ctx, f.ws.ID))(t); id != last {
			t.Fatalf("LastPostID = %d, want %d", id, last)
		}
		if id := must(s.LastPostID(ctx, f.other.ID))(t); id <= last {
			t.Fatalf("the busy workspace's LastPostID = %d, want above %d", id, last)
		}

		if !s.pg() {
			rows, err := s.db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+lastPostIDQuery, f.ws.ID)
			if err != nil {
				t.Fatal(err)
			}
			var plan []string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			reads := 0
			for _, step := range plan {
				if strings.Contains(step, "TEMP B-TREE") {
					t.Errorf("the query sorts mentions (%q): it reads all of them first; plan %q", step, plan)
				}
				if strings.Contains(step, " mm") {
					reads++
					if !strings.HasPrefix(step, "SEARCH mm USING COVERING INDEX") || !strings.Contains(step, "(monitor_id=?)") {
						t.Errorf("the query reads mentions by %q, not by a search on the monitor; plan %q", step, plan)
					}
				}
			}
			if reads == 0 {
				t.Errorf("no read of mentions in the plan: %q", plan)
			}
			return
		}
		var out []byte
		if err := s.db.QueryRowContext(ctx, "EXPLAIN (ANALYZE, FORMAT JSON) "+s.q(lastPostIDQuery), f.ws.ID).Scan(&out); err != nil {
			t.Fatal(err)
		}
		var plan []struct{ Plan pgPlan }
		if err := json.Unmarshal(out, &plan); err != nil || len(plan) != 1 {
			t.Fatalf("plan %s: %v", out, err)
		}
		if n := plan[0].Plan.rowsRead("mentions"); n > float64(len(quiet)) {
			t.Errorf("the query read %.0f rows of mentions for a workspace of %d monitors; plan:\n%s", n, len(quiet), out)
		}
	})
}

// pgPlan is a node of PostgreSQL's EXPLAIN (ANALYZE, FORMAT JSON).
type pgPlan struct {
	Relation string   `json:"Relation Name"`
	Rows     float64  `json:"Actual Rows"`
	Loops    float64  `json:"Actual Loops"`
	Removed  float64  `json:"Rows Removed by Filter"`
	Plans    []pgPlan `json:"Plans"`
}

// rowsRead is how many rows the nodes that read the table returned or
// filtered out, over all their loops.
func (p pgPlan) rowsRead(table string) float64 {
	n := 0.0
	if p.Relation == table {
		n = (p.Rows + p.Removed) * p.Loops
	}
	for _, c := range p.Plans {
		n += c.rowsRead(table)
	}
	return n
}

// OldestPost runs on both databases (PostgreSQL before 16 wants an alias
// on a subquery in FROM: the mentions page answered 500 there).
func TestOldestPost(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if at, err := s.OldestPost(ctx); err != nil || !at.IsZero() {
			t.Fatalf("empty: %v %v", at, err)
		}
		f := newFixture(t, s, "m")
		when := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
		must(s.SaveBatch(ctx, f.source.ID, keyed(s, []Item{{Post: vigie.Post{ID: "p1", Source: "simulator", Text: "m", PublishedAt: when}, MonitorKeys: []string{"m"}}}), nil))(t)
		if at, err := s.OldestPost(ctx); err != nil || !at.Equal(when) {
			t.Fatalf("oldest %v %v, want %v", at, err, when)
		}
	})
}
