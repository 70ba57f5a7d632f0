package mastodon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
)

// Polling.
const (
	// pageLimit is the most statuses Mastodon gives in one page.
	pageLimit = 40
	// maxPages bounds the pages read for one tag in one poll: 200 new
	// statuses per tag between two polls; beyond, the oldest are skipped.
	maxPages = 5
	// overlap is how many of a tag's newest statuses each poll asks for
	// again, to see their edits (and statuses that arrived late with an
	// older id); the cursor keeps their edited_at.
	overlap = 10
)

// Poller is the connector of sources that poll hashtag timelines.
type Poller struct {
	d connector.Deps
}

var _ connector.Runner = (*Poller)(nil)

// NewPoller returns the poller of mastodon sources.
func NewPoller(d connector.Deps) *Poller {
	if d.Client == nil {
		d.Client = http.DefaultClient
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Terms == nil {
		d.Terms = func(context.Context, *vigie.Source) ([]string, error) { return nil, nil }
	}
	return &Poller{d: d}
}

// cursor is a polled source's State.Cursor: per tag, where the next poll
// starts.
type cursor map[string]*tagCursor

// tagCursor is where a tag's next poll starts: the statuses after
// SinceID, among which Recent, the newest seen, with their edited_at (""
// when never edited), so that an edit shows.
type tagCursor struct {
	SinceID string            `json:"since_id,omitempty"`
	Recent  map[string]string `json:"recent,omitempty"`
}

// readCursor reads a source's cursor; one Vigie cannot read (damaged by
// hand) starts again from the newest posts rather than failing the
// source for good.
func readCursor(s string) cursor {
	c := cursor{}
	if s != "" && json.Unmarshal([]byte(s), &c) != nil {
		return cursor{}
	}
	return c
}

// Run polls each tag of the source once: the statuses since its cursor
// (the newest page on a tag's first poll), following the pages down to the
// cursor when a page is full. A status whose edited_at is newer than the
// one seen is an edit. Deletions are not seen while polling.
func (p *Poller) Run(ctx context.Context, src *vigie.Source) (connector.Batch, error) {
	st := src.SourceState
	cfg, err := readConfig(src)
	if err != nil {
		return connector.Batch{State: st}, err
	}
	tags := cfg.tags
	if len(tags) == 0 {
		if tags, err = p.termTags(ctx, src); err != nil {
			return connector.Batch{State: st}, err
		}
	}
	old := readCursor(st.Cursor)
	next := cursor{}
	// Local ids to URIs, for replies to statuses of the same poll.
	uris := map[string]string{}
	var fetched []*status
	var edited []bool
	for _, tag := range tags {
		res, err := p.pollTag(ctx, cfg, tag, old[tag])
		if res.rateLimit != "" {
			st.RateLimit = res.rateLimit
		}
		if rl, ok := connector.RateLimited(err); ok {
			st.RateLimit = "no requests left until " + rl.Until.UTC().Format("15:04 UTC")
		}
		if err != nil {
			return connector.Batch{State: st}, fmt.Errorf("#%s: %w", tag, err)
		}
		next[tag] = res.cursor
		for i, s := range res.statuses {
			if c := s.content(); c.ID != "" && c.postID() != "" {
				uris[c.ID] = c.postID()
			}
			fetched = append(fetched, s)
			edited = append(edited, res.edited[i])
		}
	}
	m := &mapper{host: cfg.host, replyURI: func(id string) string { return uris[id] }}
	var b connector.Batch
	seen := map[string]bool{}
	for i, s := range fetched {
		post, ok := m.post(s)
		if !ok || seen[post.ID] {
			continue
		}
		seen[post.ID] = true
		if edited[i] {
			b.Edits = append(b.Edits, post)
		} else {
			b.Posts = append(b.Posts, post)
		}
	}
	c, err := json.Marshal(next)
	if err != nil {
		return connector.Batch{State: st}, err
	}
	st.Cursor = string(c)
	b.State = st
	return b, nil
}

// termTags are the hashtags of the monitors the source feeds, for a
// source whose settings name none.
func (p *Poller) termTags(ctx context.Context, src *vigie.Source) ([]string, error) {
	terms, err := p.d.Terms(ctx, src)
	if err != nil {
		return nil, fmt.Errorf("reading the monitors' hashtags: %w", err)
	}
	var tags []string
	for _, t := range terms {
		if !strings.HasPrefix(t, "#") {
			continue
		}
		tag, err := normalTag(t)
		if err != nil || tag == "" || slices.Contains(tags, tag) {
			continue
		}
		tags = append(tags, tag)
	}
	switch {
	case len(tags) == 0:
		return nil, fmt.Errorf("%w: nothing to follow: Mastodon is polled by hashtag; set the source's tags (e.g. \"epfl,ethz\"), or add a monitor with a #hashtag to the workspace", vigie.ErrInvalid)
	case len(tags) > MaxTags:
		return nil, fmt.Errorf("%w: the monitors name %d hashtags; a source polls at most %d: set the source's tags to the %d that matter most, or split them over two sources",
			vigie.ErrInvalid, len(tags), MaxTags, MaxTags)
	}
	return tags, nil
}

// tagResult is what one tag's poll brought.
type tagResult struct {
	statuses  []*status
	edited    []bool // statuses[i] is an edit (edited since seen, or first seen edited)
	cursor    *tagCursor
	rateLimit string
}

// pollTag reads a tag's timeline since its cursor.
func (p *Poller) pollTag(ctx context.Context, cfg *config, tag string, tc *tagCursor) (tagResult, error) {
	if tc == nil {
		tc = &tagCursor{}
	}
	var res tagResult
	endpoint := cfg.base.JoinPath("api", "v1", "timelines", "tag", tag)
	var all []*status
	var ids []string
	maxID := ""
	// The newest status known of the tag: with few known (no since_id
	// yet), the pages are read down to it.
	newest := tc.SinceID
	for id := range tc.Recent {
		if newest == "" || compareIDs(id, newest) > 0 {
			newest = id
		}
	}
	for page := 0; page < maxPages; page++ {
		q := url.Values{"limit": {strconv.Itoa(pageLimit)}}
		if tc.SinceID != "" {
			q.Set("since_id", tc.SinceID)
		}
		if maxID != "" {
			q.Set("max_id", maxID)
		}
		u := *endpoint
		u.RawQuery = q.Encode()
		body, h, err := p.get(ctx, cfg, u.String())
		if h != nil {
			if rl := connector.RateLimitState(h, p.d.Now()); rl != "" {
				res.rateLimit = rl
			}
		}
		if err != nil {
			var se *connector.StatusError
			if errors.As(err, &se) && se.Status == http.StatusNotFound && page == 0 {
				// Older versions (and some other servers) answer 404
				// for a hashtag nobody used yet: nothing to read.
				res.cursor = tc
				return res, nil
			}
			return res, err
		}
		sts, pageIDs, bad, err := decodeStatuses(body)
		if err != nil {
			return res, fmt.Errorf("%s: %w", cfg.network(), err)
		}
		if bad > 0 && len(sts) == 0 {
			return res, fmt.Errorf("%s: none of the %d statuses of the answer could be read; the server may not speak Mastodon's API", cfg.network(), bad)
		}
		below := false // the page reaches since_id: a server that ignores it
		for _, s := range sts {
			if tc.SinceID != "" && compareIDs(s.ID, tc.SinceID) <= 0 {
				below = true
				continue
			}
			all = append(all, s)
		}
		ids = append(ids, pageIDs...)
		// The first poll of a tag takes the newest page only; the next
		// follow the pages down to what is known while they are full.
		oldest := oldestID(pageIDs)
		if newest == "" || below || len(pageIDs) < pageLimit || oldest == "" ||
			tc.SinceID == "" && compareIDs(oldest, newest) <= 0 {
			break
		}
		next := nextMaxID(h.Get("Link"))
		if next == "" {
			next = oldest
		}
		if tc.SinceID != "" && compareIDs(next, tc.SinceID) <= 0 || maxID != "" && compareIDs(next, maxID) >= 0 {
			break // at the cursor, or a server that does not go down
		}
		maxID = next
	}
	// New statuses, and those seen that were edited since.
	for _, s := range all {
		was, seen := tc.Recent[s.ID]
		e := s.content().EditedAt
		edited := e != "" && (!seen || editedSince(e, was))
		if seen && !edited {
			continue
		}
		res.statuses = append(res.statuses, s)
		res.edited = append(res.edited, edited)
	}
	res.cursor = advance(tc, all, ids)
	return res, nil
}

// get fetches u, with the token if the source has one.
func (p *Poller) get(ctx context.Context, cfg *config, u string) ([]byte, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", cfg.network(), err)
	}
	req.Header.Set("Accept", "application/json")
	if cfg.token != "" {
		req.Header.Set("Authorization", "Bearer "+cfg.token)
	}
	resp, err := connector.Do(p.d.Client, cfg.network(), req, p.d.Now())
	if err != nil {
		return nil, nil, authHint(err, cfg)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, connector.MaxBody+1))
	if err != nil {
		return nil, resp.Header, fmt.Errorf("%s: reading the answer: %w", cfg.network(), err)
	}
	if len(body) > connector.MaxBody {
		return nil, resp.Header, fmt.Errorf("%s: the answer is over %d MB; not read", cfg.network(), connector.MaxBody>>20)
	}
	return body, resp.Header, nil
}

