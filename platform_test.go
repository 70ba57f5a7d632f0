package vigie

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func TestValidMonitorID(t *testing.T) {
	long := strings.Repeat("a", MaxMonitorID)
	for _, id := range []string{"m", "m-epfl", "m-00001", "epfl-brand-3f9a2c", "e003", "M_1.fr:brand", long} {
		if err := ValidMonitorID(id); err != nil {
			t.Errorf("%q: %v", id, err)
		}
	}
	for id, why := range map[string]string{
		"":         "no id",
		"..":       "'.' at position 1",
		".a":       "'.' at position 1",
		"a/b":      "'/' at position 2",
		"?x#y":     "'?' at position 1",
		"x#y":      "'#' at position 2",
		"a b":      "' ' at position 2",
		" a":       "' ' at position 1",
		"a\x00b":   `'\x00' at position 2`,
		"a\nb":     `'\n' at position 2`,
		"café":     "non-ASCII character at position 4",
		"-a":       "'-' at position 1",
		long + "a": "at most 64",
		"a%2Fb":    "'%' at position 2",
	} {
		err := ValidMonitorID(id)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), why) {
			t.Errorf("%q: %v, want ErrInvalid saying %q", id, err, why)
		}
	}
	m := Monitor{ID: "a/b", Query: "x"}
	if err := m.Validate(); !errors.Is(err, ErrInvalid) {
		t.Errorf("Validate accepts id %q", m.ID)
	}
}

func TestNormalSourceURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://example.org/news.xml":             "https://example.org/news.xml",
		"  HTTPS://Example.ORG/News.xml  ":         "https://example.org/News.xml",
		"https://example.org:443/feed":             "https://example.org/feed",
		"http://example.org:80/feed":               "http://example.org/feed",
		"http://example.org:443/feed":              "http://example.org:443/feed",
		"https://example.org:8443/feed":            "https://example.org:8443/feed",
		"https://example.org/feed#top":             "https://example.org/feed",
		"https://example.org/feed?b=2&a=1#x":       "https://example.org/feed?b=2&a=1",
		"https://example.org/feed?q=%2F&Q=A":       "https://example.org/feed?q=%2F&Q=A",
		"https://Me:PW@Example.org:443/feed":       "https://Me:PW@example.org/feed",
		"https://[2001:DB8::1]:443/feed":           "https://[2001:db8::1]/feed",
		"https://Éxample.org/feed":                 "https://%c3%89xample.org/feed",
		"https://example.org":                      "https://example.org",
		"https://example.org/a%20b/C?x=%41":        "https://example.org/a%20b/C?x=%41",
		"https://example.org?next=HTTP://X.org/#f": "https://example.org?next=HTTP://X.org/",
	} {
		got, err := NormalSourceURL(in)
		if err != nil || got != want {
			t.Errorf("NormalSourceURL(%q) = %q, %v; want %q", in, got, err, want)
		}
		if again, _ := NormalSourceURL(got); again != got {
			t.Errorf("NormalSourceURL(%q) = %q, not its own normal form", got, again)
		}
	}
	if _, err := NormalSourceURL("https://exa mple.org/%zz"); !errors.Is(err, ErrInvalid) {
		t.Errorf("an address that does not parse: %v", err)
	}
}

// TestClipRunes: a text is cut after n characters, never inside one, and
// says whether it was cut.
func TestClipRunes(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
		cut  bool
	}{
		{"", 3, "", false},
		{"abc", 3, "abc", false},
		{"abcd", 3, "abc", true},
		{"éèà", 3, "éèà", false},
		{"éèàù", 3, "éèà", true},
		{"日本語テキスト", 2, "日本", true},
	} {
		got, cut := ClipRunes(tc.s, tc.n)
		if got != tc.want || cut != tc.cut {
			t.Errorf("ClipRunes(%q, %d) = %q, %v; want %q, %v", tc.s, tc.n, got, cut, tc.want, tc.cut)
		}
	}
}

// FuzzNormalSourceURL: any address either fails with ErrInvalid or gives
// a normal form that is its own normal form (a feed added twice under any
// spelling meets itself), keeps the path and the query, and drops the
// fragment.
func FuzzNormalSourceURL(f *testing.F) {
	for _, s := range []string{"https://Example.ORG:443/News.xml?b=1&a=2#top", "http://a.example:80", "HTTP://user:p@ss@Host/%41",
		"https://[::1]:8443/x", "news.example/feed", "", "://", "https://ex ample.org/", "https://é.example/É"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		n, err := NormalSourceURL(raw)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("NormalSourceURL(%q): %v is not ErrInvalid", raw, err)
			}
			return
		}
		again, err := NormalSourceURL(n)
		if err != nil || again != n {
			t.Fatalf("NormalSourceURL(%q) = %q, and again %q, %v", raw, n, again, err)
		}
		if u, err := url.Parse(n); err == nil && (u.Fragment != "" || u.RawFragment != "") {
			t.Fatalf("NormalSourceURL(%q) = %q keeps a fragment", raw, n)
		}
	})
}

// FuzzNormalizeLang: a declared language ends as "" or a known code, and
// normalising again changes nothing.
func FuzzNormalizeLang(f *testing.F) {
	for _, s := range []string{"fr", "FR", "fr-CH", "fr_ch", " de ", "xx", "english", "fra", "", "-", "zh-Hant-TW"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, lang string) {
		p := Post{Lang: lang}
		p.NormalizeLang()
		if p.Lang != "" && !KnownLanguage(p.Lang) {
			t.Fatalf("NormalizeLang(%q) = %q, not a known code", lang, p.Lang)
		}
		if p.NormalizeLang() {
			t.Fatalf("NormalizeLang(%q) changed %q again", lang, p.Lang)
		}
	})
}

func TestNth(t *testing.T) {
	if got := Nth("monitor", 0, 1, "x"); got != `monitor "x"` {
		t.Errorf("one: %s", got)
	}
	if got := Nth("monitor", 2, 120, "x"); got != `monitor 3 of 120 ("x")` {
		t.Errorf("several: %s", got)
	}
}

// TestCredentialError: a source whose credentials could not be decrypted
// says which, and what to do, in plain words.
func TestCredentialError(t *testing.T) {
	for _, tt := range []struct {
		names []string
		want  string
	}{
		{nil, ""},
		{[]string{"token"}, `the credential "token" cannot be decrypted: the secret key changed; enter it again`},
		{[]string{"api_key", "token"}, `the credentials "api_key" and "token" cannot be decrypted: the secret key changed; enter them again`},
		{[]string{"a_key", "b_secret", "token"}, `the credentials "a_key", "b_secret" and "token" cannot be decrypted: the secret key changed; enter them again`},
	} {
		s := Source{UndecryptableSettings: tt.names}
		err := s.CredentialError()
		if got := fmt.Sprint(err); tt.want == "" && err != nil || tt.want != "" && got != tt.want {
			t.Errorf("%v: %v, want %q", tt.names, err, tt.want)
		}
	}
}
