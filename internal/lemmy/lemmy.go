// Package lemmy is the connector of Lemmy instances (API v3, Lemmy 0.19):
// it searches an instance for the source's query or the terms of the
// monitors it feeds (GET /api/v3/search, posts and comments, newest first),
// or follows a community (GET /api/v3/post/list and /api/v3/comment/list).
// An instance holds the communities it federates with, so a large instance
// hears much of the network.
//
// Edits are seen as a newer "updated" time, deletions and removals as the
// "deleted" and "removed" flags, for the items a run reads again: those of
// the last hour before the newest it had seen (an item that reaches the
// instance late, by federation, is read then too). Lemmy leaves deleted and
// removed posts out of its lists for visitors without an account, so a
// followed community's post that is no longer listed where it was is taken
// as deleted too.
package lemmy

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
)

// Source is the vigie.Post source of Lemmy posts and comments.
const Source = string(vigie.SourceLemmy)

// Bounds of one run, sized for Lemmy's default limits per address: 60
// searches per 600 s, 180 other requests per 60 s.
const (
	limit = 50 // items per page (Lemmy allows up to 50)
	// maxTerms is the number of monitor terms searched per run; more are
	// taken in turn over the next runs.
	maxTerms = 10
	// maxSearchPages and maxListPages bound the pages read per search term
	// and per community list in a run.
	maxSearchPages = 3
	maxListPages   = 5
	// overlap is how far before the newest item seen a run reads again,
	// for late federation, edits and deletions.
	overlap = 3600
	// maxSeen bounds the items remembered per feed: more than a run reads.
	maxSeen = 300
	// maxQueryBytes bounds a query.
	maxQueryBytes = 400
	// rateLimitWait is how long a rate limit lasts when the instance says
	// nothing (Lemmy sends no Retry-After): its search bucket refills in
	// 600 s by default.
	rateLimitWait = 10 * time.Minute
	// languagesTTL is how long an instance's list of languages is kept.
	languagesTTL = 24 * time.Hour
)

func init() {
	connector.Register(vigie.SourceLemmy, connector.Kind{
		Poll:     func(d connector.Deps) connector.Runner { return New(d) },
		Check:    Check,
		Interval: 10 * time.Minute,
	})
}

var communityName = regexp.MustCompile(`^[a-z0-9_]{1,255}(@[a-z0-9.-]+(:[0-9]+)?)?$`)

// Check validates a Lemmy source and completes it: the instance's address
// is required (https; http only on this machine, for tests), "community"
// is a community's name ("technology", "!technology@lemmy.world"), "query"
// a search.
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
		case "community":
			v = strings.ToLower(strings.TrimPrefix(v, "!"))
			if v != "" && !communityName.MatchString(v) {
				return fmt.Errorf("%w: %q is not a Lemmy community's name; give it as on its page, e.g. \"technology\" or \"technology@lemmy.world\"", vigie.ErrInvalid, src.Settings[k])
			}
		default:
			return fmt.Errorf("%w: unknown setting %q for a Lemmy source (it takes \"community\" and \"query\", or none to search for the monitors' terms)", vigie.ErrInvalid, k)
		}
		src.Settings[k] = v
	}
	return nil
}

func checkURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", fmt.Errorf("%w: give the address of the Lemmy instance to listen on, e.g. https://lemmy.world", vigie.ErrInvalid)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" {
		return "", fmt.Errorf("%w: %q is not the address of a Lemmy instance; give it as https://lemmy.world", vigie.ErrInvalid, raw)
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname())) {
		return "", fmt.Errorf("%w: %q: give the instance's https:// address", vigie.ErrInvalid, raw)
	}
	u.Path = strings.TrimSuffix(strings.TrimRight(u.Path, "/"), "/api/v3")
	u.Fragment, u.RawFragment, u.RawPath = "", "", ""
	return vigie.NormalSourceURL(strings.TrimRight(u.String(), "/"))
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "::1" || strings.HasPrefix(host, "127.")
}