// authHint says, for a refusal of a source without a token, that the
// instance shows its hashtag timelines to signed-in users only.
func authHint(err error, cfg *config) error {
	var a *connector.AuthError
	if cfg.token != "" || !errors.As(err, &a) {
		return err
	}
	detail := "this instance shows its hashtag timelines to signed-in users only; give the source a token and stream=hashtag to stream the tags instead"
	if a.Detail != "" {
		detail = a.Detail + " — " + detail
	}
	return &connector.AuthError{Network: a.Network, Status: a.Status, Detail: detail}
}

// editedSince reports whether edited is later than was (an edited_at seen
// before; "" when the status had not been edited).
func editedSince(edited, was string) bool {
	if was == "" {
		return true
	}
	t, ok := parseTime(edited)
	w, wok := parseTime(was)
	if !ok || !wok {
		return edited != was
	}
	return t.After(w)
}

// advance is a tag's cursor after a poll: the overlap newest statuses
// known (seen before or now) with their edited_at, and the id below them
// as the next since_id. With fewer known, the next poll reads the newest
// page again.
func advance(tc *tagCursor, fetched []*status, ids []string) *tagCursor {
	edited := map[string]string{}
	for id, e := range tc.Recent {
		edited[id] = e
	}
	for _, id := range ids {
		if _, ok := edited[id]; !ok {
			edited[id] = ""
		}
	}
	for _, s := range fetched {
		if s.ID != "" {
			edited[s.ID] = s.content().EditedAt
		}
	}
	known := make([]string, 0, len(edited))
	for id := range edited {
		if validID(id) {
			known = append(known, id)
		}
	}
	slices.SortFunc(known, func(a, b string) int { return compareIDs(b, a) })
	out := &tagCursor{SinceID: tc.SinceID, Recent: map[string]string{}}
	for i, id := range known {
		if i == overlap {
			out.SinceID = id
			break
		}
		out.Recent[id] = edited[id]
	}
	if len(out.Recent) == 0 {
		out.Recent = nil
	}
	return out
}

