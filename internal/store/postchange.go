package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
)

// A network's deletions and edits reach the archive here. A deleted post
// keeps its row as a tombstone (deleted_at set; no text, title, address,
// links, entities, mentions, tags or corrections), so that a re-delivery —
// a stream rewound after a reconnection, a page fetched again — finds it
// known and does not bring it back. Its figures leave the rollups in the
// same transaction (reroll).

// DeletePosts tombstones the posts of refs that src delivered (under
// StoredID), and returns how many it found still there, and the refs of
// the posts it has no row of (never stored: they matched no monitor).
func (s *Store) DeletePosts(ctx context.Context, src *vigie.Source, refs []PostRef) (int, []PostRef, error) {
	byKind := map[string][]string{}
	own := map[PostRef]PostRef{} // stored ref → ref
	for _, r := range refs {
		kind := strings.ToLower(strings.TrimSpace(r.Kind))
		if kind == "" {
			kind = string(src.Kind)
		}
		ext := StoredID(src.Kind, src.ID, kind, r.ID)
		byKind[kind] = append(byKind[kind], ext)
		own[PostRef{kind, ext}] = PostRef{kind, r.ID}
	}
	var ids []int64
	known := map[PostRef]bool{}
	for kind, ext := range byKind {
		err := s.eachKnownPost(ctx, s.db, kind, ext, false, func(_ int64, e string, _ time.Time) { known[PostRef{kind, e}] = true })
		if err != nil {
			return 0, nil, fmt.Errorf("delete posts: %w", err)
		}
		if err := s.eachLivePost(ctx, s.db, kind, ext, func(id int64) { ids = append(ids, id) }); err != nil {
			return 0, nil, fmt.Errorf("delete posts: %w", err)
		}
	}
	var missing []PostRef
	for stored, r := range own {
		if !known[stored] {
			missing = append(missing, r)
		}
	}
	n, err := s.tombstone(ctx, ids, "delete posts")
	return n, missing, err
}

// TombstonePosts records that posts src delivered and never stored (they
// matched no monitor; the recent window keeps them) were deleted by their
// network: a tombstone row each, so that neither a backfill nor a
// re-delivery stores them, and tests of queries leave them out
// (DeletedPosts).
func (s *Store) TombstonePosts(ctx context.Context, src *vigie.Source, refs []PostRef) (int, error) {
	if len(refs) == 0 {
		return 0, nil
	}
	now := s.tm(s.clock())
	n := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		n = 0
		var ids []int64
		for _, r := range refs {
			kind := strings.ToLower(strings.TrimSpace(r.Kind))
			if kind == "" {
				kind = string(src.Kind)
			}
			var id int64
			err := tx.QueryRowContext(ctx, s.q(`INSERT INTO posts (source_id, source_kind, external_id, published_at, stored_at, deleted_at)
				VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (source_kind, external_id) DO NOTHING RETURNING id`),
				src.ID, kind, StoredID(src.Kind, src.ID, kind, r.ID), now, now, now).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				continue // stored meanwhile: DeletePosts's to delete
			}
			if err != nil {
				return s.errf(err, "tombstone posts")
			}
			ids = append(ids, id)
			n++
		}
		if !s.pg() && len(ids) > 0 {
			// SQLite's full-text index holds every row of posts (its
			// integrity check says so): an empty one.
			args := make([]any, len(ids))
			for i, id := range ids {
				args[i] = id
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO posts_fts (rowid, search_text) SELECT id, search_text FROM posts WHERE id IN ("+list(len(ids))+")", args...); err != nil {
				return s.errf(err, "tombstone posts: full-text index")
			}
		}
		return nil
	})
	return n, err
}

// DeletedPosts returns which of these posts (by stored ref) are
// tombstones.
func (s *Store) DeletedPosts(ctx context.Context, refs []PostRef) (map[PostRef]bool, error) {
	byKind := map[string][]string{}
	for _, r := range refs {
		byKind[r.Kind] = append(byKind[r.Kind], r.ID)
	}
	out := map[PostRef]bool{}
	for kind, ids := range byKind {
		for chunk := range slices.Chunk(ids, maxParams-1) {
			args := make([]any, 0, len(chunk)+1)
			args = append(args, kind)
			for _, id := range chunk {
				args = append(args, id)
			}
			rows, err := s.db.QueryContext(ctx, s.q("SELECT external_id FROM posts WHERE source_kind = ? AND external_id IN ("+list(len(chunk))+") AND deleted_at IS NOT NULL"), args...)
			if err != nil {
				return nil, s.errf(err, "deleted posts")
			}
			got, err := collect(rows, func(r interface{ Scan(...any) error }) (string, error) {
				var e string
				return e, r.Scan(&e)
			}, func(err error) error { return s.errf(err, "deleted posts") })
			if err != nil {
				return nil, err
			}
			for _, e := range got {
				out[PostRef{kind, e}] = true
			}
		}
	}
	return out, nil
}

