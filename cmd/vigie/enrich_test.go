package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/apptest"
)

// TestEnrichCommand runs `vigie enrich` over posts in several languages, a
// re-publication and a bad line: every good post comes back with its
// language, sentiment, simhash and near-duplicate link, in input order.
func TestEnrichCommand(t *testing.T) {
	story := "The University of Valmont opens a new robotics centre for students and researchers from the whole region"
	lines := []string{
		`{"id":"p1","source":"rss","published_at":"2026-11-20T10:00:00Z","text":"` + story + `"}`,
		`{"id":"p2","source":"mastodon","lang":"en","published_at":"2026-11-20T10:01:00Z","text":"Je suis vraiment déçu, le service client de Valmont est une catastrophe et personne ne répond"}`,
		`{"id":"p3","source":"bluesky","published_at":"2026-11-20T10:02:00Z","text":"Ich liebe die neue Bibliothek der Universität, sie ist wunderschön und sehr ruhig!"}`,
		`{"id":"p4","source":"bluesky","published_at":"2026-11-20T10:03:00Z","text":"RT @uval: ` + story + `"}`,
		`{"id":"p5", "text": broken`,
		`{"id":"p6","source":"rss","published_at":"2026-11-20T10:04:00Z"}`,
	}
	path := writeFile(t, "posts.jsonl", strings.Join(lines, "\n")+"\n")
	code, out, errOut := runCLI(t, "enrich", "--posts", path, "--stats")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"line 5: skipped", "line 6: skipped", "2 bad post lines skipped", "posts=4 near_duplicates=1"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	type outLine struct {
		ID              string          `json:"id"`
		Text            string          `json:"text"`
		Lang            *string         `json:"lang"`
		DeclaredLang    string          `json:"declared_lang"`
		Sentiment       vigie.Sentiment `json:"sentiment"`
		Simhash         string          `json:"simhash"`
		NearDuplicateOf *string         `json:"near_duplicate_of"`
	}
	var got []outLine
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var o outLine
		if err := json.Unmarshal([]byte(l), &o); err != nil {
			t.Fatalf("output line %q: %v", l, err)
		}
		got = append(got, o)
	}
	if len(got) != 4 {
		t.Fatalf("%d output lines, want 4:\n%s", len(got), out)
	}
	wantLang := []string{"en", "fr", "de", "en"}
	for i, o := range got {
		if o.ID != fmt.Sprintf("p%d", i+1) {
			t.Errorf("line %d: id %q (output must keep input order)", i+1, o.ID)
		}
		if o.Lang == nil || *o.Lang != wantLang[i] {
			t.Errorf("%s: lang %v, want %s", o.ID, o.Lang, wantLang[i])
		}
		if len(o.Simhash) != 16 || strings.Trim(o.Simhash, "0123456789abcdef") != "" {
			t.Errorf("%s: simhash %q", o.ID, o.Simhash)
		}
		if !vigie.ValidSentiment(o.Sentiment.Label) || o.Sentiment.Score < -1 || o.Sentiment.Score > 1 {
			t.Errorf("%s: sentiment %+v", o.ID, o.Sentiment)
		}
		if o.NearDuplicateOf == nil {
			t.Errorf("%s: near_duplicate_of missing", o.ID)
		}
	}
	if got[1].DeclaredLang != "en" || got[1].Sentiment.Label != vigie.Negative || got[2].Sentiment.Label != vigie.Positive {
		t.Errorf("p2 declared %q sentiment %+v; p3 sentiment %+v", got[1].DeclaredLang, got[1].Sentiment, got[2].Sentiment)
	}
	if *got[3].NearDuplicateOf != "p1" || *got[0].NearDuplicateOf != "" || *got[1].NearDuplicateOf != "" {
		t.Errorf("near-duplicate links: %q %q %q", *got[0].NearDuplicateOf, *got[1].NearDuplicateOf, *got[3].NearDuplicateOf)
	}
	if code, _, _ := runCLI(t, "enrich"); code != 2 {
		t.Errorf("no --posts: exit %d, want 2", code)
	}
}

