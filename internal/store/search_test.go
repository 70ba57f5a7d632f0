package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/match"
	"github.com/vigie-project/vigie/internal/query"
	"github.com/vigie-project/vigie/internal/text"
)

var longWord = strings.Repeat("x", 200)

// searchPosts covers what the query language looks at.
var searchPosts = []vigie.Post{
	{ID: "s1", Text: "Fier de l'EPFL ! #EPFL rocks", Lang: "fr"},
	{ID: "s2", Text: "ETH-Zürich annonce un nouveau classement", Lang: "fr"},
	{ID: "s3", Text: "Innovation day at the campus", Lang: "en"},
	{ID: "s4", Text: "innovative spam offer, buy now", Lang: "en"},
	{ID: "s5", Text: "Le classement QS place l'EPFL en tête", Lang: "fr"},
	{ID: "s6", Text: "@epfl_news a dit quelque chose", Lang: "fr"},
	{ID: "s7", Text: "Nestlé annonce des résultats", Lang: "fr"},
	{ID: "s8", Text: "nestlé annonce", Lang: "en"},
	{ID: "s9", Title: "Zurich news", Text: "Weather is nice in ZURICH today", Lang: "en"},
	{ID: "s10", Text: "École Polytechnique FÉDÉRALE de Lausanne", Lang: "fr"},
	{ID: "s11", Text: "#EPFLnews and @EPFL at https://news.epfl.ch/x", Lang: "en"},
	{ID: "s12", Text: "Women in science: womAn and women", Lang: "en"},
	{ID: "s13", Text: "東京大学 ranking", Lang: "ja"},
	{ID: "s14", Text: "hello world", Author: vigie.Author{Handle: "@alice@mastodon.social"}, Lang: "en"},
	{ID: "s15", Text: "spam spam", Lang: "en"},
	{ID: "s16", Text: longWord + " tail", Lang: "en"},
	{ID: "s17", Text: "innov", Lang: "en"},
	{ID: "s18", Text: "<p>Grüße aus <a href=\"https://www.ethz.ch/news\">Zürich</a></p>", Lang: "de"},
	{ID: "s19", Text: "Москва и Санкт-Петербург", Lang: "ru"},
	{ID: "s20", Text: "@alice.bsky.social posted about straße", Lang: "de"},
}

func storeSearchPosts(t *testing.T, s *Store) fixture {
	t.Helper()
	f := newFixture(t, s, "m")
	batch := make([]Item, len(searchPosts))
	for i, p := range searchPosts {
		p.Source = "web"
		p.PublishedAt = t0.Add(time.Duration(i) * time.Hour)
		batch[i] = Item{Post: p, MonitorKeys: []string{"m"}}
	}
	must(saveBatch(s, context.Background(), f.source.ID, batch, nil))(t)
	return f
}

// evalIDs returns the posts that match q by the exact verifier.
func evalIDs(t *testing.T, posts []vigie.Post, q string) []string {
	t.Helper()
	parsed, err := query.Parse(q)
	if err != nil {
		t.Fatalf("query %q: %v", q, err)
	}
	var out []string
	for _, p := range posts {
		if p.Source == "" {
			p.Source = "web"
		}
		if match.Eval(parsed.Root, text.Analyze(&p)) {
			out = append(out, p.ID)
		}
	}
	slices.Sort(out)
	return out
}

// searchIDs returns the ids FindMentions finds for q, reading every page.
func searchIDs(t *testing.T, s *Store, f vigie.MentionFilter) ([]string, int) {
	t.Helper()
	got, total, perDay := walk(t, s, f)
	n := 0
	for _, d := range perDay {
		n += d.Count
	}
	if n != total {
		t.Errorf("query %q: PerDay adds up to %d, Total is %d", f.Query, n, total)
	}
	var ids []string
	for _, m := range got {
		ids = append(ids, m.Post.ID)
	}
	slices.Sort(ids)
	return ids, total
}

