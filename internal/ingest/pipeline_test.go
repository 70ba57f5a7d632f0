package ingest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/match"
	"github.com/vigie-project/vigie/internal/query"
	"github.com/vigie-project/vigie/internal/store"
	"github.com/vigie-project/vigie/internal/text"
)

// TestNearDuplicatesSurviveRestart stores a post, starts a new pipeline on
// the same store (a restart), and sends a copy: it is linked to the original.
func TestNearDuplicatesSurviveRestart(t *testing.T) {
	p, st, ws := newTestPipeline(t)
	ctx := context.Background()
	src, err := st.FindOrCreateSource(ctx, ws, vigie.SourceImport, "test", "")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	story := "Valmont opens a new robotics centre for students and researchers from the whole region this autumn"
	if _, err := p.Process(ctx, &src, []vigie.Post{{ID: "a", Source: "mastodon", Text: story, PublishedAt: now.Add(-time.Hour)}}, nil); err != nil {
		t.Fatal(err)
	}

	ix := match.NewIndex()
	q, _ := query.Parse("valmont")
	m, err := st.FindMonitorByID(ctx, ws, "m")
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.AddOwned(m.Key, ws, q); err != nil {
		t.Fatal(err)
	}
	restarted := NewPipeline(ix, st)
	if n, err := restarted.LoadRecent(ctx, now); err != nil || n != 1 {
		t.Fatalf("loaded %d recent posts: %v", n, err)
	}
	if _, err := restarted.Process(ctx, &src, []vigie.Post{{ID: "b", Source: "bluesky", Text: "RT @uval: " + story, PublishedAt: now}}, nil); err != nil {
		t.Fatal(err)
	}
	page, err := st.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: ws, MonitorID: "m"})
	if err != nil || len(page.Mentions) != 2 {
		t.Fatalf("%d mentions: %v", len(page.Mentions), err)
	}
	copyOf, original := page.Mentions[0], page.Mentions[1]
	if copyOf.Post.ID != "b" || copyOf.NearDuplicateOf != original.ID {
		t.Fatalf("copy %q near-duplicate of %d, want %d", copyOf.Post.ID, copyOf.NearDuplicateOf, original.ID)
	}
}

// TestSearchTextFromMatching: the search text the matching workers hand to
// the store (so that its writer need not analyse the post again) is what
// the store computes from the post it is given — with HTML, hashtags,
// mentions, a NUL and a language to normalise, more posts than one
// worker's chunk, and a fresh analyser per post.
func TestSearchTextFromMatching(t *testing.T) {
	p, st, ws := newTestPipeline(t)
	ctx := context.Background()
	src, err := st.FindOrCreateSource(ctx, ws, vigie.SourceImport, "test", "")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	texts := []string{
		"Valmont <b>opens</b> a robotics centre #ValmontRobotics @uval",
		"Le campus de Valmont ferme à 18h, #GrèveÉtudiante\x00 https://valmont.example/news",
		"VALMONT's new library: best place to study! #StudentLife #valmont",
		"Валмонт Valmont университет",
	}
	var posts []vigie.Post
	for i := range 300 {
		posts = append(posts, vigie.Post{ID: fmt.Sprint(i), Source: "mastodon", Title: fmt.Sprintf("Story %d", i),
			Text: texts[i%len(texts)], Lang: []string{"FR", "en-GB", "", "ru"}[i%4], PublishedAt: now.Add(-time.Duration(i) * time.Minute)})
	}
	pr, err := p.Prepare(ctx, &src, posts)
	if err != nil {
		t.Fatal(err)
	}
	if len(pr.items) != len(posts) {
		t.Fatalf("%d of %d posts matched", len(pr.items), len(posts))
	}
	for _, it := range pr.items {
		post := it.Post
		post.StripNUL()
		post.NormalizeLang()
		want := store.SearchText(text.Analyze(&post))
		if it.Enrichment.SearchText == "" || it.Enrichment.SearchText != want {
			t.Fatalf("post %s: search text %q from matching, the store's %q", it.Post.ID, it.Enrichment.SearchText, want)
		}
	}
	if _, err := p.Commit(ctx, pr, nil); err != nil {
		t.Fatal(err)
	}
}

