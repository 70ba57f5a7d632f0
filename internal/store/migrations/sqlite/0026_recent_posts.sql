-- The recent window (internal/recent): the posts a source delivered that
-- matched no monitor, kept for a few days (VIGIE_RECENT_WINDOW) so that a
-- query can be tried on them before it is saved and a new monitor gets
-- them in its backfill. Matched posts are in posts; these are not rows
-- there (no full-text index, no row per post to write in the import's one
-- write transaction) but chunks: a few thousand posts at a time, as JSON
-- Lines in the post format, compressed with zstd. A chunk goes with its
-- source, and after the window or when the chunks pass their size cap
-- (PurgeRecent).
CREATE TABLE recent_chunks (
    id                 INTEGER PRIMARY KEY,
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

-- One row per kept post, keyed by a 64-bit hash of its source and stored
-- id (recent.Key): feeds deliver the same items again whenever one
-- changes, and a post kept once is not kept twice. Its rows go with their
-- chunk (the index on chunk_id makes that a range delete; rows are
-- appended to it in chunk order).
CREATE TABLE recent_keys (
    hash     INTEGER PRIMARY KEY,
    chunk_id INTEGER NOT NULL REFERENCES recent_chunks (id) ON DELETE CASCADE
);
CREATE INDEX recent_keys_chunk ON recent_keys (chunk_id);
