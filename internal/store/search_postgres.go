package store

import (
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/query"
)

// PostgreSQL searches with posts_words (migrations 0032 and 0034), a GIN
// index of each post's search_text words as they are, as SQLite's
// posts_fts holds them, plus four lexemes no word can be (words never
// hold a space): ' s' and a sample bucket, ' h' and the hour of
// publication since 1970, ' d' and its day, ' l' and its language. PostgreSQL reads a table row
// for every index match it counts or returns, 5–8 µs each when the table
// is larger than its buffers (60,346 rows for a word in 8 % of 755,290
// posts: 300–500 ms); ANDing a query with bucket, hour or day lexemes
// makes the index itself pick an even sample of the matches, or those of
// a window of time, so that only those rows are read. The bucket is the fractional part of the id times the golden
// ratio, in sampleBuckets parts: unlike the id modulo sampleBuckets, it
// spreads evenly any ids in arithmetic progression (in a test whose posts
// took four languages in turn, the modulo put one language's estimate
// 17 % off).
const postWords = `array_to_tsvector(array_remove(string_to_array(p.search_text, ' '), '') || ARRAY[' s' || floor(mod(p.id * 0.618033988749895, 1) * 64)::int::text, ` +
	`' h' || floor(extract(epoch FROM p.published_at - timestamptz '1970-01-01 00:00:00+00') / 3600)::bigint::text, ` +
	`' d' || floor(extract(epoch FROM p.published_at - timestamptz '1970-01-01 00:00:00+00') / 86400)::bigint::text, ` +
	`' l' || p.lang])`

// sampleBuckets is the number of sample buckets in posts_words.
const sampleBuckets = 64

// firstBucket is true of the posts in the first sample bucket (lexeme ' s0').
const firstBucket = "floor(mod(p.id * 0.618033988749895, 1) * 64)::int = 0"

// firstHours is the number of hours whose matches searchArchive reads with
// the first sample bucket, in the hope of finding the page there.
const firstHours = 6

// wordsMatch is the condition that a post's words match a tsquery argument;
// spelled exactly as the index's expression for the planner to use it.
const wordsMatch = postWords + " @@ ?::tsquery"

// pgExactMax is the number of index matches up to which a whole-archive
// search reads them all, for exact counts; beyond it, about pgSample of
// them are read for the counts. Each costs its table row and, for the
// selection, a look-up in mentions: two pages that PostgreSQL's default
// 128 MB of buffers seldom hold (the table is 750 MB at 1M mentions), each
// read from the system's cache (8–50 µs, more on a loaded machine). Up to
// twice the sample, reading all costs about as much as the sample and the
// page's window, and the look-up of the sample's buckets names fewer than
// half of them.
const pgExactMax, pgSample = 1280, 640

// denseShare is the share of the archive's posts a search's matches
// (after its filters) reach for its page to be read by time (searchSampled).
const denseShare = 0.05

// maxWindowHours bounds the hour lexemes a page's query names; a wider
// window names its days, up to maxWindowDays. Each hour holds fewer posts
// than a word has matches, so PostgreSQL reads the posts of every hour
// named and then tests the words (a week of hours, 169 lexemes: 150 ms);
// a day's posts are more than most words', so that the words' matches
// are read and the days tested.
const maxWindowHours, maxWindowDays = 12, 62

// custom returns a search's arguments with, on PostgreSQL, the option to
// plan its statement for them each time. A statement prepared once (pgx's
// cache) is planned for its arguments five times, then PostgreSQL may keep
// a generic plan, blind to the tsquery: for a word with 2,767 matches, a
// plan that took 180 ms instead of 13.
func (s *Store) custom(args []any) []any {
	if !s.pg() {
		return args
	}
	return append([]any{pgx.QueryExecModeExec}, args...)
}

// tsLexeme quotes a word as a tsquery lexeme, taken as it is.
func tsLexeme(w string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(w) + "'"
}

// exactTS renders a query as a tsquery over posts_words with exactly the
// query's meaning, when it has one (exactWords).
func exactTS(n *query.Node) (string, bool) {
	return exactWords(n, tsSyntax)
}

