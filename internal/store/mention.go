package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/match"
	"github.com/vigie-project/vigie/internal/query"
	"github.com/vigie-project/vigie/internal/text"
)

// Page sizes of FindMentions.
const (
	DefaultMentionLimit = 50
	MaxMentionLimit     = 500
)

// key orders mentions: newest first by (published_at, post id).
type key struct {
	at time.Time
	id int64
}

func (k key) before(c key) bool {
	return k.at.Before(c.at) || k.at.Equal(c.at) && k.id < c.id
}

func (k key) cursor() string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(k.at.UnixMicro(), 10) + "." + strconv.FormatInt(k.id, 10)))
}

func parseCursor(c string) (key, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		micros, id, ok := strings.Cut(string(b), ".")
		us, err1 := strconv.ParseInt(micros, 10, 64)
		n, err2 := strconv.ParseInt(id, 10, 64)
		at := time.UnixMicro(us).UTC()
		if ok && err1 == nil && err2 == nil && at.Year() >= 1 && at.Year() <= 9999 {
			return key{at, n}, nil
		}
	}
	return key{}, fmt.Errorf("%w: bad cursor %q", vigie.ErrInvalid, c)
}

// selection is the FROM and WHERE of a mention listing.
type selection struct {
	from       string
	joinPosts  string // joins posts (as p) when the FROM is mentions
	where      []string
	args       []any
	keyAt, kID string // the key columns, by which the FROM is best walked
	onPosts    bool   // a condition reads posts
	// unindexed is the selection before the full-text index narrowed it
	// to its matches.
	unindexed *selection
}

// clone returns a copy of sel that conditions can be added to.
func (sel *selection) clone() *selection {
	c := *sel
	c.where, c.args = slices.Clone(sel.where), slices.Clone(sel.args)
	return &c
}

func (sel *selection) and(cond string, args ...any) {
	sel.where = append(sel.where, cond)
	sel.args = append(sel.args, args...)
}

// andPost adds a condition on the posts table (p).
func (sel *selection) andPost(cond string, args ...any) {
	sel.and(cond, args...)
	sel.onPosts = true
}

// sql returns the FROM and WHERE clauses, joining the posts when needed and
// the authors (as a) if asked.
func (sel *selection) sql(authors bool) string {
	from := " FROM " + sel.from
	if sel.joinPosts != "" && (authors || sel.onPosts) {
		from += sel.joinPosts
	}
	if authors {
		from += " LEFT JOIN authors a ON a.id = p.author_id"
	}
	return from + " WHERE " + strings.Join(sel.where, " AND ")
}