func TestSearch(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		storeSearchPosts(t, s)
		tests := []struct {
			name, query string
			want        []string
		}{
			{"word", "epfl", []string{"s1", "s11", "s5"}},
			{"phrase or word", `"eth zurich" OR ethz`, []string{"s2"}},
			{"a link's host is not a word", "ethz", nil},
			{"hyphenated word is a phrase", "eth-zurich", []string{"s2"}},
			{"prefix and NOT", "innov* -spam", []string{"s17", "s3"}},
			{"word, not a prefix", "innov", []string{"s17"}},
			{"hashtag", "#epfl", []string{"s1"}},
			{"mention", "@epfl", []string{"s11"}},
			{"mention with underscore", "@epfl_news", []string{"s6"}},
			{"underscore word is a phrase the handle is not", "epfl_news", nil},
			{"dotted mention", "@alice.bsky.social", []string{"s20"}},
			{"diacritics in the query", "fédérale", []string{"s10"}},
			{"diacritics in the post", "federale ecole", []string{"s10"}},
			{"case", "ZÜRICH", []string{"s18", "s2", "s9"}},
			{"sharp s", "strasse", []string{"s20"}},
			{"title only", "title:zurich", []string{"s9"}},
			{"case-sensitive", "{Nestlé} NOT lang:en", []string{"s7"}},
			{"single-letter wildcard", "wom?n", []string{"s12"}},
			{"han", "東京", []string{"s13"}},
			{"cyrillic", "москва", []string{"s19"}},
			{"near", "(epfl OR ethz) NEAR/3 (ranking OR classement)", []string{"s5"}},
			{"no prefilter: field only", "author:alice", []string{"s14"}},
			{"no prefilter: OR with a field", "spam OR author:alice", []string{"s14", "s15", "s4"}},
			{"no prefilter: site and NOT", "site:epfl.ch NOT spam", []string{"s11"}},
			{"site", "site:ethz.ch", []string{"s18"}},
			{"long word", longWord, []string{"s16"}},
			{"long prefix", longWord + "*", []string{"s16"}},
			{"nothing", "zzzz", nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				truth := evalIDs(t, searchPosts, tt.query)
				if !equal(truth, tt.want) {
					t.Fatalf("test is wrong: the verifier matches %q with %v, the test expects %v", tt.query, truth, tt.want)
				}
				for _, limit := range []int{2, 50} {
					got, total := searchIDs(t, s, vigie.MentionFilter{Query: tt.query, Limit: limit})
					if !equal(got, tt.want) || total != len(tt.want) {
						t.Errorf("search %q (limit %d) = %v (total %d), want %v", tt.query, limit, got, total, tt.want)
					}
				}
			})
		}
	})
}

func TestSearchWithFilters(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		f := storeSearchPosts(t, s)
		tests := []struct {
			name   string
			filter vigie.MentionFilter
			want   []string
		}{
			{"lang", vigie.MentionFilter{Query: "epfl", Lang: "fr"}, []string{"s1", "s5"}},
			{"time", vigie.MentionFilter{Query: "epfl", From: t0.Add(4 * time.Hour)}, []string{"s11", "s5"}},
			{"workspace", vigie.MentionFilter{Query: "epfl", WorkspaceID: f.ws.ID}, []string{"s1", "s11", "s5"}},
			{"other workspace", vigie.MentionFilter{Query: "epfl", WorkspaceID: f.other.ID}, nil},
			{"monitor", vigie.MentionFilter{Query: "epfl", WorkspaceID: f.ws.ID, MonitorID: "m"}, []string{"s1", "s11", "s5"}},
		}
		for _, tt := range tests {
			got, _ := searchIDs(t, s, tt.filter)
			if !equal(got, tt.want) {
				t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
			}
		}
	})
}

func TestSearchInvalidQuery(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		for _, q := range []string{"(epfl", "NOT epfl", "*tech", "colour:red"} {
			_, err := s.FindMentions(context.Background(), vigie.MentionFilter{Query: q})
			var qe *query.Error
			_, perr := query.Parse(q)
			if !errors.Is(err, vigie.ErrInvalid) || errors.As(perr, &qe) && !strings.Contains(err.Error(), qe.Msg) {
				t.Errorf("query %q: error %v, want ErrInvalid with %v", q, err, perr)
			}
		}
	})
}

