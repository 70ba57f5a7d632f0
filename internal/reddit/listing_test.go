package reddit

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/apptest"
	"github.com/vigie-project/vigie/internal/connector"
)

// countDeleted counts the listing's deleted items, each once.
func countDeleted(lst Listing) int {
	seen := map[string]bool{}
	for i := range lst.Items {
		if lst.Items[i].Deleted() && !seen[lst.Items[i].Name] {
			seen[lst.Items[i].Name] = true
		}
	}
	return len(seen)
}

func TestDecodeCommentPage(t *testing.T) {
	lst, err := DecodeListing(readTestdata(t, "comment_page.json"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, it := range lst.Items {
		names = append(names, it.Name)
	}
	// Depth first: the submission, a comment, its reply, the next comment.
	if want := []string{"t3_1h5zh4m", "t1_m0b1a2b", "t1_m0b2c3d", "t1_m0b0z1y"}; !reflect.DeepEqual(names, want) {
		t.Errorf("items %v, want %v", names, want)
	}
	if lst.Skipped != 1 { // the "more" stub
		t.Errorf("skipped %d", lst.Skipped)
	}
	if !lst.Items[3].Deleted() || lst.Items[1].Deleted() {
		t.Error("deletion misread")
	}
	p, ok := lst.Items[2].Post()
	if !ok || p.ReplyTo != "t1_m0b1a2b" || p.Text != "Reply to the reply." {
		t.Errorf("reply %+v", p)
	}
}

func TestDecodeOddValues(t *testing.T) {
	doc := `{"kind": "Listing", "data": {"after": "t3_b", "children": [
		{"kind": "t3", "data": {"id": "a", "title": "A", "created_utc": "1796292000", "score": "12", "edited": true, "num_comments": null}},
		{"kind": "t3", "data": {"name": "t3_b", "title": "B", "created_utc": 1796292000.5, "score": 1e3, "edited": 1796292100.0, "removed_by_category": null}},
		{"kind": "t3", "data": {"name": "t1_c", "title": "wrong kind in name", "created_utc": 1796292000}},
		{"kind": "t3", "data": {"name": "t3_d", "title": ["not", "a", "string"]}},
		{"kind": "t3", "data": {"name": "t3_e", "title": "no date"}},
		{"kind": "t1", "data": {"name": "t1_f", "body": "", "created_utc": 1796292000}},
		{"kind": "t5", "data": {"name": "t5_2qh0u", "display_name": "epfl"}},
		"not a thing"
	]}}`
	lst, err := DecodeListing([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if lst.After != "t3_b" || len(lst.Items) != 4 || lst.Skipped != 4 {
		t.Fatalf("after %q, %d items, %d skipped", lst.After, len(lst.Items), lst.Skipped)
	}
	a, ok := lst.Items[0].Post()
	if !ok || a.ID != "t3_a" || a.Metrics.Likes != 12 || a.PublishedAt.Unix() != 1796292000 || lst.Items[0].EditedAfter(0) {
		t.Errorf("a: %+v (edited true has no time: no edit)", a)
	}
	b, _ := lst.Items[1].Post()
	if b.Metrics.Likes != 1000 || b.PublishedAt.Nanosecond() != 5e8 || !lst.Items[1].EditedAfter(1796292099) || lst.Items[1].EditedAfter(1796292100) {
		t.Errorf("b: %+v", b)
	}
	for _, i := range []int{2, 3} {
		if p, ok := lst.Items[i].Post(); ok {
			t.Errorf("item %d gave a post without date or text: %+v", i, p)
		}
	}
}

// TestSharedCassettes decodes every listing Reddit sent PRAW's tests
// (shared samples, 2016–2026): every submission and comment becomes a
// valid post, or a deletion when it is gone.
func TestSharedCassettes(t *testing.T) {
	dir := apptest.Shared(t, "data/api-samples/reddit-praw-cassettes")
	idx, err := os.Open(filepath.Join(dir, "index.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	var files, items, posts, deletes, edited, skipped int
	// Each answer is also served to a Runner, as the answer to a search.
	var serving []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		w.Write(serving)
	}))
	defer srv.Close()
	runner := New(connector.Deps{Client: srv.Client(), Now: func() time.Time { return t0 }})
	sc := bufio.NewScanner(idx)
	for first := true; sc.Scan(); first = false {
		if first {
			continue
		}
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 4 {
			continue
		}
		var kinds map[string]int
		if err := json.Unmarshal([]byte(cols[3]), &kinds); err != nil {
			t.Fatalf("index %s: %v", cols[0], err)
		}
		data, err := os.ReadFile(filepath.Join(dir, "listings", cols[0]))
		if err != nil {
			t.Fatal(err)
		}
		files++
		lst, err := DecodeListing(data)
		if err != nil {
			t.Errorf("%s: %v", cols[0], err)
			continue
		}
		got := map[string]int{}
		seen := map[string]bool{}
		for i := range lst.Items {
			it := &lst.Items[i]
			got[it.Kind]++
			items++
			if it.Deleted() {
				deletes++
				continue
			}
			p, ok := it.Post()
			if !ok {
				if strings.TrimSpace(it.Title) != "" || strings.TrimSpace(it.Body+it.Selftext) != "" {
					t.Errorf("%s: %s has text but gave no post", cols[0], it.Name)
				}
				skipped++
				continue
			}
			if err := p.Validate(); err != nil {
				t.Errorf("%s: %v", cols[0], err)
			}
			if !strings.HasPrefix(p.URL, "https://www.reddit.com/") || p.Author.ID == "" {
				t.Errorf("%s: %s: url %q author %+v", cols[0], p.ID, p.URL, p.Author)
			}
			if p.ID[:3] == "t1_" && (p.ReplyTo == "" || p.Title != "") || p.ID[:3] == "t3_" && p.Title == "" {
				t.Errorf("%s: %s: title %q reply to %q", cols[0], p.ID, p.Title, p.ReplyTo)
			}
			if seen[p.ID] {
				t.Errorf("%s: %s twice", cols[0], p.ID)
			}
			seen[p.ID] = true
			if it.Edited.Any {
				edited++
			}
			posts++
		}
		serving = data
		src := &vigie.Source{Kind: vigie.SourceReddit, URL: srv.URL, Settings: map[string]string{"query": "x"}}
		b, err := runner.Run(context.Background(), src)
		if err != nil {
			t.Errorf("%s: run: %v", cols[0], err)
		} else if n := len(b.Posts) + len(b.Deletes); n != len(seen)+countDeleted(lst) {
			t.Errorf("%s: the run gave %d posts and %d deletions for %d items", cols[0], len(b.Posts), len(b.Deletes), len(seen)+countDeleted(lst))
		}
		// The index counts the top of comment trees; the replies are read too.
		if got["t3"] != kinds["t3"] || got["t1"] < kinds["t1"] {
			t.Errorf("%s: %d t3 and %d t1; the index says %d and %d (and their replies)", cols[0], got["t3"], got["t1"], kinds["t3"], kinds["t1"])
		}
	}
	if files < 80 || posts < 8000 || deletes == 0 {
		t.Errorf("%d files, %d posts, %d deletions: the shared samples hold 86 files, ~9,000 items", files, posts, deletes)
	}
	t.Logf("%d files: %d items, %d posts (%d edited), %d deletions, %d without text", files, items, posts, edited, deletes, skipped)
}
