package youtube

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
)

// The Data API v3's answers, as far as Vigie reads them
// [developers.google.com/youtube/v3/docs: search, videos, playlistItems,
// commentThreads, comments]. Counts are JSON strings in "statistics" and
// numbers in comments; search results' titles and descriptions are
// HTML-escaped ("&#39;"), the other resources' are not.

type searchList struct {
	NextPageToken string `json:"nextPageToken"`
	Items         []struct {
		ID struct {
			Kind    string `json:"kind"`
			VideoID string `json:"videoId"`
		} `json:"id"`
		Snippet videoSnippet `json:"snippet"`
	} `json:"items"`
}

type videoSnippet struct {
	PublishedAt          string `json:"publishedAt"`
	ChannelID            string `json:"channelId"`
	ChannelTitle         string `json:"channelTitle"`
	Title                string `json:"title"`
	Description          string `json:"description"`
	DefaultLanguage      string `json:"defaultLanguage"`
	DefaultAudioLanguage string `json:"defaultAudioLanguage"`
}

type videoList struct {
	Items []struct {
		ID         string       `json:"id"`
		Snippet    videoSnippet `json:"snippet"`
		Statistics struct {
			ViewCount    count `json:"viewCount"`
			LikeCount    count `json:"likeCount"`
			CommentCount count `json:"commentCount"`
		} `json:"statistics"`
	} `json:"items"`
}

type playlistItemList struct {
	NextPageToken string `json:"nextPageToken"`
	Items         []struct {
		Snippet struct {
			videoSnippet
			ResourceID struct {
				VideoID string `json:"videoId"`
			} `json:"resourceId"`
			VideoOwnerChannelID    string `json:"videoOwnerChannelId"`
			VideoOwnerChannelTitle string `json:"videoOwnerChannelTitle"`
		} `json:"snippet"`
		ContentDetails struct {
			VideoID          string `json:"videoId"`
			VideoPublishedAt string `json:"videoPublishedAt"`
		} `json:"contentDetails"`
	} `json:"items"`
}

type commentThreadList struct {
	NextPageToken string `json:"nextPageToken"`
	Items         []struct {
		ID      string `json:"id"`
		Snippet struct {
			VideoID         string  `json:"videoId"`
			TopLevelComment comment `json:"topLevelComment"`
			TotalReplyCount count   `json:"totalReplyCount"`
		} `json:"snippet"`
		Replies struct {
			Comments []comment `json:"comments"`
		} `json:"replies"`
	} `json:"items"`
}

type comment struct {
	ID      string `json:"id"`
	Snippet struct {
		VideoID           string `json:"videoId"`
		TextDisplay       string `json:"textDisplay"`
		TextOriginal      string `json:"textOriginal"`
		ParentID          string `json:"parentId"`
		AuthorDisplayName string `json:"authorDisplayName"`
		AuthorChannelURL  string `json:"authorChannelUrl"`
		AuthorChannelID   struct {
			Value string `json:"value"`
		} `json:"authorChannelId"`
		LikeCount   count  `json:"likeCount"`
		PublishedAt string `json:"publishedAt"`
		UpdatedAt   string `json:"updatedAt"`
	} `json:"snippet"`
}

// count reads a count given as a JSON number or a string ("1234"); absent,
// null, negative or unreadable counts are 0.
type count int64

func (c *count) UnmarshalJSON(b []byte) error {
	*c = 0
	s := string(bytes.Trim(bytes.TrimSpace(b), `"`))
	if f, err := strconv.ParseFloat(s, 64); err == nil && f > 0 && !math.IsInf(f, 0) {
		*c = count(min(f, vigie.MaxCount))
	}
	return nil
}

// apiError is Google's error answer: {"error": {"code": 403, "message":
// "…", "errors": [{"reason": "quotaExceeded", "domain": "youtube.quota"}],
// "status": "…", "details": [{"@type": "…ErrorInfo", "reason":
// "API_KEY_INVALID"}]}}.
type apiError struct {
	Error struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Status  string `json:"status"`
		Errors  []struct {
			Reason string `json:"reason"`
		} `json:"errors"`
		Details []struct {
			Reason string `json:"reason"`
		} `json:"details"`
	} `json:"error"`
}

// errSkip is an answer that concerns one channel only (comments disabled):
// the channel's part is skipped, the run goes on.
type errSkip struct{ msg string }

