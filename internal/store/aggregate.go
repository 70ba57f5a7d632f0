package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The dashboard reads rollups, not mentions (migration 0006_rollups): per
// monitor set — the monitors of one workspace a post matched — the number
// of posts per hour and per day for each value of a few dimensions, and the
// same for the workspace's set (empty key), which adds up its other sets.
// They change in the transactions that change what they count:
//
//   - SaveBatch: new posts add to their set; a stored post that gains a
//     mention moves from its old set to the new one;
//   - AddMentions: the same;
//   - Correct, UpdateEnrichment: a post's sentiment or language moves
//     between values of its sets;
//   - DeleteMonitor: the sets holding the monitor merge into the sets
//     without it (or go, when it was their only monitor, and their posts
//     leave the workspace's set).
//
// Each change reads the affected posts' contributions before and after it
// and writes the difference (reroll), so the rollups stay exactly what the
// migration's backfill would compute from the mentions.

// Dimensions of the rollups.
const (
	// dimPost counts posts by the combination of their sentiment, source,
	// language and country (the value: the four joined by setSep, see
	// postValue): one row per post and set where a row per dimension was
	// five, which made the rollups most of the ingest's cost.
	dimPost = "post"
	// Authors' posts and engagement, kept in author_days (value: author id).
	dimAuthorPosts      = "@author"
	dimAuthorEngagement = "@engagement"
	dimAuthorFollowers  = "@followers"
	// The most engagement of one of the author's posts, plus one: a max,
	// not a sum, for author_bounds (never lowered).
	dimAuthorTopPost = "@top"
	dimHashtag       = "hashtag"
	dimDomain        = "domain"
	// The dimensions a dimPost value holds, as the overview lists them.
	dimSource  = "source"
	dimLang    = "lang"
	dimCountry = "country"
)

// postValue is a dimPost value. The country comes last: it is the one
// value from outside that could hold the separator.
func postValue(sentiment, source, lang, country string) string {
	return sentiment + setSep + source + setSep + lang + setSep + country
}

// postDimsOf splits a dimPost value.
func postDimsOf(v string) (sentiment, source, lang, country string) {
	parts := strings.SplitN(v, setSep, 4)
	for len(parts) < 4 {
		parts = append(parts, "")
	}
	return parts[0], parts[1], parts[2], parts[3]
}

// setSep separates the monitor ids of a set's key.
const setSep = "\x1f"

// Top lists of an overview.
const (
	DefaultOverviewLimit = 10
	MaxOverviewLimit     = 100
)

// floorDiv is a / b rounded down (b > 0).
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

func hourOf(t time.Time) int64 { return floorDiv(t.Unix(), 3600) }

// rollupKey is one rollup row (of rollup_hours) before its set has an id.
type rollupKey struct {
	workspace int64
	set       string // key of the monitor set
	dim       string
	hour      int64
	value     string
}

// rollupDelta accumulates the changes of a transaction to the rollups.
type rollupDelta map[rollupKey]int64

