-- The recent window (internal/recent): the posts a source delivered that
-- matched no monitor, kept for a few days (VIGIE_RECENT_WINDOW) so that a
-- query can be tried on them before it is saved and a new monitor gets
-- them in its backfill. Matched posts are in posts; these are not rows
-- there (no full-text index, no row per post to write in the import's one
-- write transaction) but chunks: a few thousand posts at a time, as JSON
-- Lines in the post format, compressed with zstd. A chunk goes with its
-- source, and after the window or when the chunks pass their size cap
-- (PurgeRecent). Ids are never reused (AUTOINCREMENT): the pipeline reads
-- the keys of the chunks after the last it read.
CREATE TABLE recent_chunks (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    source_id          INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    received_at        TEXT NOT NULL,
    first_published_at TEXT NOT NULL,
    last_published_at  TEXT NOT NULL,
    posts              INTEGER NOT NULL,
    bytes              INTEGER NOT NULL, -- of data
    data               BLOB NOT NULL
);
CREATE INDEX recent_chunks_received ON recent_chunks (received_at);
CREATE INDEX recent_chunks_source ON recent_chunks (source_id);

-- The keys of a chunk's posts (recent.Key: a 64-bit hash of the source and
-- the post's stored id), 8 bytes each, little-endian, ascending: feeds
-- deliver the same items again whenever one changes, and the pipeline keeps
-- a post once, reading its sources' keys into memory. One row per chunk, not
-- per post: a row per post was the costliest write of an import's
-- transaction. Apart from the chunk, so that reading a chunk's posts does not
-- read its keys, nor the keys its posts.
CREATE TABLE recent_keys (
    chunk_id  INTEGER PRIMARY KEY REFERENCES recent_chunks (id) ON DELETE CASCADE,
    source_id INTEGER NOT NULL,
    keys      BLOB NOT NULL
);
CREATE INDEX recent_keys_source ON recent_keys (source_id, chunk_id);