func TestPrefilter(t *testing.T) {
	tests := []struct {
		query, fts string
	}{
		{"epfl", `"epfl"`},
		{"epfl ethz", `("epfl" AND "ethz")`},
		{"epfl OR ethz", `("epfl" OR "ethz")`},
		{`"eth zurich" OR ethz`, `(("eth" AND "zurich") OR "ethz")`},
		{"innov* -spam", `"innov"*`},
		{"wom?n", `"wom"*`},
		{"#EPFL", `"epfl"`},
		{"@epfl_news", `"epfl_news"`},
		{"@alice.bsky.social@host.example", `"alice"`},
		{"(a1 OR b1) NEAR/3 c1", `(("a1" OR "b1") AND "c1")`},
		{"epfl epfl EPFL", `"epfl"`},
		{"author:alice", ``},
		{"spam OR author:alice", ``},
		{"epfl OR (ethz NOT spam)", `("epfl" OR "ethz")`},
		{"site:epfl.ch NOT spam", ``},
		{"Zürich lang:de", `"zurich"`},
		{"東京", `("東" AND "京")`},
		{longWord, `"` + longWord[:maxIndexedWord] + `"*`},
	}
	for _, tt := range tests {
		q, err := query.Parse(tt.query)
		if err != nil {
			t.Fatalf("%q: %v", tt.query, err)
		}
		if got := ftsMatch(prefilter(q.Root)); got != tt.fts {
			t.Errorf("prefilter(%q) = %s, want %s", tt.query, got, tt.fts)
		}
	}
}

// TestSearchAgreesWithVerifier stores random posts and checks that every
// random query finds exactly what the verifier matches.
func TestSearchAgreesWithVerifier(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		rng := rand.New(rand.NewPCG(1, 2))
		words := []string{"epfl", "EPFL", "Zürich", "zurich", "école", "ecole", "innovation", "innover", "spam",
			"lab", "labs", "Straße", "strasse", "news", "l'EPFL", "ETH-Zürich", "東京", "ranking", "the", "a"}
		extras := []string{"#epfl", "#EPFLnews", "@epfl", "@epfl_en", "@bob@mastodon.social", "#zürich", "https://news.epfl.ch/x"}
		var posts []vigie.Post
		for i := range 300 {
			var b []string
			for range 2 + rng.IntN(10) {
				if rng.IntN(6) == 0 {
					b = append(b, extras[rng.IntN(len(extras))])
				} else {
					b = append(b, words[rng.IntN(len(words))])
				}
			}
			p := vigie.Post{ID: fmt.Sprint(i), Source: "web", Text: strings.Join(b, " "),
				PublishedAt: t0.Add(time.Duration(rng.IntN(96)) * time.Hour), Lang: []string{"en", "fr"}[rng.IntN(2)]}
			if rng.IntN(4) == 0 {
				p.Title = words[rng.IntN(len(words))]
			}
			posts = append(posts, p)
		}
		f := newFixture(t, s, "m")
		batch := make([]Item, len(posts))
		for i, p := range posts {
			batch[i] = Item{Post: p, MonitorKeys: []string{"m"}}
		}
		must(saveBatch(s, context.Background(), f.source.ID, batch, nil))(t)

		atoms := []string{"epfl", "zurich", "ecole", "innov*", "inno?ation", "spam", "lab*", "strasse", "news", `"eth zurich"`,
			`"l epfl"`, "#epfl", "#epflnews", "@epfl", "@epfl_en", "@bob", "title:epfl", "東京", "ranking", "site:epfl.ch",
			"author:bob", "lang:fr", `"epfl news"~2`, "{EPFL}", "the"}
		ran, matched := 0, 0
		for i := range 150 {
			q := randomQuery(rng, atoms, 3)
			if _, err := query.Parse(q); err != nil {
				continue // e.g. only negative
			}
			want := evalIDs(t, posts, q)
			ran++
			if len(want) > 0 {
				matched++
			}
			got, total := searchIDs(t, s, vigie.MentionFilter{Query: q, Limit: 1 + i%40})
			if !equal(got, want) || total != len(want) {
				t.Errorf("search %q: %d results (total %d), the verifier matches %d\n got %v\nwant %v", q, len(got), total, len(want), got, want)
			}
		}
		if ran < 80 || matched < 40 {
			t.Errorf("only %d random queries ran, %d matched something: make the generator better", ran, matched)
		}
	})
}