// selectMentions builds the filters of f that SQL applies.
func (s *Store) selectMentions(f *vigie.MentionFilter) *selection {
	sel := &selection{}
	if f.MonitorID != "" {
		// Walk the monitor's mentions by time (mentions_monitor).
		sel.from, sel.joinPosts, sel.keyAt, sel.kID = "mentions mm", " JOIN posts p ON p.id = mm.post_id", "mm.published_at", "mm.post_id"
		// One key, looked up once: the index still gives time order.
		sel.and("mm.monitor_id = (SELECT id FROM monitors WHERE workspace_id = ? AND public_id = ?)", f.WorkspaceID, f.MonitorID)
	} else {
		sel.from, sel.keyAt, sel.kID = "posts p", "p.published_at", "p.id"
		if f.WorkspaceID != 0 {
			sel.and("EXISTS (SELECT 1 FROM mentions mm JOIN monitors mo ON mo.id = mm.monitor_id WHERE mm.post_id = p.id AND mo.workspace_id = ?)", f.WorkspaceID)
		} else {
			sel.and("EXISTS (SELECT 1 FROM mentions mm WHERE mm.post_id = p.id)")
		}
	}
	if f.Source != "" {
		sel.andPost("p.source_kind = ?", strings.ToLower(strings.TrimSpace(f.Source)))
	}
	if f.SourceID != 0 {
		sel.andPost("p.source_id = ?", f.SourceID)
	}
	if f.Lang != "" {
		if v := orNone(strings.ToLower(f.Lang)); f.WorkspaceID != 0 {
			sel.andPost(correctedLang, v, f.WorkspaceID, f.WorkspaceID, v)
		} else {
			sel.andPost("p.lang = ?", v)
		}
	}
	if f.Country != "" {
		sel.andPost("p.country = ?", orNone(strings.ToLower(f.Country)))
	}
	if f.Sentiment != "" {
		if f.WorkspaceID != 0 {
			sel.andPost(correctedSentiment, f.Sentiment, f.WorkspaceID, f.WorkspaceID, f.Sentiment)
		} else {
			sel.andPost("p.sentiment = ?", f.Sentiment)
		}
	}
	if f.Tag != "" && f.WorkspaceID != 0 {
		sel.andPost("EXISTS (SELECT 1 FROM mention_tags t WHERE t.workspace_id = ? AND t.post_id = p.id AND t.tag = ?)", f.WorkspaceID, strings.ToLower(f.Tag))
	}
	if f.HideIrrelevant && f.WorkspaceID != 0 {
		sel.andPost("NOT EXISTS (SELECT 1 FROM mention_tags t WHERE t.workspace_id = ? AND t.post_id = p.id AND t.tag = 'irrelevant')", f.WorkspaceID)
	}
	if !f.From.IsZero() {
		sel.and(sel.keyAt+" >= ?", s.tm(f.From))
	}
	if !f.To.IsZero() {
		sel.and(sel.keyAt+" < ?", s.tm(f.To))
	}
	return sel
}

// orNone maps vigie.FilterNone to the empty value stored for "unknown".
func orNone(v string) string {
	if v == vigie.FilterNone {
		return ""
	}
	return v
}

// checkFilter refuses filter values no stored value can have and that
// PostgreSQL refuses as parameters (a NUL, bytes that are not UTF-8), and a
// monitor named without its workspace.
func checkFilter(f *vigie.MentionFilter) error {
	for name, v := range map[string]string{"monitor": f.MonitorID, "q": f.Query, "source": f.Source, "lang": f.Lang,
		"country": f.Country, "sentiment": f.Sentiment, "tag": f.Tag, "cursor": f.Cursor} {
		if !textOK(v) {
			return fmt.Errorf("%w: %q holds a NUL character or is not UTF-8 text", vigie.ErrInvalid, name)
		}
	}
	if f.MonitorID != "" && f.WorkspaceID == 0 {
		return fmt.Errorf("%w: monitor %q named without its workspace (monitor ids are per workspace)", vigie.ErrInvalid, f.MonitorID)
	}
	return nil
}

// textOK reports whether v can be a parameter on both dialects: UTF-8
// without NUL (PostgreSQL refuses anything else with an error).
func textOK(v string) bool { return utf8.ValidString(v) && !strings.ContainsRune(v, 0) }

