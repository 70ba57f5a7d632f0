package web

import (
	"regexp"
	"strings"
	"testing"
)

// TestQueryGuideAnchors: every link of the guide's contents reaches a
// heading of the rendered page.
func TestQueryGuideAnchors(t *testing.T) {
	guide, err := queryGuide()
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, m := range regexp.MustCompile(`<h[1-6] id="([^"]+)"`).FindAllStringSubmatch(string(guide), -1) {
		ids[m[1]] = true
	}
	links := regexp.MustCompile(`href="#([^"]+)"`).FindAllStringSubmatch(string(guide), -1)
	if len(links) < 5 {
		t.Fatalf("only %d links in the contents", len(links))
	}
	for _, m := range links {
		if !ids[m[1]] {
			t.Errorf("link #%s reaches no heading (ids: %s)", m[1], strings.Join(keys(ids), " "))
		}
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