// Runner polls Lemmy sources. It is safe for concurrent use.
type Runner struct {
	client *http.Client
	now    func() time.Time
	terms  func(context.Context, *vigie.Source) ([]string, error)

	mu    sync.Mutex
	sites map[string]*site // by instance address
}

// site is what an instance's /api/v3/site says.
type site struct {
	at          time.Time
	langs       map[int64]string
	search, per int64 // its search limit: search requests per per seconds
}

var _ connector.Runner = (*Runner)(nil)

// New returns the runner of Lemmy sources.
func New(d connector.Deps) *Runner {
	r := &Runner{client: d.Client, now: d.Now, terms: d.Terms, sites: map[string]*site{}}
	if r.now == nil {
		r.now = time.Now
	}
	if r.terms == nil {
		r.terms = func(context.Context, *vigie.Source) ([]string, error) { return nil, nil }
	}
	return r
}

// feed is what a source reads: a search, or a community's posts or
// comments.
type feed struct {
	key       string // in the cursor
	kind      feedKind
	query     string
	community string
}

type feedKind int

const (
	feedSearch feedKind = iota
	feedPosts
	feedComments
)

// cursor is a source's state: per feed, the newest item seen and the
// items of the last hour (published, updated) to tell edits and deletions.
type cursor struct {
	Feeds map[string]*feedState `json:"feeds,omitempty"`
	Next  int                   `json:"next,omitempty"` // the first term of the next run
}

type feedState struct {
	Last int64               `json:"last"`
	Seen map[string][2]int64 `json:"seen,omitempty"` // ap_id → [published, updated]; updated -1: gone
}

const gone = -1

// run is what one run gathers.
type run struct {
	b        *connector.Batch
	inBatch  map[string]bool
	entries  []*entry // the run's new and edited posts, for their language
	searches int
	others   int
	hdr      http.Header
}

// Run reads each feed of the source from where the last run stopped.
func (r *Runner) Run(ctx context.Context, src *vigie.Source) (connector.Batch, error) {
	b := connector.Batch{State: src.SourceState}
	base := strings.TrimRight(src.URL, "/")
	if base == "" {
		return b, errors.New("the Lemmy source has no instance address; give one, e.g. https://lemmy.world")
	}
	network := "Lemmy"
	if u, err := url.Parse(base); err == nil && u.Host != "" {
		network = "Lemmy (" + u.Host + ")"
	}
	all, terms, err := r.feedList(ctx, src)
	if err != nil {
		return b, err
	}
	var cur cursor
	if src.Cursor != "" && json.Unmarshal([]byte(src.Cursor), &cur) != nil {
		cur = cursor{} // an unreadable cursor starts afresh rather than failing for ever
	}
	feeds, next := all, 0
	if terms {
		feeds, next = pick(all, cur.Next)
	}
	states := map[string]*feedState{} // feeds no longer followed are forgotten
	for _, f := range all {
		if s := cur.Feeds[f.key]; s != nil {
			states[f.key] = s
		}
	}
	rn := &run{b: &b, inBatch: map[string]bool{}}
	for _, f := range feeds {
		s, err := r.readFeed(ctx, network, base, f, states[f.key], rn)
		if err != nil {
			b.Posts, b.Edits, b.Deletes = nil, nil, nil
			b.State.RateLimit = r.rateLimitWords(err, base, rn)
			return b, fmt.Errorf("%s: %w", f.describe(), err)
		}
		states[f.key] = s
	}
	r.setLanguages(ctx, network, base, rn)
	cur.Feeds, cur.Next = states, next
	data, err := json.Marshal(cur)
	if err != nil {
		return b, err
	}
	b.State.Cursor = string(data)
	b.State.RateLimit = r.rateLimitWords(nil, base, rn)
	return b, nil
}

func (f feed) describe() string {
	switch f.kind {
	case feedPosts:
		return fmt.Sprintf("reading the posts of community %q", f.community)
	case feedComments:
		return fmt.Sprintf("reading the comments of community %q", f.community)
	}
	return fmt.Sprintf("searching Lemmy for %q", f.query)
}

