package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
)

// RecentChunk is a run of posts a source delivered that matched no monitor,
// kept for the recent window (migration 0027): the posts, encoded and
// compressed by internal/recent, and what the store needs to know of them
// without opening them.
type RecentChunk struct {
	ID       int64
	SourceID int64
	// SourceKind is the kind of the source, read with the chunk (the stored
	// ids of its posts depend on it: StoredRef).
	SourceKind vigie.SourceKind
	// ReceivedAt is when the chunk was stored (SaveBatch sets it from the
	// store's clock): the window is by reception, not publication, so that
	// an import of old posts keeps them too.
	ReceivedAt                    time.Time
	FirstPublished, LastPublished time.Time
	Posts                         int
	Data                          []byte
	// Keys are the keys of its posts (recent.Key), written with it so that
	// a post delivered again is not kept again (RecentKeys); not read back
	// with the chunk.
	Keys []uint64
}

// StoredRef is the source kind and stored id a post delivered by a source
// is (or would be) stored under: see StoredID.
func StoredRef(sourceKind vigie.SourceKind, sourceID int64, p *vigie.Post) PostRef {
	kind := kindOf(p, string(sourceKind))
	return PostRef{Kind: kind, ID: StoredID(sourceKind, sourceID, kind, p.ID)}
}

// checkRecent refuses a chunk SaveBatch cannot store whole.
func checkRecent(kept []RecentChunk) error {
	for i, c := range kept {
		switch {
		case c.Posts <= 0 || len(c.Data) == 0:
			return fmt.Errorf("save batch: kept chunk %d: %w: no posts", i, vigie.ErrInvalid)
		case len(c.Keys) > c.Posts:
			return fmt.Errorf("save batch: kept chunk %d: %w: %d keys for %d posts", i, vigie.ErrInvalid, len(c.Keys), c.Posts)
		case c.FirstPublished.IsZero() || c.LastPublished.Before(c.FirstPublished):
			return fmt.Errorf("save batch: kept chunk %d: %w: publication span %v–%v", i, vigie.ErrInvalid, c.FirstPublished, c.LastPublished)
		}
	}
	return nil
}

// insertRecent writes a batch's kept chunks and their keys, in SaveBatch's
// transaction: a source's cursor never moves past posts that were neither
// stored nor kept. It returns the posts kept.
func (s *Store) insertRecent(ctx context.Context, tx *sql.Tx, sourceID int64, kept []RecentChunk) (int, error) {
	n := 0
	now := s.tm(s.clock())
	for _, c := range kept {
		var id int64
		err := tx.QueryRowContext(ctx, s.q(`INSERT INTO recent_chunks (source_id, received_at, first_published_at, last_published_at, posts, bytes, data)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`), sourceID, now, s.tm(c.FirstPublished), s.tm(c.LastPublished), c.Posts, len(c.Data), c.Data).Scan(&id)
		if err != nil {
			return 0, s.errf(err, "save batch: kept posts")
		}
		keys := slices.Sorted(slices.Values(c.Keys))
		blob := make([]byte, 0, 8*len(keys))
		for _, k := range keys {
			blob = binary.LittleEndian.AppendUint64(blob, k)
		}
		if _, err := tx.ExecContext(ctx, s.q("INSERT INTO recent_keys (chunk_id, source_id, keys) VALUES (?, ?, ?)"), id, sourceID, blob); err != nil {
			return 0, s.errf(err, "save batch: kept posts' keys")
		}
		n += c.Posts
	}
	return n, nil
}

// RecentKeys are the keys of a source's kept posts (recent.Key), by chunk.
type RecentKeys struct {
	// First is the lowest id of the source's chunks (0: it has none): a
	// reader that holds the keys of chunks below it holds purged ones.
	First int64
	// Chunks are those after the id asked for, in id order.
	Chunks []ChunkKeys
}

// ChunkKeys are the keys of one chunk's posts, ascending.
type ChunkKeys struct {
	ID   int64
	Keys []uint64
}

// RecentKeys returns the keys of a source's chunks with an id above after:
// the pipeline reads them to keep a post delivered again once. Chunk ids
// only grow, so a reader asks for those after the last it read. A key
// that is not 8 bytes long (a damaged row) is left out.
func (s *Store) RecentKeys(ctx context.Context, sourceID, after int64) (RecentKeys, error) {
	var r RecentKeys
	var first sql.NullInt64
	if err := s.db.QueryRowContext(ctx, s.q("SELECT MIN(chunk_id) FROM recent_keys WHERE source_id = ?"), sourceID).Scan(&first); err != nil {
		return r, s.errf(err, "kept posts' keys")
	}
	r.First = first.Int64
	rows, err := s.db.QueryContext(ctx, s.q("SELECT chunk_id, keys FROM recent_keys WHERE source_id = ? AND chunk_id > ? ORDER BY chunk_id"), sourceID, after)
	if err != nil {
		return r, s.errf(err, "kept posts' keys")
	}
	r.Chunks, err = collect(rows, func(row interface{ Scan(...any) error }) (ChunkKeys, error) {
		var c ChunkKeys
		var blob []byte
		if err := row.Scan(&c.ID, &blob); err != nil {
			return c, err
		}
		c.Keys = make([]uint64, len(blob)/8)
		for i := range c.Keys {
			c.Keys[i] = binary.LittleEndian.Uint64(blob[8*i:])
		}
		return c, nil
	}, func(err error) error { return s.errf(err, "kept posts' keys") })
	return r, err
}

