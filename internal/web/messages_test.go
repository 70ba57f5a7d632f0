package web

import (
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestMessagesComplete: every key exists in every locale with the same
// formatting verbs, and every key the templates and code use exists.
func TestMessagesComplete(t *testing.T) {
	for _, l := range Locales {
		for k, en := range messages["en"] {
			msg, ok := messages[l][k]
			if !ok {
				t.Errorf("%s: missing %q", l, k)
				continue
			}
			if a, b := verbs(en), verbs(msg); a != b {
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

// verbs lists the arguments a format uses, each once with its verb, in
// argument order: "%[2]s … %[1]d" gives "1d 2s". A translation may reorder
// them, and quote a string its own way (%q in English, « %s » in French).
func verbs(format string) string {
	used := map[string]bool{}
	n := 0
	for _, m := range verb.FindAllStringSubmatch(format, -1) {
		if m[1] != "" {
			n, _ = strconv.Atoi(m[1])
		} else {
			n++
		}
		v := m[2]
		if v == "q" {
			v = "s"
		}
		used[strconv.Itoa(n)+v] = true
	}
	return strings.Join(slices.Sorted(maps.Keys(used)), " ")
}

var verb = regexp.MustCompile(`%(?:\[(\d+)\])?([a-z])`)
