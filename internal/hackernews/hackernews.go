// Package hackernews is the connector of Hacker News: it polls the Algolia
// HN Search API (hn.algolia.com/api/v1/search_by_date) for stories and
// comments that hold the source's query, or the terms of the monitors it
// feeds, newest first, from where the last run stopped.
//
// Algolia has no firehose and no event for a deletion or an edit: an item
// deleted or killed ("dead") on Hacker News leaves the index, and an edit
// (possible for two hours) updates it in place. Neither is reported: a
// post already stored keeps its text (docs/sources.md says so).
package hackernews

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
)

// Source is the vigie.Post source of Hacker News posts.
const Source = string(vigie.SourceHackerNews)

// DefaultURL is the address of the HN Search API.
const DefaultURL = "https://hn.algolia.com"

// network names Hacker News in errors and health.
const network = "Hacker News"

// Bounds of one run.
const (
	// hitsPerPage is a page of results; Algolia allows up to 1 000.
	hitsPerPage = 100
	// maxTerms is the number of terms searched per run; more are taken in
	// turn over the next runs.
	maxTerms = 20
	// maxRequestsPerTerm bounds the pages read for one term in a run
	// (3 000 hits: days of all of Hacker News); beyond, the run moves on
	// and the oldest of the backlog is not read.
	maxRequestsPerTerm = 30
	// overlap is how far before the newest item seen a run reads again:
	// Algolia indexes an item some seconds after it is posted, so an item
	// may appear after a newer one was read. Items read twice are known by
	// the ids kept in the cursor.
	overlap = 10 * 60
	// maxSeen bounds the ids kept per term.
	maxSeen = 500
	// maxTermBytes bounds a term (Algolia refuses queries over 512 bytes).
	maxTermBytes = 400
	// rateLimitWait is how long a rate limit without a time lasts.
	rateLimitWait = 10 * time.Minute
)

func init() {
	connector.Register(vigie.SourceHackerNews, connector.Kind{
		Poll:     func(d connector.Deps) connector.Runner { return New(d) },
		Check:    Check,
		Interval: 5 * time.Minute,
	})
}

// Check validates a Hacker News source and completes it: the API's address
// by default (an https address; http only on this machine, for tests), the
// query trimmed.
func Check(src *vigie.Source) error {
	u, err := checkURL(src.URL)
	if err != nil {
		return err
	}
	src.URL = u
	for k, v := range src.Settings {
		switch k {
		case "query":
			v = strings.TrimSpace(v)
			if len(v) > maxTermBytes {
				return fmt.Errorf("%w: the query is %d bytes long; Hacker News search takes at most %d", vigie.ErrInvalid, len(v), maxTermBytes)
			}
			if err := vigie.ValidName("query", v); err != nil {
				return err
			}
			src.Settings[k] = v
		default:
			return fmt.Errorf("%w: unknown setting %q for a Hacker News source (it takes \"query\", or none to search for the monitors' terms)", vigie.ErrInvalid, k)
		}
	}
	return nil
}

// checkURL returns the API's base address in its normal form.
func checkURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return DefaultURL, nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" {
		return "", fmt.Errorf("%w: %q is not the address of the HN Search API; leave it empty for %s", vigie.ErrInvalid, raw, DefaultURL)
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname())) {
		return "", fmt.Errorf("%w: %q: give an https:// address (leave it empty for %s)", vigie.ErrInvalid, raw, DefaultURL)
	}
	u.Path = strings.TrimSuffix(strings.TrimRight(u.Path, "/"), "/api/v1")
	u.Fragment, u.RawFragment, u.RawPath = "", "", ""
	return vigie.NormalSourceURL(strings.TrimRight(u.String(), "/"))
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "::1" || strings.HasPrefix(host, "127.")
}

// Runner polls Hacker News sources.
type Runner struct {
	client *http.Client
	now    func() time.Time
	terms  func(context.Context, *vigie.Source) ([]string, error)
}

var _ connector.Runner = (*Runner)(nil)

// New returns the runner of Hacker News sources.
func New(d connector.Deps) *Runner {
	r := &Runner{client: d.Client, now: d.Now, terms: d.Terms}
	if r.now == nil {
		r.now = time.Now
	}
	if r.terms == nil {
		r.terms = func(context.Context, *vigie.Source) ([]string, error) { return nil, nil }
	}
	return r
}

