-- Streams' health (a source kept connected: Bluesky's Jetstream, Mastodon's
-- streaming API): whether it was open at its last save, since when, and
-- how far behind the network it reads; and every source's rate-limit or
-- quota state as the network last gave it.
ALTER TABLE sources ADD COLUMN connected INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN connected_at TEXT;
ALTER TABLE sources ADD COLUMN lag_seconds REAL NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN rate_limit TEXT NOT NULL DEFAULT '';

-- A post its network deleted keeps its row as a tombstone, without its
-- text, title, links or mentions, so that a re-delivery (a stream rewound
-- after a reconnection, a page fetched again) does not bring it back.
ALTER TABLE posts ADD COLUMN deleted_at TEXT;
