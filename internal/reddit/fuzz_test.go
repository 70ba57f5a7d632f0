package reddit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzDecodeListing: any bytes give a listing whose items map to valid
// posts (or to nothing), or an error; never a panic.
func FuzzDecodeListing(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`[{"kind":"Listing","data":{"children":[{"kind":"t1","data":{"id":"a","body":"x","created_utc":1,"replies":{"kind":"Listing","data":{"children":[{"kind":"t1","data":{"id":"b","body":"y","created_utc":2,"replies":""}}]}}}}]}}]`))
	f.Add([]byte(`{"kind":"Listing","data":{"after":"t3_x","children":[{"kind":"t3","data":{"name":"t3_x","title":"t","created_utc":"9e99","score":-5,"edited":"yes","permalink":"//evil.example/"}}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		lst, err := DecodeListing(data)
		if err != nil {
			return
		}
		for i := range lst.Items {
			it := &lst.Items[i]
			if !strings.HasPrefix(it.Name, it.Kind+"_") {
				t.Fatalf("item %q of kind %q", it.Name, it.Kind)
			}
			it.Deleted()
			p, ok := it.Post()
			if !ok {
				continue
			}
			if err := p.Validate(); err != nil {
				t.Fatalf("invalid post %+v: %v", p, err)
			}
			if p.URL != "" && !strings.HasPrefix(p.URL, Web+"/") {
				t.Fatalf("address %q is not on reddit.com", p.URL)
			}
		}
	})
}
