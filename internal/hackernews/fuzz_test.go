package hackernews

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecodeSearch: any bytes give valid posts with distinct ids, or an
// error; never a panic.
func FuzzDecodeSearch(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"hits":[{"objectID":"1","created_at_i":1,"comment_text":"<p>x","_tags":["comment"]}]}`))
	f.Add([]byte(`{"hits":[{"objectID":1e3,"created_at":"2014-06-20T03:35:46.000Z","title":null,"story_text":"&#x27;"}],"nbPages":"2"}`))
	f.Add([]byte(`{"hits":[{"objectID":"99999999999999999999","created_at_i":-5,"points":-3,"title":"t"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		resp, err := decodeSearch(data)
		if err != nil {
			return
		}
		for _, p := range resp.posts() {
			if err := p.Validate(); err != nil {
				t.Fatalf("invalid post %+v: %v", p, err)
			}
			if p.URL != ItemURL(p.ID) {
				t.Fatalf("url %q for %q", p.URL, p.ID)
			}
		}
	})
}