// TestEnrichmentLive sends posts through the live pipeline: they are stored
// with their detected language and sentiment, a lang: monitor matches on the
// detected language rather than the declared one, the team's corrections
// stick through re-enrichment, and authors rank by influence.
func TestEnrichmentLive(t *testing.T) {
	in, api, src := valmontInstance(t, "m-v")
	if code, body := api.do("POST", "/api/v1/monitors", map[string]any{"id": "m-fr", "name": "Valmont en français", "query": "valmont lang:fr"}); code != 201 {
		t.Fatalf("%d %v", code, body)
	}
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	posts := []vigie.Post{
		{ID: "l:1", Source: "mastodon", Lang: "en", PublishedAt: at, // the instance's default, not the post's
			Text:   "Je suis vraiment déçu par Valmont, les examens en ligne sont une catastrophe et personne ne répond",
			Author: vigie.Author{ID: "a1", Handle: "@etudiante", Followers: 120}, Metrics: vigie.Metrics{Likes: 30, Reposts: 5}},
		{ID: "l:2", Source: "mastodon", PublishedAt: at.Add(time.Minute),
			Text:   "Valmont's new library is wonderful, I love studying there!",
			Author: vigie.Author{ID: "a2", Handle: "@prof", Followers: 25000}, Metrics: vigie.Metrics{Likes: 400, Reposts: 80, Replies: 12}},
	}
	if _, err := in.app.pipeline.Process(context.Background(), &src, posts, nil); err != nil {
		t.Fatal(err)
	}
	_, body := api.do("GET", "/api/v1/mentions?monitor=m-fr", nil)
	if body["total"] != float64(1) {
		t.Fatalf("lang:fr monitor: %v mentions, want the French post only", body["total"])
	}
	fr := body["mentions"].([]any)[0].(map[string]any)
	id := fmt.Sprint(fr["id"])
	if fr["post"].(map[string]any)["lang"] != "fr" || fr["declared_lang"] != "en" || fr["sentiment"].(map[string]any)["label"] != "negative" {
		t.Fatalf("French post: %v", fr)
	}
	if _, body = api.do("GET", "/api/v1/mentions?sentiment=positive", nil); body["total"] != float64(1) {
		t.Fatalf("positive mentions: %v", body["total"])
	}

	// The team corrects the sentiment; re-enrichment keeps it.
	if code, body := api.do("PATCH", "/api/v1/mentions/"+id, map[string]any{"lang": "de", "sentiment": "angry"}); code != 400 {
		t.Fatalf("bad sentiment: %d %v", code, body)
	}
	if _, body := api.do("GET", "/api/v1/mentions/"+id, nil); body["post"].(map[string]any)["lang"] != "fr" || body["corrections"] != nil {
		t.Fatalf("a refused correction changed the mention: %v", body)
	}
	code, body := api.do("PATCH", "/api/v1/mentions/"+id, map[string]any{"sentiment": "neutral"})
	if code != 200 || body["sentiment"].(map[string]any)["label"] != "neutral" {
		t.Fatalf("correction: %d %v", code, body)
	}
	c := body["corrections"].([]any)[0].(map[string]any)
	if c["machine"] != "negative" || c["corrected_by"] != "token:test" {
		t.Fatalf("correction record: %v", c)
	}
	code, out, errOut := runCLI(t, "enrich", "--stored", "--data", in.app.cfg.Data)
	if code != 0 || !strings.Contains(out, "2 stored posts re-enriched") {
		t.Fatalf("enrich --stored: exit %d\n%s%s", code, out, errOut)
	}
	if _, body = api.do("GET", "/api/v1/mentions/"+id, nil); body["sentiment"].(map[string]any)["label"] != "neutral" {
		t.Fatalf("correction lost after re-enrichment: %v", body["sentiment"])
	}
	if code, _ := api.do("PATCH", "/api/v1/mentions/999999", map[string]any{"lang": "de"}); code != 404 {
		t.Fatalf("unknown mention: %d", code)
	}

	_, body = api.do("GET", "/api/v1/authors", nil)
	authors := body["authors"].([]any)
	if len(authors) != 2 || authors[0].(map[string]any)["author"].(map[string]any)["handle"] != "@prof" {
		t.Fatalf("authors: %v", body)
	}
	inputs := authors[0].(map[string]any)["inputs"].(map[string]any)
	if inputs["followers"] != float64(25000) || inputs["mentions"] != float64(1) || inputs["engagement"] != float64(492) || body["formula"] == "" {
		t.Fatalf("influence inputs: %v", authors[0])
	}
}

