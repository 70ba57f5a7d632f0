package youtube

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
	"github.com/vigie-project/vigie/internal/rss"
)

// Without a key, a source reads each channel's public feed,
// https://www.youtube.com/feeds/videos.xml?channel_id=UC…: an Atom feed of
// its latest 15 videos, whose entries carry yt:videoId, yt:channelId and a
// media:group (title, description, thumbnail, views). It is fetched and
// parsed as any feed (package rss, conditional GET), and its items become
// YouTube posts, known by their video id as the API's are.

func (r *Runner) runFeeds(ctx context.Context, cfg *config, cur cursor, st vigie.SourceState) (connector.Batch, error) {
	var b connector.Batch
	out := cursor{Feeds: map[string]mark{}}
	seen := map[string]bool{}
	for _, ch := range cfg.channels {
		m := cur.Feeds[ch]
		res, err := r.feeds.Fetch(ctx, cfg.base+"?channel_id="+url.QueryEscape(ch), vigie.SourceState{ETag: m.ETag, LastModified: m.LastModified})
		if err != nil {
			if ctx.Err() != nil {
				return connector.Batch{State: st}, ctx.Err()
			}
			return connector.Batch{State: st}, feedError(ch, err, r.now())
		}
		out.Feeds[ch] = mark{ETag: res.ETag, LastModified: res.LastModified}
		if res.NotModified {
			continue
		}
		for _, p := range res.Posts {
			if p, ok := feedPost(p, ch); ok && !seen[p.ID] {
				seen[p.ID] = true
				b.Posts = append(b.Posts, p)
			}
		}
	}
	c, _ := json.Marshal(out)
	st.Cursor = string(c)
	st.RateLimit = ""
	b.State = st
	return b, nil
}

// feedError says which channel's feed failed, and what to do when the
// channel is not there.
func feedError(ch string, err error, now time.Time) error {
	var se *rss.StatusError
	if errors.As(err, &se) {
		switch se.Code {
		case http.StatusNotFound, http.StatusGone:
			return errors.New("YouTube: no feed for channel " + ch + " (" + se.Error() + "); check the source's channel_id")
		case http.StatusTooManyRequests:
			return &connector.RateLimitError{Network: "YouTube", Until: now.Add(10 * time.Minute), Detail: "the feed of channel " + ch}
		}
	}
	return errors.New("YouTube: the feed of channel " + ch + ": " + err.Error())
}

// feedPost makes a feed's item a YouTube post: its video id (from the
// watch address, or the entry's "yt:video:…" id), the channel as author.
func feedPost(p vigie.Post, channel string) (vigie.Post, bool) {
	id := ""
	if u, err := url.Parse(p.URL); err == nil {
		id = u.Query().Get("v")
	}
	if id == "" {
		if _, after, ok := strings.Cut(p.ID, "yt:video:"); ok {
			id = after
		}
	}
	if id == "" || len(id) > 64 || strings.ContainsAny(id, "/?#& ") {
		return vigie.Post{}, false
	}
	p.ID, p.Source, p.URL, p.Links = id, Source, watchURL(id), nil
	author := vigie.Author{Name: p.Author.Name, ID: channel}
	if u, err := url.Parse(p.Author.URL); err == nil {
		if c, ok := strings.CutPrefix(u.Path, "/channel/"); ok && validChannelID(strings.Trim(c, "/")) {
			author.ID = strings.Trim(c, "/")
		}
	}
	author.URL = channelURL(author.ID)
	p.Author = author
	return p, p.Validate() == nil
}
