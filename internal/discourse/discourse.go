// Package discourse is the connector of Discourse forums: it polls a
// forum's newest posts site-wide (GET /posts.json, paged with "before"),
// or its search for the source's query, newest first (GET /search.json
// with order:latest), from where the last run stopped. Public forums need
// no key; an API key and its user (Api-Key, Api-Username) read what that
// user may read.
//
// Following the newest posts, a run reads again those of the last hour
// before the newest it had seen: a newer "updated_at" is an edit, and a
// post deleted (deleted_at), withdrawn by its author (user_deleted) or
// hidden after flags — or no longer listed where it was, as Discourse
// leaves deleted posts out for most readers — is a deletion. Search
// results are not followed for edits or deletions.
package discourse

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

// Source is the vigie.Post source of Discourse posts.
const Source = string(vigie.SourceDiscourse)

// Bounds of one run, sized for Discourse's default limits per address:
// 200 requests a minute, 50 per 10 seconds (an admin API key: 60 a
// minute).
const (
	pageSize = 50 // posts per page of /posts.json and of a search
	// maxLatestPages and maxSearchPages bound the pages read in a run.
	maxLatestPages = 10
	maxSearchPages = 3
	// maxFullPosts bounds the search results read whole per run
	// (GET /posts/{id}.json); the others keep their excerpt.
	maxFullPosts = 20
	// overlap is how far before the newest post seen a run reads again,
	// for edits and deletions.
	overlap = 3600
	// maxSeen bounds the posts remembered: more than a run reads.
	maxSeen = 600
	// maxQueryBytes bounds a search.
	maxQueryBytes = 400
)

func init() {
	connector.Register(vigie.SourceDiscourse, connector.Kind{
		Poll:     func(d connector.Deps) connector.Runner { return New(d) },
		Check:    Check,
		Interval: 5 * time.Minute,
	})
}

// Check validates a Discourse source and completes it: the forum's
// address is required (https; http only on this machine, for tests);
// "query" is a Discourse search; "api_key" and "api_username" go together.
func Check(src *vigie.Source) error {
	u, err := checkURL(src.URL)
	if err != nil {
		return err
	}
	src.URL = u
	for k, v := range src.Settings {
		v = strings.TrimSpace(v)
		switch k {
		case "query":
			if len(v) > maxQueryBytes {
				return fmt.Errorf("%w: the query is %d bytes long; at most %d", vigie.ErrInvalid, len(v), maxQueryBytes)
			}
			if err := vigie.ValidName("query", v); err != nil {
				return err
			}
		case "api_key":
			if strings.ContainsFunc(v, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
				return fmt.Errorf("%w: the API key holds spaces or control characters; paste it again as the forum shows it", vigie.ErrInvalid)
			}
		case "api_username":
			if err := vigie.ValidName("API username", v); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%w: unknown setting %q for a Discourse source (it takes \"query\", \"api_key\" and \"api_username\")", vigie.ErrInvalid, k)
		}
		src.Settings[k] = v
	}
	if (src.Settings["api_key"] == "") != (src.Settings["api_username"] == "") {
		return fmt.Errorf("%w: an API key needs its user: give both \"api_key\" and \"api_username\" (the user the key acts as, e.g. system), or neither for a public forum", vigie.ErrInvalid)
	}
	return nil
}

func checkURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", fmt.Errorf("%w: give the address of the Discourse forum, e.g. https://meta.discourse.org", vigie.ErrInvalid)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" {
		return "", fmt.Errorf("%w: %q is not the address of a Discourse forum; give it as https://forum.example.org", vigie.ErrInvalid, raw)
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname())) {
		return "", fmt.Errorf("%w: %q: give the forum's https:// address", vigie.ErrInvalid, raw)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.Fragment, u.RawFragment, u.RawPath = "", "", ""
	return vigie.NormalSourceURL(strings.TrimRight(u.String(), "/"))
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "::1" || strings.HasPrefix(host, "127.")
}

// Runner polls Discourse sources.
type Runner struct {
	client *http.Client
	now    func() time.Time
}

var _ connector.Runner = (*Runner)(nil)

// New returns the runner of Discourse sources.
func New(d connector.Deps) *Runner {
	r := &Runner{client: d.Client, now: d.Now}
	if r.now == nil {
		r.now = time.Now
	}
	return r
}

// cursor is a source's state.
type cursor struct {
	// Mode is what the cursor follows: "latest", or "search:" and the
	// query; another starts afresh.
	Mode string `json:"mode"`
	// Last is the id of the newest post seen, LastAt its date.
	Last   int64 `json:"last"`
	LastAt int64 `json:"last_at,omitempty"`
	// Seen are the posts read again next time (latest only): id →
	// [created, updated]; updated -1: gone.
	Seen map[string][2]int64 `json:"seen,omitempty"`
}

const gone = -1

