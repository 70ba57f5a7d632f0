package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/text"
)

// Item is a post to store and the monitors it matched, by key
// (vigie.MonitorRecord.Key, as the matching engine knows them).
type Item struct {
	Post        vigie.Post
	MonitorKeys []string
	Enrichment  Enrichment
}

// Enrichment is what the pipeline computed for a new post.
type Enrichment struct {
	// Lang is the detected language; empty keeps the source's declared one.
	Lang      string
	Sentiment vigie.Sentiment
	Simhash   uint64
	// NearDuplicateOf names the earlier post (source kind and external id)
	// this one nearly duplicates, if any; it is linked when stored.
	NearDuplicateOf PostRef
	Entities        vigie.Entities
	// SearchText is SearchText of the post's analysis when the caller has
	// it (the pipeline's matching workers analyse every post): SaveBatch
	// then does not analyse the post again in its one writer's turn.
	// Empty, SaveBatch computes it.
	SearchText string
}

// PostRef names a post by its source kind and external id.
type PostRef struct{ Kind, ID string }

// Saved reports what SaveBatch stored.
type Saved struct {
	Posts    int `json:"posts"`    // posts inserted
	Existing int `json:"existing"` // items whose post was already stored (or repeated in the batch)
	Mentions int `json:"mentions"` // mentions inserted
	Kept     int `json:"kept"`     // posts kept in the recent window (in chunks)
}

// Columns of a posts row, in the order insertPosts binds them.
const postInsertCols = `source_id, source_kind, external_id, url, published_at, author_id, title, text, lang, country,
	links, reply_to, repost_of, likes, reposts, replies, views, search_text, stored_at, simhash,
	declared_lang, sentiment, sentiment_score`

const postInsertN = 23

// insertPostRows inserts posts, returning the ids of those that are new.
var insertPostRows = rowShape{`INSERT INTO posts (` + postInsertCols + `) VALUES `, `(` + strings.Repeat(`?, `, postInsertN-1) + `?)`,
	` ON CONFLICT (source_kind, external_id) DO NOTHING RETURNING id, source_kind, external_id`}

// postChunk is the most posts one statement inserts. A batch's statements
// of this many rows are prepared once, at Open (fullChunks): parsing a
// fresh one of 30,000 parameters each time was a third of the statement
// preparing in an import's transactions.
const postChunk = maxParams / postInsertN

func init() { fullChunks = append(fullChunks, rowsStmt{insertPostRows, postChunk}) }

// maxParams keeps multi-row statements under SQLite's limit of bound
// parameters (32766) and PostgreSQL's (65535).
const maxParams = 30000

// StoredID is the id a post is stored and de-duplicated under: the
// network's own id when the source that delivered it is authoritative for
// it (vigie.SourceKind.Authoritative), else the id qualified by the source
// ("src/12/<id>"), so that a feed, an import or a webhook of one workspace
// cannot speak for an item of another's. Mentions show the post's own id
// (unscope).
func StoredID(sourceKind vigie.SourceKind, sourceID int64, postKind, id string) string {
	if authoritative(sourceKind, postKind) {
		return id
	}
	return scopePrefix + strconv.FormatInt(sourceID, 10) + "/" + id
}

// authoritative reports whether a source of sourceKind speaks for the ids
// of posts (and their authors) of postKind.
func authoritative(sourceKind vigie.SourceKind, postKind string) bool {
	return sourceKind.Authoritative() && strings.EqualFold(postKind, string(sourceKind))
}

const scopePrefix = "src/"

// unscope returns the post's own id from a stored one.
func unscope(stored string) string {
	rest, ok := strings.CutPrefix(stored, scopePrefix)
	if !ok {
		return stored
	}
	if i := strings.IndexByte(rest, '/'); i > 0 {
		if _, err := strconv.ParseInt(rest[:i], 10, 64); err == nil {
			return rest[i+1:]
		}
	}
	return stored
}

// kindOf is the source kind stored for a post: its own "source", or the
// kind of the source it came through.
func kindOf(p *vigie.Post, fallback string) string {
	if k := strings.ToLower(strings.TrimSpace(p.Source)); k != "" {
		return k
	}
	return fallback
}

type postKey struct{ kind, id string }

// pending is one distinct post of a batch.
type pending struct {
	key      postKey
	item     *Item
	monitors []string
	author   *authorKey
	id       int64 // stored post id
	at       any   // stored published_at, as a query argument
	search   string
	links    string
	inserted bool
}