var tsSyntax = wordSyntax{
	word:   tsLexeme,
	prefix: func(p string) string { return tsLexeme(p) + ":*" },
	or:     func(parts []string) string { return "(" + strings.Join(parts, " | ") + ")" },
	andNot: func(pos, neg []string) string {
		e := strings.Join(pos, " & ")
		if len(neg) > 0 {
			e += " & !(" + strings.Join(neg, " | ") + ")"
		}
		return "(" + e + ")"
	},
}

// tsPrefilter renders a prefilter as a tsquery over posts_words, or "" for
// no filter. A leaf that is not a single FTS5 token is simplified away, so
// that both databases narrow alike (SQLite splits it into its tokens).
func tsPrefilter(p *pre) string {
	p = p.simplify(func(l leaf) bool { return oneToken(l.word) })
	if p == nil {
		return ""
	}
	var b strings.Builder
	p.render(&b, " & ", " | ", func(l *pre) {
		b.WriteString(tsLexeme(l.word))
		if l.op == prePrefix {
			b.WriteString(":*")
		}
	})
	return b.String()
}

// bucketsTS is the tsquery of the sample buckets from..to-1.
func bucketsTS(from, to int) string {
	parts := make([]string, 0, to-from)
	for i := from; i < to; i++ {
		parts = append(parts, "' s"+strconv.Itoa(i)+"'")
	}
	return "(" + strings.Join(parts, " | ") + ")"
}

// hoursTS is the tsquery of the hours from..to (inclusive).
func hoursTS(from, to int64) string { return spanTS("' h", from, to) }

// daysTS is the tsquery of the days from..to (inclusive).
func daysTS(from, to int64) string { return spanTS("' d", from, to) }

// spanTS is the tsquery of the lexemes tag+n for n from..to (inclusive).
func spanTS(tag string, from, to int64) string {
	var b strings.Builder
	b.WriteByte('(')
	for n := from; n <= to; n++ {
		if n > from {
			b.WriteString(" | ")
		}
		b.WriteString(tag + strconv.FormatInt(n, 10) + "'")
	}
	b.WriteByte(')')
	return b.String()
}

// searchWords answers a query on PostgreSQL. A query of plain words is
// decided by posts_words alone (exactTS); any other is narrowed by its
// prefilter's words and verified. A whole-archive search is answered by
// searchArchive.
func (s *Store) searchWords(ctx context.Context, f *vigie.MentionFilter, sel *selection, q *query.Query, pre *pre, limit int, after *key) (vigie.MentionPage, error) {
	m, exact := exactTS(q.Root)
	if !exact {
		m = tsPrefilter(pre)
	}
	if m == "" {
		return s.searchMentions(ctx, f, sel, q, limit, after, nil)
	}
	if f.MonitorID == "" {
		// The index leaves out other languages' posts, unless the
		// workspace corrected some posts to this language.
		if f.Lang != "" {
			v := orNone(strings.ToLower(f.Lang))
			corrected := false
			if f.WorkspaceID != 0 {
				err := s.db.QueryRowContext(ctx, s.q("SELECT EXISTS (SELECT 1 FROM corrections WHERE workspace_id = ? AND field = 'lang' AND value = ?)"), f.WorkspaceID, v).Scan(&corrected)
				if err != nil {
					return vigie.MentionPage{}, s.errf(err, "find mentions: corrections")
				}
			}
			// A value longer than a tsquery lexeme (2,046 bytes) is no
			// stored language: the SQL filter alone answers (no error).
			if !corrected && len(v) < 64 {
				m = "(" + m + ") & " + tsLexeme(" l"+v)
			}
		}
		return s.searchArchive(ctx, f, sel, q, m, exact, pre != nil && pre.hasPrefix(), limit, after)
	}
	sel.andPost(wordsMatch, m)
	if exact {
		return s.findMentions(ctx, f, sel, limit, after)
	}
	return s.searchMentions(ctx, f, sel, q, limit, after, nil)
}