func randomQuery(rng *rand.Rand, atoms []string, depth int) string {
	if depth == 0 || rng.IntN(3) == 0 {
		return atoms[rng.IntN(len(atoms))]
	}
	a, b := randomQuery(rng, atoms, depth-1), randomQuery(rng, atoms, depth-1)
	switch rng.IntN(5) {
	case 0:
		return "(" + a + " OR " + b + ")"
	case 1:
		return "(" + a + " " + b + ")"
	case 2:
		return "(" + a + " NOT " + b + ")"
	case 3:
		return "(" + a + " NEAR/3 " + b + ")"
	}
	return "(" + a + " AND " + b + ")"
}

// TestPrefilterNarrows checks that the database applies the prefilter: the
// candidates are the posts holding the words, before the verifier.
func TestPrefilterNarrows(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		storeSearchPosts(t, s)
		tests := []struct {
			query string
			want  int
		}{
			{"epfl", 3},                        // s1, s5, s11 (not s6's @epfl_news: the word is epfl_news)
			{"innov* -spam", 3},                // s3, s17 and s4 (its spam is for the verifier)
			{"zurich OR москва", 4},            // s2, s9, s18, s19
			{"author:alice", len(searchPosts)}, // no prefilter
		}
		for _, tt := range tests {
			q, err := query.Parse(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			sel := s.selectMentions(&vigie.MentionFilter{})
			if s.pg() {
				if m := tsPrefilter(prefilter(q.Root)); m != "" {
					sel.andPost(wordsMatch, m)
				}
			} else if m := ftsMatch(prefilter(q.Root)); m != "" {
				sel.andPost("p.id IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?)", m)
			}
			var n int
			if err := s.db.QueryRowContext(ctx, s.q("SELECT COUNT(*)"+sel.sql(false)), sel.args...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != tt.want {
				t.Errorf("%q: %d candidates, want %d", tt.query, n, tt.want)
			}
		}
	})
}

// TestExactTS: PostgreSQL's index answers the same queries alone as
// SQLite's, with the same meaning.
func TestExactTS(t *testing.T) {
	tests := []struct {
		query, want string // want "" when the index alone cannot answer
	}{
		{"epfl", `'epfl'`},
		{"innov* -spam", `('innov':* & !('spam'))`},
		{"(a OR b) c NOT (d OR e)", `(('a' | 'b') & 'c' & !(('d' | 'e')))`},
		{"a -b -c", `('a' & !('b' | 'c'))`},
		{"epfl_news OR zürich", ``},
		{"Zürich OR ETHZ", `('zurich' | 'ethz')`},
		{"東京", ``}, // two words: a phrase
		{"東", `'東'`},
		{`"eth zurich"`, ``},
		{"#epfl", ``},
		{"epfl lang:fr", ``},
		{"wom?n", ``},
	}
	for _, tt := range tests {
		q, err := query.Parse(tt.query)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := exactTS(q.Root)
		if !ok {
			got = ""
		}
		if got != tt.want {
			t.Errorf("exactTS(%q) = %q, want %q", tt.query, got, tt.want)
		}
		if _, ok := exactFTS(q.Root); ok != (tt.want != "") {
			t.Errorf("%q: exact on PostgreSQL %v, on SQLite %v", tt.query, !ok, ok)
		}
	}
	if got, want := tsPrefilter(prefilter(must(query.Parse(`"it's" OR l'epfl`))(t).Root)), `(('it' & 's') | ('l' & 'epfl'))`; got != want {
		t.Errorf("prefilter %s, want %s", got, want)
	}
}

func TestExactFTS(t *testing.T) {
	tests := []struct {
		query, want string // want "" when the index alone cannot answer
	}{
		{"epfl", `"epfl"`},
		{"innov* -spam", `(("innov"*) NOT ("spam"))`},
		{"(a OR b) c NOT (d OR e)", `((("a" OR "b") AND "c") NOT (("d" OR "e")))`},
		{"epfl_news OR zürich", ``}, // epfl_news is the phrase "epfl news"
		{"Zürich OR ETHZ", `("zurich" OR "ethz")`},
		{`"eth zurich"`, ``},
		{"#epfl", ``},
		{"@epfl", ``},
		{"{Apple}", ``},
		{"title:epfl", ``},
		{"epfl lang:fr", ``},
		{"epfl NEAR/3 lab", ``},
		{"wom?n", ``},
		{"te*ch", ``},
	}
	for _, tt := range tests {
		q, err := query.Parse(tt.query)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := exactFTS(q.Root)
		if !ok {
			got = ""
		}
		if got != tt.want {
			t.Errorf("exactFTS(%q) = %q, want %q", tt.query, got, tt.want)
		}
	}
}

