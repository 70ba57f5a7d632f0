package hackernews

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/apptest"
)

// TestSharedFixtures decodes every search answer of the shared recording
// of the HN Search API (2014 shape: null fields, points on comments) and
// checks that each hit makes a valid post.
func TestSharedFixtures(t *testing.T) {
	dir := apptest.Shared(t, "data/api-samples/hn-algolia-fixtures")
	f, err := os.Open(filepath.Join(dir, "index.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	files, hits := 0, 0
	byID := map[string]bool{}
	for sc.Scan() {
		name, path, ok := strings.Cut(sc.Text(), "\t")
		if !ok || !strings.HasPrefix(path, "/api/v1/search") {
			continue // the header, /items/17 and /users/pg
		}
		files++
		data, err := os.ReadFile(filepath.Join(dir, "responses", name))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := decodeSearch(data)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		posts := resp.posts()
		if len(resp.Hits) == 0 || len(posts) != len(resp.Hits) {
			t.Errorf("%s: %d hits, %d posts", name, len(resp.Hits), len(posts))
		}
		for _, p := range posts {
			hits++
			byID[p.ID] = true
			if err := p.Validate(); err != nil {
				t.Errorf("%s: %v", name, err)
			}
			if p.URL != ItemURL(p.ID) || p.Author.Handle == "" || p.PublishedAt.Year() < 2007 {
				t.Errorf("%s: post %+v", name, p)
			}
			if strings.ContainsAny(p.Text, "<>") && strings.Contains(p.Text, "<p>") {
				t.Errorf("%s: markup left in %q", name, p.Text)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if files != 24 || hits != 24 {
		t.Errorf("%d search answers, %d hits; want 24 and 24", files, hits)
	}

	// One comment, checked field by field.
	data, err := os.ReadFile(filepath.Join(dir, "responses", "01_search_hitsPerPage_1_tags_comment.json"))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := decodeSearch(data)
	if err != nil {
		t.Fatal(err)
	}
	p := resp.posts()[0]
	if p.ID != "6805807" || p.ReplyTo != "6805699" || p.Author.ID != "zedshaw" || p.Title != "" ||
		!strings.HasPrefix(p.Text, "Hey, other comments are going to give you a few lines telling you to not quit, that you should hang in there, and that it'll be alright.") ||
		p.PublishedAt.Unix() != 1385518716 || p.Metrics.Likes != 1081 {
		t.Errorf("comment %+v", p)
	}
}