// searchArchive answers a whole-archive search. A first pass reads the
// index's matches in the first sample bucket (a 64th of them) and in the
// newest firstHours hours (before the cursor, if any), each with whether
// the filters keep it and, unless the index is exact, whether the
// verifier does. The bucket's count tells the size of the search, and its
// matches are the first part of the sample; the hours' matches are often
// the whole page, found in the same look-up (a common prefix merges the
// matches of all its words at each look-up: 17 ms for 77,000). Up to
// pgExactMax index matches by that count, every other match is read: exact
// counts and the page (searchAll). Beyond, buckets are added up to about
// pgSample index matches and the search is answered from that sample
// (searchSampled), or from the first bucket alone when it holds a quarter
// of that for a prefix, half of it for a query to verify.
func (s *Store) searchArchive(ctx context.Context, f *vigie.MentionFilter, base *selection, q *query.Query, m string, exact, prefix bool, limit int, after *key) (vigie.MentionPage, error) {
	var (
		newest time.Time
		posts  int64
	)
	if err := s.db.QueryRowContext(ctx, "SELECT COALESCE(MAX(published_at), now()), COALESCE(MAX(id) - MIN(id) + 1, 0) FROM posts").Scan(&newest, &posts); err != nil {
		return vigie.MentionPage{}, s.errf(err, "find mentions: search")
	}
	end := hourOf(newest)
	if after != nil {
		end = hourOf(after.at)
	}
	start := end - firstHours + 1
	from := time.UnixMicro(start * 3_600_000_000).UTC()
	var (
		keys     []key // the sample's matches, newest first
		recent   []key // the matches from the start of the hours on, before after
		inBucket int   // the index's matches in the first bucket
	)
	err := s.readCandidates(ctx, base, "("+m+") & ("+bucketsTS(0, 1)+" | "+hoursTS(start, end)+")", q, exact, func(k key, first, kept bool) bool {
		if first {
			inBucket++
			if kept {
				keys = append(keys, k)
			}
		}
		if kept && !k.at.Before(from) && (after == nil || k.before(*after)) {
			recent = append(recent, k)
		}
		return true
	})
	if err != nil {
		return vigie.MentionPage{}, err
	}
	k := sampleBuckets // the buckets read
	rest := base.clone()
	if inBucket*sampleBuckets <= pgExactMax {
		rest.andPost(wordsMatch, "("+m+") & !"+bucketsTS(0, 1))
	} else if k = min(sampleBuckets, max(1, (pgSample+inBucket-1)/inBucket)); prefix && inBucket >= pgSample/4 || !exact && inBucket >= pgSample/2 {
		// Each look-up of a prefix merges the matches of all its words,
		// and each candidate of a query the index cannot decide is
		// verified: a smaller sample rather than a second look-up.
		k = 1
	} else if k > 1 {
		rest.andPost(wordsMatch, "("+m+") & "+bucketsTS(1, k))
	}
	if k > 1 {
		visit := func(k key, matched bool) bool {
			if matched {
				keys = append(keys, k)
			}
			return true
		}
		if exact {
			err = s.selectKeys(ctx, rest, nil, 0, func(k key) bool { return visit(k, true) })
		} else {
			err = s.verifyCandidates(ctx, rest, q, nil, visit)
		}
		if err != nil {
			return vigie.MentionPage{}, err
		}
		slices.SortFunc(keys, func(a, b key) int {
			switch {
			case b.before(a):
				return -1
			case a.before(b):
				return 1
			}
			return 0
		})
	}
	if k == sampleBuckets {
		return s.searchAll(ctx, f, limit, after, func(visit func(key, bool) bool) error {
			for _, k := range keys {
				visit(k, true)
			}
			return nil
		})
	}
	return s.searchSampled(ctx, f, base, q, m, exact, sampled{k: k, keys: keys, recent: recent, from: from, newest: newest, posts: posts}, limit, after)
}

// sampled is what searchArchive read of a search with many matches.
type sampled struct {
	k            int   // the sample buckets read
	keys, recent []key // their matches, and those from from on, newest first
	from, newest time.Time
	posts        int64 // the span of post ids
}