// addContributions adds sign times what the posts count for in the rollups,
// as the database holds them now (in the transaction q).
func (s *Store) addContributions(ctx context.Context, q querier, postIDs []int64, sign int64, d rollupDelta) error {
	postIDs = slices.Compact(slices.Sorted(slices.Values(postIDs)))
	for chunk := range slices.Chunk(postIDs, maxParams) {
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		in := "(" + list(len(chunk)) + ")"
		// The post's monitors, by workspace.
		type wsSet struct {
			ws       int64
			monitors []string
		}
		sets := map[int64][]*wsSet{}
		// A mention the workspace marked irrelevant counts nowhere in it.
		rows, err := q.QueryContext(ctx, s.q(`SELECT mm.post_id, mo.workspace_id, mm.monitor_id FROM mentions mm
			JOIN monitors mo ON mo.id = mm.monitor_id WHERE mm.post_id IN `+in+`
			AND NOT EXISTS (SELECT 1 FROM mention_tags t WHERE t.workspace_id = mo.workspace_id AND t.post_id = mm.post_id AND t.tag = 'irrelevant')`), args...)
		if err != nil {
			return s.errf(err, "rollups: mentions")
		}
		for rows.Next() {
			var (
				id, ws  int64
				monitor string
			)
			if err := rows.Scan(&id, &ws, &monitor); err != nil {
				rows.Close()
				return s.errf(err, "rollups: mentions")
			}
			var set *wsSet
			for _, x := range sets[id] {
				if x.ws == ws {
					set = x
				}
			}
			if set == nil {
				set = &wsSet{ws: ws}
				sets[id] = append(sets[id], set)
			}
			set.monitors = append(set.monitors, monitor)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return s.errf(err, "rollups: mentions")
		}
		if len(sets) == 0 {
			continue
		}
		type postDims struct {
			hour       int64
			values     [4]string // sentiment, source, lang, country
			author     sql.NullInt64
			engagement int64
			followers  int64
		}
		posts := make(map[int64]*postDims, len(sets))
		rows, err = q.QueryContext(ctx, s.q(`SELECT p.id, p.published_at, p.sentiment, p.source_kind, p.lang, p.country, p.author_id,
			p.likes, p.reposts, p.replies, COALESCE(a.followers, 0) FROM posts p LEFT JOIN authors a ON a.id = p.author_id WHERE p.id IN `+in), args...)
		if err != nil {
			return s.errf(err, "rollups: posts")
		}
		for rows.Next() {
			var (
				id                      int64
				at                      time.Time
				p                       postDims
				likes, reposts, replies int64
			)
			if err := rows.Scan(&id, timeCol(&at), &p.values[0], &p.values[1], &p.values[2], &p.values[3], &p.author, &likes, &reposts, &replies, &p.followers); err != nil {
				rows.Close()
				return s.errf(err, "rollups: posts")
			}
			// Added here, not in SQL: rows stored before counts were
			// clamped may hold anything an int64 holds.
			p.engagement = capCount(likes) + capCount(reposts) + capCount(replies)
			p.followers = capCount(p.followers)
			p.hour = hourOf(at)
			posts[id] = &p
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return s.errf(err, "rollups: posts")
		}
		// Each workspace counts a post as it corrected it (correction.go).
		type wsField struct {
			ws    int64
			field string
		}
		corrected := map[int64]map[wsField]string{}
		rows, err = q.QueryContext(ctx, s.q(`SELECT post_id, workspace_id, field, value FROM corrections WHERE post_id IN `+in), args...)
		if err != nil {
			return s.errf(err, "rollups: corrections")
		}
		for rows.Next() {
			var (
				id, ws       int64
				field, value string
			)
			if err := rows.Scan(&id, &ws, &field, &value); err != nil {
				rows.Close()
				return s.errf(err, "rollups: corrections")
			}
			if corrected[id] == nil {
				corrected[id] = map[wsField]string{}
			}
			corrected[id][wsField{ws, field}] = value
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return s.errf(err, "rollups: corrections")
		}
		add := func(id int64, dim, value string) {
			p := posts[id]
			if p == nil {
				return
			}
			for _, set := range sets[id] {
				d.add(set.ws, setKey(set.monitors), dim, p.hour, value, sign)
			}
		}
		for id, p := range posts {
			for _, set := range sets[id] {
				sentiment, lang := p.values[0], p.values[2]
				if c := corrected[id]; c != nil {
					if v, ok := c[wsField{set.ws, FieldSentiment}]; ok {
						sentiment = v
					}
					if v, ok := c[wsField{set.ws, FieldLang}]; ok {
						lang = v
					}
				}
				d.add(set.ws, setKey(set.monitors), dimPost, p.hour, postValue(sentiment, p.values[1], lang, p.values[3]), sign)
				if p.author.Valid {
					d.addAuthor(set.ws, p.hour, p.author.Int64, sign, p.engagement, p.followers)
				}
			}
		}
		rows, err = q.QueryContext(ctx, s.q(`SELECT post_id, kind, value FROM post_entities
			WHERE post_id IN `+in+` AND kind IN ('hashtag', 'domain')`), args...)
		if err != nil {
			return s.errf(err, "rollups: entities")
		}
		for rows.Next() {
			var (
				id          int64
				kind, value string
			)
			if err := rows.Scan(&id, &kind, &value); err != nil {
				rows.Close()
				return s.errf(err, "rollups: entities")
			}
			add(id, kind, value)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return s.errf(err, "rollups: entities")
		}
	}
	return nil
}

