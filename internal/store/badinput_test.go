package store

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
)

// TestHugeCountsDoNotOverflow: posts claiming counts near the int64 limit
// are stored with their counts clamped, and the rollups and top authors
// still add them up; negative counts are refused.
func TestHugeCountsDoNotOverflow(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "m")
		huge := func(id string, at time.Duration) Item {
			p := vigie.Post{ID: id, Source: "mastodon", Text: "x", PublishedAt: t0.Add(at),
				Author:  vigie.Author{ID: "big", Handle: "@big", Followers: math.MaxInt64},
				Metrics: vigie.Metrics{Likes: math.MaxInt64, Reposts: math.MaxInt64, Replies: math.MaxInt64, Views: math.MaxInt64}}
			return Item{Post: p, MonitorKeys: []string{"m"}}
		}
		// One batch, then two more: the rollups add to what is stored.
		must(saveBatch(s, ctx, f.source.ID, []Item{huge("1", 0), huge("2", time.Minute)}, nil))(t)
		must(saveBatch(s, ctx, f.source.ID, []Item{huge("3", 2*time.Minute)}, nil))(t)

		ms := must(s.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: f.ws.ID}))(t)
		if len(ms.Mentions) != 3 {
			t.Fatalf("%d mentions stored, want 3", len(ms.Mentions))
		}
		for _, m := range ms.Mentions {
			want := vigie.Metrics{Likes: vigie.MaxCount, Reposts: vigie.MaxCount, Replies: vigie.MaxCount, Views: vigie.MaxCount}
			if m.Post.Metrics != want || m.Post.Author.Followers != vigie.MaxCount {
				t.Errorf("post %s stored with %+v, followers %d; want every count clamped to %d", m.Post.ID, m.Post.Metrics, m.Post.Author.Followers, int64(vigie.MaxCount))
			}
		}
		want := vigie.InfluenceInputs{Followers: vigie.MaxCount, Mentions: 3, Engagement: 9 * vigie.MaxCount}
		day := t0.Truncate(24 * time.Hour)
		for name, filter := range map[string]vigie.MentionFilter{
			"mentions":    {WorkspaceID: f.ws.ID, To: t0.Add(time.Hour)},
			"author_days": {WorkspaceID: f.ws.ID, From: day.Add(-24 * time.Hour), To: day.Add(4 * 24 * time.Hour)},
		} {
			top, err := s.TopAuthors(ctx, filter)
			if err != nil {
				t.Fatalf("top authors from %s: %v", name, err)
			}
			if len(top) != 1 || top[0].Inputs != want {
				t.Errorf("top authors from %s: %+v, want one with %+v", name, top, want)
			}
		}
		if _, err := s.Overview(ctx, vigie.OverviewFilter{WorkspaceID: f.ws.ID, From: day, To: day.Add(24 * time.Hour), Bucket: time.Hour}); err != nil {
			t.Errorf("overview: %v", err)
		}

		// Rows stored before counts were clamped hold anything: reading
		// and re-counting them must not fail either.
		if _, err := s.db.ExecContext(ctx, `UPDATE posts SET likes = 9223372036854775807, reposts = 9223372036854775807, replies = -9223372036854775807`); err != nil {
			t.Fatal(err)
		}
		if _, err := s.db.ExecContext(ctx, `UPDATE author_days SET engagement = 9223372036854775807`); err != nil {
			t.Fatal(err)
		}
		for name, filter := range map[string]vigie.MentionFilter{
			"mentions":    {WorkspaceID: f.ws.ID, To: t0.Add(time.Hour)},
			"author_days": {WorkspaceID: f.ws.ID},
		} {
			if _, err := s.TopAuthors(ctx, filter); err != nil {
				t.Errorf("top authors from %s over legacy rows: %v", name, err)
			}
		}
		must(saveBatch(s, ctx, f.source.ID, []Item{huge("4", 3*time.Minute)}, nil))(t)

		neg := huge("5", 0)
		neg.Post.Metrics.Replies = -1
		_, err := saveBatch(s, ctx, f.source.ID, []Item{neg}, nil)
		wantErr(t, err, vigie.ErrInvalid, "negative replies")
		if err != nil && !strings.Contains(err.Error(), `"metrics.replies"`) {
			t.Errorf("error %q does not name the field", err)
		}
	})
}