// validID reports whether s looks like a status id (Mastodon's are
// digits, GoToSocial's ULIDs, Pleroma's flake ids): short, no spaces.
func validID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// compareIDs orders two status ids of one instance: Mastodon's are
// numbers of varying length (compared as numbers), the others' fixed-length
// strings that sort as written.
func compareIDs(a, b string) int {
	if digits(a) && digits(b) && len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func oldestID(ids []string) string {
	var out string
	for _, id := range ids {
		if validID(id) && (out == "" || compareIDs(id, out) < 0) {
			out = id
		}
	}
	return out
}

// nextMaxID reads the max_id of a Link header's rel="next" address
// (<https://host/api/v1/timelines/tag/x?max_id=1>; rel="next", <…>;
// rel="prev"); only the id is taken, the address is not followed.
func nextMaxID(link string) string {
	for _, part := range strings.Split(link, ",") {
		part = strings.TrimSpace(part)
		end := strings.Index(part, ">")
		if !strings.HasPrefix(part, "<") || end < 0 {
			continue
		}
		next := false
		for _, param := range strings.Split(part[end+1:], ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(param), "=")
			if strings.EqualFold(strings.TrimSpace(k), "rel") && slices.Contains(strings.Fields(strings.Trim(v, `"`)), "next") {
				next = true
			}
		}
		if !next {
			continue
		}
		u, err := url.Parse(part[1:end])
		if err != nil {
			return ""
		}
		if id := u.Query().Get("max_id"); validID(id) {
			return id
		}
	}
	return ""
}