// readCandidates visits the index's matches of the tsquery m among all
// posts, newest first, each with whether it is in the first sample bucket,
// and whether the selection's conditions keep it and, unless exact, the
// verifier matches it: the conditions are read as a column, so that the
// index's matches are counted too.
func (s *Store) readCandidates(ctx context.Context, sel *selection, m string, q *query.Query, exact bool, visit func(k key, first, kept bool) bool) error {
	// Evaluated in order: a look-up in mentions only for the posts that
	// the other conditions keep.
	var where []string
	var args []any
	for _, last := range []bool{false, true} {
		n := 0
		for _, c := range sel.where {
			na := strings.Count(c, "?")
			if strings.Contains(c, "EXISTS") == last {
				where = append(where, c)
				args = append(args, sel.args[n:n+na]...)
			}
			n += na
		}
	}
	conds := "TRUE"
	if len(where) > 0 {
		conds = strings.Join(where, " AND ")
	}
	cols, from := "p.id, p.published_at, "+firstBucket+", "+conds, " FROM posts p"
	if !exact {
		cols += ", " + verifyCols
		from += " LEFT JOIN authors a ON a.id = p.author_id"
	}
	args = append(args, m)
	rows, err := s.db.QueryContext(ctx, s.q("SELECT "+cols+from+" WHERE "+wordsMatch+" ORDER BY p.published_at DESC, p.id DESC"), s.custom(args)...)
	if err != nil {
		return s.errf(err, "find mentions: search")
	}
	defer rows.Close()
	var (
		v           verifier
		k           key
		first, kept bool
		dest        = []any{&k.id, timeCol(&k.at), &first, &kept}
	)
	if !exact {
		dest = append(dest, v.dest()...)
	}
	for rows.Next() {
		v.reset()
		if err := rows.Scan(dest...); err != nil {
			return s.errf(err, "find mentions: search")
		}
		if kept && !exact {
			if kept, err = v.matches(q, k.id); err != nil {
				return err
			}
		}
		if !visit(k, first, kept) {
			return nil
		}
	}
	if err := rows.Err(); err != nil {
		return s.errf(err, "find mentions: search")
	}
	return nil
}

// searchAll answers a whole-archive search with few matches: walk visits
// every candidate once, newest first, with its verdict, which gives the
// exact counts and the page. Counting and paging in two queries read every
// candidate's row twice, and with a LIMIT the planner would rather walk
// all posts by time, computing each one's words.
func (s *Store) searchAll(ctx context.Context, f *vigie.MentionFilter, limit int, after *key, walk func(visit func(k key, matched bool) bool) error) (vigie.MentionPage, error) {
	page := vigie.MentionPage{Mentions: []vigie.Mention{}}
	perDay := map[string]int{}
	var ids []int64
	err := walk(func(k key, matched bool) bool {
		if !matched {
			return true
		}
		page.Total++
		perDay[k.at.Format(time.DateOnly)]++
		if after != nil && !k.before(*after) {
			return true
		}
		if len(ids) < limit {
			ids = append(ids, k.id)
			page.Mentions = append(page.Mentions, vigie.Mention{ID: k.id, Post: vigie.Post{PublishedAt: k.at}})
		} else if len(ids) == limit && page.NextCursor == "" {
			page.NextCursor = key{page.Mentions[limit-1].Post.PublishedAt, ids[limit-1]}.cursor()
		}
		return true
	})
	if err != nil {
		return page, err
	}
	for d, c := range perDay {
		page.PerDay = append(page.PerDay, vigie.DayCount{Day: d, Count: c})
	}
	sortDays(page.PerDay)
	return page, s.fillMentions(ctx, f.WorkspaceID, &page, ids)
}

