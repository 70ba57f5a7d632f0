package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
)

func TestSaveBatch(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "m1", "m2", "other-m3")
		full := vigie.Post{
			ID: "full", Source: "Mastodon", URL: "https://social.example/@alice/1", PublishedAt: t0.Add(123456789 * time.Nanosecond),
			Author: vigie.Author{ID: "42", Handle: "@alice@social.example", Name: "Alice", Followers: 1200, URL: "https://social.example/@alice"},
			Title:  "A title", Text: "Fier de l'<b>EPFL</b> !", Lang: "fr", Country: "ch",
			Links:   []string{"https://epfl.ch/a", "https://example.org/b"},
			ReplyTo: "r0", RepostOf: "p0", Metrics: vigie.Metrics{Likes: 1, Reposts: 2, Replies: 3, Views: 4},
		}
		batch := []Item{
			{Post: full, MonitorKeys: []string{"m1", "m2", "other-m3", "deleted-meanwhile"}},
			{Post: post("2", "two", t0.Add(time.Minute)), MonitorKeys: []string{"m1"}},
			{Post: post("3", "no monitor", t0.Add(2*time.Minute))},
		}
		// other-m3 is another workspace's monitor: this workspace's source,
		// unshared, does not feed it (tenancy).
		f.source = must(s.ShareSource(ctx, f.ws.ID, f.source.ID, false))(t)
		saved := must(saveBatch(s, ctx, f.source.ID, batch, nil))(t)
		if want := (Saved{Posts: 3, Existing: 0, Mentions: 3}); saved != want {
			t.Errorf("first save: %+v, want %+v", saved, want)
		}

		// Round trip of every field.
		page := must(s.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: f.ws.ID, MonitorID: "m2"}))(t)
		if len(page.Mentions) != 1 {
			t.Fatalf("m2 mentions: %+v", page)
		}
		got := page.Mentions[0]
		want := full
		want.Source = "mastodon" // source kinds are stored lower case
		want.PublishedAt = full.PublishedAt.Truncate(time.Microsecond)
		if !got.Post.PublishedAt.Equal(want.PublishedAt) || got.Post.PublishedAt.Location() != time.UTC {
			t.Errorf("published_at %v, want %v in UTC", got.Post.PublishedAt, want.PublishedAt)
		}
		got.Post.PublishedAt = want.PublishedAt
		if fmt.Sprintf("%+v", got.Post) != fmt.Sprintf("%+v", want) {
			t.Errorf("stored post\n got %+v\nwant %+v", got.Post, want)
		}
		if got.SourceID != f.source.ID || got.ID == 0 || got.StoredAt.IsZero() || !equal(got.MonitorIDs, []string{"m1", "m2"}) {
			t.Errorf("mention %+v", got)
		}

		// The same batch again stores nothing twice.
		saved = must(saveBatch(s, ctx, f.source.ID, batch, nil))(t)
		if want := (Saved{Posts: 0, Existing: 3, Mentions: 0}); saved != want {
			t.Errorf("second save: %+v, want %+v", saved, want)
		}
		if c := must(s.Counts(ctx))(t); c.Posts != 3 || c.Mentions != 3 {
			t.Errorf("after the second save: %+v", c)
		}

		// A re-delivered post gains the mentions of a monitor added since,
		// and a post repeated in a batch is stored once.
		must(s.CreateMonitor(ctx, vigie.MonitorRecord{Monitor: vigie.Monitor{ID: "new", Query: "x"}, WorkspaceID: f.ws.ID}))(t)
		again := []Item{
			{Post: post("3", "no monitor", t0.Add(2*time.Minute)), MonitorKeys: []string{"new"}},
			{Post: post("4", "four", t0.Add(3*time.Minute)), MonitorKeys: []string{"new"}},
			{Post: post("4", "four", t0.Add(3*time.Minute)), MonitorKeys: []string{"m1", "new"}},
		}
		saved = must(saveBatch(s, ctx, f.source.ID, again, nil))(t)
		if want := (Saved{Posts: 1, Existing: 2, Mentions: 3}); saved != want {
			t.Errorf("third save: %+v, want %+v", saved, want)
		}
		if c := must(s.Counts(ctx))(t); c.Posts != 4 || c.Mentions != 6 {
			t.Errorf("after the third save: %+v", c)
		}

		// The same external id from another network is another post.
		other := post("2", "same id, other network", t0)
		other.Source = "bluesky"
		saved = must(saveBatch(s, ctx, f.source.ID, []Item{{Post: other, MonitorKeys: []string{"m1"}}}, nil))(t)
		if saved.Posts != 1 {
			t.Errorf("other network: %+v", saved)
		}
	})
}

