package enrich

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/text"
)

func TestCanonicalURL(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"lower-case scheme and host", "HTTPS://Example.COM/Path", "https://example.com/Path"},
		{"default https port", "https://example.com:443/a", "https://example.com/a"},
		{"default http port", "http://example.com:80/a", "http://example.com/a"},
		{"other port kept", "https://example.com:8443/a", "https://example.com:8443/a"},
		{"fragment dropped", "https://example.com/a#comments", "https://example.com/a"},
		{"utm dropped", "https://example.com/a?utm_source=tw&utm_medium=social&UTM_Campaign=x", "https://example.com/a"},
		{"click ids dropped", "https://example.com/a?fbclid=1&gclid=2&dclid=3&msclkid=4&yclid=5&igshid=6", "https://example.com/a"},
		{"mailchimp hubspot twitter", "https://example.com/a?mc_cid=1&mc_eid=2&_hsenc=3&_hsmi=4&ref_src=5&ref_url=6&spm=7", "https://example.com/a"},
		{"params sorted", "https://example.com/s?q=vigie&page=2&lang=fr", "https://example.com/s?lang=fr&page=2&q=vigie"},
		{"repeated key keeps order", "https://example.com/s?b=2&a=z&a=y", "https://example.com/s?a=z&a=y&b=2"},
		{"tracking mixed with real", "https://example.com/s?id=42&utm_source=x&fbclid=y", "https://example.com/s?id=42"},
		{"encoding normalised", "https://example.com/s?q=a%20b&x=%41", "https://example.com/s?q=a+b&x=A"},
		{"key without value", "https://example.com/s?amp&b=1", "https://example.com/s?amp&b=1"},
		{"trailing slash removed", "https://example.com/a/b/", "https://example.com/a/b"},
		{"root keeps slash", "https://example.com/", "https://example.com/"},
		{"empty path becomes root", "https://example.com", "https://example.com/"},
		{"www kept", "https://WWW.example.com/a", "https://www.example.com/a"},
		{"idn lower-cased", "https://BÜCHER.example/Ä", "https://bücher.example/%C3%84"},
		{"punycode lower-cased", "https://XN--BCHER-KVA.example/", "https://xn--bcher-kva.example/"},
		{"trailing dot of host", "https://example.com./a", "https://example.com/a"},
		{"ipv6", "http://[::1]:80/a", "http://[::1]/a"},
		{"escaped path kept", "https://example.com/a%2Fb/", "https://example.com/a%2Fb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CanonicalURL(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("CanonicalURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestCanonicalURLErrors(t *testing.T) {
	for _, in := range []string{"", "ftp://example.com/a", "mailto:a@example.com", "javascript:alert(1)", "example.com/a", "https://", "http://[::1", "https://exa mple.com/%zz"} {
		t.Run(in, func(t *testing.T) {
			if got, err := CanonicalURL(in); !errors.Is(err, ErrURL) {
				t.Errorf("CanonicalURL(%q) = %q, %v; want an ErrURL", in, got, err)
			}
		})
	}
}

func TestExtract(t *testing.T) {
	tests := []struct {
		name string
		post vigie.Post
		want Entities
	}{
		{
			name: "tags mentions links in order, de-duplicated",
			post: vigie.Post{Text: "#Genève vote: @Alice and @bob@Mastodon.Social agree with @alice #geneve #Budget https://WWW.LeTemps.ch/a/?utm_source=x and www.letemps.ch/a"},
			want: Entities{
				Hashtags: []string{"geneve", "budget"},
				Mentions: []string{"alice", "bob@mastodon.social"},
				Links:    []string{"https://www.letemps.ch/a", "http://www.letemps.ch/a"},
				Domains:  []string{"letemps.ch"},
			},
		},
		{
			name: "shared links (not the post's own URL), registrable domains",
			post: vigie.Post{Text: "read this", URL: "https://social.example/@me/1", Links: []string{"https://news.bbc.co.uk/x?fbclid=1", "https://alice.github.io/p/", "ftp://example.com/f", "http://127.0.0.1:8080/"}},
			want: Entities{
				Links:   []string{"https://news.bbc.co.uk/x", "https://alice.github.io/p", "http://127.0.0.1:8080/"},
				Domains: []string{"bbc.co.uk", "alice.github.io", "127.0.0.1"},
			},
		},
		{
			name: "bluesky handle",
			post: vigie.Post{Text: "thanks @alice.bsky.social!"},
			want: Entities{Mentions: []string{"alice.bsky.social"}},
		},
		{name: "nothing", post: vigie.Post{Text: "plain words"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Extract(text.Analyze(&tt.post))
			if !slices.Equal(got.Hashtags, tt.want.Hashtags) || !slices.Equal(got.Mentions, tt.want.Mentions) ||
				!slices.Equal(got.Links, tt.want.Links) || !slices.Equal(got.Domains, tt.want.Domains) {
				t.Errorf("Extract = %+v\nwant      %+v", got, tt.want)
			}
		})
	}
}

func hashOf(title, body string) uint64 {
	return Simhash(text.Analyze(&vigie.Post{Title: title, Text: body}))
}

func TestSimhash(t *testing.T) {
	const s = "The city council of Geneva approved the 2027 budget on Tuesday after a long debate between the parties"
	tests := []struct {
		name    string
		a, b    uint64
		maxDist int // -1: must be further than 3
	}{
		{"identical", hashOf("", s), hashOf("", s), 0},
		{"rt prefix", hashOf("", s), hashOf("", "RT @le_temps: "+s), 0},
		{"via suffix", hashOf("", s), hashOf("", s+" via @le_temps"), 0},
		{"case and accents", hashOf("", s), hashOf("", "THE CITY COUNCIL OF GENEVA Approved the 2027 budget on Tuesday after a long debate between the parties"), 3},
		{"link with tracking", hashOf("", s+" https://a.ch/x"), hashOf("", s+" https://a.ch/x?utm_source=t"), 0},
		{"other headline", hashOf("Budget passed", s), hashOf("Geneva: yes to the budget", s), 0},
		{"truncated", hashOf("", s), hashOf("", "The city council of Geneva approved the 2027 budget on Tuesday after a long…"), 3},
		{"other text", hashOf("", s), hashOf("", "Lausanne rejects the new tram line after a referendum held on Sunday in the canton"), -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Hamming(tt.a, tt.b)
			if tt.maxDist >= 0 && d > tt.maxDist || tt.maxDist < 0 && d <= 3 {
				t.Errorf("distance %d, want %s", d, map[bool]string{true: fmt.Sprintf("≤ %d", tt.maxDist), false: "> 3"}[tt.maxDist >= 0])
			}
		})
	}
	if hashOf("", "") != 0 {
		t.Error("empty post hashes to non-zero")
	}
	if hashOf("", "hello") == 0 {
		t.Error("one-word post hashes to zero")
	}
}