// FindMentions lists mentions newest first, one page at a time, with the
// number of all matching mentions and their count per UTC day.
//
// With a Query, posts are first narrowed by a full-text prefilter derived
// from the query, then each candidate is checked by the exact verifier
// (match.Eval), as monitors are: Total and PerDay count verified posts only.
// An invalid query or cursor is ErrInvalid.
func (s *Store) FindMentions(ctx context.Context, f vigie.MentionFilter) (vigie.MentionPage, error) {
	if err := checkFilter(&f); err != nil {
		return vigie.MentionPage{}, fmt.Errorf("find mentions: %w", err)
	}
	limit := f.Limit
	switch {
	case limit <= 0:
		limit = DefaultMentionLimit
	case limit > MaxMentionLimit:
		limit = MaxMentionLimit
	}
	var after *key
	if f.Cursor != "" {
		k, err := parseCursor(f.Cursor)
		if err != nil {
			return vigie.MentionPage{}, fmt.Errorf("find mentions: %w", err)
		}
		after = &k
	}
	sel := s.selectMentions(&f)
	if strings.TrimSpace(f.Query) == "" {
		return s.findMentions(ctx, &f, sel, limit, after)
	}
	q, err := query.Parse(f.Query)
	if err != nil {
		return vigie.MentionPage{}, fmt.Errorf("find mentions: %w: query: %s", vigie.ErrInvalid, err.Error())
	}
	pre := prefilter(q.Root)
	if s.pg() {
		return s.searchWords(ctx, &f, sel, q, pre, limit, after)
	}
	var cands []int64 // the index's matches, when read
	// A search that matches much of the archive is answered without the
	// full-text index (searchCommon). Otherwise its matches, read once,
	// narrow the selection.
	m, exact := exactFTS(q.Root)
	if !exact {
		m = ftsMatch(pre)
	}
	if m != "" {
		common := pre.hasPrefix() // a prefix's matches are merged whole before the first
		if !common {
			if cands, common, err = s.ftsIDs(ctx, m, largeSearch); err != nil {
				return vigie.MentionPage{}, err
			}
		}
		if common {
			if page, ok, err := s.searchCommon(ctx, &f, sel, q, limit, after); ok || err != nil {
				return page, err
			}
			if cands, _, err = s.ftsIDs(ctx, m, 0); err != nil {
				return vigie.MentionPage{}, err
			}
		}
		// A sample of the index's matches needs no second look-up.
		sel.unindexed = sel.clone()
		if len(cands) <= largeSearch {
			sel.andPost("p.id IN (" + idList(cands) + ")")
		} else {
			sel.andPost("p.id IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?)", m)
		}
	}
	if exact {
		if len(cands) > largeSearch && f.MonitorID == "" {
			return s.findMentionsLarge(ctx, &f, sel, cands, limit, after)
		}
		return s.findMentions(ctx, &f, sel, limit, after)
	}
	if f.MonitorID != "" {
		cands = nil
	}
	return s.searchMentions(ctx, &f, sel, q, limit, after, cands)
}

// idList writes ids for an IN list ("NULL" for none, which matches nothing).
func idList(ids []int64) string {
	if len(ids) == 0 {
		return "NULL"
	}
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	return b.String()
}

// commonShare is the share of a selection's posts from which a search is
// common: its page is found by walking the posts by time and verifying
// each (about limit/commonShare rows), not through the full-text index.
const commonShare = 0.02

// searchCommon answers a search (SQLite) that its full-text prefilter says
// matches many posts, when the exact verifier finds it in at least
// commonShare of an even sample of the selection's posts — a brand's name
// in a brand's archive. Reading the index's matches would then read most of
// the archive (1.5–2 s over 1M mentions), so neither step does: the page
// walks the selection newest first, verifying each post, until it is full
// (about limit/share rows); the counts are the selection's (from the
// rollups, exact, when they can give them) times the share that matched
// in the sample — else the sample's matches scaled up — flagged
// approximate. ok is false, and nothing is returned, when the search is
// rarer than that: the caller then reads the index.
func (s *Store) searchCommon(ctx context.Context, f *vigie.MentionFilter, base *selection, q *query.Query, limit int, after *key) (page vigie.MentionPage, ok bool, err error) {
	var lo, hi int64
	// Apart, MIN and MAX each read one end of the index; together, all of it.
	if err := s.db.QueryRowContext(ctx, "SELECT COALESCE((SELECT MIN(id) FROM posts), 0), COALESCE((SELECT MAX(id) FROM posts), 0)").Scan(&lo, &hi); err != nil {
		return page, false, s.errf(err, "find mentions: search")
	}
	span := hi - lo + 1
	if span <= largeSearch {
		return page, false, nil // a small archive: its index is read fast, and counts exact
	}
	step := max(1, span/verifyAll)
	var b strings.Builder
	n := int64(0)
	for id := lo + step/2; id <= hi; id += step {
		if n > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
		n++
	}
	if n == 0 {
		return page, false, nil
	}
	sampled := *base
	sampled.where = append(slices.Clone(base.where), "p.id IN ("+b.String()+")")
	sampled.onPosts = true
	perDay := map[string]int{}
	selected, matched := 0, 0
	err = s.verifyCandidates(ctx, &sampled, q, nil, func(k key, ok bool) bool {
		selected++
		if ok {
			matched++
			perDay[k.at.Format(time.DateOnly)]++
		}
		return true
	})
	if err != nil || selected == 0 || float64(matched) < commonShare*float64(selected) {
		return page, false, err
	}
	page = vigie.MentionPage{Mentions: []vigie.Mention{}, Approximate: true}
	unqueried := *f
	unqueried.Query = ""
	days, _, counted, err := s.countFromRollups(ctx, &unqueried)
	if err != nil {
		return page, true, err
	}
	if counted {
		share := float64(matched) / float64(selected)
		for _, d := range days {
			if c := int(float64(d.Count)*share + 0.5); c > 0 {
				page.PerDay = append(page.PerDay, vigie.DayCount{Day: d.Day, Count: c})
				page.Total += c
			}
		}
	} else {
		// Each sampled id stands for span/n ids.
		scale := float64(span) / float64(n)
		for d, c := range perDay {
			c := int(float64(c)*scale + 0.5)
			page.PerDay = append(page.PerDay, vigie.DayCount{Day: d, Count: c})
			page.Total += c
		}
		sortDays(page.PerDay)
	}
	var ids []int64
	walk := base
	if f.MonitorID == "" {
		walk = byTime(base)
	}
	err = s.verifyCandidates(ctx, walk, q, after, func(k key, matched bool) bool {
		if !matched {
			return true
		}
		if len(ids) == limit {
			page.NextCursor = key{page.Mentions[limit-1].Post.PublishedAt, ids[limit-1]}.cursor()
			return false
		}
		ids = append(ids, k.id)
		page.Mentions = append(page.Mentions, vigie.Mention{ID: k.id, Post: vigie.Post{PublishedAt: k.at}})
		return true
	})
	if err != nil {
		return page, true, err
	}
	return page, true, s.fillMentions(ctx, f.WorkspaceID, &page, ids)
}