func TestSaveBatchErrors(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "m")
		bad := post("x", "text", t0)
		bad.PublishedAt = time.Time{}
		tests := []struct {
			name   string
			source int64
			items  []Item
			state  *vigie.SourceState
			err    error
		}{
			{"unknown source", 9999, items("m", post("1", "a", t0)), nil, vigie.ErrNotFound},
			{"unknown source with state", 9999, items("m", post("1", "a", t0)), &vigie.SourceState{Cursor: "c"}, vigie.ErrNotFound},
			{"invalid post", f.source.ID, items("m", post("1", "a", t0), bad), nil, vigie.ErrInvalid},
			{"no id", f.source.ID, items("m", post("", "a", t0)), nil, vigie.ErrInvalid},
			{"empty batch", f.source.ID, nil, nil, nil},
		}
		for _, tt := range tests {
			_, err := saveBatch(s, ctx, tt.source, tt.items, tt.state)
			wantErr(t, err, tt.err, tt.name)
		}
		if c := must(s.Counts(ctx))(t); c.Posts != 0 {
			t.Errorf("failed batches stored %d posts", c.Posts)
		}
	})
}

func TestSaveBatchSavesCursorWithPosts(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "m")
		state := vigie.SourceState{Cursor: "page-2", NextCheckAt: t0.Add(time.Minute), LastSuccessAt: t0, PostsSeen: 2}
		batch := items("m", post("1", "one", t0), post("2", "two", t0))

		// A crash before the commit: neither the posts nor the cursor.
		crash := errors.New("power cut")
		s.beforeCommit = func() error { return crash }
		_, err := saveBatch(s, ctx, f.source.ID, batch, &state)
		if !errors.Is(err, crash) {
			t.Fatalf("got %v, want the crash", err)
		}
		s.beforeCommit = nil
		if c := must(s.Counts(ctx))(t); c.Posts != 0 || c.Mentions != 0 {
			t.Errorf("after the crash: %+v", c)
		}
		if src := must(s.FindSourceByID(ctx, f.ws.ID, f.source.ID))(t); src.Cursor != "" || src.PostsSeen != 0 {
			t.Errorf("cursor saved without its posts: %+v", src.SourceState)
		}
		if known := must(s.KnownPosts(ctx, &f.source, "mastodon", []string{"1", "2"}))(t); len(known) != 0 {
			t.Errorf("known after the crash: %v", known)
		}

		// The source delivers again from the old cursor: all is stored once.
		for range 2 {
			must(saveBatch(s, ctx, f.source.ID, batch, &state))(t)
		}
		if c := must(s.Counts(ctx))(t); c.Posts != 2 || c.Mentions != 2 {
			t.Errorf("after the retry: %+v", c)
		}
		src := must(s.FindSourceByID(ctx, f.ws.ID, f.source.ID))(t)
		want := f.source
		want.SourceState = state
		if !sameSource(src, want) {
			t.Errorf("state %+v, want %+v", src.SourceState, state)
		}
	})
}

