package vigie

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// accept reports what the pipeline does with a line: decoded and valid.
func acceptStd(b []byte) (Post, bool) {
	var p Post
	if json.Unmarshal(b, &p) != nil || p.Validate() != nil {
		return Post{}, false
	}
	return p, true
}

func acceptFast(b []byte) (Post, bool) {
	var p Post
	if DecodePost(b, &p) != nil || p.Validate() != nil {
		return Post{}, false
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
		var p Post
		t.Fatalf("%q: encoding/json accepts=%v (%v), DecodePost accepts=%v (%v)", b, okStd, json.Unmarshal(b, &p), okFast, DecodePost(b, &Post{}))
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\n DecodePost   %+v\n encoding/json %+v", b, got, want)
	}
}

func FuzzDecodePost(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkDecode(t, b)
	})
}

// TestPostCounts: a negative count is refused naming the field, a huge one
// is clamped to MaxCount, and a text over MaxTextBytes is refused.
func TestPostCounts(t *testing.T) {
	ok := Post{ID: "x", Source: "rss", Text: "t", PublishedAt: time.Date(2026, 11, 20, 10, 4, 5, 0, time.UTC)}
	for _, tc := range []struct {
		field string
		set   func(p *Post)
	}{
		{"metrics.likes", func(p *Post) { p.Metrics.Likes = -1 }},
		{"metrics.reposts", func(p *Post) { p.Metrics.Reposts = -5 }},
		{"metrics.replies", func(p *Post) { p.Metrics.Replies = math.MinInt64 }},
		{"metrics.views", func(p *Post) { p.Metrics.Views = -2 }},
		{"author.followers", func(p *Post) { p.Author.Followers = -1 }},
		{"text", func(p *Post) { p.Text = strings.Repeat("a", MaxTextBytes+1) }},
		{"title", func(p *Post) { p.Title = strings.Repeat("a", MaxTextBytes+1) }},
		{"id", func(p *Post) { p.ID = strings.Repeat("a", MaxIDBytes+1) }},
	} {
		p := ok
		tc.set(&p)
		err := p.Validate()
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `"`+tc.field+`"`) {
			t.Errorf("%s: Validate() = %v, want ErrInvalid naming %q", tc.field, err, tc.field)
		}
	}
	p := ok
	p.Text = strings.Repeat("a", MaxTextBytes)
	if err := p.Validate(); err != nil {
		t.Errorf("text of MaxTextBytes: %v", err)
	}
	p = ok
	p.Metrics = Metrics{Likes: math.MaxInt64, Reposts: MaxCount + 1, Replies: 7, Views: MaxCount}
	p.Author.Followers = math.MaxInt64
	if err := p.Validate(); err != nil {
		t.Fatalf("huge counts: %v", err)
	}
	if !p.ClampCounts() {
		t.Error("ClampCounts reported no change")
	}
	if want := (Metrics{Likes: MaxCount, Reposts: MaxCount, Replies: 7, Views: MaxCount}); p.Metrics != want || p.Author.Followers != MaxCount {
		t.Errorf("clamped to %+v, followers %d; want %+v, %d", p.Metrics, p.Author.Followers, want, int64(MaxCount))
	}
	if p.ClampCounts() {
		t.Error("ClampCounts changed clamped counts")
	}
}

func BenchmarkDecodePost(b *testing.B) {
	line := []byte(decodeSeeds[0])
	b.Run("DecodePost", func(b *testing.B) {
		b.SetBytes(int64(len(line)))
		for b.Loop() {
			var p Post
			if err := DecodePost(line, &p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.SetBytes(int64(len(line)))
		for b.Loop() {
			var p Post
			if err := json.Unmarshal(line, &p); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestPostDate: a post dated more than a day ahead of the clock is
// refused, naming the field, its value and the fix; a few hours ahead is
// clock skew and passes.
func TestPostDate(t *testing.T) {
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		at time.Time
		ok bool
	}{
		{now.Add(-365 * 24 * time.Hour), true},
		{now, true},
		{now.Add(23 * time.Hour), true},
		{now.Add(MaxFuture), true},
		{now.Add(MaxFuture + time.Second), false},
		{time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), false},
		{time.Date(2026, 11, 22, 12, 0, 0, 0, time.FixedZone("", 2*3600)), false},
	} {
		p := Post{ID: "x", Source: "rss", Text: "t", PublishedAt: tc.at}
		err := p.CheckDate(now)
		if tc.ok {
			if err != nil {
				t.Errorf("%s: %v", tc.at, err)
			}
			continue
		}
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `"published_at"`) ||
			!strings.Contains(err.Error(), tc.at.Format(time.RFC3339)) || !strings.Contains(err.Error(), "time zone") {
			t.Errorf("%s: CheckDate = %v, want ErrInvalid naming \"published_at\", the value and the fix", tc.at, err)
		}
	}
}