// call is one run's requests.
type call struct {
	r        *Runner
	network  string
	header   http.Header
	requests int
	hdr      http.Header // of the last answer
	status   int         // of the last answer
}

// Run reads what the forum has published since the last run.
func (r *Runner) Run(ctx context.Context, src *vigie.Source) (connector.Batch, error) {
	b := connector.Batch{State: src.SourceState}
	base := strings.TrimRight(src.URL, "/")
	if base == "" {
		return b, errors.New("the Discourse source has no forum address; give one, e.g. https://meta.discourse.org")
	}
	c := &call{r: r, network: "Discourse"}
	if u, err := url.Parse(base); err == nil && u.Host != "" {
		c.network = "Discourse (" + u.Host + ")"
	}
	if key := src.Settings["api_key"]; key != "" {
		c.header = http.Header{"Api-Key": {key}, "Api-Username": {src.Settings["api_username"]}}
	}
	query := strings.TrimSpace(src.Settings["query"])
	mode := "latest"
	if query != "" {
		mode = "search:" + query
	}
	var cur cursor
	if src.Cursor != "" && json.Unmarshal([]byte(src.Cursor), &cur) != nil || cur.Mode != mode {
		cur = cursor{Mode: mode}
	}
	f := forum{base: base}
	var err error
	if query == "" {
		cur, err = c.latest(ctx, f, cur, &b)
	} else {
		cur, err = c.search(ctx, f, query, cur, &b)
	}
	if err != nil {
		b.Posts, b.Edits, b.Deletes = nil, nil, nil
		b.State.RateLimit = c.rateLimitWords(err)
		return b, err
	}
	data, err := json.Marshal(cur)
	if err != nil {
		return b, err
	}
	b.State.Cursor = string(data)
	b.State.RateLimit = c.rateLimitWords(nil)
	return b, nil
}

// latest reads /posts.json from the newest post down to the hour before
// the newest seen (the newest page only on a first run), and compares it
// with what was seen.
func (c *call) latest(ctx context.Context, f forum, cur cursor, b *connector.Batch) (cursor, error) {
	first := cur.Last == 0
	var (
		items  []item
		before int64 // 0: from the newest
		// covered is the lowest id down to which the pages read list every
		// post: the lowest listed. A short page is not taken as the forum's
		// end (Discourse before 2020 listed a window of 50 ids, fewer posts
		// when some were private), so posts below it are never judged gone.
		covered int64 = 1<<63 - 1
	)
	for page := 1; ; page++ {
		u := f.base + "/posts.json"
		if before > 0 {
			u += "?before=" + strconv.FormatInt(before, 10)
		}
		var resp latestResponse
		if err := c.get(ctx, u, &resp); err != nil {
			return cur, fmt.Errorf("reading the forum's newest posts: %w", err)
		}
		lowest, oldest := int64(0), int64(0)
		for i := range resp.LatestPosts {
			p := &resp.LatestPosts[i]
			if id := int64(p.ID); id > 0 && (lowest == 0 || id < lowest) {
				lowest = id
			}
			if it, ok := f.item(p); ok {
				items = append(items, it)
				if oldest == 0 || it.created < oldest {
					oldest = it.created
				}
			}
		}
		if lowest == 0 {
			break // nothing (more) listed
		}
		covered = lowest
		if first || page >= maxLatestPages || lowest <= 1 || lowest <= cur.Last && oldest <= cur.LastAt-overlap {
			break
		}
		before = lowest - 1
	}
	return c.merge(f, cur, items, covered, b), nil
}

// merge compares the posts listed with those seen: new posts, edits (a
// newer updated_at, or a post back after a deletion), deletions (flags, or
// a post seen before that is no longer listed where it was, above
// covered).
func (c *call) merge(f forum, cur cursor, items []item, covered int64, b *connector.Batch) cursor {
	next := cursor{Mode: cur.Mode, Last: cur.Last, LastAt: cur.LastAt, Seen: make(map[string][2]int64, len(cur.Seen)+len(items))}
	for k, v := range cur.Seen {
		next.Seen[k] = v
	}
	listed := map[string]bool{}
	for _, it := range items {
		key := strconv.FormatInt(it.id, 10)
		if listed[key] {
			continue
		}
		listed[key] = true
		if it.id > next.Last {
			next.Last, next.LastAt = it.id, it.created
		}
		prev, known := cur.Seen[key]
		switch {
		case it.gone:
			next.Seen[key] = [2]int64{it.created, gone}
			if !known || prev[1] != gone {
				b.Deletes = append(b.Deletes, connector.Deletion{Kind: Source, ID: it.post.ID})
			}
			continue
		case !known:
			b.Posts = append(b.Posts, it.post) // new, or read for the first time
		case prev[1] == gone || it.updated > prev[1]:
			b.Edits = append(b.Edits, it.post)
		}
		next.Seen[key] = [2]int64{it.created, it.updated}
	}
	for key, v := range cur.Seen {
		id, _ := strconv.ParseInt(key, 10, 64)
		if !listed[key] && v[1] != gone && id > covered {
			b.Deletes = append(b.Deletes, connector.Deletion{Kind: Source, ID: f.PostID(id)})
			next.Seen[key] = [2]int64{v[0], gone}
		}
	}
	pruneSeen(next.Seen, maxSeen)
	return next
}