// cursor is a source's state: per term, the newest item seen and the ids
// of the items read again next time.
type cursor struct {
	Terms map[string]*termState `json:"terms,omitempty"`
	// Next is where the next run starts in the list of terms, when there
	// are more than a run searches.
	Next int `json:"next,omitempty"`
}

type termState struct {
	Last int64            `json:"last"`
	Seen map[string]int64 `json:"seen,omitempty"` // id → created_at_i
}

// Run searches each term for what was posted since the last run.
func (r *Runner) Run(ctx context.Context, src *vigie.Source) (connector.Batch, error) {
	st := src.SourceState
	b := connector.Batch{State: st}
	base := strings.TrimRight(src.URL, "/")
	if base == "" {
		base = DefaultURL
	}
	terms, err := r.searchTerms(ctx, src)
	if err != nil {
		return b, err
	}
	var cur cursor
	if src.Cursor != "" && json.Unmarshal([]byte(src.Cursor), &cur) != nil {
		cur = cursor{} // an unreadable cursor starts afresh rather than failing for ever
	}
	run, next := pick(terms, cur.Next)
	states := map[string]*termState{}
	for _, t := range terms { // terms no monitor holds any more are forgotten
		if s := cur.Terms[t]; s != nil {
			states[t] = s
		}
	}
	requests := 0
	var hdr http.Header
	inBatch := map[string]bool{} // a post found by two terms is sent once
	for _, term := range run {
		posts, s, n, h, err := r.searchTerm(ctx, base, term, states[term])
		requests += n
		if h != nil {
			hdr = h
		}
		if err != nil {
			b.State.RateLimit = rateLimitWords(err, h, r.now())
			return b, fmt.Errorf("searching Hacker News for %q: %w", term, err)
		}
		states[term] = s
		for _, p := range posts {
			if !inBatch[p.ID] {
				inBatch[p.ID] = true
				b.Posts = append(b.Posts, p)
			}
		}
	}
	cur.Terms, cur.Next = states, next
	data, err := json.Marshal(cur)
	if err != nil {
		return b, err
	}
	b.State.Cursor = string(data)
	b.State.RateLimit = connector.RateLimitState(hdr, r.now())
	if b.State.RateLimit == "" {
		b.State.RateLimit = fmt.Sprintf("%d requests this run (the HN Search API allows about 10 000 an hour per address)", requests)
	}
	return b, nil
}

// searchTerms returns the terms to search: the query setting, or the
// monitors' terms as Algolia takes them (without '#' or '@').
func (r *Runner) searchTerms(ctx context.Context, src *vigie.Source) ([]string, error) {
	if q := strings.TrimSpace(src.Settings["query"]); q != "" {
		return []string{q}, nil
	}
	raw, err := r.terms(ctx, src)
	if err != nil {
		return nil, fmt.Errorf("reading the monitors' terms: %w", err)
	}
	var out []string
	seen := map[string]bool{}
	for _, t := range raw {
		t = strings.TrimSpace(strings.TrimLeft(t, "#@"))
		k := strings.ToLower(t)
		if t == "" || len(t) > maxTermBytes || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, t)
	}
	if len(out) == 0 {
		return nil, errors.New("nothing to search on Hacker News: give the source a \"query\", or give the monitors it feeds some words")
	}
	return out, nil
}

// pick returns the terms of this run, at most maxTerms from next on (in
// turn), and where the next run starts.
func pick(terms []string, next int) ([]string, int) {
	if len(terms) <= maxTerms {
		return terms, 0
	}
	if next < 0 || next >= len(terms) {
		next = 0
	}
	out := make([]string, 0, maxTerms)
	for i := range maxTerms {
		out = append(out, terms[(next+i)%len(terms)])
	}
	return out, (next + maxTerms) % len(terms)
}

