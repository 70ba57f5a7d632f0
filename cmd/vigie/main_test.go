package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestQueryCheck(t *testing.T) {
	tests := []struct {
		name, query string
		code        int
		stdout      string
	}{
		{"valid", `(epfl OR ethz) NEAR/3 (ranking OR classement)`, 0, "ok\n"},
		{"unbalanced", `(epfl OR ethz`, 2, "error: column 1: unbalanced parenthesis: this \"(\" is never closed\n  (epfl OR ethz\n  ^\n"},
		{"dangling AND", `epfl AND`, 2, "error: column 9: expected a word, phrase or group after AND, found the end of the query\n  epfl AND\n          ^\n"},
		{"NEAR/0", `epfl NEAR/0 lab`, 2, ""},
		{"unknown field", `colour:red`, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, _ := runCLI(t, "query", "check", tt.query)
			if code != tt.code {
				t.Fatalf("exit %d, want %d (stdout %q)", code, tt.code, out)
			}
			if tt.stdout != "" && out != tt.stdout {
				t.Fatalf("stdout:\n%s\nwant:\n%s", out, tt.stdout)
			}
			if tt.code == 2 && (!strings.Contains(out, "column ") || !strings.Contains(out, "^")) {
				t.Fatalf("error output lacks a column or caret: %q", out)
			}
		})
	}
	code, out, errOut := runCLI(t, "query", "check", "apple or samsung ET nokia")
	if want := "warning: column 7: \"or\" is searched as a word; write OR in capitals if you meant the operator\n" +
		"warning: column 18: \"ET\" is searched as a word; operators are written in English: write AND if you meant the French \"ET\"\nok\n"; code != 0 || out != want {
		t.Fatalf("warning case: exit %d, stdout %q, want %q (stderr %q)", code, out, want, errOut)
	}
	if code, _, _ := runCLI(t, "query", "check"); code != 2 {
		t.Fatalf("no query: exit %d, want 2", code)
	}
}

const monitorsJSONL = `{"id": "m-epfl", "name": "EPFL", "kind": "brand", "query": "epfl OR \"école polytechnique fédérale de lausanne\""}
{"id": "m-near", "name": "Rankings", "kind": "keyword", "query": "(epfl OR ethz) NEAR/3 (ranking OR classement)"}

{"id": "m-nestle", "name": "Nestlé", "kind": "competitor", "query": "{Nestlé} NOT lang:en"}
`

func post(id, text, lang string) string {
	return fmt.Sprintf(`{"id":%q,"source":"rss","published_at":"2026-11-20T10:00:00Z","text":%q,"lang":%q}`, id, text, lang)
}

func TestMatch(t *testing.T) {
	mons := writeFile(t, "m.jsonl", monitorsJSONL)
	posts := writeFile(t, "p.jsonl", strings.Join([]string{
		post("p1", "Fier de l'EPFL !", "fr"),
		post("p2", "Le classement QS place l'EPFL en tête", "fr"),
		`{"id": "p3", "broken`,
		post("p4", "Nestlé annonce", "fr"),
		post("p5", "nestlé annonce", "fr"),
		`{"id":"p6","source":"rss","text":"no date"}`,
		post("p7", "L'École polytechnique fédérale de Lausanne", "fr"),
	}, "\n")+"\n")
	want := `{"post":"p1","monitor":"m-epfl"}
{"post":"p2","monitor":"m-epfl"}
{"post":"p2","monitor":"m-near"}
{"post":"p4","monitor":"m-nestle"}
{"post":"p7","monitor":"m-epfl"}
`
	for _, workers := range []string{"1", "3"} {
		code, out, errOut := runCLI(t, "match", "--monitors", mons, "--posts", posts, "--stats", "--workers", workers)
		if code != 0 {
			t.Fatalf("workers %s: exit %d: %s", workers, code, errOut)
		}
		if out != want {
			t.Errorf("workers %s: stdout:\n%s\nwant:\n%s", workers, out, want)
		}
		for _, s := range []string{"line 3: skipped: not a post", "line 6: skipped:", "published_at", "2 bad post lines skipped", "posts=5 matches=5 ", "posts_per_s="} {
			if !strings.Contains(errOut, s) {
				t.Errorf("workers %s: stderr lacks %q:\n%s", workers, s, errOut)
			}
		}
		if strings.Index(errOut, "line 3") > strings.Index(errOut, "line 6") {
			t.Errorf("bad lines not reported in order:\n%s", errOut)
		}
	}
}

func TestMatchInvalidMonitorStopsBeforeMatching(t *testing.T) {
	mons := writeFile(t, "m.jsonl", monitorsJSONL+`{"id": "m-bad", "query": "epfl AND (ethz"}`+"\n")
	posts := writeFile(t, "p.jsonl", post("p1", "EPFL", "fr")+"\n")
	code, out, errOut := runCLI(t, "match", "--monitors", mons, "--posts", posts)
	if code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	if out != "" {
		t.Fatalf("matching started: %q", out)
	}
	for _, s := range []string{`line 5`, `monitor "m-bad"`, "column 10", "^"} {
		if !strings.Contains(errOut, s) {
			t.Errorf("stderr lacks %q:\n%s", s, errOut)
		}
	}
}

func TestMatchUsageErrors(t *testing.T) {
	mons := writeFile(t, "m.jsonl", monitorsJSONL)
	for name, args := range map[string][]string{
		"no posts":      {"match", "--monitors", mons},
		"missing file":  {"match", "--monitors", mons, "--posts", filepath.Join(t.TempDir(), "nope.jsonl")},
		"unknown flag":  {"match", "--bogus"},
		"duplicate id":  {"match", "--monitors", writeFile(t, "d.jsonl", monitorsJSONL+monitorsJSONL), "--posts", mons},
		"unknown kind":  {"match", "--monitors", writeFile(t, "k.jsonl", `{"id":"x","kind":"brnd","query":"a"}`), "--posts", mons},
		"unknown cmd":   {"frobnicate"},
		"not json line": {"match", "--monitors", writeFile(t, "j.jsonl", "{oops\n"), "--posts", mons},
	} {
		if code, _, errOut := runCLI(t, args...); code != 2 {
			t.Errorf("%s: exit %d, want 2 (%s)", name, code, errOut)
		}
	}
}

func TestConfigCommandRedacts(t *testing.T) {
	t.Setenv("VIGIE_DATABASE_URL", "postgres://vigie:hunter2@db/vigie")
	const key = "q0Yb3FzX8lEDvT2cR1nKpWm5uHs9gJ7aZ4eLxNoBiC0="
	t.Setenv("VIGIE_SECRET_KEY", key)
	code, out, _ := runCLI(t, "config", "--addr", "0.0.0.0:9999")
	if code != 0 || strings.Contains(out, "hunter2") || !strings.Contains(out, "addr=0.0.0.0:9999") || !strings.Contains(out, "vigie:***@db") ||
		strings.Contains(out, key) || strings.Contains(out, key[:8]) || !strings.Contains(out, "secret_key=***") {
		t.Fatalf("exit %d: %s", code, out)
	}
	// A key that is not one: an error naming the variable, not the value.
	t.Setenv("VIGIE_SECRET_KEY", "hunter3-is-not-a-key")
	code, out, errOut := runCLI(t, "config")
	if code != 2 || strings.Contains(out+errOut, "hunter3") || !strings.Contains(errOut, "VIGIE_SECRET_KEY") {
		t.Fatalf("bad key: exit %d: %s%s", code, out, errOut)
	}
}