func TestHamming(t *testing.T) {
	if got := Hamming(0, ^uint64(0)); got != 64 {
		t.Errorf("Hamming(0, ^0) = %d", got)
	}
	if got := Hamming(0b1011, 0b0001); got != 2 {
		t.Errorf("Hamming = %d", got)
	}
}

func TestNearDup(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	const h = 0x0123456789abcdef
	// flip returns h with bit i of each listed band flipped.
	flip := func(bits ...int) uint64 {
		x := uint64(h)
		for _, b := range bits {
			x ^= 1 << b
		}
		return x
	}
	n := NewNearDup(time.Hour, 3)
	steps := []struct {
		id   string
		h    uint64
		at   time.Duration
		want string
	}{
		{"a", h, 0, ""},
		{"b", flip(1, 17, 33), time.Minute, "a"},         // 3 bits, 3 bands changed
		{"c", flip(1, 17, 33, 40), 2 * time.Minute, "b"}, // 4 bits from a, 1 from b
		{"d", ^uint64(h), 3 * time.Minute, ""},
		{"e", h, 90 * time.Minute, ""}, // a, b, c expired
		{"f", flip(63), 91 * time.Minute, "e"},
	}
	for _, s := range steps {
		if got := n.Add(s.id, s.h, t0.Add(s.at)); got != s.want {
			t.Errorf("Add(%s) = %q, want %q", s.id, got, s.want)
		}
	}
	if got := n.Len(); got != 2 {
		t.Errorf("Len = %d after expiry, want 2", got)
	}
}

