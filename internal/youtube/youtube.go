// Package youtube is the connector of YouTube sources. With a Data API key
// it searches YouTube's newest videos for the source's query (or its
// monitors' terms) and reads its channels' uploads and comment threads,
// counting the project's daily quota as it goes; without a key it reads
// the channels' public feeds (the latest 15 videos each) with package
// rss's parser. It knows nothing of the store: a run takes the source's
// cursor and hands back a batch with the next one.
package youtube

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
	"github.com/vigie-project/vigie/internal/rss"
)

// Source is the vigie.Post source of every post from YouTube.
const Source = string(vigie.SourceYouTube)

// Bounds of one run.
const (
	// maxSearchPages: a search page costs 100 units.
	maxSearchPages = 2
	// maxSearches is how many searches of the monitors' terms a run
	// makes; more groups of terms are searched in turn.
	maxSearches = 2
	// maxSearchLen is the longest search made of terms ("a|b|c").
	maxSearchLen   = 200
	maxListPages   = 3 // of a channel's uploads, at 1 unit a page
	maxThreadPages = 5
	// overlap is how far before the newest video seen a search starts
	// again: YouTube's search index takes a while to show new videos.
	overlap = time.Hour
	// firstLook is how far back a source's first search looks.
	firstLook = 24 * time.Hour
)

func init() {
	connector.Register(vigie.SourceYouTube, connector.Kind{
		Poll:     func(d connector.Deps) connector.Runner { return New(d) },
		Check:    Check,
		Settings: []string{SettingKey, SettingQuery, SettingChannelID, SettingQuota, SettingLang, SettingRegion},
		// A search costs 100 of the 10,000 daily units: every 30 minutes
		// one search is 4,800 units a day, with room for channels.
		Interval: 30 * time.Minute,
	})
}

// Runner polls YouTube sources. It is safe for concurrent use.
type Runner struct {
	client *http.Client
	now    func() time.Time
	terms  func(ctx context.Context, src *vigie.Source) ([]string, error)
	feeds  *rss.Fetcher

	mu   sync.Mutex
	used map[string]dayUnits // quota spent per key (a hash of it) today
}

type dayUnits struct {
	day   string
	units int
}

var _ connector.Runner = (*Runner)(nil)

// New returns a Runner using d's client, clock and terms.
func New(d connector.Deps) *Runner {
	r := &Runner{client: d.Client, now: d.Now, terms: d.Terms, used: map[string]dayUnits{}}
	if r.client == nil {
		r.client = http.DefaultClient
	}
	if r.now == nil {
		r.now = time.Now
	}
	if r.terms == nil {
		r.terms = func(context.Context, *vigie.Source) ([]string, error) { return nil, nil }
	}
	r.feeds = rss.NewFetcher(rss.Options{Client: r.client})
	return r
}

// cursor is a source's resume point and its quota spent today.
type cursor struct {
	Day   string `json:"day,omitempty"` // the quota's day (Pacific date) of Units
	Units int    `json:"units,omitempty"`
	// Searches: per search, the publication time of the newest video
	// found (RFC 3339); Uploads the same per channel.
	Searches map[string]string `json:"searches,omitempty"`
	Uploads  map[string]string `json:"uploads,omitempty"`
	Comments map[string]mark   `json:"comments,omitempty"`
	Feeds    map[string]mark   `json:"feeds,omitempty"`
	// Next is the first group of terms the next run searches.
	Next int `json:"next,omitempty"`
}

type mark struct {
	Newest       string `json:"newest,omitempty"`  // RFC 3339
	Checked      string `json:"checked,omitempty"` // RFC 3339: the last read
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

// Run reads the source: with a key the Data API, without the channels'
// feeds.
func (r *Runner) Run(ctx context.Context, src *vigie.Source) (connector.Batch, error) {
	st := src.SourceState
	cfg, err := configOf(src)
	if err != nil {
		return connector.Batch{State: st}, err
	}
	var cur cursor
	if src.Cursor != "" && json.Unmarshal([]byte(src.Cursor), &cur) != nil {
		cur = cursor{} // damaged: start again (the quota is also counted in memory)
	}
	if cfg.key == "" {
		return r.runFeeds(ctx, &cfg, cur, st)
	}
	return r.runAPI(ctx, src, &cfg, cur, st)
}

// run is one API run's work in progress.
type run struct {
	r      *Runner
	cfg    *config
	now    time.Time
	keyID  string
	day    string
	units  int  // spent today by the key, as far as Vigie knows
	called bool // this run made a call
	batch  connector.Batch
	seen   map[string]bool
	videos map[string]int // video id → its index in batch.Posts
}

func (run *run) afford(cost int) bool { return run.units+cost <= run.cfg.quota }

func (run *run) charge(cost int) {
	run.called = true
	run.units = run.r.spend(run.keyID, run.day, run.units, cost)
}

// exhaust records that Google says the day's quota is spent.
func (run *run) exhaust() {
	if run.units < run.cfg.quota {
		run.units = run.r.spend(run.keyID, run.day, run.cfg.quota, 0)
	}
}

// spend adds cost to what the key has spent today (at least floor, what
// the cursor says) and returns the new total.
func (r *Runner) spend(keyID, day string, floor, cost int) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	u := r.used[keyID]
	if u.day != day {
		u = dayUnits{day: day}
	}
	u.units = max(u.units, floor) + cost
	r.used[keyID] = u
	return u.units
}