// TestOnStoredNamesTheMonitors: a batch that stores mentions calls
// OnStored once with the keys of the monitors it matched, each once (the
// alert engine evaluates their rules); a batch that stores none does not
// call it.
func TestOnStoredNamesTheMonitors(t *testing.T) {
	p, st, ws := newTestPipeline(t)
	ctx := context.Background()
	q, _ := query.Parse("robotics")
	m2, err := st.CreateMonitor(ctx, vigie.MonitorRecord{Monitor: vigie.Monitor{ID: "m2", Query: "robotics"}, WorkspaceID: ws})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Index.AddOwned(m2.Key, ws, q); err != nil {
		t.Fatal(err)
	}
	m, err := st.FindMonitorByID(ctx, ws, "m")
	if err != nil {
		t.Fatal(err)
	}
	src, err := st.FindOrCreateSource(ctx, ws, vigie.SourceImport, "test", "")
	if err != nil {
		t.Fatal(err)
	}
	var calls [][]string
	p.OnStored = func(keys []string) { calls = append(calls, slices.Sorted(slices.Values(keys))) }
	now := time.Now().UTC().Truncate(time.Second)
	posts := []vigie.Post{
		{ID: "1", Source: "mastodon", Text: "Valmont robotics", PublishedAt: now},
		{ID: "2", Source: "mastodon", Text: "Valmont again", PublishedAt: now},
		{ID: "3", Source: "mastodon", Text: "nothing to see", PublishedAt: now},
	}
	if _, err := p.Process(ctx, &src, posts, nil); err != nil {
		t.Fatal(err)
	}
	want := slices.Sorted(slices.Values([]string{m.Key, m2.Key}))
	if len(calls) != 1 || !slices.Equal(calls[0], want) {
		t.Fatalf("OnStored calls %v, want one with %v", calls, want)
	}
	// The same posts again store nothing: no call.
	if _, err := p.Process(ctx, &src, posts, nil); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 1 {
		t.Fatalf("OnStored called for a batch that stored nothing: %v", calls)
	}
}

// TestNearDuplicatesAcrossWorkers: two pipelines on one store (two match
// workers): a copy matched by one links to the original the other stored
// after it started, when it follows the store.
func TestNearDuplicatesAcrossWorkers(t *testing.T) {
	a, st, ws := newTestPipeline(t)
	ctx := context.Background()
	src, err := st.FindOrCreateSource(ctx, ws, vigie.SourceImport, "test", "")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	b := NewPipeline(a.Index, st)
	b.FollowStore = true
	if _, err := b.LoadRecent(ctx, now); err != nil {
		t.Fatal(err)
	}
	story := "Valmont opens a new robotics centre for students and researchers from the whole region this autumn"
	if _, err := a.Process(ctx, &src, []vigie.Post{{ID: "a", Source: "mastodon", Text: story, PublishedAt: now.Add(-time.Hour)}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Process(ctx, &src, []vigie.Post{{ID: "b", Source: "bluesky", Text: "RT @uval: " + story, PublishedAt: now}}, nil); err != nil {
		t.Fatal(err)
	}
	page, err := st.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: ws, MonitorID: "m"})
	if err != nil || len(page.Mentions) != 2 {
		t.Fatalf("%d mentions: %v", len(page.Mentions), err)
	}
	copyOf, original := page.Mentions[0], page.Mentions[1]
	if copyOf.Post.ID != "b" || copyOf.NearDuplicateOf != original.ID {
		t.Fatalf("copy %q near-duplicate of %d, want %d", copyOf.Post.ID, copyOf.NearDuplicateOf, original.ID)
	}
}
