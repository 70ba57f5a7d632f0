-- The publishing pages of the web app (issue 13).

-- A Mastodon connection under way: Vigie registered its app on the
-- instance and sent the user to its authorisation page. The state sent
-- there is known by its hash; the app's secret and the PKCE verifier are
-- sealed. A row is used once, by the user who began, within its life.
CREATE TABLE oauth_states (
    state_hash    TEXT PRIMARY KEY,
    workspace_id  BIGINT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    user_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    instance      TEXT NOT NULL,
    client_id     TEXT NOT NULL,
    client_secret TEXT NOT NULL,
    verifier      TEXT NOT NULL,
    publish_role  TEXT NOT NULL DEFAULT 'editor',
    expires_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX oauth_states_expiry ON oauth_states (expires_at);

-- A private iCal link to a workspace's publishing calendar, known by its
-- token's hash; it works while its creator is a member.
CREATE TABLE calendar_tokens (
    token_hash   TEXT PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX calendar_tokens_workspace ON calendar_tokens (workspace_id);
