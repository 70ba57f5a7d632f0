package web

import (
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/query"
	"github.com/vigie-project/vigie/internal/text"
)

func TestSafeCells(t *testing.T) {
	got := safeCells([]string{"=HYPERLINK(\"x\")", "+1 555", "-3", "-2.5", "@user", "plain", "", "\tx"})
	want := []string{"'=HYPERLINK(\"x\")", "'+1 555", "-3", "-2.5", "'@user", "plain", "", "'\tx"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("cell %d: %q, want %q", i, got[i], want[i])
		}
	}
}

func TestReadPeriod(t *testing.T) {
	now := time.Date(2026, 11, 26, 10, 42, 0, 0, time.UTC)
	tests := []struct {
		query          string
		name, from, to string
		bucket         time.Duration
		err            string
	}{
		{"", "24h", "2026-11-25T11:00:00Z", "2026-11-26T11:00:00Z", time.Hour, ""},
		{"period=1h", "1h", "2026-11-26T10:00:00Z", "2026-11-26T11:00:00Z", time.Hour, ""},
		{"period=6h", "6h", "2026-11-26T05:00:00Z", "2026-11-26T11:00:00Z", time.Hour, ""},
		{"period=7d", "7d", "2026-11-20T00:00:00Z", "2026-11-27T00:00:00Z", 24 * time.Hour, ""},
		{"period=30d", "30d", "2026-10-28T00:00:00Z", "2026-11-27T00:00:00Z", 24 * time.Hour, ""},
		{"period=custom&from=2026-11-01&to=2026-11-01", "custom", "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z", time.Hour, ""},
		{"period=custom&from=2026-10-01&to=2026-11-01", "custom", "2026-10-01T00:00:00Z", "2026-11-02T00:00:00Z", 24 * time.Hour, ""},
		{"period=custom&from=2026-11-05&to=2026-11-01", "custom", "2026-11-25T11:00:00Z", "2026-11-26T11:00:00Z", time.Hour, "dashboard.reversed"},
		{"period=custom&from=nope", "custom", "2026-11-25T11:00:00Z", "2026-11-26T11:00:00Z", time.Hour, "dashboard.baddates"},
		{"period=1y", "24h", "2026-11-25T11:00:00Z", "2026-11-26T11:00:00Z", time.Hour, ""},
	}
	for _, tt := range tests {
		p := readPeriod(httptest.NewRequest("GET", "/?"+tt.query, nil), now)
		if p.Name != tt.name || p.From.Format(time.RFC3339) != tt.from || p.To.Format(time.RFC3339) != tt.to || p.Bucket != tt.bucket || p.Error != tt.err {
			t.Errorf("%q: %s %s–%s by %v err %q", tt.query, p.Name, p.From.Format(time.RFC3339), p.To.Format(time.RFC3339), p.Bucket, p.Error)
		}
	}
}

