-- A revoked API token keeps its row, without its hash, so that its id is
-- never given to a new token (SQLite reuses the highest rowid once its row
-- is deleted): a stale "revoke 7" cannot revoke a newer token.
ALTER TABLE api_tokens ADD COLUMN revoked_at TEXT;