func TestSaveBatchAuthors(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "m")
		p1 := post("1", "one", t0)
		p1.Author = vigie.Author{ID: "a", Handle: "@bob", Name: "Bob", Followers: 10}
		p2 := post("2", "two", t0.Add(time.Second))
		p2.Author = vigie.Author{ID: "a", Handle: "@bob", Followers: 20} // no name this time
		p3 := post("3", "three", t0.Add(2*time.Second))
		p3.Author = vigie.Author{Handle: "@carol"} // no id: keyed by handle
		p4 := post("4", "four", t0.Add(3*time.Second))
		p4.Author = vigie.Author{}
		p5 := post("5", "five", t0.Add(4*time.Second))
		p5.Author = vigie.Author{Name: "Dana Writer"} // a feed's author: a name only
		must(saveBatch(s, ctx, f.source.ID, items("m", p1), nil))(t)
		must(saveBatch(s, ctx, f.source.ID, items("m", p2, p3, p4, p5), nil))(t)
		var n int
		if err := s.db.QueryRow("SELECT COUNT(*) FROM authors").Scan(&n); err != nil || n != 3 {
			t.Errorf("%d authors (%v), want 3", n, err)
		}
		page := must(s.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: f.ws.ID, MonitorID: "m"}))(t)
		byID := map[string]vigie.Author{}
		for _, m := range page.Mentions {
			byID[m.Post.ID] = m.Post.Author
		}
		want := map[string]vigie.Author{
			"1": {ID: "a", Handle: "@bob", Name: "Bob", Followers: 20},
			"2": {ID: "a", Handle: "@bob", Name: "Bob", Followers: 20},
			"3": {Handle: "@carol"},
			"4": {},
			"5": {Name: "Dana Writer"},
		}
		for id, a := range want {
			if byID[id] != a {
				t.Errorf("post %s: author %+v, want %+v", id, byID[id], a)
			}
		}
	})
}

func TestKnownPosts(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "m")
		must(saveBatch(s, ctx, f.source.ID, items("m", post("1", "a", t0), post("2", "b", t0)), nil))(t)
		tests := []struct {
			name string
			kind string
			ids  []string
			want map[string]bool
		}{
			{"some known", "mastodon", []string{"1", "3", "2"}, map[string]bool{"1": true, "2": true}},
			{"kind is case-insensitive", "Mastodon", []string{"1"}, map[string]bool{"1": true}},
			{"other kind", "rss", []string{"1", "2"}, map[string]bool{}},
			{"none asked", "mastodon", nil, map[string]bool{}},
		}
		for _, tt := range tests {
			got := must(s.KnownPosts(ctx, &f.source, tt.kind, tt.ids))(t)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
			}
		}
	})
}

func TestSaveBatchLarge(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "m1", "m2")
		// More posts and authors than one statement takes, in one batch:
		// full chunks (statements prepared at Open) and a shorter last one.
		const n = authorChunk + 250
		batch := make([]Item, n)
		for i := range batch {
			batch[i] = Item{Post: post(fmt.Sprint(i), fmt.Sprintf("post number %d", i), t0.Add(time.Duration(i)*time.Second)),
				MonitorKeys: []string{"m1", "m2"}}
			batch[i].Post.Author.ID = fmt.Sprint(i)
		}
		saved := must(saveBatch(s, ctx, f.source.ID, batch, nil))(t)
		if want := (Saved{Posts: n, Mentions: 2 * n}); saved != want {
			t.Errorf("saved %+v, want %+v", saved, want)
		}
		// Each post has its own author, found by the ids the statements returned.
		var own int
		if err := s.db.QueryRow(`SELECT COUNT(*) FROM posts p JOIN authors a ON a.id = p.author_id
			WHERE p.external_id = a.external_id OR p.external_id LIKE '%/' || a.external_id`).Scan(&own); err != nil || own != n {
			t.Errorf("%d posts with their own author (%v), want %d", own, err, n)
		}
		ids := make([]string, n)
		for i := range ids {
			ids[i] = fmt.Sprint(i)
		}
		if known := must(s.KnownPosts(ctx, &f.source, "mastodon", ids))(t); len(known) != n {
			t.Errorf("%d known, want %d", len(known), n)
		}
	})
}