// countPerDay counts the selection's rows per UTC day of publication.
func (s *Store) countPerDay(ctx context.Context, sel *selection) ([]vigie.DayCount, int, error) {
	day := "substr(" + sel.keyAt + ", 1, 10)"
	if s.pg() {
		day = "to_char(" + sel.keyAt + " AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
	}
	rows, err := s.db.QueryContext(ctx, s.q("SELECT "+day+", COUNT(*)"+sel.sql(false)+" GROUP BY 1 ORDER BY 1"), sel.args...)
	if err != nil {
		return nil, 0, s.errf(err, "find mentions: count")
	}
	days, err := collect(rows, func(r interface{ Scan(...any) error }) (vigie.DayCount, error) {
		var d vigie.DayCount
		err := r.Scan(&d.Day, &d.Count)
		return d, err
	}, func(err error) error { return s.errf(err, "find mentions: count") })
	total := 0
	for _, d := range days {
		total += d.Count
	}
	return days, total, err
}

// findMentions lists without a query: SQL does everything.
func (s *Store) findMentions(ctx context.Context, f *vigie.MentionFilter, sel *selection, limit int, after *key) (vigie.MentionPage, error) {
	page := vigie.MentionPage{Mentions: []vigie.Mention{}}
	if f.NoCount {
		return page, s.pageMentions(ctx, f, sel, limit, after, &page)
	}
	var (
		err     error
		counted bool
	)
	if page.PerDay, page.Total, counted, err = s.countFromRollups(ctx, f); err != nil {
		return page, err
	}
	if !counted {
		if page.PerDay, page.Total, err = s.countPerDay(ctx, sel); err != nil {
			return page, err
		}
	}
	if page.Total == 0 {
		page.PerDay = nil
		return page, nil
	}
	return page, s.pageMentions(ctx, f, sel, limit, after, &page)
}