// addNewContributions adds what the batch's newly inserted posts count for
// in the rollups, as addContributions would read it back.
func addNewContributions(posts []*pending, facts newPostFacts, d rollupDelta) {
	type wsSet struct {
		ws       int64
		monitors []string
	}
	var sets []wsSet
	for _, p := range posts {
		if !p.inserted {
			continue
		}
		sets = sets[:0]
		for _, m := range p.monitors {
			ws := facts.monitorWS[m]
			if ws == 0 {
				continue // not a monitor its source may feed: no mention
			}
			i := slices.IndexFunc(sets, func(x wsSet) bool { return x.ws == ws })
			if i < 0 {
				i = len(sets)
				sets = append(sets, wsSet{ws: ws})
			}
			sets[i].monitors = append(sets[i].monitors, m)
		}
		if len(sets) == 0 {
			continue
		}
		post, e := &p.item.Post, &p.item.Enrichment
		hour := hourOf(post.PublishedAt)
		value := postValue(e.Sentiment.Label, p.key.kind, storedLang(post, e), storedCountry(post))
		var author int64
		if p.author != nil {
			author = facts.authors[*p.author]
		}
		engagement := capCount(post.Metrics.Likes) + capCount(post.Metrics.Reposts) + capCount(post.Metrics.Replies)
		for _, set := range sets {
			key := setKey(set.monitors)
			d.add(set.ws, key, dimPost, hour, value, 1)
			if author != 0 {
				d.addAuthor(set.ws, hour, author, 1, engagement, capCount(facts.followers[author]))
			}
			// Entities count once per post (post_entities' key).
			for _, kv := range [...]struct {
				dim    string
				values []string
			}{{"hashtag", e.Entities.Hashtags}, {"domain", e.Entities.Domains}} {
				for i, v := range kv.values {
					if slices.Contains(kv.values[:i], v) {
						continue
					}
					d.add(set.ws, key, kv.dim, hour, v, 1)
				}
			}
		}
	}
}

// add counts n posts of the set in a rollup dimension, and in its
// workspace's set (of empty key), which adds up the others.
func (d rollupDelta) add(ws int64, set, dim string, hour int64, value string, n int64) {
	d[rollupKey{ws, set, dim, hour, value}] += n
	d[rollupKey{ws, "", dim, hour, value}] += n
}

// addAuthor counts sign posts of an author in a workspace (author_days, once
// per workspace) with their engagement; a post added also carries the
// author's current followers and its own engagement, for author_bounds
// (each plus one: deltas of 0 are skipped).
func (d rollupDelta) addAuthor(ws, hour, author, sign, engagement, followers int64) {
	a := strconv.FormatInt(author, 10)
	d[rollupKey{ws, "", dimAuthorPosts, hour, a}] += sign
	d[rollupKey{ws, "", dimAuthorEngagement, hour, a}] += sign * engagement
	if sign > 0 {
		d[rollupKey{ws, "", dimAuthorFollowers, hour, a}] = followers + 1
		top := rollupKey{ws, "", dimAuthorTopPost, hour, a}
		d[top] = max(d[top], engagement+1)
	}
}

