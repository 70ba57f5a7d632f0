// Package reddit is the connector of Reddit sources: it polls subreddits'
// newest submissions and comments, and Reddit's search for the source's
// query or its monitors' terms, with the app-only OAuth API when the source
// has an app's credentials and the public JSON listings when it has none.
// It knows nothing of the store: a run takes the source's cursor (the
// newest item seen per listing) and hands back a batch with the next one.
package reddit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
)

// Source is the vigie.Post source of every post from Reddit.
const Source = string(vigie.SourceReddit)

// Limits of one run.
const (
	// pageSize is Reddit's largest page.
	pageSize = 100
	// maxPages bounds the pages read of one listing in one run: Reddit's
	// listings stop at about 1,000 items anyway.
	maxPages = 10
	// maxSearches bounds the searches of one run when the source follows
	// its monitors' terms; more groups of terms are taken in turn.
	maxSearches = 10
	// maxSearchLen is the longest query made of monitors' terms ("a OR
	// b OR …"); Reddit takes 512 bytes.
	maxSearchLen = 256
)

func init() {
	connector.Register(vigie.SourceReddit, connector.Kind{
		Poll:     func(d connector.Deps) connector.Runner { return New(d) },
		Check:    Check,
		Settings: []string{SettingClientID, SettingClientSecret, SettingSubreddits, SettingQuery, SettingUserAgent, SettingUsername, SettingAuthURL},
		// With an app's credentials Reddit allows 100 requests a minute,
		// without 10; a run makes one to a dozen.
		Interval: 5 * time.Minute,
	})
}

// Runner polls Reddit sources. It is safe for concurrent use.
type Runner struct {
	client *http.Client
	now    func() time.Time
	terms  func(ctx context.Context, src *vigie.Source) ([]string, error)

	mu     sync.Mutex
	tokens map[string]token
}

var _ connector.Runner = (*Runner)(nil)

// New returns a Runner using d's client, clock and terms.
func New(d connector.Deps) *Runner {
	r := &Runner{client: d.Client, now: d.Now, terms: d.Terms}
	if r.client == nil {
		r.client = http.DefaultClient
	}
	if r.now == nil {
		r.now = time.Now
	}
	if r.terms == nil {
		r.terms = func(context.Context, *vigie.Source) ([]string, error) { return nil, nil }
	}
	return r
}

// cursor is a source's resume point: per listing, the newest item seen and
// when it was last read.
type cursor struct {
	Listings map[string]mark `json:"listings,omitempty"`
	// Next is the first group of terms the next run searches, when there
	// are more than a run searches.
	Next int `json:"next,omitempty"`
}

type mark struct {
	Newest  string  `json:"newest,omitempty"`  // fullname of the newest item
	Created float64 `json:"created,omitempty"` // its created_utc
	Checked int64   `json:"checked,omitempty"` // Unix time of the last read
}

// listing is one Reddit listing a run reads.
type listing struct {
	key    string // its identity in the cursor
	path   string // "/r/a+b/new", "/search"
	params url.Values
	what   string // for error messages: "r/epfl", "the search for …"
}

// Run reads the source's listings since its cursor.
func (r *Runner) Run(ctx context.Context, src *vigie.Source) (connector.Batch, error) {
	st := src.SourceState
	cfg, err := configOf(src)
	if err != nil {
		return connector.Batch{State: st}, err
	}
	var cur cursor
	if src.Cursor != "" && json.Unmarshal([]byte(src.Cursor), &cur) != nil {
		cur = cursor{} // not ours, or damaged: start again from the newest
	}
	plan, keep, next, err := r.plan(ctx, src, &cfg, cur)
	if err != nil {
		return connector.Batch{State: st}, err
	}

	now := r.now()
	run := &run{r: r, cfg: &cfg, now: now, seen: map[string]bool{}}
	out := cursor{Listings: map[string]mark{}, Next: next}
	for _, k := range keep {
		if m, ok := cur.Listings[k]; ok {
			out.Listings[k] = m
		}
	}
	for _, l := range plan {
		m, err := run.follow(ctx, l, cur.Listings[l.key])
		if err != nil {
			st.RateLimit = run.rateWords()
			return connector.Batch{State: st}, err
		}
		out.Listings[l.key] = m
	}
	c, _ := json.Marshal(out)
	st.Cursor = string(c)
	st.RateLimit = run.rateWords()
	run.batch.State = st
	return run.batch, nil
}

