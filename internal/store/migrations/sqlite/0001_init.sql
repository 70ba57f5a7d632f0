-- Vigie's initial schema (SQLite). Times are UTC text, fixed width
-- (2006-01-02T15:04:05.000000Z), so that text order is time order.

CREATE TABLE workspaces (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    slug       TEXT NOT NULL UNIQUE,
    time_zone  TEXT NOT NULL DEFAULT 'UTC',
    created_at TEXT NOT NULL
);

CREATE TABLE monitors (
    id           TEXT PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    name         TEXT NOT NULL DEFAULT '',
    kind         TEXT NOT NULL DEFAULT '',
    query        TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX monitors_workspace ON monitors (workspace_id);

CREATE TABLE sources (
    id               INTEGER PRIMARY KEY,
    workspace_id     INTEGER NOT NULL REFERENCES workspaces (id),
    kind             TEXT NOT NULL,
    name             TEXT NOT NULL,
    url              TEXT NOT NULL DEFAULT '',
    settings         TEXT NOT NULL DEFAULT '{}',
    interval_seconds INTEGER NOT NULL DEFAULT 0,
    enabled          INTEGER NOT NULL DEFAULT 1,
    created_at       TEXT NOT NULL,
    cursor           TEXT NOT NULL DEFAULT '',
    etag             TEXT NOT NULL DEFAULT '',
    last_modified    TEXT NOT NULL DEFAULT '',
    next_check_at    TEXT NOT NULL,
    last_success_at  TEXT,
    last_error_at    TEXT,
    last_error       TEXT NOT NULL DEFAULT '',
    error_count      INTEGER NOT NULL DEFAULT 0,
    posts_seen       INTEGER NOT NULL DEFAULT 0,
    UNIQUE (workspace_id, kind, name)
);
CREATE INDEX sources_due ON sources (next_check_at) WHERE enabled;

-- key is "id:" + the source's author id, else "handle:" + the handle, else
-- "name:" + the name (feeds often give only a name).
CREATE TABLE authors (
    id          INTEGER PRIMARY KEY,
    source_kind TEXT NOT NULL,
    key         TEXT NOT NULL,
    external_id TEXT NOT NULL DEFAULT '',
    handle      TEXT NOT NULL DEFAULT '',
    name        TEXT NOT NULL DEFAULT '',
    followers   INTEGER NOT NULL DEFAULT 0,
    url         TEXT NOT NULL DEFAULT '',
    updated_at  TEXT NOT NULL,
    UNIQUE (source_kind, key)
);

-- search_text is the post's analysed, folded words separated by spaces
-- (text.Analyze), indexed by posts_fts.
CREATE TABLE posts (
    id           INTEGER PRIMARY KEY,
    source_id    INTEGER REFERENCES sources (id) ON DELETE SET NULL,
    source_kind  TEXT NOT NULL,
    external_id  TEXT NOT NULL,
    url          TEXT NOT NULL DEFAULT '',
    published_at TEXT NOT NULL,
    author_id    INTEGER REFERENCES authors (id),
    title        TEXT NOT NULL DEFAULT '',
    text         TEXT NOT NULL DEFAULT '',
    lang         TEXT NOT NULL DEFAULT '',
    country      TEXT NOT NULL DEFAULT '',
    links        TEXT NOT NULL DEFAULT '[]',
    reply_to     TEXT NOT NULL DEFAULT '',
    repost_of    TEXT NOT NULL DEFAULT '',
    likes        INTEGER NOT NULL DEFAULT 0,
    reposts      INTEGER NOT NULL DEFAULT 0,
    replies      INTEGER NOT NULL DEFAULT 0,
    views        INTEGER NOT NULL DEFAULT 0,
    search_text  TEXT NOT NULL DEFAULT '',
    stored_at    TEXT NOT NULL,
    UNIQUE (source_kind, external_id)
);
CREATE INDEX posts_published ON posts (published_at, id);
CREATE INDEX posts_source ON posts (source_id, published_at);

-- published_at repeats the post's, for listing a monitor's mentions by time.
CREATE TABLE mentions (
    post_id      INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    monitor_id   TEXT NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    published_at TEXT NOT NULL,
    PRIMARY KEY (post_id, monitor_id)
) WITHOUT ROWID;
CREATE INDEX mentions_monitor ON mentions (monitor_id, published_at, post_id);

-- Full text of posts.search_text. The words are already folded by
-- text.Analyze; the ascii tokenizer with '_' as a token character keeps
-- every word whole (handles and hashtags keep their underscores), so that
-- the index holds exactly the words a query is built from and a query of
-- plain words can be answered by the index alone. The prefilter asks for
-- words and prefixes only, never phrases, so no positions are kept.
CREATE VIRTUAL TABLE posts_fts USING fts5 (
    search_text,
    content = 'posts',
    content_rowid = 'id',
    tokenize = 'ascii tokenchars ''_''',
    detail = none
);
CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts BEGIN
    INSERT INTO posts_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts BEGIN
    INSERT INTO posts_fts (posts_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER posts_fts_update AFTER UPDATE OF search_text ON posts BEGIN
    INSERT INTO posts_fts (posts_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    INSERT INTO posts_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    hash         TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT
);