// setKey is the key of a set of monitors: their ids in byte order.
func setKey(monitors []string) string {
	slices.Sort(monitors)
	return strings.Join(slices.Compact(monitors), setSep)
}

// reroll runs change, which changes what the posts count for in the rollups
// (their mentions, sentiment or language), and updates the rollups by the
// difference.
func (s *Store) reroll(ctx context.Context, tx *sql.Tx, postIDs []int64, change func() error) error {
	if s.pg() {
		// Lock the posts first, in id order: what is read before the
		// change (and the corrections the change checks, in later
		// statements) is then what a concurrent writer committed last.
		ids := slices.Sorted(slices.Values(postIDs))
		for chunk := range slices.Chunk(ids, maxParams) {
			args := make([]any, len(chunk))
			for i, id := range chunk {
				args[i] = id
			}
			rows, err := tx.QueryContext(ctx, s.q("SELECT id FROM posts WHERE id IN ("+list(len(chunk))+") ORDER BY id FOR UPDATE"), args...)
			if err != nil {
				return err
			}
			rows.Close()
		}
	}
	d := rollupDelta{}
	if err := s.addContributions(ctx, tx, postIDs, -1, d); err != nil {
		return err
	}
	if err := change(); err != nil {
		return err
	}
	if err := s.addContributions(ctx, tx, postIDs, 1, d); err != nil {
		return err
	}
	return s.writeRollups(ctx, tx, d)
}

// batchRollup is SaveBatch's share of the rollups: the posts stored before
// that gain a mention leave their old set before the mentions are inserted
// (before), then they and the new posts count in their sets (after).
type batchRollup struct {
	delta   rollupDelta
	gaining []int64
}

func (s *Store) rollupBefore(ctx context.Context, tx *sql.Tx, posts []*pending) (*batchRollup, error) {
	r := &batchRollup{delta: rollupDelta{}}
	var stored []*pending
	for _, p := range posts {
		if p.id != 0 && !p.inserted && len(p.monitors) > 0 {
			stored = append(stored, p)
		}
	}
	for chunk := range slices.Chunk(stored, maxParams) {
		args := make([]any, len(chunk))
		for i, p := range chunk {
			args[i] = p.id
		}
		have := map[int64][]string{}
		rows, err := tx.QueryContext(ctx, s.q("SELECT post_id, monitor_id FROM mentions WHERE post_id IN ("+list(len(chunk))+")"), args...)
		if err != nil {
			return nil, s.errf(err, "save batch: rollups")
		}
		for rows.Next() {
			var id int64
			var m string
			if err := rows.Scan(&id, &m); err != nil {
				rows.Close()
				return nil, s.errf(err, "save batch: rollups")
			}
			have[id] = append(have[id], m)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, s.errf(err, "save batch: rollups")
		}
		for _, p := range chunk {
			for _, m := range p.monitors {
				if !slices.Contains(have[p.id], m) {
					r.gaining = append(r.gaining, p.id)
					break
				}
			}
		}
	}
	if err := s.addContributions(ctx, tx, r.gaining, -1, r.delta); err != nil {
		return nil, fmt.Errorf("save batch: %w", err)
	}
	return r, nil
}

// newPostFacts is what a batch's transaction learnt of its new posts: their
// authors' ids and followers as stored, and the workspace of each monitor
// they are mentions of.
type newPostFacts struct {
	authors   map[authorKey]int64
	followers map[int64]int64 // by author id
	monitorWS map[string]int64
}