// RecentFilter selects kept chunks.
type RecentFilter struct {
	// WorkspaceID limits the chunks to those of the sources the workspace
	// may see (its own and those shared with its organisation); 0 reads
	// every source's (a backfill over several workspaces, which checks
	// each chunk's source itself).
	WorkspaceID int64
	// Since keeps the chunks received at or after it.
	Since time.Time
	// After continues a reading: the chunks that come after this one,
	// newest first (zero: from the newest).
	After RecentCursor
	Limit int
}

// RecentCursor is where a reading of kept chunks, newest first, stopped.
type RecentCursor struct {
	ReceivedAt time.Time
	ID         int64
}

// Cursor is the position after c in a reading newest first.
func (c *RecentChunk) Cursor() RecentCursor { return RecentCursor{c.ReceivedAt, c.ID} }

const recentChunkCols = `c.id, c.source_id, src.kind, c.received_at, c.first_published_at, c.last_published_at, c.posts, c.data`

// RecentChunks returns kept chunks, newest first (by reception), with
// their data.
func (s *Store) RecentChunks(ctx context.Context, f RecentFilter) ([]RecentChunk, error) {
	if f.Limit <= 0 {
		f.Limit = 16
	}
	// A chunk dated over a day ahead (a clock set wrong, or a row damaged
	// by hand: on SQLite, text sorts after dates) is not read, and the next
	// purge removes it: it made every test and backfill that met it fail.
	where := []string{"c.received_at >= ?", "c.received_at <= ?"}
	args := []any{s.tm(f.Since), s.tm(s.clock().Add(aheadLimit))}
	if f.WorkspaceID != 0 {
		where = append(where, "c.source_id IN ("+visibleSources+")")
		args = append(args, f.WorkspaceID, f.WorkspaceID)
	}
	if f.After.ID != 0 {
		at := s.tm(f.After.ReceivedAt)
		where = append(where, "(c.received_at < ? OR (c.received_at = ? AND c.id < ?))")
		args = append(args, at, at, f.After.ID)
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+recentChunkCols+` FROM recent_chunks c JOIN sources src ON src.id = c.source_id
		WHERE `+strings.Join(where, " AND ")+` ORDER BY c.received_at DESC, c.id DESC LIMIT ?`), append(args, f.Limit)...)
	if err != nil {
		return nil, s.errf(err, "kept posts")
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (RecentChunk, error) {
		var c RecentChunk
		var kind string
		err := r.Scan(&c.ID, &c.SourceID, &kind, timeCol(&c.ReceivedAt), timeCol(&c.FirstPublished), timeCol(&c.LastPublished), &c.Posts, &c.Data)
		c.SourceKind = vigie.SourceKind(kind)
		return c, err
	}, func(err error) error { return s.errf(err, "kept posts") })
}

// RecentTotals sums kept chunks.
type RecentTotals struct {
	Chunks, Posts int
	Bytes         int64
	// Oldest is when the oldest of them was received (zero: none).
	Oldest time.Time
}