func (e *errSkip) Error() string { return e.msg }

// refusal turns a Data API answer that is not 2xx into an error: the quota
// a rate limit until it resets, a refused key an AuthError, the rest an
// error saying what YouTube said.
func refusal(code int, h http.Header, body []byte, what string, now time.Time) error {
	var e apiError
	_ = json.Unmarshal(body, &e)
	reasons := map[string]bool{}
	for _, r := range e.Error.Errors {
		reasons[r.Reason] = true
	}
	for _, d := range e.Error.Details {
		reasons[d.Reason] = true
	}
	msg := strings.TrimSpace(e.Error.Message)
	if i := strings.Index(msg, "<a "); i >= 0 { // "…your <a href=…>quota</a>."
		msg = strings.TrimSpace(stripTags(msg))
	}
	msg = clip(msg)
	has := func(rs ...string) bool {
		for _, r := range rs {
			if reasons[r] {
				return true
			}
		}
		return false
	}
	lower := strings.ToLower(msg)
	switch {
	case has("quotaExceeded", "dailyLimitExceeded", "dailyLimitExceededUnreg"):
		return &connector.RateLimitError{Network: "YouTube", Until: quotaReset(now), Detail: "the project's daily quota is used up"}
	case code == http.StatusTooManyRequests || has("rateLimitExceeded", "userRateLimitExceeded", "RATE_LIMIT_EXCEEDED"):
		until := connector.RetryAt(h, now)
		if !until.After(now) {
			until = now.Add(time.Minute)
		}
		return &connector.RateLimitError{Network: "YouTube", Until: until, Detail: "too many requests"}
	case has("keyInvalid", "keyExpired", "API_KEY_INVALID", "API_KEY_EXPIRED", "API_KEY_SERVICE_BLOCKED", "API_KEY_HTTP_REFERRER_BLOCKED", "API_KEY_IP_ADDRESS_BLOCKED",
		"ipRefererBlocked", "accessNotConfigured", "SERVICE_DISABLED", "forbidden") ||
		strings.Contains(lower, "api key not valid") || strings.Contains(lower, "api key expired") || code == http.StatusUnauthorized:
		if has("accessNotConfigured", "SERVICE_DISABLED") {
			msg = "the YouTube Data API v3 is not enabled for the key's project (Google Cloud console: APIs & Services → Library)"
		}
		return &connector.AuthError{Network: "YouTube", Status: code, Detail: msg}
	case has("commentsDisabled"):
		return &errSkip{msg: "comments are disabled on " + what}
	case code == http.StatusNotFound || has("channelNotFound", "playlistNotFound", "videoNotFound"):
		return fmt.Errorf("YouTube: %s was not found (HTTP %d); check the source's channel_id", what, code)
	case code == http.StatusForbidden:
		return &connector.AuthError{Network: "YouTube", Status: code, Detail: msg}
	}
	out := fmt.Sprintf("YouTube answered HTTP %d to %s", code, what)
	if msg != "" {
		out += ": " + msg
	}
	return errors.New(out)
}

func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func clip(s string) string {
	if r := []rune(s); len(r) > 160 {
		return string(r[:160]) + "…"
	}
	return s
}

// call makes one Data API request of cost units, charged before it is
// made (Google charges failed requests too), and decodes its answer into
// v. what names it in errors ("the search for …").
func (run *run) call(ctx context.Context, endpoint string, params url.Values, cost int, what string, v any) error {
	if !run.afford(cost) {
		return errQuota
	}
	run.charge(cost)
	params.Set("key", run.cfg.key)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, run.cfg.base+"/"+endpoint+"?"+params.Encode(), nil)
	if err != nil {
		return fmt.Errorf("YouTube: %s: the address is not valid", what)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", connector.UserAgent)
	resp, err := run.r.client.Do(req)
	if err != nil {
		return transportError(ctx, what, err)
	}
	defer resp.Body.Close()
	body, rerr := io.ReadAll(io.LimitReader(resp.Body, connector.MaxBody+1))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		err := refusal(resp.StatusCode, resp.Header, body, what, run.now)
		if rl, ok := connector.RateLimited(err); ok && rl.Until.Equal(quotaReset(run.now)) {
			run.exhaust() // Google says the day's quota is spent
		}
		return err
	}
	if rerr != nil {
		return transportError(ctx, what, rerr)
	}
	if len(body) > connector.MaxBody {
		return fmt.Errorf("YouTube: %s: the answer is over %d MB; not read", what, connector.MaxBody>>20)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("YouTube: %s: the answer is not the JSON expected (%v); the API may have changed", what, err)
	}
	return nil
}

