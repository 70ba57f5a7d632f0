package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
)

// TestLanguageSentimentCorrections stores a post with its detected language
// and sentiment, corrects both, re-enriches, and checks that the corrections
// hold while an uncorrected post takes the new values.
func TestLanguageSentimentCorrections(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "m", "other-m")
		a := Item{Post: post("a", "Valmont est super", t0), MonitorKeys: []string{"m"}}
		a.Post.Lang = "en" // the feed declares English
		a.Enrichment.Lang = "fr"
		a.Enrichment.Sentiment = vigie.Sentiment{Label: vigie.Positive, Score: 0.8}
		b := Item{Post: post("b", "Valmont exam", t0.Add(time.Minute)), MonitorKeys: []string{"m"}}
		b.Enrichment.Sentiment = vigie.Sentiment{Label: vigie.Neutral, Score: 0.1}
		must(saveBatch(s, ctx, f.source.ID, []Item{a, b}, nil))(t)

		page := must(s.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: f.ws.ID, Lang: "fr"}))(t)
		if len(page.Mentions) != 1 {
			t.Fatalf("lang filter uses the detected language: got %d mentions", len(page.Mentions))
		}
		ma := page.Mentions[0]
		if ma.Post.Lang != "fr" || ma.DeclaredLang != "en" || ma.Sentiment != (vigie.Sentiment{Label: vigie.Positive, Score: 0.8}) {
			t.Fatalf("stored: lang %q declared %q sentiment %+v", ma.Post.Lang, ma.DeclaredLang, ma.Sentiment)
		}

		// Bad corrections are refused with what to do.
		for _, c := range [][2]string{{"lang", "french"}, {"sentiment", "angry"}, {"author", "x"}} {
			_, err := s.Correct(ctx, f.ws.ID, ma.ID, map[string]string{c[0]: c[1]}, "t")
			wantErr(t, err, vigie.ErrInvalid, "correct "+c[0]+"="+c[1])
		}
		_, err := s.Correct(ctx, f.other.ID, ma.ID, map[string]string{"lang": "de"}, "t")
		wantErr(t, err, vigie.ErrNotFound, "correcting a mention of another workspace")

		got := must(s.Correct(ctx, f.ws.ID, ma.ID, map[string]string{"sentiment": "Negative"}, "token:alice"))(t)
		if got.Sentiment != (vigie.Sentiment{Label: vigie.Negative, Score: -1}) {
			t.Fatalf("corrected sentiment: %+v", got.Sentiment)
		}
		must(s.Correct(ctx, f.ws.ID, ma.ID, map[string]string{"sentiment": "neutral"}, "token:bob"))(t) // second opinion
		got = must(s.Correct(ctx, f.ws.ID, ma.ID, map[string]string{"lang": "it"}, "token:alice"))(t)
		if got.Post.Lang != "it" || len(got.Corrections) != 2 {
			t.Fatalf("after corrections: lang %q, corrections %+v", got.Post.Lang, got.Corrections)
		}
		byField := map[string]vigie.Correction{}
		for _, c := range got.Corrections {
			byField[c.Field] = c
		}
		if c := byField["sentiment"]; c.Value != "neutral" || c.Machine != "positive" || c.CorrectedBy != "token:bob" || c.CorrectedAt.IsZero() {
			t.Errorf("sentiment correction keeps the machine's first answer: %+v", c)
		}
		if c := byField["lang"]; c.Value != "it" || c.Machine != "fr" {
			t.Errorf("lang correction: %+v", c)
		}
		// A search's language filter sees the workspace's corrections (on
		// PostgreSQL, the index holds the stored language only).
		for _, c := range []struct {
			ws   int64
			lang string
			want int
		}{{f.ws.ID, "it", 1}, {f.ws.ID, "fr", 0}, {0, "fr", 1}, {0, "it", 0}} {
			page := must(s.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: c.ws, Query: "valmont", Lang: c.lang}))(t)
			if page.Total != c.want || len(page.Mentions) != c.want {
				t.Errorf("valmont lang:%s in workspace %d: total %d, %d mentions, want %d", c.lang, c.ws, page.Total, len(page.Mentions), c.want)
			}
		}

		// Re-enrichment with new models changes the machine's values of
		// both posts; a's corrections stay over them in the workspace.
		n := must(s.UpdateEnrichment(ctx, []EnrichmentUpdate{
			{PostID: ma.ID, Lang: "es", Sentiment: vigie.Sentiment{Label: vigie.Positive, Score: 0.9}},
			{PostID: ma.ID + 1, Lang: "en", Sentiment: vigie.Sentiment{Label: vigie.Negative, Score: -0.7}},
		}))(t)
		if n != 2 {
			t.Errorf("re-enrichment changed %d posts, want 2", n)
		}
		ra := must(s.FindMention(ctx, f.ws.ID, ma.ID))(t)
		if ra.Post.Lang != "it" || ra.Sentiment.Label != vigie.Neutral {
			t.Errorf("a correction was overwritten by re-enrichment: lang %q sentiment %+v", ra.Post.Lang, ra.Sentiment)
		}
		rb := must(s.FindMention(ctx, 0, ma.ID+1))(t)
		if rb.Post.Lang != "en" || rb.Sentiment != (vigie.Sentiment{Label: vigie.Negative, Score: -0.7}) || len(rb.Corrections) != 0 {
			t.Errorf("uncorrected post after re-enrichment: lang %q sentiment %+v corrections %v", rb.Post.Lang, rb.Sentiment, rb.Corrections)
		}
		_, err = s.FindMention(ctx, f.other.ID, ma.ID)
		wantErr(t, err, vigie.ErrNotFound, "finding a mention of another workspace")

		// Two fields at once: all or nothing.
		_, err = s.Correct(ctx, f.ws.ID, ma.ID, map[string]string{"lang": "de", "sentiment": "angry"}, "t")
		wantErr(t, err, vigie.ErrInvalid, "a correction with one bad field")
		if m := must(s.FindMention(ctx, f.ws.ID, ma.ID))(t); m.Post.Lang != "it" {
			t.Fatalf("a refused correction changed the language to %q", m.Post.Lang)
		}
		both := must(s.Correct(ctx, f.ws.ID, ma.ID+1, map[string]string{"lang": "de", "sentiment": "positive"}, "t"))(t)
		if both.Post.Lang != "de" || both.Sentiment.Label != vigie.Positive || len(both.Corrections) != 2 {
			t.Fatalf("two fields: %+v %+v", both.Post.Lang, both.Corrections)
		}
		// Re-enrichment reads what the machine said, not a workspace's view.
		scanned := must(s.ScanPosts(ctx, 0, 10))(t)
		if len(scanned) != 2 || len(scanned[0].Corrections) != 0 || scanned[0].Post.Lang != "es" {
			t.Fatalf("ScanPosts gives the machine's values: %+v", scanned)
		}
	})
}