// pageMentions fills the page's mentions, newest first, and its cursor.
func (s *Store) pageMentions(ctx context.Context, f *vigie.MentionFilter, sel *selection, limit int, after *key, page *vigie.MentionPage) error {
	var err error
	args := slices.Clone(sel.args)
	where := sel.sql(true)
	if after != nil {
		where += " AND (" + sel.keyAt + ", " + sel.kID + ") < (?, ?)"
		args = append(args, s.tm(after.at), after.id)
	}
	args = append(args, limit+1)
	rows, err := s.db.QueryContext(ctx, s.q("SELECT "+mentionCols+where+" ORDER BY "+sel.keyAt+" DESC, "+sel.kID+" DESC LIMIT ?"), args...)
	if err != nil {
		return s.errf(err, "find mentions")
	}
	page.Mentions, err = collect(rows, scanMention, func(err error) error { return s.errf(err, "find mentions") })
	if err != nil {
		return err
	}
	if len(page.Mentions) > limit {
		page.Mentions = page.Mentions[:limit]
		last := page.Mentions[limit-1]
		page.NextCursor = key{last.Post.PublishedAt, last.ID}.cursor()
	}
	return s.complete(ctx, f.WorkspaceID, page.Mentions)
}

// largeSearch is the number of full-text matches from which a whole-archive
// word search estimates its counts from a sample instead of reading every
// matching row: a common word can match a tenth of the archive.
const largeSearch = 5000

// findMentionsLarge answers a word query with many matches over the whole
// archive (SQLite): counts are estimated from an even sample of the index's
// matches (flagged approximate), and the page walks the posts by time,
// newest first, keeping those the index matched — a few rows, not all.
func (s *Store) findMentionsLarge(ctx context.Context, f *vigie.MentionFilter, sel *selection, ids []int64, limit int, after *key) (vigie.MentionPage, error) {
	page := vigie.MentionPage{Mentions: []vigie.Mention{}, Approximate: true}
	sampled, n := withSample(sel, ids)
	days, _, err := s.countPerDay(ctx, sampled)
	if err != nil {
		return page, err
	}
	scale := float64(len(ids)) / float64(n)
	for _, d := range days {
		c := int(float64(d.Count)*scale + 0.5)
		page.PerDay = append(page.PerDay, vigie.DayCount{Day: d.Day, Count: c})
		page.Total += c
	}
	// Even with no sampled hit, the page is looked for exactly.
	return page, s.pageMentions(ctx, f, byTime(sel), limit, after, &page)
}

// withSample returns the selection narrowed to an even sample of about
// verifyAll of the ids, and the sample's size.
func withSample(sel *selection, ids []int64) (*selection, int) {
	step := max(1, len(ids)/verifyAll)
	var b strings.Builder
	n := 0
	for i := 0; i < len(ids); i += step {
		if n > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(ids[i], 10))
		n++
	}
	if sel.unindexed != nil {
		sel = sel.unindexed
	}
	sampled := *sel
	sampled.where = append(slices.Clone(sel.where), "p.id IN ("+b.String()+")")
	sampled.onPosts = true
	return &sampled, n
}

// byTime walks posts newest first by the published_at index: with many
// candidates, the newest page is found after a few rows instead of sorting
// them all.
func byTime(sel *selection) *selection {
	walk := *sel
	walk.from = "posts p INDEXED BY posts_published"
	return &walk
}

// verifyAll is the number of search candidates up to which every one is
// verified; beyond it, Total and PerDay are estimated from the newest
// verifyAll candidates (the page itself is always exact).
const verifyAll = 2000