// DeleteAuthorPosts tombstones every post src delivered of an author (by
// the author's id on the network: an account deleted), and returns how
// many.
func (s *Store) DeleteAuthorPosts(ctx context.Context, src *vigie.Source, kind, authorID string) (int, error) {
	kind = strings.ToLower(strings.TrimSpace(kind))
	if kind == "" {
		kind = string(src.Kind)
	}
	key := "id:" + authorID
	if !authoritative(src.Kind, kind) {
		key = scopePrefix + strconv.FormatInt(src.ID, 10) + "/" + key
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT p.id FROM posts p JOIN authors a ON a.id = p.author_id
		WHERE a.source_kind = ? AND a.key = ? AND p.deleted_at IS NULL`), kind, key)
	if err != nil {
		return 0, s.errf(err, "delete author's posts")
	}
	ids, err := collect(rows, func(r interface{ Scan(...any) error }) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	}, func(err error) error { return s.errf(err, "delete author's posts") })
	if err != nil {
		return 0, err
	}
	return s.tombstone(ctx, ids, "delete author's posts")
}

// eachLivePost calls fn with the id of each post of a kind among the
// stored ids that is not a tombstone.
func (s *Store) eachLivePost(ctx context.Context, q querier, kind string, ext []string, fn func(id int64)) error {
	for chunk := range slices.Chunk(ext, maxParams-1) {
		args := make([]any, 0, len(chunk)+1)
		args = append(args, kind)
		for _, id := range chunk {
			args = append(args, id)
		}
		rows, err := q.QueryContext(ctx, s.q("SELECT id FROM posts WHERE source_kind = ? AND external_id IN ("+list(len(chunk))+") AND deleted_at IS NULL"), args...)
		if err != nil {
			return s.errf(err, "find posts")
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return s.errf(err, "find posts")
			}
			fn(id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return s.errf(err, "find posts")
		}
	}
	return nil
}

func (s *Store) tombstone(ctx context.Context, ids []int64, what string) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	n := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		n = 0
		return s.reroll(ctx, tx, ids, func() error {
			now := s.tm(s.clock())
			for chunk := range slices.Chunk(ids, maxParams-1) {
				args := make([]any, len(chunk))
				for i, id := range chunk {
					args[i] = id
				}
				in := "(" + list(len(chunk)) + ")"
				for _, table := range []string{"mentions", "post_entities", "mention_tags", "corrections"} {
					if _, err := tx.ExecContext(ctx, s.q("DELETE FROM "+table+" WHERE post_id IN "+in), args...); err != nil {
						return s.errf(err, "%s: %s", what, table)
					}
				}
				res, err := tx.ExecContext(ctx, s.q(`UPDATE posts SET title = '', text = '', url = '', links = '[]', search_text = '',
					reply_to = '', repost_of = '', simhash = 0, deleted_at = ? WHERE id IN `+in+` AND deleted_at IS NULL`), append([]any{now}, args...)...)
				if err != nil {
					return s.errf(err, "%s", what)
				}
				k, _ := res.RowsAffected()
				n += int(k)
			}
			return nil
		})
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// UpdatePosts replaces posts that src delivered before with their edited
// version (items: the new text, matched again against the monitors src
// feeds, enriched): text, title, address, links, counters and enrichment
// change, and the post's mentions of those monitors become the items'
// MonitorKeys — none if it no longer matches. It returns the indexes of the
// items whose post is not stored (to be stored as new, if they match);
// tombstones are neither updated nor returned.
func (s *Store) UpdatePosts(ctx context.Context, src *vigie.Source, items []Item) (updated int, missing []int, err error) {
	for i := range items {
		p := &items[i].Post
		p.StripNUL()
		if err := p.Validate(); err != nil {
			return 0, nil, fmt.Errorf("update posts: item %d: %w", i, err)
		}
		p.ClampCounts()
		p.NormalizeLang()
	}
	posts := pendingPosts(items, string(src.Kind), src.ID)
	index := make(map[*Item]int, len(items))
	for i := range items {
		index[&items[i]] = i
	}
	// Which are stored, and which of those are tombstones.
	byKind := map[string][]string{}
	for _, p := range posts {
		byKind[p.key.kind] = append(byKind[p.key.kind], p.key.id)
	}
	type found struct {
		id   int64
		dead bool
	}
	stored := map[postKey]found{}
	for kind, ext := range byKind {
		for chunk := range slices.Chunk(ext, maxParams-1) {
			args := make([]any, 0, len(chunk)+1)
			args = append(args, kind)
			for _, id := range chunk {
				args = append(args, id)
			}
			rows, err := s.db.QueryContext(ctx, s.q("SELECT id, external_id, deleted_at IS NOT NULL FROM posts WHERE source_kind = ? AND external_id IN ("+list(len(chunk))+")"), args...)
			if err != nil {
				return 0, nil, s.errf(err, "update posts")
			}
			for rows.Next() {
				var f found
				var ext string
				if err := rows.Scan(&f.id, &ext, &f.dead); err != nil {
					rows.Close()
					return 0, nil, s.errf(err, "update posts")
				}
				stored[postKey{kind, ext}] = f
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return 0, nil, s.errf(err, "update posts")
			}
		}
	}
	var live []*pending
	for _, p := range posts {
		f, ok := stored[p.key]
		switch {
		case !ok:
			missing = append(missing, index[p.item])
		case !f.dead:
			p.id = f.id
			p.at = s.tm(p.item.Post.PublishedAt)
			live = append(live, p)
		}
	}
	slices.Sort(missing)
	if len(live) == 0 {
		return 0, missing, nil
	}
	ids := make([]int64, len(live))
	for i, p := range live {
		ids[i] = p.id
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		return s.reroll(ctx, tx, ids, func() error { return s.replacePosts(ctx, tx, src.ID, live) })
	})
	if err != nil {
		return 0, nil, err
	}
	return len(live), missing, nil
}

// replacePosts writes the edited posts over the stored ones, with their
// entities and their mentions of the monitors the source feeds.
func (s *Store) replacePosts(ctx context.Context, tx *sql.Tx, sourceID int64, posts []*pending) error {
	upd, err := tx.PrepareContext(ctx, s.q(`UPDATE posts SET url = ?, title = ?, text = ?, lang = ?, country = ?, links = ?,
		reply_to = ?, repost_of = ?, likes = ?, reposts = ?, replies = ?, views = ?, search_text = ?, simhash = ?,
		declared_lang = ?, sentiment = ?, sentiment_score = ? WHERE id = ?`))
	if err != nil {
		return s.errf(err, "update posts")
	}
	defer upd.Close()
	for _, p := range posts {
		post := &p.item.Post
		e := &p.item.Enrichment
		m := &post.Metrics
		if _, err := upd.ExecContext(ctx, post.URL, post.Title, post.Text, storedLang(post, e), storedCountry(post), p.links,
			post.ReplyTo, post.RepostOf, m.Likes, m.Reposts, m.Replies, m.Views, p.search, int64(e.Simhash),
			post.Lang, e.Sentiment.Label, e.Sentiment.Score, p.id); err != nil {
			return s.errf(err, "update post %d", p.id)
		}
	}
	for chunk := range slices.Chunk(posts, maxParams-2) {
		args := make([]any, 0, len(chunk)+1)
		for _, p := range chunk {
			args = append(args, p.id)
		}
		in := "(" + list(len(chunk)) + ")"
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM post_entities WHERE post_id IN "+in), args...); err != nil {
			return s.errf(err, "update posts: entities")
		}
		// Only the mentions of the monitors this source feeds: another
		// source's posts of the same id (an authoritative network) may
		// feed other workspaces.
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM mentions WHERE post_id IN "+in+" AND monitor_id IN (SELECT id FROM monitors WHERE workspace_id IN ("+sourceWorkspaces+"))"),
			append(args, sourceID)...); err != nil {
			return s.errf(err, "update posts: mentions")
		}
	}
	for _, p := range posts {
		p.inserted = true // entities are written for inserted posts
	}
	if _, _, err := s.insertMentions(ctx, tx, sourceID, posts); err != nil {
		return err
	}
	for _, p := range posts {
		p.item.Enrichment.NearDuplicateOf = PostRef{} // the link stays as it was
	}
	return s.insertEnrichment(ctx, tx, sourceID, posts)
}