// plan lists what the source follows: its subreddits' newest submissions
// and comments, a search for its query, else searches for its monitors'
// terms (at most maxSearches a run, in turn). keep are the cursor keys of
// every listing of the source, read this run or not.
func (r *Runner) plan(ctx context.Context, src *vigie.Source, cfg *config, cur cursor) (plan []listing, keep []string, next int, err error) {
	for i := 0; i < len(cfg.subs); i += subredditsPerURL {
		group := cfg.subs[i:min(i+subredditsPerURL, len(cfg.subs))]
		joined := strings.Join(group, "+")
		what := "r/" + joined
		if len(group) > 3 {
			what = fmt.Sprintf("r/%s and %d other subreddits", group[0], len(group)-1)
		}
		for _, feed := range []string{"new", "comments"} {
			p := "/r/" + joined + "/" + feed
			plan = append(plan, listing{key: p, path: p, params: url.Values{}, what: what})
		}
	}
	search := func(q string) listing {
		return listing{key: "/search?q=" + q, path: "/search", params: url.Values{"q": {q}, "sort": {"new"}, "t": {"day"}},
			what: fmt.Sprintf("the search for %q", clip(q))}
	}
	if cfg.query != "" {
		plan = append(plan, search(cfg.query))
	}
	if len(plan) > 0 {
		for _, l := range plan {
			keep = append(keep, l.key)
		}
		return plan, keep, 0, nil
	}

	terms, err := r.terms(ctx, src)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("reddit: reading the monitors' terms: %w", err)
	}
	groups := termQueries(terms)
	if len(groups) == 0 {
		return nil, nil, 0, fmt.Errorf("reddit: nothing to follow: give the source subreddits or a query, or give the monitors it feeds words to look for")
	}
	start := cur.Next % len(groups)
	for i := 0; i < min(maxSearches, len(groups)); i++ {
		plan = append(plan, search(groups[(start+i)%len(groups)]))
	}
	for _, g := range groups {
		keep = append(keep, search(g).key)
	}
	return plan, keep, (start + maxSearches) % len(groups), nil
}

