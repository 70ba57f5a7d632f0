package youtube

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
)

// addVideo puts a video in the batch once (enrich completes it).
func (run *run) addVideo(p vigie.Post) {
	if run.seen["v:"+p.ID] {
		return
	}
	run.seen["v:"+p.ID] = true
	run.videos[p.ID] = len(run.batch.Posts)
	run.batch.Posts = append(run.batch.Posts, p)
}

func parseTime(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, s)
	return t, err == nil
}

// search reads the newest videos of a search (search.list, 100 units a
// page) published since the last one found, less an hour (the search
// index lags), and returns the search's next mark. A first search looks
// back a day and reads one page. Cut short by the quota, it keeps its old
// mark: the next run reads the rest.
func (run *run) search(ctx context.Context, q, last string) (string, error) {
	lastT, seen := parseTime(last)
	after := run.now.Add(-firstLook)
	if seen {
		after = lastT.Add(-overlap)
	}
	newest := lastT
	token := ""
	what := fmt.Sprintf("the search for %q", clip(q))
	for page := 0; page < maxSearchPages; page++ {
		params := url.Values{"part": {"snippet"}, "q": {q}, "type": {"video"}, "order": {"date"},
			"publishedAfter": {after.UTC().Format(time.RFC3339)}, "maxResults": {"50"}}
		if run.cfg.lang != "" {
			params.Set("relevanceLanguage", run.cfg.lang)
		}
		if run.cfg.region != "" {
			params.Set("regionCode", run.cfg.region)
		}
		if token != "" {
			params.Set("pageToken", token)
		}
		var res searchList
		if err := run.call(ctx, "search", params, costSearch, what, &res); err != nil {
			return last, err
		}
		reached := false
		for _, it := range res.Items {
			if it.ID.Kind != "" && it.ID.Kind != "youtube#video" {
				continue
			}
			p, ok := videoPost(it.ID.VideoID, it.Snippet, true)
			if !ok {
				continue
			}
			// Videos of the overlap may be stored already: the
			// pipeline drops those; they end the reading.
			reached = reached || seen && !p.PublishedAt.After(lastT)
			if p.PublishedAt.After(newest) {
				newest = p.PublishedAt
			}
			run.addVideo(p)
		}
		token = res.NextPageToken
		if token == "" || reached || !seen || len(res.Items) == 0 {
			break
		}
		// else: all new, more may follow; after maxSearchPages the rest
		// is given up (a search that broad finds more than a run reads).
	}
	if newest.IsZero() {
		return last, nil
	}
	return newest.UTC().Format(time.RFC3339), nil
}

// uploads reads a channel's newest uploads (playlistItems.list of its
// uploads playlist, 1 unit a page) since the last one seen.
func (run *run) uploads(ctx context.Context, channel, last string) (string, error) {
	lastT, seen := parseTime(last)
	newest := lastT
	token := ""
	what := "the uploads of channel " + channel
	for page := 0; page < maxListPages; page++ {
		params := url.Values{"part": {"snippet,contentDetails"}, "playlistId": {"UU" + channel[2:]}, "maxResults": {"50"}}
		if token != "" {
			params.Set("pageToken", token)
		}
		var res playlistItemList
		if err := run.call(ctx, "playlistItems", params, costList, what, &res); err != nil {
			return "", err
		}
		reached := false
		for _, it := range res.Items {
			s := it.Snippet
			id := it.ContentDetails.VideoID
			if id == "" {
				id = s.ResourceID.VideoID
			}
			// A private or deleted video stays in the playlist, without
			// its publication time.
			if it.ContentDetails.VideoPublishedAt == "" {
				continue
			}
			v := s.videoSnippet
			v.PublishedAt = it.ContentDetails.VideoPublishedAt
			if s.VideoOwnerChannelID != "" {
				v.ChannelID, v.ChannelTitle = s.VideoOwnerChannelID, s.VideoOwnerChannelTitle
			}
			p, ok := videoPost(id, v, false)
			if !ok {
				continue
			}
			if seen && !p.PublishedAt.After(lastT) {
				reached = true
				continue
			}
			if p.PublishedAt.After(newest) {
				newest = p.PublishedAt
			}
			run.addVideo(p)
		}
		token = res.NextPageToken
		if token == "" || reached || !seen {
			break
		}
	}
	if newest.IsZero() {
		return last, nil
	}
	return newest.UTC().Format(time.RFC3339), nil
}

