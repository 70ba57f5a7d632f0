-- Private Atom feeds: a secret in the feed's URL (feed readers cannot sign
-- in) gives a user's view of one monitor. Only its SHA-256 is stored; the
-- feed stops working when the user loses access or the monitor goes.
CREATE TABLE feed_tokens (
    token_hash TEXT PRIMARY KEY,
    monitor_id TEXT NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX feed_tokens_monitor ON feed_tokens (monitor_id);