// TestSearchEstimatesLargeCounts stores more candidates than are verified:
// the total and per-day counts become estimates, flagged, while every page
// stays exact.
func TestSearchEstimatesLargeCounts(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		f := newFixture(t, s, "m")
		const n = verifyAll + 1000
		batch := make([]Item, n)
		want := 0
		for i := range batch {
			text := "beta alpha and more" // both words, not the phrase
			if i%3 == 0 {
				text = "alpha beta and more"
				want++
			}
			batch[i] = Item{Post: vigie.Post{ID: fmt.Sprintf("e%d", i), Source: "web", Text: text,
				PublishedAt: t0.Add(time.Duration(i) * time.Minute)}, MonitorKeys: []string{"m"}}
		}
		must(saveBatch(s, context.Background(), f.source.ID, batch, nil))(t)
		page, err := s.FindMentions(context.Background(), vigie.MentionFilter{Query: `"alpha beta"`, Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		if !page.Approximate {
			t.Fatalf("%d candidates: counts should be flagged approximate", n)
		}
		if page.Total < want*9/10 || page.Total > want*11/10 {
			t.Errorf("estimated total %d, true total %d", page.Total, want)
		}
		sum := 0
		for _, d := range page.PerDay {
			sum += d.Count
		}
		if sum != page.Total {
			t.Errorf("per-day counts sum to %d, total %d", sum, page.Total)
		}
		if len(page.Mentions) != 20 || page.NextCursor == "" {
			t.Fatalf("page of %d, cursor %q", len(page.Mentions), page.NextCursor)
		}
		for _, m := range page.Mentions {
			if !strings.HasPrefix(m.Post.Text, "alpha beta") {
				t.Fatalf("page holds a non-match: %q", m.Post.Text)
			}
		}
		// Word-only queries are answered by the index: exact up to
		// largeSearch matches on SQLite, pgExactMax on PostgreSQL, which
		// samples beyond.
		page, err = s.FindMentions(context.Background(), vigie.MentionFilter{Query: "alpha beta", Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		if s.pg() && (!page.Approximate || page.Total < n*9/10 || page.Total > n*11/10) || !s.pg() && (page.Approximate || page.Total != n) {
			t.Errorf("word query: total %d approximate %v (dialect %s)", page.Total, page.Approximate, s.Dialect())
		}
	})
}

// TestLargeWordSearch covers whole-archive word searches with more index
// matches than largeSearch: estimated counts, exact pages.
func TestLargeWordSearch(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "m")
		const n = largeSearch + 1500
		var batch []Item
		wantFr := 0
		for i := range n {
			lang := "en"
			if i%4 == 0 {
				lang, wantFr = "fr", wantFr+1
			}
			batch = append(batch, Item{Post: vigie.Post{ID: fmt.Sprintf("w%d", i), Source: "web", Text: fmt.Sprintf("common word %d", i), Lang: lang,
				PublishedAt: t0.Add(time.Duration(i) * time.Minute)}, MonitorKeys: []string{"m"}})
		}
		for chunk := range slices.Chunk(batch, 1000) {
			must(saveBatch(s, ctx, f.source.ID, chunk, nil))(t)
		}
		page := must(s.FindMentions(ctx, vigie.MentionFilter{Query: "common", Lang: "fr", Limit: 30}))(t)
		if !page.Approximate || page.Total < wantFr*9/10 || page.Total > wantFr*11/10 {
			t.Fatalf("total %d (approximate %v), true %d", page.Total, page.Approximate, wantFr)
		}
		seen := map[int64]bool{}
		var last time.Time
		for pages := 0; pages < 3; pages++ {
			for _, m := range page.Mentions {
				if m.Post.Lang != "fr" || seen[m.ID] || !last.IsZero() && m.Post.PublishedAt.After(last) {
					t.Fatalf("page %d: bad or out-of-order mention %+v", pages, m.Post)
				}
				seen[m.ID], last = true, m.Post.PublishedAt
			}
			if len(page.Mentions) != 30 || page.NextCursor == "" {
				t.Fatalf("page %d: %d mentions", pages, len(page.Mentions))
			}
			page = must(s.FindMentions(ctx, vigie.MentionFilter{Query: "common", Lang: "fr", Limit: 30, Cursor: page.NextCursor}))(t)
		}
		// The newest French post is the first of the first page, for a word
		// query (index alone) and a phrase (verified).
		for _, q := range []string{"common", `"common word"`} {
			first := must(s.FindMentions(ctx, vigie.MentionFilter{Query: q, Lang: "fr", Limit: 1}))(t)
			if want := fmt.Sprintf("common word %d", (n-1)/4*4); first.Mentions[0].Post.Text != want {
				t.Fatalf("%s: first %q, want %q", q, first.Mentions[0].Post.Text, want)
			}
			if first.Total < wantFr*9/10 || first.Total > wantFr*11/10 {
				t.Fatalf("%s: total %d, true %d", q, first.Total, wantFr)
			}
		}
		// A phrase that no post holds: nothing, even through the sample.
		if none := must(s.FindMentions(ctx, vigie.MentionFilter{Query: `"word common"`}))(t); none.Total != 0 || len(none.Mentions) != 0 {
			t.Fatalf("absent phrase: %d", none.Total)
		}
	})
}

