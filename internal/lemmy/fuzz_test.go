package lemmy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode: any bytes, read as each of the answers Vigie reads, give
// entries whose posts validate (deletions name an id), or an error; never
// a panic.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"posts":[{"post":{"ap_id":"https://a/post/1","published":"2023-06-01T10:00:00.123456","name":null,"deleted":true}}]}`))
	f.Add([]byte(`{"comments":[{"comment":{"ap_id":"https://a/comment/1","published":"2026-01-01T00:00:00Z","content":"x","language_id":"37"},"counts":{"upvotes":-4}}]}`))
	f.Add([]byte(`{"all_languages":[{"id":1e2,"code":null}],"site_view":{"local_site_rate_limit":{"search":"x"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		check := func(e entry) {
			if e.post.ID == "" || e.post.Source != Source {
				t.Fatalf("entry without an id: %+v", e)
			}
			if e.gone {
				return
			}
			if err := e.post.Validate(); err != nil {
				t.Fatalf("invalid post %+v: %v", e.post, err)
			}
		}
		var s searchResponse
		if json.Unmarshal(data, &s) == nil {
			for _, e := range postEntries(s.Posts) {
				check(e)
			}
			for _, e := range commentEntries(s.Comments) {
				check(e)
			}
		}
		var p postsResponse
		if json.Unmarshal(data, &p) == nil {
			for _, e := range postEntries(p.Posts) {
				check(e)
			}
		}
		var site siteResponse
		_ = json.Unmarshal(data, &site)
	})
}