func TestNearDupEarliest(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	n := NewNearDup(time.Hour, 3)
	n.Add("late", 0b11, t0.Add(10*time.Minute))
	n.Add("early", 0b01, t0) // out of order, earlier
	if got := n.Add("x", 0b111, t0.Add(11*time.Minute)); got != "early" {
		t.Errorf("Add = %q, want the earliest match %q", got, "early")
	}
}

func TestNearDupConcurrent(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	n := NewNearDup(time.Minute, 3)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				n.Add(fmt.Sprint(g, i), uint64(i)*0x9e3779b97f4a7c15, t0.Add(time.Duration(i)*time.Second))
			}
		})
	}
	wg.Wait()
	if n.Len() > 8*62 {
		t.Errorf("Len = %d: old entries not expired", n.Len())
	}
}

// TestExtractOutlivesTheAnalyzer reuses one analyser for a second post: the
// first post's entities must not change with it.
func TestExtractOutlivesTheAnalyzer(t *testing.T) {
	var an text.Analyzer
	e := Extract(an.Analyze(&vigie.Post{Text: "#valmont @uval@social.example"}))
	an.Analyze(&vigie.Post{Text: "#zzzzzzz @qqqq@other.example and much more text"})
	if fmt.Sprint(e.Hashtags, e.Mentions) != "[valmont] [uval@social.example]" {
		t.Fatalf("entities changed with the analyser's next post: %v %v", e.Hashtags, e.Mentions)
	}
}

func TestExtractLeavesOutThePostsOwnURL(t *testing.T) {
	e := Extract(text.Analyze(&vigie.Post{URL: "https://bsky.app/profile/a.bsky.social/post/1",
		Text: "Read https://news.uval.example/x?utm_source=bsky", Links: []string{"https://www.rts.example/y"}}))
	if fmt.Sprint(e.Links, e.Domains) != "[https://news.uval.example/x https://www.rts.example/y] [uval.example rts.example]" {
		t.Fatalf("links %v domains %v", e.Links, e.Domains)
	}
}

// TestNearDupRepresentatives: identical copies cost one bucket entry, the
// next copy takes over when the earliest expires, and wordless posts (hash
// 0) never link.
func TestNearDupRepresentatives(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	nd := NewNearDup(time.Hour, NearDupDistance)
	if nd.Add("e1", 0, t0) != "" || nd.Add("e2", 0, t0) != "" {
		t.Fatal("posts without words were linked")
	}
	const h = 0xfedcba9876543210
	if got := nd.Add("c0", h, t0); got != "" {
		t.Fatalf("first copy linked to %q", got)
	}
	for i := 1; i <= 5000; i++ {
		if got := nd.Add(fmt.Sprintf("c%d", i), h, t0.Add(time.Duration(i)*time.Second/10)); got != "c0" {
			t.Fatalf("copy %d linked to %q, want c0", i, got)
		}
	}
	for b := range bands {
		if n := len(nd.index[b][band(h, b)]); n != 1 {
			t.Fatalf("band %d holds %d entries for one hash", b, n)
		}
	}
	// A near copy (2 bits off) links to the earliest of the identical ones.
	if got := nd.Add("near", h^0b101, t0.Add(9*time.Minute)); got != "c0" {
		t.Fatalf("near copy linked to %q", got)
	}
	// c0 … c599 expire (more than an hour before the latest post); the
	// earliest live copy now answers.
	if got := nd.Add("late", h, t0.Add(time.Hour+time.Minute)); got != "c600" {
		t.Fatalf("after expiry: linked to %q, want c600", got)
	}
	if n := nd.Len(); n != 5001-600+2 {
		t.Fatalf("%d entries held", n)
	}
}