// TestCommonSearch: a search that matches most of the workspace's archive
// (a brand's name in a brand's archive) gives its pages exactly, newest
// first, and its counts from the rollups times the share that matched: for
// a word in every post, the true count — for a word, a prefix, and a phrase
// within a monitor. (On PostgreSQL, whole-archive counts are estimated.)
func TestCommonSearch(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "m", "n")
		const n = largeSearch + 1500
		var batch []Item
		wantFr, wantN := 0, 0
		for i := range n {
			lang, monitor := "en", "m"
			if i%4 == 0 {
				lang, wantFr = "fr", wantFr+1
			}
			if i%3 == 0 {
				monitor, wantN = "n", wantN+1
			}
			batch = append(batch, Item{Post: vigie.Post{ID: fmt.Sprintf("c%d", i), Source: "web", Text: fmt.Sprintf("brand name %d", i), Lang: lang,
				PublishedAt: t0.Add(time.Duration(i) * time.Minute)}, MonitorKeys: []string{monitor}})
		}
		for chunk := range slices.Chunk(batch, 1000) {
			must(saveBatch(s, ctx, f.source.ID, chunk, nil))(t)
		}
		for _, c := range []struct {
			name  string
			f     vigie.MentionFilter
			total int
			ok    func(p vigie.Post) bool
		}{
			{"word and language", vigie.MentionFilter{Query: "brand", Lang: "fr"}, wantFr, func(p vigie.Post) bool { return p.Lang == "fr" }},
			{"prefix", vigie.MentionFilter{Query: "bran*"}, n, func(vigie.Post) bool { return true }},
			{"monitor and phrase", vigie.MentionFilter{Query: `"brand name"`, MonitorID: "n"}, wantN, func(p vigie.Post) bool {
				var i int
				fmt.Sscanf(p.Text, "brand name %d", &i)
				return i%3 == 0
			}},
		} {
			mf := c.f
			mf.WorkspaceID, mf.Limit = f.ws.ID, 40
			page := must(s.FindMentions(ctx, mf))(t)
			// PostgreSQL estimates from an even sample of the index's
			// matches instead (searchSampled).
			if s.pg() && c.f.MonitorID == "" {
				if !page.Approximate || page.Total < c.total*97/100 || page.Total > c.total*103/100 {
					t.Errorf("%s: total %d (approximate %v), want %d ± 3 %%", c.name, page.Total, page.Approximate, c.total)
				}
			} else if page.Total != c.total {
				t.Errorf("%s: total %d (approximate %v), want %d", c.name, page.Total, page.Approximate, c.total)
			}
			sum := 0
			for _, d := range page.PerDay {
				sum += d.Count
			}
			if sum != page.Total {
				t.Errorf("%s: per day adds up to %d, total %d", c.name, sum, page.Total)
			}
			// Pages hold the newest matches, in order, with no gap.
			var want []vigie.Post
			for i := n - 1; i >= 0 && len(want) < 80; i-- {
				if c.ok(batch[i].Post) {
					want = append(want, batch[i].Post)
				}
			}
			got := page.Mentions
			if page.NextCursor == "" {
				t.Fatalf("%s: no next page", c.name)
			}
			mf.Cursor = page.NextCursor
			got = append(got, must(s.FindMentions(ctx, mf))(t).Mentions...)
			if len(got) != len(want) {
				t.Fatalf("%s: %d mentions over two pages, want %d", c.name, len(got), len(want))
			}
			for i := range want {
				if got[i].Post.Text != want[i].Text {
					t.Fatalf("%s: mention %d is %q, want %q", c.name, i, got[i].Post.Text, want[i].Text)
				}
			}
		}
	})
}