// searchTerm reads what was posted for term since s (nil: the newest page
// only, on a term's first run), and returns the posts not seen before, the
// term's new state, the number of requests made and the last answer's
// headers.
func (r *Runner) searchTerm(ctx context.Context, base, term string, s *termState) ([]vigie.Post, *termState, int, http.Header, error) {
	first := s == nil
	if first {
		s = &termState{}
	}
	var (
		hits     []hit
		requests int
		hdr      http.Header
		floor    = s.Last - overlap
		upper    int64 // 0: none; else created_at_i <= upper (sliding past the 1 000-hit cap)
	)
	for {
		var oldest int64
		var last searchResponse
		for page := 0; ; page++ {
			if requests >= maxRequestsPerTerm {
				return r.finish(hits, s, requests, hdr, r.now())
			}
			q := url.Values{"query": {term}, "tags": {"(story,comment)"}, "hitsPerPage": {strconv.Itoa(hitsPerPage)}, "page": {strconv.Itoa(page)}}
			if !first {
				f := "created_at_i>" + strconv.FormatInt(floor, 10)
				if upper > 0 {
					f += ",created_at_i<=" + strconv.FormatInt(upper, 10)
				}
				q.Set("numericFilters", f)
			}
			var resp searchResponse
			h, err := r.get(ctx, base+"/api/v1/search_by_date?"+q.Encode(), &resp)
			requests++
			if h != nil {
				hdr = h
			}
			if err != nil {
				return nil, nil, requests, hdr, err
			}
			for _, x := range resp.Hits {
				if t := int64(x.CreatedAtI); t > 0 && (oldest == 0 || t < oldest) {
					oldest = t
				}
			}
			hits = append(hits, resp.Hits...)
			last = resp
			if first || len(resp.Hits) == 0 || page+1 >= int(last.NbPages) {
				break
			}
		}
		// Algolia gives at most about 1 000 hits of a query: when it
		// counts more, read on below the oldest one read.
		capped := int64(last.NbHits) > int64(last.NbPages)*int64(max(last.HitsPerPage, 1))
		if first || !capped || oldest == 0 || upper != 0 && oldest >= upper {
			break
		}
		upper = oldest
	}
	return r.finish(hits, s, requests, hdr, r.now())
}

// finish turns a term's hits into the posts not seen before and the term's
// new state. A term that has found nothing yet starts from now.
func (r *Runner) finish(hits []hit, s *termState, requests int, hdr http.Header, now time.Time) ([]vigie.Post, *termState, int, http.Header, error) {
	next := &termState{Last: s.Last, Seen: map[string]int64{}}
	var posts []vigie.Post
	for _, h := range hits {
		p, ok := h.post()
		if !ok {
			continue
		}
		at := int64(h.CreatedAtI)
		if at == 0 {
			at = p.PublishedAt.Unix()
		}
		if _, seen := s.Seen[p.ID]; seen {
			continue
		}
		if _, dup := next.Seen[p.ID]; dup {
			continue
		}
		next.Seen[p.ID] = at
		next.Last = max(next.Last, at)
		posts = append(posts, p)
	}
	for id, at := range s.Seen {
		if _, ok := next.Seen[id]; !ok {
			next.Seen[id] = at
		}
	}
	if next.Last == 0 {
		next.Last = now.Unix()
	}
	prune(next.Seen, next.Last-overlap, maxSeen)
	return posts, next, requests, hdr, nil
}

// prune keeps the ids seen after floor, at most n of the newest.
func prune(seen map[string]int64, floor int64, n int) {
	for id, at := range seen {
		if at <= floor {
			delete(seen, id)
		}
	}
	if len(seen) <= n {
		return
	}
	type e struct {
		id string
		at int64
	}
	all := make([]e, 0, len(seen))
	for id, at := range seen {
		all = append(all, e{id, at})
	}
	slices.SortFunc(all, func(a, b e) int {
		if a.at != b.at {
			return cmp.Compare(b.at, a.at)
		}
		return strings.Compare(a.id, b.id)
	})
	for _, x := range all[n:] {
		delete(seen, x.id)
	}
}

// get fetches u into v; its headers come back even with a rate limit.
func (r *Runner) get(ctx context.Context, u string, v any) (http.Header, error) {
	now := r.now()
	h, err := connector.GetJSON(ctx, r.client, network, u, nil, now, v)
	if rl, ok := connector.RateLimited(err); ok && connector.RetryAt(h, now).IsZero() {
		// No time given: Algolia counts requests per hour.
		rl.Until = now.Add(rateLimitWait)
	}
	return h, err
}

// rateLimitWords describes a rate limit for the source's health, or
// returns what the last answer's headers say.
func rateLimitWords(err error, h http.Header, now time.Time) string {
	rl, ok := connector.RateLimited(err)
	if !ok {
		return connector.RateLimitState(h, now)
	}
	return fmt.Sprintf("rate limited at %s until %s (the HN Search API allows about 10 000 requests an hour per address)",
		now.UTC().Format("15:04 UTC"), rl.Until.UTC().Format("15:04 UTC"))
}