// searchSampled answers a whole-archive search with many index matches
// from the first sm.k sample buckets, whose matches (after the filters
// and, unless the index is exact, the verifier) are sm.keys: counted per
// day and scaled by sampleBuckets/k, flagged approximate. The page is
// exact: the matches of the newest hours, read with the sample, then
// those of older windows that should hold two pages by the sample, until
// it is full.
func (s *Store) searchSampled(ctx context.Context, f *vigie.MentionFilter, base *selection, q *query.Query, m string, exact bool, sm sampled, limit int, after *key) (page vigie.MentionPage, err error) {
	page = vigie.MentionPage{Mentions: []vigie.Mention{}, Approximate: true}
	keys, newest, posts := sm.keys, sm.newest, sm.posts
	scale := float64(sampleBuckets) / float64(sm.k)
	perDay := map[string]int{}
	for _, k := range keys {
		perDay[k.at.Format(time.DateOnly)]++
	}
	for d, c := range perDay {
		c := int(float64(c)*scale + 0.5)
		page.PerDay = append(page.PerDay, vigie.DayCount{Day: d, Count: c})
		page.Total += c
	}
	sortDays(page.PerDay)

	// In a selection this dense in matches, a window's page is found by
	// reading its posts by time and testing each one's words (about
	// 2·limit/dense of them): cheaper than the index's look-up of a common
	// prefix, which merges the matches of all its words every time.
	dense := float64(page.Total) >= denseShare*float64(posts) && !s.hourWindows
	var ids []int64
	full := false
	collect := func(k key, matched bool) bool {
		if !matched {
			return true
		}
		if len(ids) == limit {
			page.NextCursor = key{page.Mentions[limit-1].Post.PublishedAt, ids[limit-1]}.cursor()
			full = true
			return false
		}
		ids = append(ids, k.id)
		page.Mentions = append(page.Mentions, vigie.Mention{ID: k.id, Post: vigie.Post{PublishedAt: k.at}})
		return true
	}
	for _, k := range sm.recent {
		if !collect(k, true) {
			break
		}
	}
	// Everything from the first hours on has been seen.
	cursor := &key{at: sm.from, id: 0}
	// Sampled matches expected in a window of two pages.
	want := int(math.Ceil(float64(2*(limit+1)) / scale))
	for !full {
		older := keys
		if cursor != nil {
			i := 0
			for i < len(older) && !older[i].before(*cursor) {
				i++
			}
			older = older[i:]
		}
		win := base.clone()
		last := len(older) < want // no window: the rest of the archive
		narrow := false           // the window's posts are few: read them by time
		if last {
			win.andPost(wordsMatch, m)
		} else {
			from, to := hourOf(older[want-1].at), hourOf(newest)
			if cursor != nil {
				to = hourOf(cursor.at)
			}
			narrow = dense || to-from < maxWindowHours
			if dense {
				// IS TRUE: the same test, which the index cannot answer.
				win.andPost("("+wordsMatch+") IS TRUE", m)
			} else if narrow {
				win.andPost(wordsMatch, "("+m+") & "+hoursTS(from, to))
			} else if d0, d1 := floorDiv(from, 24), floorDiv(to, 24); d1-d0 < maxWindowDays {
				win.andPost(wordsMatch, "("+m+") & "+daysTS(d0, d1))
			} else {
				win.andPost(wordsMatch, m)
			}
			win.and("p.published_at >= ?", time.UnixMicro(from*3_600_000_000).UTC())
		}
		// The window's rows past the page are not needed. A wide window
		// is read whole, through the index: with a LIMIT the planner may
		// walk every post by time computing its words (a prefix with few
		// matches in the filtered selection: 7.7 s).
		need := limit + 1 - len(ids)
		if !narrow {
			need = 0
		}
		if exact {
			err = s.selectKeys(ctx, win, cursor, need, func(k key) bool { return collect(k, true) })
		} else {
			err = s.verifyCandidates(ctx, win, q, cursor, collect)
		}
		if err != nil || last {
			break
		}
		// Everything from the window's first hour has been seen.
		cursor = &key{at: time.UnixMicro(hourOf(older[want-1].at) * 3_600_000_000).UTC(), id: 0}
		want *= 2
	}
	if err != nil {
		return page, err
	}
	return page, s.fillMentions(ctx, f.WorkspaceID, &page, ids)
}

// selectKeys visits the selection's posts newest first (only those before
// after, when given; at most limit when > 0), by key only, until visit
// returns false.
func (s *Store) selectKeys(ctx context.Context, sel *selection, after *key, limit int, visit func(k key) bool) error {
	args := slices.Clone(sel.args)
	where := sel.sql(false)
	if after != nil {
		where += " AND (" + sel.keyAt + ", " + sel.kID + ") < (?, ?)"
		args = append(args, s.tm(after.at), after.id)
	}
	order := " ORDER BY " + sel.keyAt + " DESC, " + sel.kID + " DESC"
	if limit > 0 {
		order += " LIMIT ?"
		args = append(args, limit)
	}
	rows, err := s.db.QueryContext(ctx, s.q("SELECT p.id, p.published_at"+where+order), s.custom(args)...)
	if err != nil {
		return s.errf(err, "find mentions: search")
	}
	defer rows.Close()
	for rows.Next() {
		var k key
		if err := rows.Scan(&k.id, timeCol(&k.at)); err != nil {
			return s.errf(err, "find mentions: search")
		}
		if !visit(k) {
			return nil
		}
	}
	if err := rows.Err(); err != nil {
		return s.errf(err, "find mentions: search")
	}
	return nil
}
