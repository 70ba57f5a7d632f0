package web

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestMessagesComplete: every key exists in every locale with the same
// formatting verbs, and every key the templates and code use exists.
func TestMessagesComplete(t *testing.T) {
	verbs := regexp.MustCompile(`%[a-z]`)
	for _, l := range Locales {
		for k, en := range messages["en"] {
			msg, ok := messages[l][k]
			if !ok {
				t.Errorf("%s: missing %q", l, k)
				continue
			}
			if a, b := strings.Join(verbs.FindAllString(en, -1), ""), strings.Join(verbs.FindAllString(msg, -1), ""); a != b {
				t.Errorf("%s %q: verbs %q, English has %q", l, k, b, a)
			}
		}
		for k := range messages[l] {
			if _, ok := messages["en"][k]; !ok {
				t.Errorf("%s has %q, English does not", l, k)
			}
		}
	}
	used := regexp.MustCompile(`(?:\.T|tr\(v\.Locale,|T\() ?"([a-z0-9.]+)"|pageError\{http\.Status\w+, "([a-z0-9.]+)"`)
	for _, dir := range []string{".", "templates"} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.IsDir() || strings.HasSuffix(e.Name(), "_test.go") {
				continue
			}
			b, err := os.ReadFile(dir + "/" + e.Name())
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range used.FindAllStringSubmatch(string(b), -1) {
				k := m[1] + m[2]
				if strings.HasSuffix(k, ".") {
					continue // a prefix completed at run time
				}
				if _, ok := messages["en"][k]; !ok {
					t.Errorf("%s uses %q, which no locale has", e.Name(), k)
				}
			}
		}
	}
}