// searchMentions lists with a query: SQL yields the candidates, in order,
// and the verifier keeps the matches, which are counted and paged here.
//
// cands, when not nil, are the prefilter's candidates from the full-text index
// (SQLite, whole archive); past largeSearch of them, the counts come from
// verifying an even sample and the page walks posts by time.
func (s *Store) searchMentions(ctx context.Context, f *vigie.MentionFilter, sel *selection, q *query.Query, limit int, after *key, cands []int64) (vigie.MentionPage, error) {
	page := vigie.MentionPage{Mentions: []vigie.Mention{}}
	var (
		candDays  []vigie.DayCount
		candTotal int
		err       error
	)
	if len(cands) > largeSearch {
		candTotal = len(cands)
	} else if candDays, candTotal, err = s.countPerDay(ctx, sel); err != nil || candTotal == 0 {
		return page, err
	}
	var ids []int64
	collectPage := func(k key, matched bool) bool {
		if !matched || after != nil && !k.before(*after) {
			return true
		}
		if len(ids) == limit {
			last := page.Mentions[limit-1]
			page.NextCursor = key{last.Post.PublishedAt, last.ID}.cursor()
			return false
		}
		ids = append(ids, k.id)
		page.Mentions = append(page.Mentions, vigie.Mention{ID: k.id, Post: vigie.Post{PublishedAt: k.at}})
		return true
	}
	perDay := map[string]int{}
	if len(cands) > largeSearch {
		sampled, n := withSample(sel, cands)
		err = s.verifyCandidates(ctx, sampled, q, nil, func(k key, ok bool) bool {
			if ok {
				perDay[k.at.Format(time.DateOnly)]++
			}
			return true
		})
		if err == nil {
			err = s.verifyCandidates(ctx, byTime(sel), q, after, collectPage)
		}
		scale := float64(len(cands)) / float64(n)
		for d, c := range perDay {
			n := int(float64(c)*scale + 0.5)
			page.PerDay = append(page.PerDay, vigie.DayCount{Day: d, Count: n})
			page.Total += n
		}
		page.Approximate = true
	} else if candTotal <= verifyAll {
		// Few candidates: verify them all; counts are exact.
		err = s.verifyCandidates(ctx, sel, q, nil, func(k key, matched bool) bool {
			if matched {
				page.Total++
				perDay[k.at.Format(time.DateOnly)]++
			}
			collectPage(k, matched)
			return true
		})
		for d, n := range perDay {
			page.PerDay = append(page.PerDay, vigie.DayCount{Day: d, Count: n})
		}
	} else {
		// Many: verify the newest verifyAll candidates, and scale the rest
		// of each day's candidates by the share that matched.
		checked, matched, checkedDay := 0, 0, map[string]int{}
		err = s.verifyCandidates(ctx, sel, q, nil, func(k key, ok bool) bool {
			checked++
			d := k.at.Format(time.DateOnly)
			checkedDay[d]++
			if ok {
				matched++
				perDay[d]++
			}
			return checked < verifyAll
		})
		if err == nil {
			err = s.verifyCandidates(ctx, sel, q, after, collectPage)
		}
		share := float64(matched) / float64(max(checked, 1))
		for _, c := range candDays {
			n := perDay[c.Day] + int(share*float64(c.Count-checkedDay[c.Day])+0.5)
			if n > 0 {
				page.PerDay = append(page.PerDay, vigie.DayCount{Day: c.Day, Count: n})
				page.Total += n
			}
		}
		page.Approximate = true
	}
	if err != nil {
		return page, err
	}
	sortDays(page.PerDay)
	return page, s.fillMentions(ctx, f.WorkspaceID, &page, ids)
}

// fillMentions replaces the page's mentions, found by id and time only, by
// the stored posts, completed.
func (s *Store) fillMentions(ctx context.Context, workspaceID int64, page *vigie.MentionPage, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	full, err := s.mentionsByID(ctx, ids)
	if err != nil {
		return err
	}
	for i, id := range ids {
		m, ok := full[id]
		if !ok {
			// Deleted since the search; keep the page's shape.
			m = page.Mentions[i]
		}
		page.Mentions[i] = m
	}
	return s.complete(ctx, workspaceID, page.Mentions)
}