// pick returns the feeds of this run, at most maxTerms from next on (in
// turn), and where the next run starts.
func pick(all []feed, next int) ([]feed, int) {
	if len(all) <= maxTerms {
		return all, 0
	}
	if next < 0 || next >= len(all) {
		next = 0
	}
	out := make([]feed, 0, maxTerms)
	for i := range maxTerms {
		out = append(out, all[(next+i)%len(all)])
	}
	return out, (next + maxTerms) % len(all)
}

// feedList returns every feed of the source, and whether they are the
// monitors' terms.
func (r *Runner) feedList(ctx context.Context, src *vigie.Source) ([]feed, bool, error) {
	q := strings.TrimSpace(src.Settings["query"])
	c := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(src.Settings["community"]), "!"))
	switch {
	case q != "":
		return []feed{{key: "search:" + q + "|" + c, kind: feedSearch, query: q, community: c}}, false, nil
	case c != "":
		return []feed{{key: "posts:" + c, kind: feedPosts, community: c}, {key: "comments:" + c, kind: feedComments, community: c}}, false, nil
	}
	raw, err := r.terms(ctx, src)
	if err != nil {
		return nil, false, fmt.Errorf("reading the monitors' terms: %w", err)
	}
	var out []feed
	seen := map[string]bool{}
	for _, t := range raw {
		// Lemmy searches for the words in order (spaces match anything):
		// no quotes, no '#' or '@'.
		t = strings.Join(strings.Fields(strings.Trim(strings.TrimLeft(strings.TrimSpace(t), "#@"), `"`)), " ")
		k := strings.ToLower(t)
		if t == "" || len(t) > maxQueryBytes || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, feed{key: "search:" + t + "|", kind: feedSearch, query: t})
	}
	if len(out) == 0 {
		return nil, true, errors.New("nothing to search on Lemmy: give the source a \"query\" or a \"community\", or give the monitors it feeds some words")
	}
	return out, true, nil
}

// readFeed reads f's newest items down to the last hour before what s saw
// (s nil: the newest page only), adds the new, edited and deleted ones to
// the run, and returns the feed's new state.
func (r *Runner) readFeed(ctx context.Context, network, base string, f feed, s *feedState, rn *run) (*feedState, error) {
	first := s == nil
	if first {
		s = &feedState{}
	}
	floor := s.Last - overlap
	var (
		entries []entry
		// covered is the oldest date down to which the pages read list
		// every item: the oldest listed on the last page (a short page is
		// taken as covering no further: older items are not judged gone).
		covered  = int64(1 << 62)
		pageCur  string
		maxPages = maxListPages
	)
	if f.kind == feedSearch {
		maxPages = maxSearchPages
	}
	for page := 1; ; page++ {
		q := url.Values{"sort": {"New"}, "limit": {strconv.Itoa(limit)}}
		var path string
		var got []list // each list of the answer, newest first
		switch f.kind {
		case feedSearch:
			path = "/api/v3/search"
			q.Set("q", f.query)
			q.Set("type_", "All")
			q.Set("listing_type", "All")
			q.Set("page", strconv.Itoa(page))
			if f.community != "" {
				q.Set("community_name", f.community)
			}
			var resp searchResponse
			if err := r.get(ctx, network, base+path+"?"+q.Encode(), &resp, rn, true); err != nil {
				return nil, err
			}
			got = []list{{postEntries(resp.Posts), len(resp.Posts)}, {commentEntries(resp.Comments), len(resp.Comments)}}
		case feedPosts:
			path = "/api/v3/post/list"
			q.Set("type_", "All")
			q.Set("community_name", f.community)
			if pageCur != "" {
				q.Set("page_cursor", pageCur)
			} else {
				q.Set("page", strconv.Itoa(page))
			}
			var resp postsResponse
			if err := r.get(ctx, network, base+path+"?"+q.Encode(), &resp, rn, false); err != nil {
				return nil, err
			}
			got = []list{{postEntries(resp.Posts), len(resp.Posts)}}
			pageCur = string(resp.NextPage)
		case feedComments:
			path = "/api/v3/comment/list"
			q.Set("type_", "All")
			q.Set("community_name", f.community)
			q.Set("page", strconv.Itoa(page))
			var resp commentsResponse
			if err := r.get(ctx, network, base+path+"?"+q.Encode(), &resp, rn, false); err != nil {
				return nil, err
			}
			got = []list{{commentEntries(resp.Comments), len(resp.Comments)}}
		}
		more := false
		covered = 1 << 62
		for _, l := range got {
			entries = append(entries, l.entries...)
			oldest := int64(1 << 62) // of the items in date order (not pinned)
			for _, e := range l.entries {
				if !e.featured {
					oldest = min(oldest, e.published)
				}
			}
			if oldest < 1<<62 {
				covered = oldest
			}
			// A full list still newer than the window's start: read on.
			more = more || l.n >= limit && oldest > floor
		}
		if first || !more || page >= maxPages {
			break
		}
	}
	return r.merge(f, s, entries, covered, rn), nil
}

