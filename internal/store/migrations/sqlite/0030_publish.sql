-- Publishing and the shared inbox (issue 13).

-- The organisation's own accounts on the networks. secrets is a JSON
-- object of vigie.AccountSecrets sealed as a whole; limits what the
-- network accepts (vigie.AccountLimits); publish_role the least role that
-- may publish with it. status is ok or auth (the network refused the
-- credentials: a person must give new ones); a transient error never
-- changes it. An account is known by its server and its id there
-- (Mastodon's ids are per instance; a Bluesky DID is the same anywhere).
CREATE TABLE social_accounts (
    id              INTEGER PRIMARY KEY,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    network         TEXT NOT NULL,
    server_url      TEXT NOT NULL,
    identifier      TEXT NOT NULL DEFAULT '',
    remote_id       TEXT NOT NULL,
    handle          TEXT NOT NULL,
    display_name    TEXT NOT NULL DEFAULT '',
    profile_url     TEXT NOT NULL DEFAULT '',
    limits          TEXT NOT NULL DEFAULT '{}',
    secrets         TEXT NOT NULL,
    publish_role    TEXT NOT NULL DEFAULT 'editor',
    status          TEXT NOT NULL DEFAULT 'ok',
    last_error      TEXT NOT NULL DEFAULT '',
    last_error_at   TEXT,
    last_publish_at TEXT,
    checked_at      TEXT,
    inbox_cursor    TEXT NOT NULL DEFAULT '',
    inbox_next_at   TEXT NOT NULL,
    inbox_lease     TEXT NOT NULL DEFAULT '',
    inbox_lease_until TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (workspace_id, network, server_url, remote_id)
);

-- A workspace's publishing settings (vigie.PublishSettings as JSON);
-- without a row, vigie.DefaultPublishSettings.
CREATE TABLE publish_settings (
    workspace_id INTEGER PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    config       TEXT NOT NULL
);

-- A post to publish with one or more accounts. version grows at every
-- change of its content, so that approvals given to an earlier version
-- do not count. approvals is the JSON list of who approved this version.
CREATE TABLE publications (
    id              INTEGER PRIMARY KEY,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,
    status          TEXT NOT NULL,
    text            TEXT NOT NULL,
    language        TEXT NOT NULL DEFAULT '',
    content_warning TEXT NOT NULL DEFAULT '',
    scheduled_at    TEXT,
    version         INTEGER NOT NULL DEFAULT 1,
    approvals       TEXT NOT NULL DEFAULT '[]',
    steps           INTEGER NOT NULL DEFAULT 0,
    author_id       INTEGER REFERENCES users (id) ON DELETE SET NULL,
    author_name     TEXT NOT NULL DEFAULT '',
    author_role     TEXT NOT NULL DEFAULT '',
    inbox_item_id   INTEGER,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX publications_workspace ON publications (workspace_id, status, scheduled_at);

-- One row per (post, account): the outbox. idem_key is sent to the
-- network (Mastodon's Idempotency-Key; Bluesky's record key comes from
-- it) on every attempt; state is waiting (not yet approved or scheduled),
-- due, publishing (an attempt began: after a crash the network is asked
-- first), published or failed.
CREATE TABLE publication_targets (
    id               INTEGER PRIMARY KEY,
    post_id          INTEGER NOT NULL REFERENCES publications (id) ON DELETE CASCADE,
    workspace_id     INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    account_id       INTEGER NOT NULL REFERENCES social_accounts (id) ON DELETE CASCADE,
    text             TEXT NOT NULL DEFAULT '',
    reply_to         TEXT NOT NULL DEFAULT '',
    idem_key         TEXT NOT NULL UNIQUE,
    state            TEXT NOT NULL,
    next_try_at      TEXT,
    attempts         INTEGER NOT NULL DEFAULT 0,
    first_attempt_at TEXT,
    lease_owner      TEXT NOT NULL DEFAULT '',
    lease_until      TEXT,
    last_error       TEXT NOT NULL DEFAULT '',
    remote           TEXT NOT NULL DEFAULT '',
    remote_url       TEXT NOT NULL DEFAULT '',
    published_at     TEXT,
    UNIQUE (post_id, account_id)
);
CREATE INDEX post_targets_due ON publication_targets (state, next_try_at);
CREATE INDEX post_targets_account ON publication_targets (account_id);

-- Images of a post, with their alternative text.
CREATE TABLE publication_media (
    id       INTEGER PRIMARY KEY,
    post_id  INTEGER NOT NULL REFERENCES publications (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    mime     TEXT NOT NULL,
    alt      TEXT NOT NULL DEFAULT '',
    data     BLOB NOT NULL
);
CREATE INDEX post_media_post ON publication_media (post_id, position);

-- Every step of a post's life.
CREATE TABLE publication_events (
    id      INTEGER PRIMARY KEY,
    post_id INTEGER NOT NULL REFERENCES publications (id) ON DELETE CASCADE,
    at      TEXT NOT NULL,
    kind    TEXT NOT NULL,
    by_name TEXT NOT NULL DEFAULT '',
    body    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX post_events_post ON publication_events (post_id, id);

-- The shared inbox: what is said to the connected accounts (account_id
-- set, remote_id the network's id) and listening mentions sent to it
-- (mention_id set).
CREATE TABLE inbox_items (
    id                INTEGER PRIMARY KEY,
    workspace_id      INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    account_id        INTEGER REFERENCES social_accounts (id) ON DELETE SET NULL,
    mention_id        INTEGER,
    remote_id         TEXT NOT NULL,
    kind              TEXT NOT NULL,
    ref               TEXT NOT NULL DEFAULT '{}',
    url               TEXT NOT NULL DEFAULT '',
    thread            TEXT NOT NULL DEFAULT '',
    author_name       TEXT NOT NULL DEFAULT '',
    author_handle     TEXT NOT NULL DEFAULT '',
    author_url        TEXT NOT NULL DEFAULT '',
    text              TEXT NOT NULL,
    language          TEXT NOT NULL DEFAULT '',
    posted_at         TEXT NOT NULL,
    received_at       TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'new',
    assignee_id       INTEGER REFERENCES users (id) ON DELETE SET NULL,
    tags              TEXT NOT NULL DEFAULT '[]',
    first_response_at TEXT,
    updated_at        TEXT NOT NULL,
    UNIQUE (workspace_id, remote_id)
);
CREATE INDEX inbox_items_workspace ON inbox_items (workspace_id, status, id);

CREATE TABLE inbox_notes (
    id      INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES inbox_items (id) ON DELETE CASCADE,
    at      TEXT NOT NULL,
    kind    TEXT NOT NULL,
    by_name TEXT NOT NULL DEFAULT '',
    body    TEXT NOT NULL
);
CREATE INDEX inbox_notes_item ON inbox_notes (item_id, id);

-- Saved snippets and saved replies.
CREATE TABLE snippets (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    name         TEXT NOT NULL,
    text         TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX snippets_workspace ON snippets (workspace_id, kind);