// TestSearchDialectsAgree stores the same archive in SQLite and PostgreSQL
// and runs the benchmark's kinds of search (vigie bench search) on both:
// the pages are the same mentions in the same order, and the counts are
// exact, or flagged approximate and within 10 % of the verifier's. The archive is large enough for common words (searchCommon)
// and for more index matches than largeSearch.
func TestSearchDialectsAgree(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pg := openStore(t, Postgres) // skips without PostgreSQL
	lite := openStore(t, SQLite)
	rng := rand.New(rand.NewPCG(7, 7))
	words := []string{"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "theta", "kappa", "lambda", "omicron"}
	var posts []vigie.Post
	var batch []Item
	const n = largeSearch + 2000
	for i := range n {
		var b []string
		if i%10 != 0 {
			b = append(b, "brand") // in 90 % of the posts: a common word
		}
		if i%3 == 0 {
			b = append(b, "launch event") // a common phrase
		}
		for range 3 + rng.IntN(6) {
			// Zipf-like: alpha in about half of the posts, omicron in few.
			b = append(b, words[min(len(words)-1, int(rng.ExpFloat64()*2))])
		}
		monitor := []string{"m", "n"}[i%2]
		p := vigie.Post{ID: fmt.Sprintf("d%d", i), Source: "web", Text: strings.Join(b, " "),
			Lang: []string{"en", "fr", "de", "en"}[i%4], PublishedAt: t0.Add(time.Duration(i) * 2 * time.Minute)}
		posts = append(posts, p)
		batch = append(batch, Item{Post: p, MonitorKeys: []string{monitor}})
	}
	fixtures := map[*Store]fixture{}
	for _, s := range []*Store{lite, pg} {
		f := newFixture(t, s, "m", "n")
		fixtures[s] = f
		for chunk := range slices.Chunk(batch, 1000) {
			must(saveBatch(s, ctx, f.source.ID, chunk, nil))(t)
		}
	}
	last := posts[n-1].PublishedAt
	week := vigie.MentionFilter{From: last.AddDate(0, 0, -6).Truncate(24 * time.Hour), To: last.Add(time.Hour)}
	type searchCase struct {
		name             string
		f                vigie.MentionFilter
		approx, pgApprox bool // counts estimated on SQLite (any prefix may be), on PostgreSQL
	}
	searches := []searchCase{
		{"rare word", vigie.MentionFilter{Query: "omicron"}, false, false},
		{"word", vigie.MentionFilter{Query: "gamma"}, false, true}, // more matches than pgExactMax
		{"words OR + NOT", vigie.MentionFilter{Query: "(delta OR zeta) -beta"}, false, false},
		{"phrase", vigie.MentionFilter{Query: `"beta gamma"`}, true, true}, // more candidates than verifyAll
		{"prefix + lang", vigie.MentionFilter{Query: "eps*", Lang: "en"}, false, false},
		{"monitor + 7 days", vigie.MentionFilter{Query: `"alpha beta"`, MonitorID: "n", From: week.From, To: week.To}, false, false},
		{"common word", vigie.MentionFilter{Query: "brand"}, true, true},
		{"common word + lang", vigie.MentionFilter{Query: "brand", Lang: "fr"}, true, true},
		{"common phrase", vigie.MentionFilter{Query: `"launch event"`}, true, true},
		{"common prefix + lang", vigie.MentionFilter{Query: "bran*", Lang: "en"}, true, true},
		{"common words OR", vigie.MentionFilter{Query: "alpha OR beta"}, true, true},
	}
	check := func(c searchCase) {
		truth := 0
		parsed := must(query.Parse(c.f.Query))(t)
		for _, p := range posts {
			in := (c.f.Lang == "" || p.Lang == c.f.Lang) && (c.f.From.IsZero() || !p.PublishedAt.Before(c.f.From)) && (c.f.To.IsZero() || p.PublishedAt.Before(c.f.To))
			var i int
			fmt.Sscanf(p.ID, "d%d", &i)
			if c.f.MonitorID == "n" && i%2 == 0 {
				in = false
			}
			if in && match.Eval(parsed.Root, text.Analyze(&p)) {
				truth++
			}
		}
		var pages [2][]string
		var results [2]vigie.MentionPage
		for d, s := range []*Store{lite, pg} {
			f := c.f
			f.WorkspaceID, f.Limit = fixtures[s].ws.ID, 30
			page := must(s.FindMentions(ctx, f))(t)
			results[d] = page
			for _, m := range page.Mentions {
				pages[d] = append(pages[d], m.Post.ID)
			}
			// Later pages cross PostgreSQL's windows of hours.
			for range 3 {
				if f.Cursor = page.NextCursor; f.Cursor == "" {
					break
				}
				page = must(s.FindMentions(ctx, f))(t)
				for _, m := range page.Mentions {
					pages[d] = append(pages[d], m.Post.ID)
				}
			}
		}
		if !slices.Equal(pages[0], pages[1]) {
			t.Errorf("%s: pages differ\nsqlite   %v\npostgres %v", c.name, pages[0], pages[1])
		}
		if want := min(truth, 120); len(pages[0]) != want {
			t.Errorf("%s: %d mentions over four pages, want %d", c.name, len(pages[0]), want)
		}
		// SQLite samples any prefix search over a large archive, since
		// FTS5 reads all of a prefix's matches before the first;
		// PostgreSQL counts them in the index first.
		lp, pp := results[0], results[1]
		if pp.Approximate != c.pgApprox || lp.Approximate != c.approx && !strings.HasSuffix(c.f.Query, "*") {
			t.Errorf("%s: approximate on sqlite %v, on postgres %v, want %v, %v", c.name, lp.Approximate, pp.Approximate, c.approx, c.pgApprox)
		}
		for d, r := range results {
			sum := 0
			for _, day := range r.PerDay {
				sum += day.Count
			}
			if sum != r.Total {
				t.Errorf("%s (%s): total %d, per day %d", c.name, dialects[d], r.Total, sum)
			}
			if !r.Approximate && r.Total != truth || r.Approximate && (r.Total < truth*9/10 || r.Total > truth*11/10) {
				t.Errorf("%s (%s): total %d (approximate %v), verifier %d", c.name, dialects[d], r.Total, r.Approximate, truth)
			}
		}
		t.Logf("%s: %d matches; totals %d / %d, approximate %v", c.name, truth, lp.Total, pp.Total, lp.Approximate)
	}
	for _, c := range searches {
		check(c)
	}
	// Pages of a large archive, where matches are sparse, come from the
	// index's windows of hours: the same pages.
	pg.hourWindows = true
	for _, c := range searches {
		if c.pgApprox {
			c.name += " (hour windows)"
			check(c)
		}
	}
}

// TestPostWordsIndex checks that PostgreSQL can answer wordsMatch with
// posts_words: postWords must be spelled as the migrations' expression, or
// every search reads every post.
func TestPostWordsIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openStore(t, Postgres) // skips without PostgreSQL
	conn := must(s.db.Conn(ctx))(t)
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"'word'", "'word' & " + bucketsTS(0, 3), "'wo':* & " + hoursTS(10, 12), "'word' & " + daysTS(1, 2)} {
		rows := must(conn.QueryContext(ctx, s.q("EXPLAIN SELECT p.id FROM posts p WHERE "+wordsMatch), m))(t)
		var plan strings.Builder
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan.WriteString(line + "\n")
		}
		rows.Close()
		if !strings.Contains(plan.String(), "posts_words") {
			t.Errorf("%s: posts_words not used:\n%s", m, plan.String())
		}
	}
}