// list is one list of an answer: the entries read from its n items.
type list struct {
	entries []entry
	n       int
}

func postEntries(vs []postView) []entry {
	out := make([]entry, 0, len(vs))
	for i := range vs {
		if e, ok := vs[i].entry(); ok {
			out = append(out, e)
		}
	}
	return out
}

func commentEntries(vs []commentView) []entry {
	out := make([]entry, 0, len(vs))
	for i := range vs {
		if e, ok := vs[i].entry(); ok {
			out = append(out, e)
		}
	}
	return out
}

// merge compares what a feed listed with what it had seen: new items are
// posts, newer "updated" times (or items back after a deletion) edits,
// deleted or removed items deletions — and, in a community's list of
// posts, items seen before that are no longer listed where they were
// (those dated after covered). It returns the feed's new state.
func (r *Runner) merge(f feed, s *feedState, entries []entry, covered int64, rn *run) *feedState {
	next := &feedState{Last: s.Last, Seen: make(map[string][2]int64, len(s.Seen)+len(entries))}
	for id, v := range s.Seen {
		next.Seen[id] = v
	}
	listed := map[string]bool{}
	for i := range entries {
		e := &entries[i]
		id := e.post.ID
		if listed[id] {
			continue
		}
		listed[id] = true
		prev, known := s.Seen[id]
		next.Last = max(next.Last, e.published)
		switch {
		case e.gone:
			next.Seen[id] = [2]int64{e.published, gone}
			if !known || prev[1] != gone {
				rn.delete(id)
			}
			continue
		case !known:
			rn.add(&rn.b.Posts, e)
		case prev[1] == gone || e.updated > prev[1]:
			rn.add(&rn.b.Edits, e)
		}
		next.Seen[id] = [2]int64{e.published, e.updated}
	}
	if f.kind == feedPosts {
		for id, v := range s.Seen {
			if !listed[id] && v[1] != gone && v[0] > covered {
				rn.delete(id)
				next.Seen[id] = [2]int64{v[0], gone}
			}
		}
	}
	if next.Last == 0 {
		next.Last = r.now().Unix() // nothing yet: start from now
	}
	prune(next.Seen, maxSeen)
	return next
}

func (rn *run) add(to *[]vigie.Post, e *entry) {
	if rn.inBatch[e.post.ID] {
		return
	}
	rn.inBatch[e.post.ID] = true
	*to = append(*to, e.post)
	if e.langID > 0 {
		rn.entries = append(rn.entries, &entry{post: vigie.Post{ID: e.post.ID}, langID: e.langID})
	}
}

func (rn *run) delete(id string) {
	if rn.inBatch["-"+id] {
		return
	}
	rn.inBatch["-"+id] = true
	rn.b.Deletes = append(rn.b.Deletes, connector.Deletion{Kind: Source, ID: id})
}