// termQueries joins monitors' terms into Reddit searches: "a OR "b c" OR
// d", each at most maxSearchLen bytes. Hashtags and mentions are searched
// as words (Reddit's search has neither).
func termQueries(terms []string) []string {
	var out []string
	cur := ""
	for _, t := range terms {
		t = strings.TrimLeft(strings.TrimSpace(t), "#@")
		if t == "" || t == `""` || len(t) > maxSearchLen {
			continue
		}
		switch {
		case cur == "":
			cur = t
		case len(cur)+len(" OR ")+len(t) <= maxSearchLen:
			cur += " OR " + t
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

// run is one run's work in progress.
type run struct {
	r     *Runner
	cfg   *config
	now   time.Time
	seen  map[string]bool
	batch connector.Batch
	last  http.Header // the last answer's headers (rate limit)
}

// follow reads a listing from the newest item back to the one the cursor
// names (or maxPages), and returns the listing's next mark. A first read
// takes one page: no history.
func (run *run) follow(ctx context.Context, l listing, m mark) (mark, error) {
	next := mark{Newest: m.Newest, Created: m.Created, Checked: run.now.Unix()}
	after := ""
	for page := 0; page < maxPages; page++ {
		params := url.Values{}
		for k, v := range l.params {
			params[k] = v
		}
		params.Set("limit", strconv.Itoa(pageSize))
		params.Set("raw_json", "1")
		if after != "" {
			params.Set("after", after)
			params.Set("count", strconv.Itoa(page*pageSize))
		}
		lst, err := run.get(ctx, l, params)
		if err != nil {
			return mark{}, err
		}
		reached := false
		for i := range lst.Items {
			it := &lst.Items[i]
			if c := float64(it.Created); c > next.Created || next.Newest == "" {
				next.Newest, next.Created = it.Name, c
			}
			old := m.Newest != "" && (it.Name == m.Newest || float64(it.Created) < m.Created)
			reached = reached || old
			run.take(it, old, m)
		}
		if reached || m.Newest == "" || lst.After == "" || len(lst.Items) == 0 {
			break
		}
		after = lst.After
	}
	return next, nil
}

// take sorts an item into the batch: a deletion, an edit of a post seen
// before, or a post.
func (run *run) take(it *Item, old bool, m mark) {
	if run.seen[it.Name] {
		return
	}
	run.seen[it.Name] = true
	if it.Deleted() {
		run.batch.Deletes = append(run.batch.Deletes, connector.Deletion{Kind: Source, ID: it.Name})
		return
	}
	p, ok := it.Post()
	if !ok {
		return
	}
	switch {
	case !old:
		run.batch.Posts = append(run.batch.Posts, p)
	case m.Checked > 0 && it.EditedAfter(float64(m.Checked)):
		run.batch.Edits = append(run.batch.Edits, p)
	}
}

// get fetches one page of a listing, with a new token if the API refused
// the one it had (expired or revoked early).
func (run *run) get(ctx context.Context, l listing, params url.Values) (Listing, error) {
	lst, refused, err := run.getOnce(ctx, l, params)
	if refused {
		run.r.forget(run.cfg)
		lst, _, err = run.getOnce(ctx, l, params)
	}
	return lst, err
}

// getOnce fetches one page; refused says the API refused the token.
func (run *run) getOnce(ctx context.Context, l listing, params url.Values) (lst Listing, refused bool, err error) {
	if rem, ok := remaining(run.last); ok && rem < 1 {
		if until := connector.RetryAt(run.last, run.now); until.After(run.now) {
			return Listing{}, false, &connector.RateLimitError{Network: "Reddit", Until: until, Detail: "no requests left in this window"}
		}
	}
	path := l.path
	if !run.cfg.oauth {
		path += ".json"
	}
	u := run.cfg.api + path + "?" + params.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return Listing{}, false, fmt.Errorf("Reddit: %s: %w", l.what, err)
	}
	req.Header.Set("User-Agent", run.cfg.ua)
	req.Header.Set("Accept", "application/json")
	if run.cfg.oauth {
		tok, err := run.r.token(ctx, run.cfg)
		if err != nil {
			return Listing{}, false, err
		}
		req.Header.Set("Authorization", "bearer "+tok)
	}
	resp, err := run.r.client.Do(req)
	if err != nil {
		return Listing{}, false, transportError(ctx, "reading "+l.what, err)
	}
	defer resp.Body.Close()
	run.last = resp.Header
	body, err := io.ReadAll(io.LimitReader(resp.Body, connector.MaxBody+1))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		err := run.refusal(resp, body, l)
		return Listing{}, run.cfg.oauth && resp.StatusCode == http.StatusUnauthorized, err
	}
	if err != nil {
		return Listing{}, false, transportError(ctx, "reading "+l.what, err)
	}
	if len(body) > connector.MaxBody {
		return Listing{}, false, fmt.Errorf("Reddit: %s: the answer is over %d MB; not read", l.what, connector.MaxBody>>20)
	}
	if strings.Contains(resp.Request.URL.Path, "/subreddits/search") {
		return Listing{}, false, fmt.Errorf("Reddit: %s: no such subreddit (Reddit sent a search for it instead); check the source's subreddits", l.what)
	}
	lst, err = DecodeListing(body)
	if err != nil {
		return Listing{}, false, fmt.Errorf("Reddit: %s: %w", l.what, err)
	}
	return lst, false, nil
}

// refusal turns an answer that is not 2xx into an error that says what
// happened and what to do.
func (run *run) refusal(resp *http.Response, body []byte, l listing) error {
	var e struct {
		Reason  string `json:"reason"`
		Message string `json:"message"`
		Error   any    `json:"error"`
	}
	_ = json.Unmarshal(bytes.TrimSpace(body[:min(len(body), 1<<16)]), &e)
	code := resp.StatusCode
	switch {
	case code == http.StatusTooManyRequests:
		return rateLimited(resp.Header, run.now, "too many requests")
	case code == http.StatusForbidden && e.Reason != "" || code == http.StatusNotFound:
		why := map[string]string{"private": "is private", "quarantined": "is quarantined", "gated": "is gated (age or content warning)", "banned": "is banned"}[e.Reason]
		if why == "" {
			why = "was not found"
			if e.Reason != "" {
				why = "cannot be read (" + clip(e.Reason) + ")"
			}
		}
		return fmt.Errorf("Reddit: %s %s (HTTP %d); remove it from the source's subreddits", l.what, why, code)
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		detail := clip(e.Message)
		if !run.cfg.oauth {
			detail = strings.TrimSpace(detail + " (without credentials Reddit may block a server; give the source an app's client_id and client_secret)")
		}
		return &connector.AuthError{Network: "Reddit", Status: code, Detail: detail}
	}
	msg := fmt.Sprintf("Reddit answered HTTP %d to %s", code, l.what)
	if e.Message != "" {
		msg += ": " + clip(e.Message)
	}
	return fmt.Errorf("%s", msg)
}

// rateLimited is a 429: wait until the window Reddit gives (its
// X-Ratelimit-Reset is seconds from now), else a minute.
func rateLimited(h http.Header, now time.Time, detail string) error {
	until := connector.RetryAt(h, now)
	if !until.After(now) {
		until = now.Add(time.Minute)
	}
	return &connector.RateLimitError{Network: "Reddit", Until: until, Detail: detail}
}

func remaining(h http.Header) (float64, bool) {
	v := strings.TrimSpace(h.Get("X-Ratelimit-Remaining"))
	if v == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(v, 64)
	return f, err == nil
}

// rateWords says the rate limit in plain words for the source's health.
func (run *run) rateWords() string {
	if s := connector.RateLimitState(run.last, run.now); s != "" {
		return s
	}
	if !run.cfg.oauth {
		return "public listings without credentials: about 10 requests a minute"
	}
	return ""
}