func (s *Store) rollupAfter(ctx context.Context, tx *sql.Tx, r *batchRollup, posts []*pending, facts newPostFacts) error {
	// Posts stored before are read back (their mentions, tags and
	// corrections are in the database); new ones are counted from the
	// batch, which holds all they count for: a new post has no tag or
	// correction yet. Reading them back cost a tenth of an import's
	// transaction.
	if err := s.addContributions(ctx, tx, r.gaining, 1, r.delta); err != nil {
		return fmt.Errorf("save batch: %w", err)
	}
	addNewContributions(posts, facts, r.delta)
	if s.checkNewContributions {
		var ids []int64
		for _, p := range posts {
			if p.inserted {
				ids = append(ids, p.id)
			}
		}
		read, mem := rollupDelta{}, rollupDelta{}
		if err := s.addContributions(ctx, tx, ids, 1, read); err != nil {
			return fmt.Errorf("save batch: %w", err)
		}
		addNewContributions(posts, facts, mem)
		if !maps.Equal(read, mem) {
			return fmt.Errorf("save batch: new posts' rollups differ: read back %v, from the batch %v", read, mem)
		}
	}
	if err := s.writeRollups(ctx, tx, r.delta); err != nil {
		return fmt.Errorf("save batch: %w", err)
	}
	return nil
}

// rollupRow is a change to one row of rollup_hours or rollup_days.
type rollupRow struct {
	set    int64
	dim    string
	bucket int64
	value  string
}

// writeRollups applies the changes to both tables, in key order (so that
// concurrent transactions lock rows in the same order), and deletes the rows
// whose count fell to zero.
func (s *Store) writeRollups(ctx context.Context, tx *sql.Tx, d rollupDelta) error {
	sets := map[setRef]int64{}
	for k, n := range d {
		if n != 0 {
			sets[setRef{k.workspace, k.set}] = 0
		}
	}
	if len(sets) == 0 {
		return nil
	}
	if err := s.setIDs(ctx, tx, sets); err != nil {
		return err
	}
	hours, days := map[rollupRow]int64{}, map[rollupRow]int64{}
	authors := map[authorDay]*[4]int64{}
	for k, n := range d {
		if n == 0 {
			continue
		}
		if isAuthorDim(k.dim) {
			addAuthorDelta(authors, k, n)
			continue
		}
		id := sets[setRef{k.workspace, k.set}]
		hours[rollupRow{id, k.dim, k.hour, k.value}] += n
		days[rollupRow{id, k.dim, floorDiv(k.hour, 24), k.value}] += n
	}
	if err := s.writeRollupTotals(ctx, tx, hours, days); err != nil {
		return err
	}
	for _, t := range []struct {
		table string
		shape rowShape
		rows  map[rollupRow]int64
	}{{"rollup_hours", upsertRollupHours, hours}, {"rollup_days", upsertRollupDays, days}} {
		keys := make([]rollupRow, 0, len(t.rows))
		for k, n := range t.rows {
			if n != 0 {
				keys = append(keys, k)
			}
		}
		slices.SortFunc(keys, func(a, b rollupRow) int {
			return cmp.Or(cmp.Compare(a.set, b.set), strings.Compare(a.dim, b.dim), cmp.Compare(a.bucket, b.bucket), strings.Compare(a.value, b.value))
		})
		const cols = 5
		var fallen []rollupRow
		args := make([]any, 0, len(keys)*cols)
		for _, k := range keys {
			n := t.rows[k]
			args = append(args, k.set, k.dim, k.bucket, k.value, n)
			if n < 0 {
				fallen = append(fallen, k)
			}
		}
		if _, err := s.execRows(ctx, tx, t.shape, args); err != nil {
			return s.errf(err, "rollups: %s", t.table)
		}
		if len(fallen) > 0 {
			stmt, err := tx.PrepareContext(ctx, s.q(`DELETE FROM `+t.table+` WHERE set_id = ? AND dim = ? AND bucket = ? AND value = ? AND n = 0`))
			if err != nil {
				return s.errf(err, "rollups: %s", t.table)
			}
			for _, k := range fallen {
				if _, err := stmt.ExecContext(ctx, k.set, k.dim, k.bucket, k.value); err != nil {
					stmt.Close()
					return s.errf(err, "rollups: %s", t.table)
				}
			}
			stmt.Close()
		}
	}
	return s.writeAuthorDays(ctx, tx, authors)
}

