package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
)

// benchWords make posts of realistic length (about 200 characters) in three
// languages, with hashtags, mentions and links.
var benchWords = strings.Fields(`the university announced a new research lab for climate and energy today
	students were proud of the ranking while professors discussed funding and innovation
	l'université annonce un nouveau laboratoire pour le climat et l'énergie aujourd'hui les étudiants
	die Hochschule eröffnet ein neues Labor für Klima und Energie heute Studierende Zürich Lausanne
	#EPFL #research #climat @epfl @ethz_en great terrible amazing crisis`)

func benchPost(rng *rand.Rand, i int) vigie.Post {
	var b strings.Builder
	for b.Len() < 200 {
		b.WriteString(benchWords[rng.IntN(len(benchWords))])
		b.WriteByte(' ')
	}
	a := rng.IntN(5000)
	return vigie.Post{
		ID: fmt.Sprintf("b%d", i), Source: "mastodon", URL: fmt.Sprintf("https://social.example/@u%d/%d", a, i),
		PublishedAt: t0.Add(time.Duration(i) * time.Second),
		Author:      vigie.Author{ID: fmt.Sprint(a), Handle: fmt.Sprintf("@u%d@social.example", a), Name: "User", Followers: int64(rng.IntN(100000))},
		Text:        b.String(), Lang: []string{"en", "fr", "de"}[rng.IntN(3)],
		Links: []string{"https://news.example/x"}, Metrics: vigie.Metrics{Likes: int64(rng.IntN(100))},
	}
}

func benchItems(rng *rand.Rand, from, n int, monitors []string) []Item {
	out := make([]Item, n)
	for i := range out {
		out[i] = Item{Post: benchPost(rng, from+i), MonitorKeys: []string{monitors[rng.IntN(len(monitors))]}}
		if rng.IntN(4) == 0 {
			out[i].MonitorKeys = append(out[i].MonitorKeys, monitors[rng.IntN(len(monitors))])
		}
	}
	return out
}

// BenchmarkSaveBatch stores new posts in batches of 500, with mentions and
// the source's cursor, as the ingest pipeline does.
func BenchmarkSaveBatch(b *testing.B) {
	for _, d := range dialects {
		b.Run(d, func(b *testing.B) {
			s := openStore(b, d)
			ctx := context.Background()
			monitors := []string{"m1", "m2", "m3", "m4", "m5"}
			f := newFixture(b, s, monitors...)
			const batch = 500
			rng := rand.New(rand.NewPCG(1, 1))
			// Prepare the posts outside the timer.
			batches := make([][]Item, b.N)
			for i := range batches {
				batches[i] = benchItems(rng, i*batch, batch, monitors)
			}
			b.ResetTimer()
			for i := range b.N {
				st := vigie.SourceState{Cursor: fmt.Sprint(i), NextCheckAt: t0}
				saved, err := saveBatch(s, ctx, f.source.ID, batches[i], &st)
				if err != nil {
					b.Fatal(err)
				}
				if saved.Posts != batch {
					b.Fatalf("saved %+v", saved)
				}
			}
			b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "posts/s")
		})
	}
}

// BenchmarkSmallWrite saves a source's state, a write of one row outside
// a transaction like a session's last activity: on SQLite what the write
// lane costs when nobody else writes.
func BenchmarkSmallWrite(b *testing.B) {
	for _, d := range dialects {
		b.Run(d, func(b *testing.B) {
			s := openStore(b, d)
			ctx := context.Background()
			f := newFixture(b, s)
			b.ResetTimer()
			for i := range b.N {
				st := vigie.SourceState{Cursor: fmt.Sprint(i), NextCheckAt: t0}
				if err := s.UpdateSourceState(ctx, f.source.ID, st); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFindMentions lists and searches an archive of 50,000 mentions.
func BenchmarkFindMentions(b *testing.B) {
	for _, d := range dialects {
		b.Run(d, func(b *testing.B) {
			s := openStore(b, d)
			ctx := context.Background()
			monitors := []string{"m1", "m2", "m3", "m4", "m5"}
			f := newFixture(b, s, monitors...)
			rng := rand.New(rand.NewPCG(2, 2))
			const total, batch = 50000, 1000
			for i := 0; i < total; i += batch {
				if _, err := saveBatch(s, ctx, f.source.ID, benchItems(rng, i, batch, monitors), nil); err != nil {
					b.Fatal(err)
				}
			}
			if d == Postgres {
				s.db.Exec("ANALYZE")
			}
			cases := []struct {
				name   string
				filter vigie.MentionFilter
			}{
				{"workspace", vigie.MentionFilter{WorkspaceID: f.ws.ID}},
				{"monitor", vigie.MentionFilter{WorkspaceID: f.ws.ID, MonitorID: "m3"}},
				{"monitor, page 5", vigie.MentionFilter{WorkspaceID: f.ws.ID, MonitorID: "m3", Limit: 50}},
				{"lang and day", vigie.MentionFilter{WorkspaceID: f.ws.ID, Lang: "fr", From: t0.Add(5 * time.Hour), To: t0.Add(29 * time.Hour)}},
				{"search word", vigie.MentionFilter{WorkspaceID: f.ws.ID, Query: "crisis NOT terrible"}},
				{"search phrase", vigie.MentionFilter{WorkspaceID: f.ws.ID, Query: `"climate and energy"`}},
				{"search prefix", vigie.MentionFilter{WorkspaceID: f.ws.ID, Query: "innov* #epfl"}},
			}
			for _, c := range cases {
				b.Run(c.name, func(b *testing.B) {
					f := c.filter
					if c.name == "monitor, page 5" {
						for range 4 {
							page, err := s.FindMentions(ctx, f)
							if err != nil {
								b.Fatal(err)
							}
							f.Cursor = page.NextCursor
						}
					}
					var total int
					for b.Loop() {
						page, err := s.FindMentions(ctx, f)
						if err != nil {
							b.Fatal(err)
						}
						total = page.Total
					}
					b.ReportMetric(float64(total), "matches")
				})
			}
		})
	}
}
