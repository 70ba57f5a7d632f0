package discourse

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzDecode: any bytes, read as each answer Vigie reads, give items whose
// posts validate and are the forum's, or an error; never a panic.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"latest_posts":[{"id":"7","created_at":"2026-01-01T00:00:00Z","cooked":"<p>x","like_count":null,"actions_summary":[{"id":2,"count":-1}],"post_number":1.5}]}`))
	f.Add([]byte(`{"posts":[{"id":1e3,"created_at":"2026-01-01T00:00:00.5+02:00","blurb":"a &amp; b","topic_id":9}],"topics":[{"id":9,"slug":"a/b"}],"grouped_search_result":{"more_full_page_results":"true"}}`))
	fm := forum{base: "https://forum.example.org"}
	f.Fuzz(func(t *testing.T, data []byte) {
		check := func(it item) {
			if !strings.HasPrefix(it.post.ID, fm.base+"/p/") || !strings.HasPrefix(it.post.URL, fm.base+"/t/") {
				t.Fatalf("post %+v not of the forum", it.post)
			}
			if !it.gone {
				if err := it.post.Validate(); err != nil {
					t.Fatalf("invalid post %+v: %v", it.post, err)
				}
			}
		}
		var l latestResponse
		if json.Unmarshal(data, &l) == nil {
			for i := range l.LatestPosts {
				if it, ok := fm.item(&l.LatestPosts[i]); ok {
					check(it)
				}
			}
		}
		var p postJSON
		if json.Unmarshal(data, &p) == nil {
			if it, ok := fm.item(&p); ok {
				check(it)
			}
		}
		var s searchResponse
		if json.Unmarshal(data, &s) == nil {
			topics := map[int64]*searchTopic{}
			for i := range s.Topics {
				topics[int64(s.Topics[i].ID)] = &s.Topics[i]
			}
			for i := range s.Posts {
				if it, ok := fm.searchItem(&s.Posts[i], topics); ok {
					check(it)
				}
			}
			_ = s.more()
		}
	})
}