// TestTopAuthors ranks authors by influence and shows its inputs.
func TestTopAuthors(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "m", "other-m")
		mk := func(id, author string, followers, likes int64, at time.Duration, monitor string) Item {
			p := vigie.Post{ID: id, Source: "mastodon", Text: "x", PublishedAt: t0.Add(at),
				Author:  vigie.Author{ID: author, Handle: "@" + author, Followers: followers},
				Metrics: vigie.Metrics{Likes: likes, Reposts: 1, Replies: 1}}
			return Item{Post: p, MonitorKeys: []string{monitor}}
		}
		must(saveBatch(s, ctx, f.source.ID, []Item{
			mk("1", "star", 2_000_000, 500, 0, "m"),
			mk("2", "fan", 40, 0, time.Minute, "m"),
			mk("3", "fan", 40, 2, 2*time.Minute, "m"),
			mk("4", "fan", 40, 0, 3*time.Minute, "m"),
			mk("5", "elsewhere", 9_000_000, 9000, 4*time.Minute, "other-m"),
			mk("6", "late", 100, 0, 48*time.Hour, "m"),
		}, nil))(t)
		top := must(s.TopAuthors(ctx, vigie.MentionFilter{WorkspaceID: f.ws.ID, To: t0.Add(time.Hour)}))(t)
		if len(top) != 2 || top[0].Author.ID != "star" || top[1].Author.ID != "fan" {
			t.Fatalf("ranking: %+v", top)
		}
		fan := top[1]
		if fan.Inputs != (vigie.InfluenceInputs{Followers: 40, Mentions: 3, Engagement: 8}) || fan.Source != "mastodon" {
			t.Errorf("fan inputs: %+v", fan)
		}
		if top[0].Parts.Reach != 1 || top[0].Score <= fan.Score || fan.Parts.Activity <= top[0].Parts.Activity {
			t.Errorf("parts: star %+v fan %+v", top[0], fan)
		}
		if one := must(s.TopAuthors(ctx, vigie.MentionFilter{WorkspaceID: f.ws.ID, Limit: 1}))(t); len(one) != 1 {
			t.Errorf("limit 1: %d authors", len(one))
		}
		// Over whole days, the author_days rollup and the mentions agree
		// (a source filter that keeps everything forces the second).
		day := t0.Truncate(24 * time.Hour)
		days := vigie.MentionFilter{WorkspaceID: f.ws.ID, From: day.Add(-24 * time.Hour), To: day.Add(4 * 24 * time.Hour)}
		fast := must(s.TopAuthors(ctx, days))(t)
		days.SourceID = f.source.ID
		slow := must(s.TopAuthors(ctx, days))(t)
		if fmt.Sprint(fast) != fmt.Sprint(slow) || len(fast) != 3 {
			t.Errorf("author_days gives\n%v\nthe mentions give\n%v", fast, slow)
		}
	})
}