// TestSaveBatchConcurrent has workers deliver the same posts at once, in
// different orders, as several ingest processes may: each post and mention
// is stored once and counted as inserted once.
func TestSaveBatchConcurrent(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		monitors := []string{"m1", "m2", "m3"}
		f := newFixture(t, s, monitors...)
		const workers, posts = 4, 400
		rng := rand.New(rand.NewPCG(3, 3))
		all := benchItems(rng, 0, posts, monitors)
		wantMentions := 0
		for _, it := range all {
			slices.Sort(it.MonitorKeys)
			wantMentions += len(slices.Compact(it.MonitorKeys))
		}
		var wg sync.WaitGroup
		results := make([]Saved, workers)
		errs := make([]error, workers)
		for w := range workers {
			order := slices.Clone(all)
			rand.New(rand.NewPCG(uint64(w), 9)).Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
			wg.Go(func() {
				for chunk := range slices.Chunk(order, 100) {
					saved, err := saveBatch(s, ctx, f.source.ID, chunk, nil)
					if err != nil {
						errs[w] = err
						return
					}
					results[w].Posts += saved.Posts
					results[w].Mentions += saved.Mentions
				}
			})
		}
		wg.Wait()
		var total Saved
		for w := range workers {
			if errs[w] != nil {
				t.Fatalf("worker %d: %v", w, errs[w])
			}
			total.Posts += results[w].Posts
			total.Mentions += results[w].Mentions
		}
		if total.Posts != posts || total.Mentions != wantMentions {
			t.Errorf("inserted %d posts and %d mentions in all, want %d and %d", total.Posts, total.Mentions, posts, wantMentions)
		}
		if c := must(s.Counts(ctx))(t); c.Posts != posts || c.Mentions != int64(wantMentions) {
			t.Errorf("stored %+v, want %d posts and %d mentions", c, posts, wantMentions)
		}
	})
}

// TestSaveBatchMoreWritersThanConnections: writers beyond the pool's
// connections queue and all succeed — nothing in a transaction waits for a
// second connection (a statement prepared on first use once did, and
// stalled SQLite for the busy timeout and PostgreSQL for good).
func TestSaveBatchMoreWritersThanConnections(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		// No deadline of its own: queued writers wait as long as the
		// writers before them take (long under -race on a busy machine);
		// go test's -timeout catches a hang.
		ctx := t.Context()
		monitors := []string{"m1", "m2", "m3"}
		f := newFixture(t, s, monitors...)
		const writers = 20 // PostgreSQL's pool holds 16, SQLite's 8
		rng := rand.New(rand.NewPCG(5, 5))
		errs := make([]error, writers)
		var wg sync.WaitGroup
		for w := range writers {
			batch := benchItems(rng, w*300, 300, monitors)
			wg.Go(func() { _, errs[w] = saveBatch(s, ctx, f.source.ID, batch, nil) })
		}
		wg.Wait()
		for w, err := range errs {
			if err != nil {
				t.Fatalf("writer %d: %v", w, err)
			}
		}
		if c := must(s.Counts(ctx))(t); c.Posts != writers*300 {
			t.Errorf("stored %d posts, want %d", c.Posts, writers*300)
		}
	})
}

// TestSQLiteWriterWaitsInLane: on SQLite a writer queued behind a long
// transaction waits in the process's write lane rather than in SQLite's busy
// handler, and gives up when its context ends, while the other still holds
// the lock; once the lane is free the next writer goes through.
func TestSQLiteWriterWaitsInLane(t *testing.T) {
	t.Parallel()
	s := openStore(t, SQLite)
	f := newFixture(t, s, "m1")
	queued := make(chan struct{}, 1)
	s.laneWait = func() { queued <- struct{}{} }
	holding, release := make(chan struct{}), make(chan struct{})
	held := make(chan error, 1)
	go func() {
		held <- s.inTx(context.Background(), func(tx *sql.Tx) error {
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := saveBatch(s, ctx, f.source.ID, items("m1", post("a", "m1 text", time.Now())), nil)
		done <- err
	}()
	<-queued
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("queued writer: %v, want context.Canceled", err)
	}
	close(release)
	if err := <-held; err != nil {
		t.Fatalf("holding transaction: %v", err)
	}
	if _, err := saveBatch(s, context.Background(), f.source.ID, items("m1", post("a", "m1 text", time.Now())), nil); err != nil {
		t.Fatalf("writer after the release: %v", err)
	}
}