func keyID(key string) string {
	sum := sha256.Sum256([]byte("youtube\x00" + key))
	return hex.EncodeToString(sum[:8])
}

func (r *Runner) runAPI(ctx context.Context, src *vigie.Source, cfg *config, cur cursor, st vigie.SourceState) (connector.Batch, error) {
	now := r.now()
	run := &run{r: r, cfg: cfg, now: now, keyID: keyID(cfg.key), day: quotaDay(now), seen: map[string]bool{}, videos: map[string]int{}}
	floor := 0
	if cur.Day == run.day {
		floor = cur.Units
	}
	run.units = r.spend(run.keyID, run.day, floor, 0)
	fail := func(err error) (connector.Batch, error) {
		st.RateLimit = quotaWords(run.units, cfg.quota, now)
		return connector.Batch{State: st}, err
	}
	if !run.afford(costList) {
		return fail(run.quotaError())
	}

	searches, next, err := r.searches(ctx, src, cfg, cur)
	if err != nil {
		return fail(err)
	}
	out := cursor{Day: run.day, Searches: map[string]string{}, Uploads: map[string]string{}, Comments: map[string]mark{}, Next: next}
	for _, q := range searches.all {
		if m, ok := cur.Searches[q]; ok {
			out.Searches[q] = m
		}
	}
	stopped := false
	for _, ch := range cfg.channels {
		if stopped {
			copyMark(out.Uploads, cur.Uploads, ch)
			copyMark(out.Comments, cur.Comments, ch)
			continue
		}
		m, err := run.uploads(ctx, ch, cur.Uploads[ch])
		switch {
		case errors.Is(err, errQuota):
			stopped = true
			copyMark(out.Uploads, cur.Uploads, ch)
			copyMark(out.Comments, cur.Comments, ch)
			continue
		case err != nil:
			return fail(err)
		}
		out.Uploads[ch] = m
		cm, err := run.comments(ctx, ch, cur.Comments[ch])
		var skip *errSkip
		switch {
		case errors.Is(err, errQuota):
			stopped = true
			copyMark(out.Comments, cur.Comments, ch)
		case errors.As(err, &skip): // comments disabled on the channel: nothing to read
			copyMark(out.Comments, cur.Comments, ch)
		case err != nil:
			return fail(err)
		default:
			out.Comments[ch] = cm
		}
	}
	for _, q := range searches.now {
		if stopped {
			break
		}
		m, err := run.search(ctx, q, cur.Searches[q])
		switch {
		case errors.Is(err, errQuota):
			stopped = true
		case err != nil:
			return fail(err)
		}
		if m != "" {
			out.Searches[q] = m
		} else {
			delete(out.Searches, q)
		}
	}
	if err := run.enrich(ctx); err != nil && !errors.Is(err, errQuota) {
		return fail(err)
	}
	if stopped && !run.called {
		return fail(run.quotaError())
	}
	out.Units = run.units
	c, _ := json.Marshal(out)
	st.Cursor = string(c)
	st.RateLimit = quotaWords(run.units, cfg.quota, now)
	run.batch.State = st
	return run.batch, nil
}

func copyMark[M any](dst, src map[string]M, k string) {
	if m, ok := src[k]; ok {
		dst[k] = m
	}
}

// quotaError is the rate limit of a source whose quota cannot pay for the
// next call: wait for the reset.
func (run *run) quotaError() error {
	return &connector.RateLimitError{Network: "YouTube", Until: quotaReset(run.now),
		Detail: quotaWords(run.units, run.cfg.quota, run.now) + " (the source's quota setting, " + thousands(run.cfg.quota) + " units)"}
}

type searchPlan struct {
	now []string // searched this run
	all []string // every search of the source (their cursors are kept)
}

// searches lists the source's searches: its query, else its monitors'
// terms joined with "|" (YouTube's OR), maxSearches a run in turn.
func (r *Runner) searches(ctx context.Context, src *vigie.Source, cfg *config, cur cursor) (searchPlan, int, error) {
	if cfg.query != "" {
		return searchPlan{now: []string{cfg.query}, all: []string{cfg.query}}, 0, nil
	}
	terms, err := r.terms(ctx, src)
	if err != nil {
		return searchPlan{}, 0, errors.New("youtube: reading the monitors' terms: " + err.Error())
	}
	groups := termQueries(terms)
	if len(groups) == 0 {
		if len(cfg.channels) == 0 {
			return searchPlan{}, 0, errors.New("youtube: nothing to follow: give the source a query or channel_id, or give the monitors it feeds words to look for")
		}
		return searchPlan{}, 0, nil
	}
	start := cur.Next % len(groups)
	var plan searchPlan
	for i := range min(maxSearches, len(groups)) {
		plan.now = append(plan.now, groups[(start+i)%len(groups)])
	}
	plan.all = groups
	return plan, (start + maxSearches) % len(groups), nil
}

// termQueries joins monitors' terms into YouTube searches "a|"b c"|#d",
// each at most maxSearchLen bytes; mentions are searched as words.
func termQueries(terms []string) []string {
	var out []string
	cur := ""
	for _, t := range terms {
		t = strings.TrimLeft(strings.TrimSpace(t), "@")
		if t == "" || t == `""` || t == "#" || len(t) > maxSearchLen {
			continue
		}
		switch {
		case cur == "":
			cur = t
		case len(cur)+1+len(t) <= maxSearchLen:
			cur += "|" + t
		default:
			out = append(out, cur)
			cur = t
		}
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
}