func TestFormat(t *testing.T) {
	if got := formatInt("en", 1234567); got != "1,234,567" {
		t.Errorf("en: %q", got)
	}
	for _, c := range []struct {
		locale string
		f      float64
		want   string
	}{{"en", 1.44, "1.4"}, {"fr", 1.44, "1,4"}, {"en", 99.9, "99.9"}, {"en", 1861.5, "1,862"}, {"fr", 1861.5, "1\u202f862"}} {
		if got := formatFloat(c.locale, c.f); got != c.want {
			t.Errorf("formatFloat(%s, %v) = %q, want %q", c.locale, c.f, got, c.want)
		}
	}
	if got := formatInt("fr", -1234); got != "-1\u202f234" {
		t.Errorf("fr: %q", got)
	}
	if got := formatPct("fr", 0.426); got != "43\u202f%" {
		t.Errorf("fr pct: %q", got)
	}
	if got := shortDate("fr", time.Date(2026, 8, 3, 0, 0, 0, 0, time.UTC)); got != "3 août" {
		t.Errorf("fr date: %q", got)
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{"/w/demo/": "/w/demo/", "//evil.example": "/", "https://evil.example": "/", "/\\evil": "/", "": "/", "w/x": "/", "/a\r\nb": "/"} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHighlight(t *testing.T) {
	q, err := query.Parse(`robot* NOT lab`)
	if err != nil {
		t.Fatal(err)
	}
	title, body := highlight(&vigie.Post{Title: "Robots!", Text: "The robotics lab opens"}, q)
	render := func(ss []segment) string {
		s := ""
		for _, x := range ss {
			if x.Mark {
				s += "[" + x.Text + "]"
			} else {
				s += x.Text
			}
		}
		return s
	}
	if got := render(title) + "|" + render(body); got != "[Robots]!|The [robotics] lab opens" {
		t.Errorf("highlight: %q", got)
	}
}

func TestClientAddr(t *testing.T) {
	w := &Web{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}}
	for _, tt := range []struct{ remote, xff, want string }{
		{"203.0.113.7:5555", "", "203.0.113.7"},
		{"203.0.113.7:5555", "198.51.100.1", "203.0.113.7"},                  // not from a proxy: the header is ignored
		{"10.1.2.3:5555", "198.51.100.1", "198.51.100.1"},                    // from the proxy
		{"10.1.2.3:5555", "6.6.6.6, 198.51.100.1, 10.9.9.9", "198.51.100.1"}, // spoofed left part skipped
		{"10.1.2.3:5555", "garbage", "10.1.2.3"},
		{"[2001:db8:1:2:3:4:5:6]:443", "", "2001:db8:1:2::/64"},
		{"[::1]:443", "2001:db8::9", "2001:db8::/64"},
	} {
		r := httptest.NewRequest("POST", "/login", nil)
		r.RemoteAddr = tt.remote
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		if got := w.clientAddr(r); got != tt.want {
			t.Errorf("%s + %q: %s, want %s", tt.remote, tt.xff, got, tt.want)
		}
	}
}

// FuzzHighlight: any post and query render to segments that put the
// post's title and text back together, without panicking.
func FuzzHighlight(f *testing.F) {
	f.Add("Valmont <b>robotics</b> lab", "The robotics lab opens", "robot* NOT lab")
	f.Add("", "é\u0301 ½ #tag @user http://x.example/a?b=c", `"tag user" OR x*`)
	f.Add("\r\n", "\x00\xff<script>", "(a OR b) NEAR/2 c")
	f.Add("\n", "0", "0")
	f.Fuzz(func(t *testing.T, title, body, q string) {
		p := &vigie.Post{Title: title, Text: body}
		pq, err := query.Parse(q)
		if err != nil {
			pq = nil
		}
		ts, bs := highlight(p, pq)
		join := func(ss []segment) string {
			var b strings.Builder
			for _, s := range ss {
				b.WriteString(s.Text)
			}
			return b.String()
		}
		tp := text.Analyze(&vigie.Post{Title: title}).Plain
		bp := text.Analyze(&vigie.Post{Text: body}).Plain
		switch {
		case title != "" && body != "":
			if join(ts) != tp || join(bs) != bp {
				t.Fatalf("title %q / %q, text %q / %q", join(ts), tp, join(bs), bp)
			}
		case join(ts)+join(bs) != tp+bp:
			t.Fatalf("segments %q do not rebuild %q", join(ts)+join(bs), tp+bp)
		}
	})
}

// TestReadFilterRange: a dashboard link's from/to hold (as the "range"
// period) until the user picks another period.
func TestReadFilterRange(t *testing.T) {
	now := time.Date(2026, 11, 26, 10, 42, 0, 0, time.UTC)
	tests := []struct {
		query, period, from, to string
	}{
		{"from=2026-11-25T06:00:00Z&to=2026-11-26T06:00:00Z", "range", "2026-11-25T06:00:00Z", "2026-11-26T06:00:00Z"},
		{"period=range&from=2026-11-25T06:00:00Z&to=2026-11-26T06:00:00Z&lang=none", "range", "2026-11-25T06:00:00Z", "2026-11-26T06:00:00Z"},
		{"period=all&from=2026-11-25T06:00:00Z&to=2026-11-26T06:00:00Z", "all", "0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"},
		{"period=7d&from=2026-11-25T06:00:00Z&to=2026-11-26T06:00:00Z", "7d", "2026-11-19T10:42:00Z", "0001-01-01T00:00:00Z"},
		{"period=range", "", "0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"},
		{"period=bogus&from=2026-11-25", "range", "2026-11-25T00:00:00Z", "0001-01-01T00:00:00Z"},
	}
	for _, tt := range tests {
		f := readFilter(httptest.NewRequest("GET", "/?"+tt.query, nil), "en")
		mf := f.mentionFilter(1, now)
		if f.Period != tt.period || mf.From.Format(time.RFC3339) != tt.from || mf.To.Format(time.RFC3339) != tt.to {
			t.Errorf("%q: period %q, %s–%s", tt.query, f.Period, mf.From.Format(time.RFC3339), mf.To.Format(time.RFC3339))
		}
		if got := readFilter(httptest.NewRequest("GET", "/?"+f.values().Encode(), nil), "en"); got.Period != f.Period || got.From != f.From || got.To != f.To {
			t.Errorf("%q does not survive its own URL: %+v", tt.query, got)
		}
	}
}