// errQuota stops a run before a call the source's quota cannot pay.
var errQuota = errors.New("youtube: quota reached")

// transportError is a failed request in plain words, without its address
// (which holds the key).
func transportError(ctx context.Context, what string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("YouTube: %s: %v", what, err)
}

// Web addresses of what Vigie stores.
const web = "https://www.youtube.com"

func watchURL(videoID string) string { return web + "/watch?v=" + url.QueryEscape(videoID) }

func channelURL(channelID string) string {
	if channelID == "" {
		return ""
	}
	return web + "/channel/" + url.PathEscape(channelID)
}

// videoPost maps a video's snippet (and statistics, if read) to a post;
// ok is false without an id, a date or any text.
func videoPost(id string, s videoSnippet, escaped bool) (vigie.Post, bool) {
	published, err := time.Parse(time.RFC3339, s.PublishedAt)
	id = strings.TrimSpace(id)
	if err != nil || id == "" || len(id) > 64 {
		return vigie.Post{}, false
	}
	title, text := strings.TrimSpace(s.Title), strings.TrimSpace(s.Description)
	if escaped {
		title, text = html.UnescapeString(title), html.UnescapeString(text)
	}
	p := vigie.Post{
		ID: id, Source: Source, URL: watchURL(id), PublishedAt: published.UTC(),
		Title: title, Text: text, Lang: lang(s.DefaultAudioLanguage, s.DefaultLanguage),
		Author: vigie.Author{ID: s.ChannelID, Name: strings.TrimSpace(s.ChannelTitle), URL: channelURL(s.ChannelID)},
	}
	if p.Title == "" && p.Text == "" {
		return vigie.Post{}, false
	}
	return p, true
}

// lang is the first of the languages YouTube gives that is one: "fr" for
// "fr-CA"; "zxx" (no speech) and "und" are none.
func lang(tags ...string) string {
	for _, t := range tags {
		base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(t)), "-")
		if (len(base) == 2 || len(base) == 3) && letters(base) && base != "zxx" && base != "und" && base != "mul" {
			return base
		}
	}
	return ""
}

// commentPost maps a comment to a post: a reply to its parent comment, a
// top-level comment to its video.
func commentPost(c comment, videoID string, replies count) (vigie.Post, bool) {
	s := c.Snippet
	published, err := time.Parse(time.RFC3339, s.PublishedAt)
	if err != nil || c.ID == "" || len(c.ID) > 128 {
		return vigie.Post{}, false
	}
	if s.VideoID != "" {
		videoID = s.VideoID
	}
	text := strings.TrimSpace(s.TextOriginal)
	if text == "" {
		text = strings.TrimSpace(s.TextDisplay)
	}
	if text == "" {
		return vigie.Post{}, false
	}
	p := vigie.Post{
		ID: c.ID, Source: Source, PublishedAt: published.UTC(), Text: text,
		Author:  vigie.Author{ID: s.AuthorChannelID.Value, Name: strings.TrimSpace(s.AuthorDisplayName), URL: httpURL(s.AuthorChannelURL)},
		ReplyTo: s.ParentID,
		Metrics: vigie.Metrics{Likes: int64(s.LikeCount), Replies: int64(replies)},
	}
	if strings.HasPrefix(p.Author.Name, "@") {
		p.Author.Handle = p.Author.Name
	}
	if videoID != "" {
		p.URL = watchURL(videoID) + "&lc=" + url.QueryEscape(c.ID)
		if p.ReplyTo == "" {
			p.ReplyTo = videoID
		}
	}
	return p, true
}

func httpURL(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}

// edited reports whether a comment was edited after t.
func (c comment) editedAfter(t time.Time) bool {
	u, err := time.Parse(time.RFC3339, c.Snippet.UpdatedAt)
	p, err2 := time.Parse(time.RFC3339, c.Snippet.PublishedAt)
	return err == nil && err2 == nil && u.After(p) && u.After(t)
}
