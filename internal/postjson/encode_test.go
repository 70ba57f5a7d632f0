package postjson

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
)

// checkAppend: a post Decode accepts comes back from Append as valid JSON
// that both Decode and encoding/json read to the same post.
func checkAppend(t *testing.T, b []byte) {
	t.Helper()
	var p vigie.Post
	if Decode(b, &p) != nil || p.PublishedAt.Year() < 0 || p.PublishedAt.Year() > 9999 {
		return // the year range of RFC 3339, as time.MarshalJSON has
	}
	out := Append(nil, &p)
	if !json.Valid(out) {
		t.Fatalf("%q: Append wrote invalid JSON %q", b, out)
	}
	var fast, std vigie.Post
	if err := Decode(out, &fast); err != nil {
		t.Fatalf("%q: Decode(Append) %v (%q)", b, err, out)
	}
	if err := json.Unmarshal(out, &std); err != nil {
		t.Fatalf("%q: encoding/json of Append: %v", b, err)
	}
	// Append leaves out an empty list, as omitempty does.
	if len(p.Links) == 0 {
		p.Links = nil
	}
	if !reflect.DeepEqual(fast, p) || !reflect.DeepEqual(std, p) {
		t.Fatalf("%q → %q:\n decoded      %+v\n Decode again %+v\n encoding/json %+v", b, out, p, fast, std)
	}
}

func TestAppendRoundTrips(t *testing.T) {
	for _, s := range decodeSeeds {
		checkAppend(t, []byte(s))
	}
	p := vigie.Post{ID: "a\x00b\x1f\u2028", Source: "rss", PublishedAt: time.Date(2026, 11, 20, 10, 4, 5, 123456789, time.FixedZone("", -5*3600)),
		Author: vigie.Author{Followers: 3}, Text: "<b>\"x\" & y</b>\\ \xc3", Links: []string{"", "https://x.example/?a=1&b=2"},
		Metrics: vigie.Metrics{Views: 1}}
	b := Append(nil, &p)
	checkAppend(t, b)
	var back vigie.Post
	if err := Decode(b, &back); err != nil || back.Text != "<b>\"x\" & y</b>\\ \ufffd" || !back.PublishedAt.Equal(p.PublishedAt) || back.Author.Followers != 3 {
		t.Fatalf("%s → %+v %v", b, back, err)
	}
}

func FuzzAppend(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkAppend(t, b)
	})
}

func BenchmarkAppend(b *testing.B) {
	var p vigie.Post
	if err := Decode([]byte(decodeSeeds[0]), &p); err != nil {
		b.Fatal(err)
	}
	var buf []byte
	b.Run("Append", func(b *testing.B) {
		for b.Loop() {
			buf = Append(buf[:0], &p)
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(&p); err != nil {
				b.Fatal(err)
			}
		}
	})
}