// pruneSeen keeps the n newest posts (by id).
func pruneSeen(seen map[string][2]int64, n int) {
	if len(seen) <= n {
		return
	}
	keys := make([]int64, 0, len(seen))
	for k := range seen {
		id, _ := strconv.ParseInt(k, 10, 64)
		keys = append(keys, id)
	}
	slices.SortFunc(keys, func(a, b int64) int { return cmp.Compare(b, a) })
	for _, id := range keys[n:] {
		delete(seen, strconv.FormatInt(id, 10))
	}
}

// search reads the query's newest results down to the newest post seen
// (the newest page only on a first run), and reads the new ones whole.
func (c *call) search(ctx context.Context, f forum, query string, cur cursor, b *connector.Batch) (cursor, error) {
	first := cur.Last == 0
	q := query
	if !strings.Contains(q, "order:") {
		q += " order:latest"
	}
	var items []item
	seen := map[int64]bool{}
	for page := 1; ; page++ {
		v := url.Values{"q": {q}}
		if page > 1 {
			v.Set("page", strconv.Itoa(page))
		}
		var resp searchResponse
		if err := c.get(ctx, f.base+"/search.json?"+v.Encode(), &resp); err != nil {
			return cur, fmt.Errorf("searching the forum for %q: %w", query, err)
		}
		if e := strings.TrimSpace(string(resp.Result.Error)); e != "" {
			return cur, fmt.Errorf("searching the forum for %q: Discourse says %q; change the source's query", query, e)
		}
		topics := map[int64]*searchTopic{}
		for i := range resp.Topics {
			topics[int64(resp.Topics[i].ID)] = &resp.Topics[i]
		}
		older := false
		for i := range resp.Posts {
			it, ok := f.searchItem(&resp.Posts[i], topics)
			if !ok {
				continue
			}
			if it.id <= cur.Last {
				older = true
				continue
			}
			if !seen[it.id] {
				seen[it.id] = true
				items = append(items, it)
			}
		}
		if first || older || !resp.more() || len(resp.Posts) < pageSize || page >= maxSearchPages {
			break
		}
	}
	slices.SortFunc(items, func(a, b item) int { return cmp.Compare(b.id, a.id) })
	next := cursor{Mode: cur.Mode, Last: cur.Last, LastAt: cur.LastAt}
	for i := range items {
		it := &items[i]
		if it.id > next.Last {
			next.Last, next.LastAt = it.id, it.created
		}
		if i >= maxFullPosts {
			b.Posts = append(b.Posts, it.post) // the excerpt
			continue
		}
		var p postJSON
		err := c.get(ctx, f.base+"/posts/"+strconv.FormatInt(it.id, 10)+".json", &p)
		switch {
		case err != nil && (c.status == http.StatusNotFound || c.status == http.StatusGone || c.status == http.StatusForbidden):
			continue // deleted, or out of reach, since the search
		case err != nil:
			return cur, fmt.Errorf("reading post %d: %w", it.id, err)
		}
		if full, ok := f.item(&p); ok && full.id == it.id && !full.gone {
			if full.post.Title == "" {
				full.post.Title = it.post.Title // /posts/{id}.json has no topic title
			}
			b.Posts = append(b.Posts, full.post)
		}
	}
	return next, nil
}

// get fetches u into v with the source's API key, if any.
func (c *call) get(ctx context.Context, u string, v any) error {
	c.requests++
	h, err := connector.GetJSON(ctx, c.r.client, c.network, u, c.header, c.r.now(), v)
	c.hdr, c.status = h, connector.StatusOf(err)
	if err == nil {
		c.status = http.StatusOK
	}
	return err
}

// rateLimitWords describes the forum's limits for the source's health: a
// rate limit met (with Discourse's error code), or the run's requests.
func (c *call) rateLimitWords(err error) string {
	now := c.r.now()
	if s := connector.RateLimitState(c.hdr, now); s != "" {
		return s
	}
	const limits = "Discourse allows 200 requests a minute and 50 per 10 s per address by default, 60 a minute with an admin API key"
	if rl, ok := connector.RateLimited(err); ok {
		code := ""
		if v := strings.TrimSpace(c.hdr.Get("Discourse-Rate-Limit-Error-Code")); v != "" {
			code = ", " + v
		}
		return fmt.Sprintf("rate limited at %s until %s (%s%s)", now.UTC().Format("15:04:05 UTC"), rl.Until.UTC().Format("15:04:05 UTC"), limits, code)
	}
	return fmt.Sprintf("%d requests this run; %s", c.requests, limits)
}
