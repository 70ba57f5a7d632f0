package mastodon

import (
	"bufio"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/apptest"
)

// TestRtootFixtures decodes the real responses of the shared corpus
// (fosstodon.org and mastodon.social, 2025, recorded by the rtoot R
// client; read in place: the posts are their authors'): timelines, tag
// timelines, account statuses, a status, contexts, and the 431 unique
// statuses. Every status must decode, and map to a valid post unless it is
// not public or has nothing to read.
func TestRtootFixtures(t *testing.T) {
	dir := apptest.Shared(t, "data/api-samples/mastodon-rtoot-fixtures")
	hosts := map[string]string{} // file → the instance it was asked of
	index, err := os.ReadFile(filepath.Join(dir, "index.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(strings.TrimSpace(string(index)), "\n")[1:] {
		f := strings.Split(l, "\t")
		if u, err := url.Parse(f[1]); err == nil {
			hosts[f[0]] = u.Hostname()
		}
	}
	var total, kept, replies, withLang int
	check := func(where, host string, raw []json.RawMessage) {
		sts, ids, bad, err := decodeStatuses(mustJSON(raw))
		if err != nil || bad != 0 || len(ids) != len(raw) {
			t.Errorf("%s: %d of %d statuses unreadable: %v", where, bad, len(raw), err)
		}
		uris := map[string]string{}
		for _, s := range sts {
			uris[s.content().ID] = s.content().postID()
		}
		m := &mapper{host: host, replyURI: func(id string) string { return uris[id] }}
		for _, s := range sts {
			total++
			p, ok := m.post(s)
			if !ok {
				c := s.content()
				if s.public() && (c.postID() != "" && body(c) != "") {
					t.Errorf("%s: status %s skipped", where, s.ID)
				}
				continue
			}
			kept++
			if err := p.Validate(); err != nil {
				t.Errorf("%s: %v", where, err)
			}
			if p.ID != s.content().URI || !strings.HasPrefix(p.URL, "https://") || strings.Count(p.Author.Handle, "@") != 2 || p.Author.ID == "" {
				t.Errorf("%s: post %+v", where, p)
			}
			if strings.Contains(p.Text, "<p>") || strings.Contains(p.Text, "&amp;") {
				t.Errorf("%s: text is not plain: %q", where, p.Text)
			}
			if p.ReplyTo != "" {
				replies++
			}
			if p.Lang != "" {
				withLang++
			}
		}
	}
	files, err := filepath.Glob(filepath.Join(dir, "responses", "*.json"))
	if err != nil || len(files) != 30 {
		t.Fatalf("%d response files: %v", len(files), err)
	}
	for _, path := range files {
		name := filepath.Base(path)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var raw []json.RawMessage
		switch {
		case json.Unmarshal(data, &raw) == nil:
		case strings.Contains(name, "_context"):
			var c struct{ Ancestors, Descendants []json.RawMessage }
			if err := json.Unmarshal(data, &c); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			raw = append(c.Ancestors, c.Descendants...)
		default:
			raw = []json.RawMessage{data} // one status
		}
		check(name, hosts[name], raw)
	}
	f, err := os.Open(filepath.Join(dir, "statuses_unique.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	var raw []json.RawMessage
	for sc.Scan() {
		raw = append(raw, json.RawMessage(append([]byte(nil), sc.Bytes()...)))
	}
	if err := sc.Err(); err != nil || len(raw) != 431 {
		t.Fatalf("%d unique statuses: %v", len(raw), err)
	}
	check("statuses_unique.jsonl", "", raw)
	t.Logf("%d statuses, %d posts (%d replies placed, %d with a language)", total, kept, replies, withLang)
	if kept < total*9/10 {
		t.Errorf("only %d of %d statuses kept", kept, total)
	}
}

func mustJSON(raw []json.RawMessage) []byte {
	b, err := json.Marshal(raw)
	if err != nil {
		panic(err)
	}
	return b
}