// rerollAuthors runs change (the deletion of a monitor) and moves
// author_days by the difference for the monitor's posts: a post that no
// longer has a mention in the workspace leaves its author's counts. The
// rollups themselves are moved by dropFromRollups.
func (s *Store) rerollAuthors(ctx context.Context, tx *sql.Tx, monitorID string, change func() error) error {
	rows, err := tx.QueryContext(ctx, s.q("SELECT post_id FROM mentions WHERE monitor_id = ?"), monitorID)
	if err != nil {
		return err
	}
	ids, err := collect(rows, func(r interface{ Scan(...any) error }) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	}, func(err error) error { return err })
	if err != nil {
		return err
	}
	d := rollupDelta{}
	if err := s.addContributions(ctx, tx, ids, -1, d); err != nil {
		return err
	}
	if err := change(); err != nil {
		return err
	}
	if err := s.addContributions(ctx, tx, ids, 1, d); err != nil {
		return err
	}
	authors := map[authorDay]*[4]int64{}
	for k, n := range d {
		if n != 0 && isAuthorDim(k.dim) {
			addAuthorDelta(authors, k, n)
		}
	}
	return s.writeAuthorDays(ctx, tx, authors)
}

// authorDay is a row of author_days.
type authorDay struct{ workspace, day, author int64 }

func isAuthorDim(dim string) bool {
	return dim == dimAuthorPosts || dim == dimAuthorEngagement || dim == dimAuthorFollowers || dim == dimAuthorTopPost
}

// addAuthorDelta adds a rollup delta of an author dimension to the
// author_days deltas: posts and engagement (summed), followers (the current
// count; -1 when unknown), the most engagement of one post (-1: none).
func addAuthorDelta(authors map[authorDay]*[4]int64, k rollupKey, n int64) {
	id, _ := strconv.ParseInt(k.value, 10, 64)
	ad := authorDay{k.workspace, floorDiv(k.hour, 24), id}
	v := authors[ad]
	if v == nil {
		v = &[4]int64{0, 0, -1, -1}
		authors[ad] = v
	}
	switch k.dim {
	case dimAuthorPosts:
		v[0] += n
	case dimAuthorEngagement:
		v[1] += n
	case dimAuthorTopPost:
		v[3] = max(v[3], n-1) // stored plus one
	default:
		v[2] = n - 1 // stored plus one
	}
}

// writeAuthorDays adds the deltas to author_days, in key order, and deletes
// the rows whose count fell to zero.
func (s *Store) writeAuthorDays(ctx context.Context, tx *sql.Tx, deltas map[authorDay]*[4]int64) error {
	keys := make([]authorDay, 0, len(deltas))
	for k, v := range deltas {
		if v[0] != 0 || v[1] != 0 {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b authorDay) int {
		return cmp.Or(cmp.Compare(a.workspace, b.workspace), cmp.Compare(a.author, b.author), cmp.Compare(a.day, b.day))
	})
	const cols = 6
	var fallen []authorDay
	args := make([]any, 0, len(keys)*cols)
	for _, k := range keys {
		v := deltas[k]
		args = append(args, k.workspace, k.author, k.day, v[0], v[1], v[2])
		if v[0] < 0 {
			fallen = append(fallen, k)
		}
	}
	if _, err := s.execRows(ctx, tx, upsertAuthorDays, args); err != nil {
		return s.errf(err, "rollups: author_days")
	}
	for _, k := range fallen {
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM author_days WHERE workspace_id = ? AND author_id = ? AND day = ? AND n = 0"), k.workspace, k.author, k.day); err != nil {
			return s.errf(err, "rollups: author_days")
		}
	}
	return s.writeAuthorBounds(ctx, tx, deltas)
}

