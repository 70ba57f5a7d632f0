package youtube

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/rss"
)

func addTestdata(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"items":[{"id":{"kind":"youtube#video","videoId":"a"},"snippet":{"publishedAt":"2026-01-01T00:00:00Z","title":"&lt;b&gt;"}}]}`))
	f.Add([]byte(`{"items":[{"id":"x","snippet":{"topLevelComment":{"id":"c","snippet":{"textDisplay":" ","publishedAt":"9999-12-31T23:59:59Z","likeCount":"-1"}}},"replies":{"comments":[{}]}}]}`))
}

// FuzzDecodeAnswers: any bytes, read as each Data API answer Vigie reads,
// give valid posts or nothing; an error answer gives an error. Never a
// panic.
func FuzzDecodeAnswers(f *testing.F) {
	addTestdata(f)
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	check := func(t *testing.T, p vigie.Post, ok bool) {
		if !ok {
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("invalid post %+v: %v", p, err)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var s searchList
		if json.Unmarshal(data, &s) == nil {
			for _, it := range s.Items {
				p, ok := videoPost(it.ID.VideoID, it.Snippet, true)
				check(t, p, ok)
			}
		}
		var v videoList
		if json.Unmarshal(data, &v) == nil {
			for _, it := range v.Items {
				p, ok := videoPost(it.ID, it.Snippet, false)
				check(t, p, ok)
			}
		}
		var c commentThreadList
		if json.Unmarshal(data, &c) == nil {
			for _, th := range c.Items {
				p, ok := commentPost(th.Snippet.TopLevelComment, th.Snippet.VideoID, th.Snippet.TotalReplyCount)
				check(t, p, ok)
				th.Snippet.TopLevelComment.editedAfter(now)
				for _, r := range th.Replies.Comments {
					p, ok := commentPost(r, th.Snippet.VideoID, 0)
					check(t, p, ok)
				}
			}
		}
		var pl playlistItemList
		if json.Unmarshal(data, &pl) == nil {
			for _, it := range pl.Items {
				sn := it.Snippet.videoSnippet
				sn.PublishedAt = it.ContentDetails.VideoPublishedAt
				p, ok := videoPost(it.ContentDetails.VideoID, sn, false)
				check(t, p, ok)
			}
		}
		for _, code := range []int{400, 403, 404, 429, 500} {
			if refusal(code, nil, data, "x", now) == nil {
				t.Fatalf("HTTP %d gave no error", code)
			}
		}
	})
}

// FuzzFeedPost: any feed the rss parser reads gives YouTube posts that
// validate.
func FuzzFeedPost(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("testdata", "channel_feed.xml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>yt:video:</id><title>t</title><link href="https://www.youtube.com/watch?v=a&amp;v=b"/></entry></feed>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := rss.Parse(data, time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC))
		if err != nil {
			return
		}
		for _, p := range res.Posts {
			if q, ok := feedPost(p, epflCh); ok {
				if err := q.Validate(); err != nil || q.Source != Source {
					t.Fatalf("invalid post %+v: %v", q, err)
				}
			}
		}
	})
}