// prune keeps the n newest items.
func prune(seen map[string][2]int64, n int) {
	if len(seen) <= n {
		return
	}
	type e struct {
		id string
		at int64
	}
	all := make([]e, 0, len(seen))
	for id, v := range seen {
		all = append(all, e{id, v[0]})
	}
	slices.SortFunc(all, func(a, b e) int {
		if c := cmp.Compare(b.at, a.at); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	for _, x := range all[n:] {
		delete(seen, x.id)
	}
}

// setLanguages sets the language of the run's posts from the instance's
// list (its ids are its own), read once a day; without it posts have none.
func (r *Runner) setLanguages(ctx context.Context, network, base string, rn *run) {
	if len(rn.entries) == 0 {
		return
	}
	st := r.site(ctx, network, base, rn)
	if st == nil {
		return
	}
	lang := map[string]string{}
	for _, e := range rn.entries {
		if code := st.langs[e.langID]; code != "" {
			lang[e.post.ID] = code
		}
	}
	for _, list := range [][]vigie.Post{rn.b.Posts, rn.b.Edits} {
		for i := range list {
			list[i].Lang = lang[list[i].ID]
		}
	}
}

// site returns what the instance's /api/v3/site says, read at most once a
// day (and at most once a run when it fails); nil if unknown.
func (r *Runner) site(ctx context.Context, network, base string, rn *run) *site {
	now := r.now()
	r.mu.Lock()
	st := r.sites[base]
	r.mu.Unlock()
	if st != nil && now.Sub(st.at) < languagesTTL {
		return st
	}
	var resp siteResponse
	if err := r.get(ctx, network, base+"/api/v3/site", &resp, rn, false); err != nil {
		return st // an older list, if any; the next run tries again
	}
	st = &site{at: now, langs: map[int64]string{}, search: int64(resp.SiteView.RateLimit.Search), per: int64(resp.SiteView.RateLimit.SearchPerSecond)}
	for _, l := range resp.AllLanguages {
		code := strings.ToLower(strings.TrimSpace(string(l.Code)))
		if code != "" && code != "und" && len(code) <= 8 {
			st.langs[int64(l.ID)] = code
		}
	}
	r.mu.Lock()
	r.sites[base] = st
	r.mu.Unlock()
	return st
}

// get fetches u into v, counting the request; with a rate limit and no
// time given, it waits rateLimitWait.
func (r *Runner) get(ctx context.Context, network, u string, v any, rn *run, search bool) error {
	if search {
		rn.searches++
	} else {
		rn.others++
	}
	now := r.now()
	h, err := connector.GetJSON(ctx, r.client, network, u, nil, now, v)
	rn.hdr = h
	if rl, ok := connector.RateLimited(err); ok && connector.RetryAt(h, now).IsZero() {
		rl.Until = now.Add(rateLimitWait)
	}
	return err
}

// rateLimitWords describes the instance's limits for the source's health:
// a rate limit met, or the run's requests against the instance's search
// limit (from /api/v3/site when read, else Lemmy's default).
func (r *Runner) rateLimitWords(err error, base string, rn *run) string {
	now := r.now()
	if s := connector.RateLimitState(rn.hdr, now); s != "" {
		return s
	}
	allows := "Lemmy allows 60 searches per 600 s per address by default"
	r.mu.Lock()
	if st := r.sites[base]; st != nil && st.search > 0 && st.per > 0 {
		allows = fmt.Sprintf("the instance allows %d searches per %d s per address", st.search, st.per)
	}
	r.mu.Unlock()
	if rl, ok := connector.RateLimited(err); ok {
		return fmt.Sprintf("rate limited at %s until %s (%s)", now.UTC().Format("15:04 UTC"), rl.Until.UTC().Format("15:04 UTC"), allows)
	}
	return fmt.Sprintf("%d searches and %d other requests this run; %s", rn.searches, rn.others, allows)
}