type authorKey struct{ kind, key string }

func authorKeyOf(kind string, a *vigie.Author) *authorKey {
	switch {
	case a.ID != "":
		return &authorKey{kind, "id:" + a.ID}
	case strings.TrimSpace(a.Handle) != "":
		return &authorKey{kind, "handle:" + strings.TrimSpace(a.Handle)}
	case strings.TrimSpace(a.Name) != "":
		// Feeds often name their authors only.
		return &authorKey{kind, "name:" + strings.TrimSpace(a.Name)}
	}
	return nil
}

// searchText returns the text indexed for full-text search of a post.
func searchText(a *text.Analyzer, p *vigie.Post) string { return SearchText(a.Analyze(p)) }

// SearchText returns the text indexed for full-text search of an analysed
// post: its folded words separated by spaces (and a hashtag's tag when it
// differs from its word), each cut to maxIndexedWord bytes, up to
// maxSearchText bytes in all.
func SearchText(d *text.Doc) string {
	var b strings.Builder
	b.Grow(min(len(d.Plain), maxSearchText))
	add := func(w string) bool {
		w = truncateWord(w)
		if b.Len()+1+len(w) > maxSearchText {
			return false
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
		return true
	}
	for i := range d.Tokens {
		w := d.Word(i)
		if !add(w) {
			break
		}
		if d.Tokens[i].Kind == text.Hashtag {
			if tag := d.Tag(i); tag != w && !add(tag) {
				break
			}
		}
	}
	return b.String()
}

// maxSearchText bounds the words of a post that search finds (256 KB of
// folded words, some 40,000 words: far beyond any real post). PostgreSQL
// refuses a tsvector over 1 MB, which the words of a 1 MB title and a 1 MB
// text can exceed: the post, and its whole batch with it, failed to
// store. A tsvector costs at most 4 bytes per distinct word beside the
// word, and words are at least one byte and a space apart, so 256 KB of
// words make at most 768 KB.
const maxSearchText = 256 << 10

// SaveBatch stores posts and their mentions from one source in a single
// transaction, and with them, when state is not nil, the source's state
// (its cursor): the cursor is never saved without the posts before it.
//
// Posts are keyed by (source kind, external id): a post stored before is
// not stored again, but its new mentions are (a monitor added since). A
// mention of a monitor that does not exist (deleted meanwhile) is skipped.
// Authors are created or refreshed. Counts over vigie.MaxCount are lowered
// to it, and a declared language is normalised (vigie.Post.NormalizeLang),
// in items too. An invalid post fails the batch with
// ErrInvalid before anything is written; an unknown source is ErrNotFound.
//
// kept are chunks of the batch's posts that matched no monitor, for the
// recent window (RecentChunk): written in the same transaction, so that
// the cursor never moves past posts that were neither stored nor kept.
func (s *Store) SaveBatch(ctx context.Context, sourceID int64, items []Item, state *vigie.SourceState, kept ...RecentChunk) (Saved, error) {
	if err := checkRecent(kept); err != nil {
		return Saved{}, err
	}
	for i := range items {
		p := &items[i].Post
		p.StripNUL()
		if err := p.Validate(); err != nil {
			return Saved{}, fmt.Errorf("save batch: item %d: %w", i, err)
		}
		p.ClampCounts()
		p.NormalizeLang()
		if y := p.PublishedAt.UTC().Year(); y < 1 || y > 9999 {
			return Saved{}, fmt.Errorf("save batch: item %d: %w: post %q published in year %d", i, vigie.ErrInvalid, p.ID, y)
		}
	}
	var sourceKind string
	if err := s.db.QueryRowContext(ctx, s.q("SELECT kind FROM sources WHERE id = ?"), sourceID).Scan(&sourceKind); err != nil {
		return Saved{}, s.errf(err, "save batch: source %d", sourceID)
	}
	// Analysis runs before the transaction, which holds SQLite's write lock.
	posts := pendingPosts(items, sourceKind, sourceID)
	var saved Saved
	save := func(tx *sql.Tx) error {
		saved = Saved{}
		for _, p := range posts {
			p.id, p.at, p.inserted = 0, nil, false
		}
		authors, followers, err := s.upsertAuthors(ctx, tx, posts)
		if err != nil {
			return err
		}
		if err := s.insertPosts(ctx, tx, sourceID, posts, authors); err != nil {
			return err
		}
		for _, p := range posts {
			if p.inserted {
				saved.Posts++
			}
		}
		saved.Existing = len(items) - saved.Posts
		// The dashboard's rollups count the new mentions (aggregate.go).
		roll, err := s.rollupBefore(ctx, tx, posts)
		if err != nil {
			return err
		}
		monitorWS, n, err := s.insertMentions(ctx, tx, sourceID, posts)
		if err != nil {
			return err
		}
		saved.Mentions = n
		if err := s.insertEnrichment(ctx, tx, sourceID, posts); err != nil {
			return err
		}
		if err := s.rollupAfter(ctx, tx, roll, posts, newPostFacts{authors, followers, monitorWS}); err != nil {
			return err
		}
		if saved.Kept, err = s.insertRecent(ctx, tx, sourceID, kept); err != nil {
			return err
		}
		if state != nil {
			if err := s.updateSourceState(ctx, tx, sourceID, *state); err != nil {
				return fmt.Errorf("save batch: %w", err)
			}
		}
		if s.beforeCommit != nil {
			return s.beforeCommit()
		}
		return nil
	}
	// Concurrent batches take their locks in key order, but PostgreSQL may
	// still pick one as a deadlock victim: the batch is idempotent, retry it.
	var err error
	for attempt := 1; ; attempt++ {
		err = s.inTx(ctx, save)
		if err == nil || attempt == 3 || !s.retryable(err) {
			break
		}
	}
	if err != nil {
		return Saved{}, err
	}
	return saved, nil
}

// storedLang is the language in effect a post is stored with: detected,
// else the declared one if it is a code (a feed's "english" or "fr-CH" is
// no filter value).
func storedLang(post *vigie.Post, e *Enrichment) string {
	if e.Lang == "" && validLangCode(strings.ToLower(post.Lang)) {
		return strings.ToLower(post.Lang)
	}
	return e.Lang
}

// storedCountry is a post's country in lower case, as queries (country:ch)
// and filters compare it.
func storedCountry(post *vigie.Post) string {
	return strings.ToLower(strings.TrimSpace(post.Country))
}

// pendingPosts merges the items of a batch by post key, in order.
func pendingPosts(items []Item, sourceKind string, sourceID int64) []*pending {
	byKey := make(map[postKey]*pending, len(items))
	out := make([]*pending, 0, len(items))
	var a text.Analyzer
	for i := range items {
		it := &items[i]
		kind := kindOf(&it.Post, sourceKind)
		k := postKey{kind, StoredID(vigie.SourceKind(sourceKind), sourceID, kind, it.Post.ID)}
		if p, ok := byKey[k]; ok {
			p.monitors = append(p.monitors, it.MonitorKeys...)
			continue
		}
		p := &pending{key: k, item: it, monitors: slices.Clone(it.MonitorKeys)}
		p.author = authorKeyOf(k.kind, &it.Post.Author)
		if p.author != nil && !authoritative(vigie.SourceKind(sourceKind), kind) {
			// As its posts: a source that does not speak for the network
			// (a feed, an import) describes its own authors, not those
			// another workspace's mentions show.
			p.author.key = scopePrefix + strconv.FormatInt(sourceID, 10) + "/" + p.author.key
		}
		if p.search = it.Enrichment.SearchText; p.search == "" {
			p.search = searchText(&a, &it.Post)
		}
		p.links = "[]"
		if len(it.Post.Links) > 0 {
			b, _ := json.Marshal(it.Post.Links) // []string always marshals
			p.links = string(b)
		}
		byKey[k] = p
		out = append(out, p)
	}
	for _, p := range out {
		slices.Sort(p.monitors)
		p.monitors = slices.Compact(p.monitors)
	}
	// Rows are written in key order, so that concurrent batches lock them
	// in the same order.
	slices.SortFunc(out, func(a, b *pending) int {
		return cmp.Or(strings.Compare(a.key.kind, b.key.kind), strings.Compare(a.key.id, b.key.id))
	})
	return out
}

// upsertAuthorRows creates or refreshes authors, returning their ids and
// followers as stored. A re-delivery that lacks a field does not blank the
// stored one.
var upsertAuthorRows = rowShape{`INSERT INTO authors (source_kind, key, external_id, handle, name, followers, url, updated_at) VALUES `,
	`(?, ?, ?, ?, ?, ?, ?, ?)`, ` ON CONFLICT (source_kind, key) DO UPDATE SET
		handle = CASE WHEN excluded.handle <> '' THEN excluded.handle ELSE authors.handle END,
		name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE authors.name END,
		followers = CASE WHEN excluded.followers <> 0 THEN excluded.followers ELSE authors.followers END,
		url = CASE WHEN excluded.url <> '' THEN excluded.url ELSE authors.url END,
		updated_at = excluded.updated_at
	RETURNING id, source_kind, key, followers`}

const (
	authorUpsertN = 8
	// authorChunk is the most authors one statement upserts; a statement
	// of this many is prepared at Open, as postChunk's.
	authorChunk = maxParams / authorUpsertN
)

func init() { fullChunks = append(fullChunks, rowsStmt{upsertAuthorRows, authorChunk}) }

// upsertAuthors creates or refreshes the batch's authors and returns their ids.
// The second map holds each author's followers as stored, by author id.
func (s *Store) upsertAuthors(ctx context.Context, tx *sql.Tx, posts []*pending) (map[authorKey]int64, map[int64]int64, error) {
	const cols = authorUpsertN
	// An author appearing in several posts is described by the newest.
	latest := map[authorKey]*vigie.Post{}
	var order []authorKey
	for _, p := range posts {
		if p.author == nil {
			continue
		}
		prev, ok := latest[*p.author]
		if !ok {
			order = append(order, *p.author)
		}
		if !ok || p.item.Post.PublishedAt.After(prev.PublishedAt) {
			latest[*p.author] = &p.item.Post
		}
	}
	slices.SortFunc(order, func(a, b authorKey) int {
		return cmp.Or(strings.Compare(a.kind, b.kind), strings.Compare(a.key, b.key))
	})
	ids := make(map[authorKey]int64, len(order))
	followers := make(map[int64]int64, len(order))
	now := s.tm(s.clock())
	for chunk := range slices.Chunk(order, authorChunk) {
		args := make([]any, 0, len(chunk)*cols)
		for _, k := range chunk {
			a := &latest[k].Author
			args = append(args, k.kind, k.key, a.ID, strings.TrimSpace(a.Handle), a.Name, a.Followers, a.URL, now)
		}
		rows, err := s.queryRows(ctx, tx, rowsStmt{upsertAuthorRows, len(chunk)}, args)
		if err != nil {
			return nil, nil, s.errf(err, "save batch: authors")
		}
		for rows.Next() {
			var id, f int64
			var k authorKey
			if err := rows.Scan(&id, &k.kind, &k.key, &f); err != nil {
				rows.Close()
				return nil, nil, s.errf(err, "save batch: authors")
			}
			ids[k], followers[id] = id, f
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, s.errf(err, "save batch: authors")
		}
	}
	// author_days carries each author's current followers (top authors rank
	// by them without reading the authors): a change reaches its rows. On
	// PostgreSQL in a few statements (one per author cost a round trip
	// each); SQLite runs a prepared one per author faster than UPDATE FROM.
	var follow []any
	for _, k := range order {
		if f := latest[k].Author.Followers; f != 0 {
			follow = append(follow, ids[k], f)
		}
	}
	// author_bounds keeps the most followers author_days has carried.
	var err error
	if s.pg() {
		_, err = s.execRows(ctx, tx, updateFollowersRows, follow)
		if err == nil {
			_, err = s.execRows(ctx, tx, s.raiseBoundFollowers, follow)
		}
	} else if len(follow) > 0 {
		var st, raise *sql.Stmt
		if st, err = s.prepared(ctx, tx, rowsStmt{updateFollowers, 0}); err == nil {
			raise, err = s.prepared(ctx, tx, rowsStmt{s.raiseBoundFollowers, 0})
		}
		for i := 0; i < len(follow) && err == nil; i += 2 {
			var res sql.Result
			if res, err = st.ExecContext(ctx, follow[i+1], follow[i], follow[i+1]); err != nil {
				break
			}
			// Unless author_days changed, the bounds already hold what it
			// carries: most authors' followers are as they were.
			if n, _ := res.RowsAffected(); n > 0 {
				_, err = raise.ExecContext(ctx, follow[i+1], follow[i])
			}
		}
	}
	if err != nil {
		return nil, nil, s.errf(err, "save batch: authors")
	}
	return ids, followers, nil
}

// insertPosts inserts the posts that are new and finds the ids of the others.
func (s *Store) insertPosts(ctx context.Context, tx *sql.Tx, sourceID int64, posts []*pending, authors map[authorKey]int64) error {
	byKey := make(map[postKey]*pending, len(posts))
	for _, p := range posts {
		byKey[p.key] = p
	}
	now := s.tm(s.clock())
	for chunk := range slices.Chunk(posts, postChunk) {
		args := make([]any, 0, len(chunk)*postInsertN)
		for _, p := range chunk {
			post := &p.item.Post
			var author any
			if p.author != nil {
				author = authors[*p.author]
			}
			m := &post.Metrics
			e := &p.item.Enrichment
			lang, country := storedLang(post, e), storedCountry(post)
			args = append(args, sourceID, p.key.kind, p.key.id, post.URL, s.tm(post.PublishedAt), author,
				post.Title, post.Text, lang, country, p.links, post.ReplyTo, post.RepostOf,
				m.Likes, m.Reposts, m.Replies, m.Views, p.search, now, int64(e.Simhash),
				post.Lang, e.Sentiment.Label, e.Sentiment.Score)
		}
		rows, err := s.queryRows(ctx, tx, rowsStmt{insertPostRows, len(chunk)}, args)
		if err != nil {
			return s.errf(err, "save batch: posts")
		}
		for rows.Next() {
			var id int64
			var k postKey
			if err := rows.Scan(&id, &k.kind, &k.id); err != nil {
				rows.Close()
				return s.errf(err, "save batch: posts")
			}
			if p := byKey[k]; p != nil {
				p.id, p.inserted = id, true
				p.at = s.tm(p.item.Post.PublishedAt)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return s.errf(err, "save batch: posts")
		}
	}
	if !s.pg() {
		if err := s.indexPosts(ctx, tx, posts); err != nil {
			return err
		}
	}
	// Posts stored before: their ids, for their mentions.
	missing := map[string][]string{}
	for _, p := range posts {
		if !p.inserted && len(p.monitors) > 0 {
			missing[p.key.kind] = append(missing[p.key.kind], p.key.id)
		}
	}
	for kind, ids := range missing {
		// A tombstone (postchange.go) gets no mention: its network deleted it.
		err := s.eachKnownPost(ctx, tx, kind, ids, true, func(id int64, ext string, at time.Time) {
			if p := byKey[postKey{kind, ext}]; p != nil {
				p.id, p.at = id, s.tm(at)
			}
		})
		if err != nil {
			return fmt.Errorf("save batch: %w", err)
		}
	}
	return nil
}

// indexPosts adds the posts just inserted to SQLite's full-text index
// (migration 0026): one statement per run of consecutive ids — a batch's
// new posts are numbered one after the other, so one statement in all —
// reading their search text back from the pages just written.
func (s *Store) indexPosts(ctx context.Context, tx *sql.Tx, posts []*pending) error {
	ids := make([]int64, 0, len(posts))
	for _, p := range posts {
		if p.inserted {
			ids = append(ids, p.id)
		}
	}
	slices.Sort(ids)
	for i := 0; i < len(ids); {
		j := i + 1
		for j < len(ids) && ids[j] == ids[j-1]+1 {
			j++
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO posts_fts (rowid, search_text) SELECT id, search_text FROM posts WHERE id BETWEEN ? AND ?", ids[i], ids[j-1]); err != nil {
			return s.errf(err, "save batch: full-text index")
		}
		i = j
	}
	return nil
}

// insertMentions inserts the batch's mentions of existing monitors that the
// source may feed (its workspace's, or its organisation's when it is
// shared) and returns how many were new.
// It returns the workspace of each monitor the mentions are of.
func (s *Store) insertMentions(ctx context.Context, tx *sql.Tx, sourceID int64, posts []*pending) (map[string]int64, int, error) {
	var wanted []string
	for _, p := range posts {
		wanted = append(wanted, p.monitors...)
	}
	if len(wanted) == 0 {
		return nil, 0, nil
	}
	slices.Sort(wanted)
	wanted = slices.Compact(wanted)
	exists := make(map[string]int64, len(wanted))
	for chunk := range slices.Chunk(wanted, maxParams) {
		args := make([]any, 0, len(chunk)+1)
		for _, id := range chunk {
			args = append(args, id)
		}
		args = append(args, sourceID)
		rows, err := tx.QueryContext(ctx, s.q("SELECT id, workspace_id FROM monitors WHERE id IN ("+list(len(chunk))+") AND workspace_id IN ("+sourceWorkspaces+")"), args...)
		if err != nil {
			return nil, 0, s.errf(err, "save batch: monitors")
		}
		for rows.Next() {
			var id string
			var ws int64
			if err := rows.Scan(&id, &ws); err != nil {
				rows.Close()
				return nil, 0, s.errf(err, "save batch: monitors")
			}
			exists[id] = ws
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, 0, s.errf(err, "save batch: monitors")
		}
	}
	var args []any
	for _, p := range posts {
		if p.id == 0 {
			continue
		}
		for _, m := range p.monitors {
			if exists[m] != 0 {
				args = append(args, p.id, m, p.at)
			}
		}
	}
	n, err := s.execRows(ctx, tx, insertMentionRows, args)
	if err != nil {
		return nil, 0, s.errf(err, "save batch: mentions")
	}
	return exists, int(n), nil
}

// KnownPosts reports which of these posts of a kind, delivered by a source,
// are stored (under StoredID), for the pipeline's dedupe before matching.
func (s *Store) KnownPosts(ctx context.Context, src *vigie.Source, postKind string, ids []string) (map[string]bool, error) {
	known := make(map[string]bool)
	kind := strings.ToLower(strings.TrimSpace(postKind))
	stored := make([]string, len(ids))
	own := make(map[string]string, len(ids))
	for i, id := range ids {
		stored[i] = StoredID(src.Kind, src.ID, kind, id)
		own[stored[i]] = id
	}
	err := s.eachKnownPost(ctx, s.db, kind, stored, false, func(_ int64, ext string, _ time.Time) { known[own[ext]] = true })
	if err != nil {
		return nil, err
	}
	return known, nil
}

// eachKnownPost calls fn for each stored post of a kind among ids (stored
// ids), tombstones included unless live.
func (s *Store) eachKnownPost(ctx context.Context, q querier, kind string, ids []string, live bool, fn func(id int64, ext string, at time.Time)) error {
	cond := ""
	if live {
		cond = " AND deleted_at IS NULL"
	}
	for chunk := range slices.Chunk(ids, maxParams-1) {
		args := make([]any, 0, len(chunk)+1)
		args = append(args, kind)
		for _, id := range chunk {
			args = append(args, id)
		}
		rows, err := q.QueryContext(ctx, s.q("SELECT id, external_id, published_at FROM posts WHERE source_kind = ? AND external_id IN ("+list(len(chunk))+")"+cond), args...)
		if err != nil {
			return s.errf(err, "known posts")
		}
		for rows.Next() {
			var id int64
			var ext string
			var at time.Time
			if err := rows.Scan(&id, &ext, timeCol(&at)); err != nil {
				rows.Close()
				return s.errf(err, "known posts")
			}
			fn(id, ext, at)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return s.errf(err, "known posts")
		}
	}
	return nil
}

// insertEnrichment stores the entities of the newly inserted posts and links
// near-duplicates to the earlier post they copy (stored before, or earlier in
// this batch; if that post was never stored the link stays empty).
func (s *Store) insertEnrichment(ctx context.Context, tx *sql.Tx, sourceID int64, posts []*pending) error {
	var args []any
	var link *sql.Stmt
	for _, p := range posts {
		if !p.inserted {
			continue
		}
		e := &p.item.Enrichment.Entities
		for _, kv := range []struct {
			kind   string
			values []string
		}{{"hashtag", e.Hashtags}, {"mention", e.Mentions}, {"link", e.Links}, {"domain", e.Domains}} {
			for _, v := range kv.values {
				args = append(args, p.id, kv.kind, v)
			}
		}
		if ref := p.item.Enrichment.NearDuplicateOf; ref.ID != "" {
			// Prepared once: parsing it for every copy was a tenth of an
			// import's transaction.
			if link == nil {
				var err error
				if link, err = s.prepared(ctx, tx, rowsStmt{linkNearDuplicate, 0}); err != nil {
					return s.errf(err, "save batch: near-duplicate link")
				}
			}
			if _, err := link.ExecContext(ctx, strings.ToLower(ref.Kind), ref.ID, sourceID, sourceID, p.id); err != nil {
				return s.errf(err, "save batch: near-duplicate link")
			}
		}
	}
	if _, err := s.execRows(ctx, tx, insertEntityRows, args); err != nil {
		return s.errf(err, "save batch: entities")
	}
	return nil
}
