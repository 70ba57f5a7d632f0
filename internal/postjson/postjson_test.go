package postjson

import (
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/vigie-project/vigie"
)

// accept reports what the pipeline does with a line: decoded and valid.
func acceptStd(b []byte) (vigie.Post, bool) {
	var p vigie.Post
	if json.Unmarshal(b, &p) != nil || p.Validate() != nil {
		return vigie.Post{}, false
	}
	return p, true
}

func acceptFast(b []byte) (vigie.Post, bool) {
	var p vigie.Post
	if Decode(b, &p) != nil || p.Validate() != nil {
		return vigie.Post{}, false
	}
	return p, true
}

var decodeSeeds = []string{
	`{"id": "mastodon:113490012345", "source": "mastodon", "url": "https://mastodon.social/@epfl/113490012345",
	  "published_at": "2026-11-20T10:04:05Z",
	  "author": {"id": "109", "handle": "@epfl@mastodon.social", "name": "EPFL", "followers": 48211, "url": "https://mastodon.social/@epfl"},
	  "title": "", "text": "Fier de l'EPFL ! #EPFL https://actu.epfl.ch/news/x", "lang": "fr", "country": "ch",
	  "links": ["https://actu.epfl.ch/news/x"], "reply_to": "", "repost_of": "",
	  "metrics": {"likes": 12, "reposts": 3, "replies": 1, "views": 0}, "extra": [1, 2.5e3, {"a": null}, true, false]}`,
	`{"ID":"x","Source":"rss","TEXT":"a\u00e9\ud83d\ude00\ud800 \"q\" \\ \/ \b\f\n\r\t","published_at":"2026-11-20T10:04:05+01:00"}`,
	`{"id":"x","source":"rss","text":"t","published_at":"2026-11-20T10:04:05Z","links":null,"author":null,"metrics":{"likes":-1}}`,
	`{"id":"x","source":"rss","text":"t","published_at":"2026-11-20"}`,
	`{"id":5,"source":"rss","text":"t","published_at":"2026-11-20T10:04:05Z"}`,
	`{"id":"x","source":"rss","text":"t","published_at":"2026-11-20T10:04:05Z","metrics":{"likes":1.5}}`,
	`{"id":"x","source":"rss","text":"t","published_at":"2026-11-20T10:04:05Z"} x`,
	`{"id":"x","source":"rss","text":"t\xff\xfe","published_at":"2026-11-20T10:04:05Z","id":"y","links":["a",null]}`,
	`{"id":"x","source":"rss","text":"t","published_at":"2026-11-20T10:04:05Z","author":{"followers":9223372036854775807},"metrics":{"likes":9223372036854775807,"reposts":9223372036854775807,"replies":9223372036854775807,"views":9223372036854775807}}`,
	`{"id":"x","source":"rss","text":"t","published_at":"2026-11-20T10:04:05Z","metrics":{"likes":9223372036854775808}}`,
	`{"id":"x","source":"rss","text":"t","published_at":"2026-11-20T10:04:05Z","author":{"followers":-9223372036854775808}}`,
	`{"id":"x","source":"rss","text":"t","published_at":"2026-11-20T10:04:05Z","metrics":{"views":-0}}`,
	`{"id":"x","source":"rss","text":"t","published_at":"2026-11-20T10:04:05Z","name":"n","likes":3,"author":{"text":"a","likes":2,"handle":"h"},"metrics":{"id":"m","likes":012}}`,
	`{"id":"x","source":"rss","text":"t","published_at":"2026-11-20T10:04:05Z","metrics":{"likes":0,"views":123456789012345678,"replies":1234567890123456789,"reposts":1e3}}`,
	`{"id":"x","source":"rss","text":"t","published_at":"2026-11-20T10:04:05Z","metrics":{"likes":12 ,"views":0.5}}`,
	`null`, `[]`, `{}`, `{"id":"x",}`, `{"id":"x" "source":"y"}`, `{"id":"\u00"}`, `{"ſource":"K","id":"x","text":"t","published_at":"2026-11-20T10:04:05Z"}`,
}

func TestDecodePostAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range decodeSeeds {
		checkDecode(t, []byte(s))
	}
}

func checkDecode(t *testing.T, b []byte) {
	t.Helper()
	want, okStd := acceptStd(b)
	got, okFast := acceptFast(b)
	if okStd != okFast {
		var p vigie.Post
		t.Fatalf("%q: encoding/json accepts=%v (%v), DecodePost accepts=%v (%v)", b, okStd, json.Unmarshal(b, &p), okFast, Decode(b, &vigie.Post{}))
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\n DecodePost   %+v\n encoding/json %+v", b, got, want)
	}
	// DecodeShared gives the same post, and the post it gives shares the line.
	var shared vigie.Post
	errShared := DecodeShared(b, &shared)
	if (errShared == nil) != (Decode(b, &vigie.Post{}) == nil) || okFast && !reflect.DeepEqual(shared, got) {
		t.Fatalf("%q: DecodeShared %+v (%v), Decode %+v", b, shared, errShared, got)
	}
}

// TestSpecial checks the eight-byte scan against a byte-by-byte one: the
// first byte it flags is the first quote, backslash, control or non-ASCII byte.
func TestSpecial(t *testing.T) {
	first := func(b []byte) int {
		for i, c := range b {
			if c == '"' || c == '\\' || c < 0x20 || c >= 0x80 {
				return i
			}
		}
		return 8
	}
	interesting := []byte{0, 1, 0x1f, 0x20, 0x21, '"', '#', '[', '\\', ']', 'a', 0x7f, 0x80, 0x9f, 0xa0, 0xc3, 0xff}
	rng := rand.New(rand.NewPCG(1, 2))
	var b [8]byte
	for n := 0; n < 1_000_000; n++ {
		for i := range b {
			if rng.IntN(4) == 0 {
				b[i] = interesting[rng.IntN(len(interesting))]
			} else {
				b[i] = byte(0x20 + rng.IntN(0x5f))
			}
		}
		m := special(binary.LittleEndian.Uint64(b[:]))
		got := 8
		if m != 0 {
			got = bits.TrailingZeros64(m) >> 3
		}
		if want := first(b[:]); got != want {
			t.Fatalf("%q: special says byte %d, want %d", b, got, want)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkDecode(t, b)
	})
}

func BenchmarkDecode(b *testing.B) {
	line := []byte(decodeSeeds[0])
	b.Run("DecodePost", func(b *testing.B) {
		b.SetBytes(int64(len(line)))
		for b.Loop() {
			var p vigie.Post
			if err := Decode(line, &p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.SetBytes(int64(len(line)))
		for b.Loop() {
			var p vigie.Post
			if err := json.Unmarshal(line, &p); err != nil {
				b.Fatal(err)
			}
		}
	})
}