// TestTags tags mentions, hides the irrelevant ones and counts them.
func TestTags(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "m", "other-m")
		must(saveBatch(s, ctx, f.source.ID, items("m", post("a", "x", t0), post("b", "y", t0.Add(time.Minute)), post("c", "z", t0.Add(2*time.Minute))), nil))(t)
		page := must(s.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: f.ws.ID}))(t)
		ids := map[string]int64{}
		for _, m := range page.Mentions {
			ids[m.Post.ID] = m.ID
		}
		must(0, s.SetTags(ctx, f.ws.ID, ids["a"], []string{" Press ", "press", TagIrrelevant}, "t"))(t)
		must(0, s.SetTags(ctx, f.ws.ID, ids["b"], []string{"to answer"}, "t"))(t)
		wantErr(t, s.SetTags(ctx, f.ws.ID, ids["c"], []string{"a,b"}, "t"), vigie.ErrInvalid, "a tag with a comma")
		wantErr(t, s.SetTags(ctx, f.other.ID, ids["c"], []string{"x"}, "t"), vigie.ErrNotFound, "tagging another workspace's mention")

		visible := must(s.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: f.ws.ID, HideIrrelevant: true}))(t)
		if visible.Total != 2 {
			t.Fatalf("irrelevant hidden: %d mentions", visible.Total)
		}
		tagged := must(s.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: f.ws.ID, Tag: "press"}))(t)
		if tagged.Total != 1 || fmt.Sprint(tagged.Mentions[0].Tags) != "[irrelevant press]" {
			t.Fatalf("tag press: %+v", tagged.Mentions)
		}
		if n := must(s.CountTagged(ctx, vigie.MentionFilter{WorkspaceID: f.ws.ID, To: t0.Add(time.Hour)}, TagIrrelevant))(t); n != 1 {
			t.Fatalf("irrelevant count %d", n)
		}
		if n := must(s.CountTagged(ctx, vigie.MentionFilter{WorkspaceID: f.ws.ID, From: t0.Add(time.Minute)}, TagIrrelevant))(t); n != 0 {
			t.Fatalf("irrelevant count after a: %d", n)
		}
		must(0, s.SetTags(ctx, f.ws.ID, ids["a"], nil, "t"))(t)
		if n := must(s.CountTagged(ctx, vigie.MentionFilter{WorkspaceID: f.ws.ID}, TagIrrelevant))(t); n != 0 {
			t.Fatalf("tags not cleared: %d", n)
		}
	})
}