// verifyCandidates runs the exact verifier over the selection's candidates,
// newest first (only those before after, when given), and calls visit with
// each candidate's key and verdict until visit returns false.
func (s *Store) verifyCandidates(ctx context.Context, sel *selection, q *query.Query, after *key, visit func(k key, matched bool) bool) error {
	args := slices.Clone(sel.args)
	where := sel.sql(true)
	if after != nil {
		where += " AND (" + sel.keyAt + ", " + sel.kID + ") < (?, ?)"
		args = append(args, s.tm(after.at), after.id)
	}
	order := " ORDER BY " + sel.keyAt + " DESC, " + sel.kID + " DESC"
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT p.id, p.published_at, `+verifyCols+where+order), s.custom(args)...)
	if err != nil {
		return s.errf(err, "find mentions: search")
	}
	defer rows.Close()
	var (
		v    verifier
		k    key
		dest = append([]any{&k.id, timeCol(&k.at)}, v.dest()...)
	)
	for rows.Next() {
		v.reset()
		if err := rows.Scan(dest...); err != nil {
			return s.errf(err, "find mentions: search")
		}
		matched, err := v.matches(q, k.id)
		if err != nil {
			return err
		}
		if !visit(k, matched) {
			return nil
		}
	}
	if err := rows.Err(); err != nil {
		return s.errf(err, "find mentions: search")
	}
	return nil
}

// verifyCols are the columns of a candidate post the exact verifier reads
// (verifier.dest); the statement joins authors as a.
const verifyCols = `p.title, p.text, p.url, p.links, COALESCE(a.handle, ''), p.source_kind, p.lang, p.country`

// verifier runs the exact verifier over candidate rows of verifyCols.
type verifier struct {
	an    text.Analyzer
	post  vigie.Post
	links string
}

// dest returns the scan targets of verifyCols; they stay valid across rows.
func (v *verifier) dest() []any {
	p := &v.post
	return []any{&p.Title, &p.Text, &p.URL, &v.links, &p.Author.Handle, &p.Source, &p.Lang, &p.Country}
}

// reset empties the post before the next row is scanned.
func (v *verifier) reset() { v.post = vigie.Post{} }

// matches reports whether the row just scanned, post id, matches q.
func (v *verifier) matches(q *query.Query, id int64) (bool, error) {
	if v.links != "" && v.links != "[]" {
		if err := json.Unmarshal([]byte(v.links), &v.post.Links); err != nil {
			return false, fmt.Errorf("find mentions: post %d: links: %w", id, err)
		}
	}
	return match.Eval(q.Root, v.an.Analyze(&v.post)), nil
}

const mentionCols = `p.id, p.source_id, p.source_kind, p.external_id, p.url, p.published_at,
	COALESCE(a.external_id, ''), COALESCE(a.handle, ''), COALESCE(a.name, ''), COALESCE(a.followers, 0), COALESCE(a.url, ''),
	p.title, p.text, p.lang, p.country, p.links, p.reply_to, p.repost_of,
	p.likes, p.reposts, p.replies, p.views, p.stored_at, p.simhash, COALESCE(p.near_duplicate_of, 0),
	p.declared_lang, p.sentiment, p.sentiment_score`

func scanMention(row interface{ Scan(...any) error }) (vigie.Mention, error) {
	var (
		m        vigie.Mention
		sourceID sql.NullInt64
		links    string
		simhash  int64
	)
	p := &m.Post
	err := row.Scan(&m.ID, &sourceID, &p.Source, &p.ID, &p.URL, timeCol(&p.PublishedAt),
		&p.Author.ID, &p.Author.Handle, &p.Author.Name, &p.Author.Followers, &p.Author.URL,
		&p.Title, &p.Text, &p.Lang, &p.Country, &links, &p.ReplyTo, &p.RepostOf,
		&p.Metrics.Likes, &p.Metrics.Reposts, &p.Metrics.Replies, &p.Metrics.Views, timeCol(&m.StoredAt),
		&simhash, &m.NearDuplicateOf, &m.DeclaredLang, &m.Sentiment.Label, &m.Sentiment.Score)
	if err != nil {
		return m, err
	}
	m.SourceID = sourceID.Int64
	p.ID = unscope(p.ID)
	if simhash != 0 {
		m.Simhash = fmt.Sprintf("%016x", uint64(simhash))
	}
	if links != "" && links != "[]" {
		if err := json.Unmarshal([]byte(links), &p.Links); err != nil {
			return m, fmt.Errorf("post %d: links: %w", m.ID, err)
		}
	}
	return m, nil
}

// mentionsByID loads stored posts by id.
func (s *Store) mentionsByID(ctx context.Context, ids []int64) (map[int64]vigie.Mention, error) {
	out := make(map[int64]vigie.Mention, len(ids))
	for chunk := range slices.Chunk(ids, maxParams) {
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := s.db.QueryContext(ctx, s.q("SELECT "+mentionCols+" FROM posts p LEFT JOIN authors a ON a.id = p.author_id WHERE p.id IN ("+list(len(chunk))+")"), args...)
		if err != nil {
			return nil, s.errf(err, "find mentions")
		}
		ms, err := collect(rows, scanMention, func(err error) error { return s.errf(err, "find mentions") })
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			out[m.ID] = m
		}
	}
	return out, nil
}

// complete fills in what a listed mention carries besides its post row: its
// monitors (of the workspace, when given), entities and corrections.
func (s *Store) complete(ctx context.Context, workspaceID int64, ms []vigie.Mention) error {
	if err := s.addMonitorIDs(ctx, workspaceID, ms); err != nil {
		return err
	}
	if err := s.addEntities(ctx, ms); err != nil {
		return err
	}
	if err := s.addTags(ctx, workspaceID, ms); err != nil {
		return err
	}
	return s.addCorrections(ctx, workspaceID, ms)
}

// addMonitorIDs fills in the monitors each mention matched, only those of
// the workspace when one is given.
func (s *Store) addMonitorIDs(ctx context.Context, workspaceID int64, ms []vigie.Mention) error {
	if len(ms) == 0 {
		return nil
	}
	at := make(map[int64]int, len(ms))
	args := make([]any, 0, len(ms)+1)
	for i := range ms {
		at[ms[i].ID] = i
		ms[i].MonitorIDs = []string{}
		args = append(args, ms[i].ID)
	}
	// Each mention's monitor is looked up by its key: joined, PostgreSQL's
	// planner overestimated a page's mentions and read every monitor into
	// a hash (100,000 monitors: 50 ms for a page).
	var ws string
	if workspaceID != 0 {
		ws = " AND mo.workspace_id = ?"
	}
	query := "SELECT mm.post_id, (SELECT mo.public_id FROM monitors mo WHERE mo.id = mm.monitor_id" + ws + ") FROM mentions mm WHERE mm.post_id IN (" + list(len(ms)) + ")"
	if workspaceID != 0 {
		args = append([]any{workspaceID}, args...)
	}
	rows, err := s.db.QueryContext(ctx, s.q(query+" ORDER BY 1, 2"), args...)
	if err != nil {
		return s.errf(err, "find mentions: monitors")
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var monitor sql.NullString
		if err := rows.Scan(&id, &monitor); err != nil {
			return s.errf(err, "find mentions: monitors")
		}
		if i, ok := at[id]; ok && monitor.Valid {
			ms[i].MonitorIDs = append(ms[i].MonitorIDs, monitor.String)
		}
	}
	if err := rows.Err(); err != nil {
		return s.errf(err, "find mentions: monitors")
	}
	return nil
}

// addEntities fills in the entities of each mention.
func (s *Store) addEntities(ctx context.Context, ms []vigie.Mention) error {
	if len(ms) == 0 {
		return nil
	}
	at := make(map[int64]int, len(ms))
	args := make([]any, len(ms))
	for i, m := range ms {
		at[m.ID] = i
		args[i] = m.ID
	}
	rows, err := s.db.QueryContext(ctx, s.q("SELECT post_id, kind, value FROM post_entities WHERE post_id IN ("+list(len(ms))+") ORDER BY post_id, kind, value"), args...)
	if err != nil {
		return s.errf(err, "find mentions: entities")
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id          int64
			kind, value string
		)
		if err := rows.Scan(&id, &kind, &value); err != nil {
			return s.errf(err, "find mentions: entities")
		}
		e := &ms[at[id]].Entities
		switch kind {
		case "hashtag":
			e.Hashtags = append(e.Hashtags, value)
		case "mention":
			e.Mentions = append(e.Mentions, value)
		case "link":
			e.Links = append(e.Links, value)
		case "domain":
			e.Domains = append(e.Domains, value)
		}
	}
	if err := rows.Err(); err != nil {
		return s.errf(err, "find mentions: entities")
	}
	return nil
}