// comments reads a channel's newest comment threads (commentThreads.list
// of allThreadsRelatedToChannelId, 1 unit a page): new threads and replies
// are posts, comments edited since the last read are edits.
func (run *run) comments(ctx context.Context, channel string, m mark) (mark, error) {
	newestSeen, seen := parseTime(m.Newest)
	checked, _ := parseTime(m.Checked)
	next := mark{Newest: m.Newest, Checked: run.now.UTC().Format(time.RFC3339)}
	newest := newestSeen
	token := ""
	what := "the comments of channel " + channel
	for page := 0; page < maxThreadPages; page++ {
		params := url.Values{"part": {"snippet,replies"}, "allThreadsRelatedToChannelId": {channel}, "order": {"time"},
			"maxResults": {"100"}, "textFormat": {"plainText"}}
		if token != "" {
			params.Set("pageToken", token)
		}
		var res commentThreadList
		if err := run.call(ctx, "commentThreads", params, costList, what, &res); err != nil {
			return mark{}, err
		}
		reached := false
		for _, th := range res.Items {
			top := th.Snippet.TopLevelComment
			if top.ID == "" {
				top.ID = th.ID
			}
			published, ok := parseTime(top.Snippet.PublishedAt)
			if !ok {
				continue
			}
			old := seen && !published.After(newestSeen)
			reached = reached || old
			if published.After(newest) {
				newest = published
			}
			run.takeComment(top, th.Snippet.VideoID, th.Snippet.TotalReplyCount, old, checked)
			for _, rep := range th.Replies.Comments {
				rp, ok := parseTime(rep.Snippet.PublishedAt)
				run.takeComment(rep, th.Snippet.VideoID, 0, ok && !checked.IsZero() && !rp.After(checked), checked)
			}
		}
		token = res.NextPageToken
		if token == "" || reached || !seen {
			break
		}
	}
	if !newest.IsZero() {
		next.Newest = newest.UTC().Format(time.RFC3339)
	}
	return next, nil
}

// takeComment puts a comment in the batch: new, or an edit of one read
// before.
func (run *run) takeComment(c comment, videoID string, replies count, old bool, checked time.Time) {
	if run.seen["c:"+c.ID] {
		return
	}
	run.seen["c:"+c.ID] = true
	p, ok := commentPost(c, videoID, replies)
	switch {
	case !ok:
	case !old:
		run.batch.Posts = append(run.batch.Posts, p)
	case c.editedAfter(checked):
		run.batch.Edits = append(run.batch.Edits, p)
	}
}

// enrich completes the run's videos with videos.list (1 unit for 50): the
// whole description (a search's is cut), the language, the counts. A video
// gone since (private, deleted) keeps what the search said.
func (run *run) enrich(ctx context.Context) error {
	ids := make([]string, 0, len(run.videos))
	for _, p := range run.batch.Posts {
		if _, ok := run.videos[p.ID]; ok {
			ids = append(ids, p.ID)
		}
	}
	for i := 0; i < len(ids); i += 50 {
		chunk := ids[i:min(i+50, len(ids))]
		var res videoList
		params := url.Values{"part": {"snippet,statistics"}, "id": {strings.Join(chunk, ",")}, "maxResults": {"50"}}
		if err := run.call(ctx, "videos", params, costList, "the details of "+strconv.Itoa(len(chunk))+" videos", &res); err != nil {
			return err
		}
		for _, v := range res.Items {
			at, ok := run.videos[v.ID]
			if !ok {
				continue
			}
			p, ok := videoPost(v.ID, v.Snippet, false)
			if !ok {
				continue
			}
			p.Metrics = vigie.Metrics{Views: int64(v.Statistics.ViewCount), Likes: int64(v.Statistics.LikeCount), Replies: int64(v.Statistics.CommentCount)}
			run.batch.Posts[at] = p
		}
	}
	return nil
}