// writeAuthorBounds keeps author_bounds at or above what author_days holds
// (migration 0022): the authors' mentions summed, the most engagement of
// one post and the most followers kept, the bound recomputed from them.
func (s *Store) writeAuthorBounds(ctx context.Context, tx *sql.Tx, deltas map[authorDay]*[4]int64) error {
	type wa struct{ workspace, author int64 }
	sums := map[wa]*[3]int64{}
	for k, v := range deltas {
		if v[0] == 0 && v[2] < 0 && v[3] < 0 {
			continue
		}
		x := sums[wa{k.workspace, k.author}]
		if x == nil {
			x = &[3]int64{0, 0, 0}
			sums[wa{k.workspace, k.author}] = x
		}
		x[0] += v[0]
		x[1], x[2] = max(x[1], v[3]), max(x[2], v[2])
	}
	keys := slices.SortedFunc(maps.Keys(sums), func(a, b wa) int {
		return cmp.Or(cmp.Compare(a.workspace, b.workspace), cmp.Compare(a.author, b.author))
	})
	args := make([]any, 0, len(keys)*6)
	var fallen []wa
	for _, k := range keys {
		v := sums[k]
		// The bound of a new row (an existing one's is recomputed in SQL).
		args = append(args, k.workspace, k.author, v[0], v[1], v[2], authorBound(v[0], v[1], v[2]))
		if v[0] < 0 {
			fallen = append(fallen, k)
		}
	}
	if _, err := s.execRows(ctx, tx, s.upsertAuthorBounds, args); err != nil {
		return s.errf(err, "rollups: author_bounds")
	}
	for _, k := range fallen {
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM author_bounds WHERE workspace_id = ? AND author_id = ? AND n <= 0"), k.workspace, k.author); err != nil {
			return s.errf(err, "rollups: author_bounds")
		}
	}
	return nil
}

// setRef names a monitor set.
type setRef struct {
	workspace int64
	key       string
}