// TestEvalCommand runs the measurements of docs/enrichment.md on the shared
// data and checks the tables come out with the figures the targets need.
func TestEvalCommand(t *testing.T) {
	shared := filepath.Dir(apptest.Shared(t, "data"))
	code, out, errOut := runCLI(t, "eval", "--shared", shared, "lang", "neardup")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"## Language: UMSAB val tweets", "| **all** | 2268 |", "## Near-duplicates", "precision 0.99"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if code, _, errOut := runCLI(t, "eval", "--shared", shared, "vibes"); code != 2 || !strings.Contains(errOut, "unknown evaluation") {
		t.Errorf("unknown part: exit %d, %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, "eval", "--shared", t.TempDir()); code != 2 || !strings.Contains(errOut, "shared data not found") {
		t.Errorf("missing data: exit %d, %s", code, errOut)
	}
}

// TestEnrichManyBatches runs more lines than a batch holds, with bad lines
// spread out (one too long): the output keeps input order and the bad lines
// are reported in line order.
func TestEnrichManyBatches(t *testing.T) {
	var b strings.Builder
	var wantBad []int
	for i := 1; i <= 1000; i++ {
		switch {
		case i%97 == 0:
			b.WriteString("{broken\n")
			wantBad = append(wantBad, i)
		case i == 500:
			b.WriteString(`{"id":"big","text":"` + strings.Repeat("x", maxLine) + "\"}\n")
			wantBad = append(wantBad, i)
		default:
			fmt.Fprintf(&b, `{"id":"p%d","source":"rss","published_at":"2026-11-20T10:00:00Z","text":"Post number %d about Valmont"}`+"\n", i, i)
		}
	}
	path := writeFile(t, "posts.jsonl", b.String())
	code, out, errOut := runCLI(t, "enrich", "--posts", path, "--workers", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var gotBad []int
	for _, l := range strings.Split(strings.TrimSpace(errOut), "\n") {
		var n int
		if i := strings.Index(l, " line "); i >= 0 {
			if _, err := fmt.Sscanf(l[i:], " line %d:", &n); err == nil {
				gotBad = append(gotBad, n)
			}
		}
	}
	if fmt.Sprint(gotBad) != fmt.Sprint(wantBad) {
		t.Fatalf("bad lines reported %v, want %v", gotBad, wantBad)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1000-len(wantBad) {
		t.Fatalf("%d posts out", len(lines))
	}
	prev := 0
	for _, l := range lines {
		var o struct{ ID string }
		json.Unmarshal([]byte(l), &o)
		var n int
		fmt.Sscanf(o.ID, "p%d", &n)
		if n <= prev {
			t.Fatalf("output out of order: p%d after p%d", n, prev)
		}
		prev = n
	}
	if code, _, _ := runCLI(t, "enrich", "--posts", path, "--workers", "-1"); code != 2 {
		t.Errorf("--workers -1: exit %d, want 2", code)
	}
	if code, _, _ := runCLI(t, "enrich", "--posts", t.TempDir()); code != 2 {
		t.Errorf("--posts of a folder: exit %d, want 2", code)
	}
	if code, _, errOut := runCLI(t, "enrich", "--stored", "--data", filepath.Join(t.TempDir(), "typo")); code != 2 || !strings.Contains(errOut, "no Vigie database") {
		t.Errorf("--stored on a missing database: exit %d %s", code, errOut)
	}
}

// TestMatchDetectsLanguage: `vigie match` tests lang: on the detected
// language, as the live pipeline does.
func TestMatchDetectsLanguage(t *testing.T) {
	monitors := writeFile(t, "m.jsonl", `{"id":"fr","query":"valmont lang:fr"}`+"\n"+`{"id":"any","query":"valmont"}`+"\n")
	posts := writeFile(t, "p.jsonl", `{"id":"a","source":"rss","lang":"en","published_at":"2026-11-20T10:00:00Z","text":"Les étudiants de Valmont manifestent devant le rectorat ce matin"}`+"\n"+
		`{"id":"b","source":"rss","lang":"fr","published_at":"2026-11-20T10:00:00Z","text":"Students of Valmont are protesting in front of the rectorate this morning"}`+"\n")
	code, out, errOut := runCLI(t, "match", "--monitors", monitors, "--posts", posts)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := `{"post":"a","monitor":"fr"}` + "\n" + `{"post":"a","monitor":"any"}` + "\n" + `{"post":"b","monitor":"any"}` + "\n"
	if out != want {
		t.Fatalf("matches:\n%s\nwant:\n%s", out, want)
	}
}

// TestOverviewAndTagsAPI: the dashboard's figures and the tags through the
// API, as scripts use them.
func TestOverviewAndTagsAPI(t *testing.T) {
	in, api, src := valmontInstance(t, "m-v")
	at := time.Now().UTC().Add(-2 * time.Hour)
	posts := []vigie.Post{
		{ID: "o:1", Source: "mastodon", PublishedAt: at, Text: "Valmont wins a prize, congratulations!"},
		{ID: "o:2", Source: "rss", PublishedAt: at.Add(time.Minute), Text: "Valmont buy cheap watches now"},
	}
	if _, err := in.app.pipeline.Process(context.Background(), &src, posts, nil); err != nil {
		t.Fatal(err)
	}
	code, ov := api.do("GET", "/api/v1/overview", nil)
	if code != 200 || ov["total"] != float64(2) || len(ov["volume"].([]any)) != 1 {
		t.Fatalf("overview: %d %v", code, ov)
	}
	_, page := api.do("GET", "/api/v1/mentions?source=rss", nil)
	spam := fmt.Sprint(page["mentions"].([]any)[0].(map[string]any)["id"])
	if code, body := api.do("PUT", "/api/v1/mentions/"+spam+"/tags", map[string]any{"tags": []string{"irrelevant", "Spam"}}); code != 200 || fmt.Sprint(body["tags"]) != "[irrelevant spam]" {
		t.Fatalf("tags: %d %v", code, body)
	}
	if _, ov := api.do("GET", "/api/v1/overview", nil); ov["total"] != float64(1) {
		t.Fatalf("an irrelevant mention still counts: %v", ov["total"])
	}
	if code, _ := api.do("GET", "/api/v1/overview?bucket=week", nil); code != 400 {
		t.Fatalf("bad bucket: %d", code)
	}
	if code, _ := api.do("PUT", "/api/v1/mentions/"+spam+"/tags", map[string]any{"tags": []string{"a,b"}}); code != 400 {
		t.Fatalf("bad tag: %d", code)
	}
}