// TestCorrectionAcrossWorkspaces: a post two workspaces follow (a shared
// source) keeps one workspace's corrections in that workspace: the other
// sees, filters and counts what enrichment said, and its own corrections.
func TestCorrectionAcrossWorkspaces(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "m", "other-m")
		it := Item{Post: post("shared", "x", t0), MonitorKeys: []string{"m", "other-m"}}
		it.Enrichment = Enrichment{Lang: "fr", Sentiment: vigie.Sentiment{Label: vigie.Positive, Score: 0.5}}
		must(saveBatch(s, ctx, f.source.ID, []Item{it}, nil))(t)
		id := must(s.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: f.ws.ID}))(t).Mentions[0].ID
		must(s.Correct(ctx, f.ws.ID, id, map[string]string{"sentiment": "negative", "lang": "it"}, "user:ana@uval.example"))(t)
		mine := must(s.FindMention(ctx, f.ws.ID, id))(t)
		theirs := must(s.FindMention(ctx, f.other.ID, id))(t)
		if len(mine.Corrections) != 2 || mine.Sentiment.Label != vigie.Negative || mine.Post.Lang != "it" {
			t.Fatalf("mine: %+v %q %+v", mine.Sentiment, mine.Post.Lang, mine.Corrections)
		}
		if len(theirs.Corrections) != 0 || theirs.Sentiment.Label != vigie.Positive || theirs.Post.Lang != "fr" {
			t.Fatalf("theirs changed by my correction: %+v %q %+v", theirs.Sentiment, theirs.Post.Lang, theirs.Corrections)
		}
		for _, tt := range []struct {
			ws        int64
			lang, sen string
			want      int
		}{{f.ws.ID, "it", "negative", 1}, {f.ws.ID, "fr", "", 0}, {f.ws.ID, "", "positive", 0},
			{f.other.ID, "fr", "positive", 1}, {f.other.ID, "it", "", 0}, {f.other.ID, "", "negative", 0}} {
			page := must(s.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: tt.ws, Lang: tt.lang, Sentiment: tt.sen}))(t)
			if page.Total != tt.want {
				t.Errorf("workspace %d lang %q sentiment %q: %d mentions, want %d", tt.ws, tt.lang, tt.sen, page.Total, tt.want)
			}
		}
		of := vigie.OverviewFilter{From: t0.Add(-time.Hour), To: t0.Add(time.Hour), Bucket: time.Hour}
		of.WorkspaceID = f.ws.ID
		if ov := must(s.Overview(ctx, of))(t); ov.SentimentTotal.Negative != 1 || ov.SentimentTotal.Positive != 0 {
			t.Errorf("my dashboard: %+v", ov.SentimentTotal)
		}
		of.WorkspaceID = f.other.ID
		if ov := must(s.Overview(ctx, of))(t); ov.SentimentTotal.Positive != 1 || ov.SentimentTotal.Negative != 0 {
			t.Errorf("their dashboard: %+v", ov.SentimentTotal)
		}
	})
}

// TestRisingTerms: a word that appears in many more posts than before
// rises; steady words and rare ones do not.
func TestRisingTerms(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "m")
		var ps []vigie.Post
		for i := range 20 {
			// Previous period: "campus" in every post, "outage" in one.
			text := "Valmont campus news"
			if i == 0 {
				text += " outage"
			}
			ps = append(ps, post(fmt.Sprintf("p%d", i), text, t0.Add(-time.Duration(i+1)*time.Hour)))
			// This period: "campus" still in every post, "outage" in 12,
			// "strike" in 3 (too few), "the" everywhere (a function word).
			text = "Valmont campus the update"
			if i < 12 {
				text += " outage"
			}
			if i < 3 {
				text += " strike"
			}
			ps = append(ps, post(fmt.Sprintf("c%d", i), text, t0.Add(time.Duration(i)*time.Hour)))
		}
		must(saveBatch(s, ctx, f.source.ID, items("m", ps...), nil))(t)
		got := must(s.RisingTerms(ctx, f.ws.ID, t0, t0.Add(24*time.Hour), t0.Add(-24*time.Hour), 10, func(w string) bool { return w != "the" }))(t)
		var keys []string
		for _, k := range got {
			keys = append(keys, k.Key)
		}
		if fmt.Sprint(keys) != "[update outage]" || got[1].Count != 12 || got[1].Prev != 1 {
			t.Fatalf("rising terms: %+v", got)
		}
	})
}