// setIDs fills in the ids of the sets, creating the missing ones.
func (s *Store) setIDs(ctx context.Context, tx *sql.Tx, sets map[setRef]int64) error {
	refs := make([]setRef, 0, len(sets))
	for r, id := range sets {
		if id == 0 { // not known yet
			refs = append(refs, r)
		}
	}
	if len(refs) == 0 {
		return nil
	}
	slices.SortFunc(refs, func(a, b setRef) int { return strings.Compare(a.key, b.key) })
	find := func() ([]setRef, error) {
		for chunk := range slices.Chunk(refs, maxParams) {
			args := make([]any, len(chunk))
			for i, r := range chunk {
				args[i] = r.key
			}
			rows, err := tx.QueryContext(ctx, s.q("SELECT id, workspace_id, key FROM monitor_sets WHERE key IN ("+list(len(chunk))+")"), args...)
			if err != nil {
				return nil, s.errf(err, "rollups: monitor sets")
			}
			for rows.Next() {
				var r setRef
				var id int64
				if err := rows.Scan(&id, &r.workspace, &r.key); err != nil {
					rows.Close()
					return nil, s.errf(err, "rollups: monitor sets")
				}
				if _, ok := sets[r]; ok {
					sets[r] = id
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, s.errf(err, "rollups: monitor sets")
			}
		}
		var missing []setRef
		for _, r := range refs {
			if sets[r] == 0 {
				missing = append(missing, r)
			}
		}
		return missing, nil
	}
	missing, err := find()
	if err != nil || len(missing) == 0 {
		return err
	}
	// Created in a few statements, not two per set: an import creates
	// thousands of sets, and one at a time they were a tenth of its
	// transaction. A set another transaction created meanwhile is not
	// returned (DO NOTHING) and is found again below.
	var members []any
	for chunk := range slices.Chunk(missing, maxParams/2) {
		args := make([]any, 0, 2*len(chunk))
		for _, r := range chunk {
			args = append(args, r.workspace, r.key)
		}
		rows, err := tx.QueryContext(ctx, s.q(`INSERT INTO monitor_sets (workspace_id, key) VALUES `+placeholders(len(chunk), 2)+`
			ON CONFLICT (workspace_id, key) DO NOTHING RETURNING id, workspace_id, key`), args...)
		if err != nil {
			return s.errf(err, "rollups: create monitor sets")
		}
		for rows.Next() {
			var r setRef
			var id int64
			if err := rows.Scan(&id, &r.workspace, &r.key); err != nil {
				rows.Close()
				return s.errf(err, "rollups: create monitor sets")
			}
			sets[r] = id
			if r.key == "" {
				continue // the workspace's: no members
			}
			for _, m := range strings.Split(r.key, setSep) {
				members = append(members, id, m)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return s.errf(err, "rollups: create monitor sets")
		}
	}
	for chunk := range slices.Chunk(members, maxParams/2*2) {
		if _, err := tx.ExecContext(ctx, s.q("INSERT INTO monitor_set_members (set_id, monitor_id) VALUES "+placeholders(len(chunk)/2, 2)), chunk...); err != nil {
			return s.errf(err, "rollups: create monitor sets")
		}
	}
	if missing, err = find(); err != nil {
		return err
	}
	if len(missing) > 0 {
		return fmt.Errorf("rollups: monitor set %q of workspace %d not found", missing[0].key, missing[0].workspace)
	}
	return nil
}

// dropFromRollups moves the counts of the sets holding the monitor to the
// same sets without it, before the monitor is deleted.
func (s *Store) dropFromRollups(ctx context.Context, tx *sql.Tx, monitorID string) error {
	rows, err := tx.QueryContext(ctx, s.q(`SELECT ms.id, ms.workspace_id, ms.key FROM monitor_sets ms
		JOIN monitor_set_members mem ON mem.set_id = ms.id WHERE mem.monitor_id = ? ORDER BY ms.key`), monitorID)
	if err != nil {
		return s.errf(err, "rollups: sets of monitor")
	}
	type old struct {
		id int64
		setRef
	}
	olds, err := collect(rows, func(r interface{ Scan(...any) error }) (old, error) {
		var o old
		return o, r.Scan(&o.id, &o.workspace, &o.key)
	}, func(err error) error { return s.errf(err, "rollups: sets of monitor") })
	if err != nil {
		return err
	}
	for _, o := range olds {
		// The set's posts move to the same set without the monitor; with
		// no monitor left, they leave the workspace's figures.
		rest := slices.DeleteFunc(strings.Split(o.key, setSep), func(m string) bool { return m == monitorID })
		to, n := setRef{o.workspace, setKey(rest)}, "n"
		if len(rest) == 0 {
			to, n = setRef{o.workspace, ""}, "-n"
		}
		ids := map[setRef]int64{to: 0}
		if err := s.setIDs(ctx, tx, ids); err != nil {
			return err
		}
		for _, table := range []string{"rollup_hours", "rollup_days"} {
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO `+table+` (set_id, dim, bucket, value, n)
				SELECT ?, dim, bucket, value, `+n+` FROM `+table+` WHERE set_id = ? ORDER BY dim, bucket, value
				ON CONFLICT (set_id, dim, bucket, value) DO UPDATE SET n = `+table+`.n + excluded.n`), ids[to], o.id); err != nil {
				return s.errf(err, "rollups: merge monitor sets")
			}
			if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM `+table+` WHERE set_id = ? AND n = 0
				AND (dim, bucket, value) IN (SELECT dim, bucket, value FROM `+table+` WHERE set_id = ?)`), ids[to], o.id); err != nil {
				return s.errf(err, "rollups: merge monitor sets")
			}
		}
		if err := s.mergeRollupTotals(ctx, tx, o.id, ids[to], n); err != nil {
			return err
		}
		// Its rows and members go with it.
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM monitor_sets WHERE id = ?"), o.id); err != nil {
			return s.errf(err, "rollups: delete monitor set")
		}
	}
	return nil
}