// TestMonitorIDAlphabet: new monitors need a safe id; one stored before the
// rule is still read, updated and deleted.
func TestMonitorIDAlphabet(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		for _, id := range []string{"..", "a/b", "?x#y", "a b", "a\x00b", ".hidden", "é"} {
			_, err := s.CreateMonitor(ctx, vigie.MonitorRecord{Monitor: vigie.Monitor{ID: id, Query: "x"}, WorkspaceID: f.ws.ID})
			wantErr(t, err, vigie.ErrInvalid, "create "+strconv.Quote(id))
			_, err = s.UpsertMonitor(ctx, vigie.MonitorRecord{Monitor: vigie.Monitor{ID: id, Query: "x"}, WorkspaceID: f.ws.ID})
			wantErr(t, err, vigie.ErrInvalid, "upsert "+strconv.Quote(id))
		}
		must(s.CreateMonitor(ctx, vigie.MonitorRecord{Monitor: vigie.Monitor{ID: "m-00001_v2.fr:brand", Query: "x"}, WorkspaceID: f.ws.ID}))(t)

		now := s.tm(s.clock())
		if _, err := s.db.ExecContext(ctx, s.q(`INSERT INTO monitors (id, public_id, workspace_id, name, kind, query, created_at, updated_at)
			VALUES (?, ?, ?, '', 'keyword', 'old', ?, ?)`), "old/id ?", "old/id ?", f.ws.ID, now, now); err != nil {
			t.Fatal(err)
		}
		ms := must(s.FindMonitors(ctx, f.ws.ID))(t)
		if len(ms) != 2 {
			t.Fatalf("monitors: %+v", ms)
		}
		q := "new"
		must(s.UpdateMonitor(ctx, f.ws.ID, "old/id ?", MonitorUpdate{Query: &q}))(t)
		if err := s.DeleteMonitor(ctx, f.ws.ID, "old/id ?"); err != nil {
			t.Fatalf("delete a monitor stored before the rule: %v", err)
		}
	})
}

// TestPublicMessage: a translated driver error keeps the driver's text for
// the log, and PublicMessage says what it means without it.
func TestPublicMessage(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "m1")
		_, err := s.CreateMonitor(ctx, vigie.MonitorRecord{Monitor: vigie.Monitor{ID: "m1", Query: "x"}, WorkspaceID: f.ws.ID})
		wantErr(t, err, vigie.ErrConflict, "duplicate monitor")
		if err == nil {
			return
		}
		msg := PublicMessage(err)
		if want := `create monitor "m1": conflict: already exists`; msg != want {
			t.Errorf("PublicMessage = %q, want %q", msg, want)
		}
		if !strings.Contains(err.Error(), "monitors") {
			t.Errorf("the error for the log lost the driver's text: %q", err)
		}
		_, err = s.CreateMonitor(ctx, vigie.MonitorRecord{Monitor: vigie.Monitor{ID: "m2", Query: "x"}, WorkspaceID: 999999})
		wantErr(t, err, vigie.ErrInvalid, "monitor of a missing workspace")
		if err != nil && strings.Contains(strings.ToLower(PublicMessage(err)), "foreign") {
			t.Errorf("PublicMessage shows the driver's text: %q", PublicMessage(err))
		}
		if plain := fmt.Errorf("x: %w", vigie.ErrNotFound); PublicMessage(plain) != plain.Error() {
			t.Errorf("PublicMessage changed an error without driver text: %q", PublicMessage(plain))
		}
	})
}

// TestNULAndLongNames: a NUL in a post is removed (PostgreSQL refused the
// whole batch it came in); names are bounded and free of control
// characters; a NUL in a filter or a tag is a clear refusal, not a 500.
func TestNULAndLongNames(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "m")
		bad := post("nul", "hello \x00 nul", t0)
		bad.Author.Handle = "@n\x00x"
		saved := must(saveBatch(s, ctx, f.source.ID, []Item{{Post: bad, MonitorKeys: []string{"m"}}, {Post: post("ok", "fine", t0), MonitorKeys: []string{"m"}}}, nil))(t)
		if saved.Posts != 2 {
			t.Fatalf("saved %+v, want both posts", saved)
		}
		page := must(s.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: f.ws.ID, Limit: 10}))(t)
		for _, m := range page.Mentions {
			if m.Post.ID == "nul" && m.Post.Text != "hello  nul" {
				t.Errorf("stored text %q", m.Post.Text)
			}
		}
		long := strings.Repeat("x", vigie.MaxNameLength+1)
		_, err := s.CreateMonitor(ctx, vigie.MonitorRecord{Monitor: vigie.Monitor{ID: "long", Name: long, Query: "x"}, WorkspaceID: f.ws.ID})
		wantErr(t, err, vigie.ErrInvalid, "a monitor name too long")
		_, err = s.UpdateMonitor(ctx, f.ws.ID, "m", MonitorUpdate{Name: ptr("a\x00b")})
		wantErr(t, err, vigie.ErrInvalid, "a monitor name with a NUL")
		_, err = s.CreateSource(ctx, vigie.Source{WorkspaceID: f.ws.ID, Kind: vigie.SourceRSS, Name: long})
		wantErr(t, err, vigie.ErrInvalid, "a source name too long")
		for _, flt := range []vigie.MentionFilter{{MonitorID: "a\x00b"}, {Lang: "a\x00"}, {Tag: "x\x00"}} {
			flt.WorkspaceID = f.ws.ID
			_, err := s.FindMentions(ctx, flt)
			wantErr(t, err, vigie.ErrInvalid, fmt.Sprintf("filter %+v", flt))
		}
		id := page.Mentions[0].ID
		wantErr(t, s.SetTags(ctx, f.ws.ID, id, []string{"a\x00b"}, "t"), vigie.ErrInvalid, "a tag with a NUL")
	})
}

