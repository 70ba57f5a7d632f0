package vigie

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

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

// TestPostYearZeroInUTC: a date in year 1 at an offset east of UTC is in
// year 0 in UTC, which the store cannot keep: the post is refused alone.
func TestPostYearZeroInUTC(t *testing.T) {
	at, err := time.Parse(time.RFC3339, "0001-01-01T00:30:00+01:00")
	if err != nil {
		t.Fatal(err)
	}
	p := Post{ID: "y0", Source: "webhook", Text: "x", PublishedAt: at}
	if err := p.Validate(); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "year 0") {
		t.Fatalf("validate: %v", err)
	}
}
