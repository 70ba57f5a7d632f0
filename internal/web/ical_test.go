package web

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestICalEscape(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                "plain",
		"a, b; c\\d":           `a\, b\; c\\d`,
		"two\nlines\r\nthree":  `two\nlines\nthree`,
		"bell\x07 and \xff ok": "bell and  ok",
		"Zürich 🎉":             "Zürich 🎉",
	} {
		if got := icalEscape(in); got != want {
			t.Errorf("icalEscape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestICalFold(t *testing.T) {
	if got := icalFold("SUMMARY:short"); got != "SUMMARY:short\r\n" {
		t.Errorf("short line: %q", got)
	}
	long := "SUMMARY:" + strings.Repeat("é", 100) // 2 octets each
	got := icalFold(long)
	lines := strings.Split(strings.TrimSuffix(got, "\r\n"), "\r\n")
	if len(lines) < 3 {
		t.Fatalf("not folded: %q", got)
	}
	for i, l := range lines {
		if len(l) > 75 {
			t.Errorf("line %d has %d octets", i, len(l))
		}
		if i > 0 && !strings.HasPrefix(l, " ") {
			t.Errorf("continuation line %d does not begin with a space", i)
		}
		if !utf8.ValidString(l) {
			t.Errorf("line %d splits a character: %q", i, l)
		}
	}
	if unfold(got) != long+"\r\n" {
		t.Errorf("unfolded differs")
	}
	if l := lines[0]; len(l) != 75 && len(l) != 74 {
		t.Errorf("first line %d octets, want as close to 75 as a character allows", len(l))
	}
}

func unfold(s string) string { return strings.ReplaceAll(s, "\r\n ", "") }

func unescape(s string) string {
	r := strings.NewReplacer(`\\`, `\`, `\;`, ";", `\,`, ",", `\n`, "\n")
	return r.Replace(s)
}

func FuzzICal(f *testing.F) {
	f.Add("Rentrée 2026, « portes ouvertes »; venez !\nhttps://uval.example/a,b")
	f.Add(strings.Repeat("🎉", 40))
	f.Add("\\;,\r\n\x00\xff")
	f.Fuzz(func(t *testing.T, text string) {
		var buf bytes.Buffer
		at := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
		if err := writeICal(&buf, text, []icalEvent{{UID: "post-1@vigie", Stamp: at, Start: at, Summary: text, Description: text + "\n" + text}}); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if !utf8.ValidString(out) {
			t.Fatal("invalid UTF-8")
		}
		if !strings.HasSuffix(out, "END:VCALENDAR\r\n") {
			t.Fatal("no end")
		}
		for _, l := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
			if len(l) > 75 {
				t.Fatalf("a line of %d octets", len(l))
			}
			if strings.ContainsAny(l, "\r\n") {
				t.Fatalf("a bare line break in %q", l)
			}
		}
		var summary string
		for _, l := range strings.Split(unfold(out), "\r\n") {
			if strings.HasPrefix(l, "SUMMARY:") {
				summary = strings.TrimPrefix(l, "SUMMARY:")
			}
		}
		want := strings.ReplaceAll(strings.ToValidUTF8(text, ""), "\r\n", "\n")
		want = strings.Map(func(r rune) rune {
			if r == '\r' {
				return '\n'
			}
			if (r < 0x20 && r != '\n') || r == 0x7f {
				return -1
			}
			return r
		}, want)
		if got := unescape(summary); got != want {
			t.Fatalf("summary reads back %q, want %q", got, want)
		}
	})
}