// TestHugeDistinctWords: a post whose title and text are each just under
// the 1 MB limit, all of distinct words, is stored with the rest of its
// batch (PostgreSQL refused its tsvector, over 1 MB, and failed the
// batch); its first words are found, and so is the other post.
func TestHugeDistinctWords(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "m")
		words := func(prefix string) string {
			var b strings.Builder
			for i := 0; b.Len() < vigie.MaxTextBytes-16; i++ {
				fmt.Fprintf(&b, "%s%07d ", prefix, i)
			}
			return b.String()
		}
		huge := post("huge", words("t"), t0)
		huge.Title = words("h")
		saved := must(saveBatch(s, ctx, f.source.ID, []Item{{Post: huge, MonitorKeys: []string{"m"}}, {Post: post("ok", "fine", t0), MonitorKeys: []string{"m"}}}, nil))(t)
		if saved.Posts != 2 {
			t.Fatalf("saved %+v, want both posts", saved)
		}
		// A language filter longer than PostgreSQL takes in a tsquery
		// (2,046 bytes) finds nothing, without an error (it was a 500).
		for _, q := range []string{"fine", `"fine"`} {
			page, err := s.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: f.ws.ID, Query: q, Lang: strings.Repeat("e", 3000), Limit: 10})
			if err != nil || page.Total != 0 {
				t.Errorf("search %s with a 3,000-byte lang: %d found, %v", q, page.Total, err)
			}
		}
		for q, want := range map[string]string{"h0000001": "huge", "fine": "ok"} {
			page := must(s.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: f.ws.ID, Query: q, Limit: 10}))(t)
			if len(page.Mentions) != 1 || page.Mentions[0].Post.ID != want {
				t.Errorf("search %q: %d mentions, want post %q", q, len(page.Mentions), want)
			}
		}
	})
}

// TestBytesPostgreSQLRefuses: a NUL or bytes that are not UTF-8 in an id,
// a filter or a name are a clear not-found or invalid on both dialects,
// not a driver error (PostgreSQL refuses them as parameters; the outside
// attack saw 500s).
func TestBytesPostgreSQLRefuses(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "m")
		for _, bad := range []string{"a\x00b", "\xc3\x28"} {
			_, err := s.FindMonitorByID(ctx, f.ws.ID, bad)
			wantErr(t, err, vigie.ErrNotFound, "find monitor "+strconv.Quote(bad))
			q := "x"
			_, err = s.UpdateMonitor(ctx, f.ws.ID, bad, MonitorUpdate{Query: &q})
			wantErr(t, err, vigie.ErrNotFound, "update monitor "+strconv.Quote(bad))
			wantErr(t, s.DeleteMonitor(ctx, f.ws.ID, bad), vigie.ErrNotFound, "delete monitor "+strconv.Quote(bad))
			for _, flt := range []vigie.MentionFilter{{WorkspaceID: f.ws.ID, MonitorID: bad}, {WorkspaceID: f.ws.ID, Source: bad},
				{WorkspaceID: f.ws.ID, Lang: bad}, {WorkspaceID: f.ws.ID, Country: bad}, {WorkspaceID: f.ws.ID, Query: bad}} {
				_, err = s.FindMentions(ctx, flt)
				wantErr(t, err, vigie.ErrInvalid, fmt.Sprintf("find mentions %+v", flt))
				_, err = s.TopAuthors(ctx, flt)
				wantErr(t, err, vigie.ErrInvalid, fmt.Sprintf("top authors %+v", flt))
			}
			_, err = s.CreateMonitor(ctx, vigie.MonitorRecord{Monitor: vigie.Monitor{ID: "n", Name: bad, Query: "x"}, WorkspaceID: f.ws.ID})
			wantErr(t, err, vigie.ErrInvalid, "monitor named "+strconv.Quote(bad))
		}
	})
}