// TestIrrelevantLeavesRollups: a mention marked irrelevant leaves the
// workspace's dashboard figures and comes back when unmarked.
func TestIrrelevantLeavesRollups(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "m", "other-m")
		it := Item{Post: post("shared", "x", t0), MonitorKeys: []string{"m", "other-m"}}
		must(saveBatch(s, ctx, f.source.ID, []Item{it, {Post: post("b", "y", t0), MonitorKeys: []string{"m"}}}, nil))(t)
		of := vigie.OverviewFilter{WorkspaceID: f.ws.ID, From: t0.Add(-time.Hour), To: t0.Add(time.Hour), Bucket: time.Hour}
		other := of
		other.WorkspaceID = f.other.ID
		if ov := must(s.Overview(ctx, of))(t); ov.Total != 2 {
			t.Fatalf("before: %d", ov.Total)
		}
		id := must(s.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: f.other.ID}))(t).Mentions[0].ID
		must(0, s.SetTags(ctx, f.ws.ID, id, []string{TagIrrelevant}, "t"))(t)
		if ov := must(s.Overview(ctx, of))(t); ov.Total != 1 {
			t.Fatalf("irrelevant still counted: %d", ov.Total)
		}
		if ov := must(s.Overview(ctx, other))(t); ov.Total != 1 {
			t.Fatalf("the other workspace lost its mention: %d", ov.Total)
		}
		must(0, s.SetTags(ctx, f.ws.ID, id, nil, "t"))(t)
		if ov := must(s.Overview(ctx, of))(t); ov.Total != 2 {
			t.Fatalf("after unmarking: %d", ov.Total)
		}
	})
}

// TestTopAuthorsIrrelevant: both ways of ranking authors (short periods
// from the mentions, long ones from author_days) leave out the mentions
// marked irrelevant, and agree on followers after an author changes.
func TestTopAuthorsIrrelevant(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s, "m")
		spam := post("spam", "buy now", t0)
		spam.Author = vigie.Author{ID: "spammer", Handle: "@spammer", Followers: 5_000_000}
		good := post("good", "great lab", t0.Add(time.Minute))
		good.Author = vigie.Author{ID: "fan", Handle: "@fan", Followers: 1000}
		must(saveBatch(s, ctx, f.source.ID, items("m", spam, good), nil))(t)
		var id int64
		for _, m := range must(s.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: f.ws.ID}))(t).Mentions {
			if m.Post.ID == "spam" {
				id = m.ID
			}
		}
		must(0, s.SetTags(ctx, f.ws.ID, id, []string{TagIrrelevant}, "t"))(t)
		short := vigie.MentionFilter{WorkspaceID: f.ws.ID, From: t0.Add(-time.Hour), To: t0.Add(time.Hour)}
		long := vigie.MentionFilter{WorkspaceID: f.ws.ID, From: t0.Add(-4 * 24 * time.Hour), To: t0.Add(time.Hour)}
		for name, fl := range map[string]vigie.MentionFilter{"2 hours": short, "4 days": long} {
			top := must(s.TopAuthors(ctx, fl))(t)
			if len(top) != 1 || top[0].Author.ID != "fan" {
				t.Errorf("%s: %+v", name, top)
			}
		}
		// The fan's followers change: both ways score with the new count.
		again := good
		again.ID, again.PublishedAt, again.Author.Followers = "good2", t0.Add(2*time.Minute), 10
		must(saveBatch(s, ctx, f.source.ID, items("m", again), nil))(t)
		a, b := must(s.TopAuthors(ctx, short))(t), must(s.TopAuthors(ctx, long))(t)
		if a[0].Inputs != b[0].Inputs || a[0].Score != b[0].Score || a[0].Inputs.Followers != 10 {
			t.Errorf("the two ways disagree: %+v / %+v", a[0], b[0])
		}
	})
}