// RecentTotals sums the chunks received since a time of the sources a
// workspace may see (0: of every source).
func (s *Store) RecentTotals(ctx context.Context, workspaceID int64, since time.Time) (RecentTotals, error) {
	where, args := "", []any{s.tm(since)}
	if workspaceID != 0 {
		where, args = " AND source_id IN ("+visibleSources+")", append(args, workspaceID, workspaceID)
	}
	var t RecentTotals
	var posts, bytes sql.NullInt64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT COUNT(*), SUM(posts), SUM(bytes), MIN(received_at) FROM recent_chunks WHERE received_at >= ?`+where), args...).
		Scan(&t.Chunks, &posts, &bytes, timeCol(&t.Oldest))
	if err != nil {
		return RecentTotals{}, s.errf(err, "kept posts: totals")
	}
	t.Posts, t.Bytes = int(posts.Int64), bytes.Int64
	return t, nil
}

// Purged says what PurgeRecent deleted.
type Purged struct {
	Chunks, Posts int
	Bytes         int64
}

// purgeStep is the most chunks one purge transaction deletes: on SQLite the
// purge holds the write lock the sources' batches wait for, and a chunk's
// keys go with it (an import's chunk has thousands).
const purgeStep = 64

// aheadLimit is how far ahead of the store's clock a chunk may be dated
// and still be read (RecentChunks); later ones are purged.
const aheadLimit = 24 * time.Hour

// PurgeRecent deletes the kept chunks received before a time and then,
// while all of them together take more than maxBytes (0: no cap), the
// oldest ones; their keys go with them. It works in short transactions,
// so that sources are not held up; run by several processes at once, each
// deletes what the others have not.
func (s *Store) PurgeRecent(ctx context.Context, before time.Time, maxBytes int64) (Purged, error) {
	var p Purged
	type victim struct {
		id, bytes int64
		posts     int
	}
	remove := func(vs []victim) error {
		for step := range slices.Chunk(vs, purgeStep) {
			args := make([]any, len(step))
			for i, v := range step {
				args[i] = v.id
			}
			res, err := s.exec(ctx, s.q("DELETE FROM recent_chunks WHERE id IN ("+list(len(step))+")"), args...)
			if err != nil {
				return s.errf(err, "purge kept posts")
			}
			if n, _ := res.RowsAffected(); n == int64(len(step)) {
				for _, v := range step {
					p.Chunks, p.Posts, p.Bytes = p.Chunks+1, p.Posts+v.posts, p.Bytes+v.bytes
				}
			} else {
				p.Chunks += int(n) // another process purged some: counted by chunks only
			}
		}
		return nil
	}
	find := func(query string, args ...any) ([]victim, error) {
		rows, err := s.db.QueryContext(ctx, s.q(query), args...)
		if err != nil {
			return nil, s.errf(err, "purge kept posts")
		}
		return collect(rows, func(r interface{ Scan(...any) error }) (victim, error) {
			var v victim
			return v, r.Scan(&v.id, &v.bytes, &v.posts)
		}, func(err error) error { return s.errf(err, "purge kept posts") })
	}
	old, err := find("SELECT id, bytes, posts FROM recent_chunks WHERE received_at < ? OR received_at > ?", s.tm(before), s.tm(s.clock().Add(aheadLimit)))
	if err == nil {
		err = remove(old)
	}
	if err != nil || maxBytes <= 0 {
		return p, err
	}
	var total sql.NullInt64
	if err := s.db.QueryRowContext(ctx, "SELECT SUM(bytes) FROM recent_chunks").Scan(&total); err != nil {
		return p, s.errf(err, "purge kept posts")
	}
	if total.Int64 <= maxBytes {
		return p, nil
	}
	// The oldest first, until what stays fits.
	all, err := find("SELECT id, bytes, posts FROM recent_chunks ORDER BY received_at, id")
	if err != nil {
		return p, err
	}
	over := total.Int64 - maxBytes
	n := 0
	for n < len(all) && over > 0 {
		over -= all[n].bytes
		n++
	}
	return p, remove(all[:n])
}

// MentionedPosts returns which of these posts are stored with a mention of
// one of the workspace's monitors and were published at or after since,
// with when they were published: those a search of the workspace's
// mentions from since finds, when its query matches them. A test of a
// query counts a kept post only if it is not one of them (a backfill may
// have stored it meanwhile).
func (s *Store) MentionedPosts(ctx context.Context, workspaceID int64, since time.Time, refs []PostRef) (map[PostRef]time.Time, error) {
	if err := noWorkspace("mentioned posts", workspaceID); err != nil {
		return nil, err
	}
	byKind := map[string][]string{}
	for _, r := range refs {
		byKind[r.Kind] = append(byKind[r.Kind], r.ID)
	}
	out := map[PostRef]time.Time{}
	for kind, ids := range byKind {
		for chunk := range slices.Chunk(ids, maxParams-3) {
			args := make([]any, 0, len(chunk)+3)
			args = append(args, kind)
			for _, id := range chunk {
				args = append(args, id)
			}
			args = append(args, s.tm(since), workspaceID)
			rows, err := s.db.QueryContext(ctx, s.q(`SELECT p.external_id, p.published_at FROM posts p WHERE p.source_kind = ? AND p.external_id IN (`+list(len(chunk))+`)
				AND p.published_at >= ? AND EXISTS (SELECT 1 FROM mentions mm JOIN monitors mo ON mo.id = mm.monitor_id
					WHERE mm.post_id = p.id AND mo.workspace_id = ?)`), args...)
			if err != nil {
				return nil, s.errf(err, "mentioned posts")
			}
			got, err := collect(rows, func(r interface{ Scan(...any) error }) (RecentPost, error) {
				var p RecentPost
				return p, r.Scan(&p.Ref.ID, timeCol(&p.At))
			}, func(err error) error { return s.errf(err, "mentioned posts") })
			if err != nil {
				return nil, err
			}
			for _, p := range got {
				out[PostRef{kind, p.Ref.ID}] = p.At
			}
		}
	}
	return out, nil
}
