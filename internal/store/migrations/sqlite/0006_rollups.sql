-- Rollups of mentions for the dashboard (Store.Overview): counts per hour
-- and per day, kept exact in the same transactions as the mentions, so that
-- a dashboard reads a few thousand rows instead of a month of mentions.
--
-- Counts are kept per monitor set: the set of a workspace's monitors a post
-- matched (key: the monitor ids in byte order, joined by the unit separator
-- U+001F). A post counts once in its set's rows; so a monitor's figures are
-- the sum over the sets holding it (once per post and monitor), and the
-- figures of several monitors (a whole workspace) the sum over the sets
-- holding any of them (once per post) — both exact for any choice of
-- monitors. Posts rarely match more than one or two monitors, so sets stay
-- few. Each workspace also has the set of empty key, without members, that
-- adds up all its other sets: the figures of the whole workspace, read
-- without summing its sets.
CREATE TABLE monitor_sets (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    key          TEXT NOT NULL,
    UNIQUE (workspace_id, key)
);
CREATE INDEX monitor_sets_workspace ON monitor_sets (workspace_id);

CREATE TABLE monitor_set_members (
    set_id     INTEGER NOT NULL REFERENCES monitor_sets (id) ON DELETE CASCADE,
    monitor_id TEXT NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    PRIMARY KEY (set_id, monitor_id)
) WITHOUT ROWID;
CREATE INDEX monitor_set_members_monitor ON monitor_set_members (monitor_id);

-- n posts of the set published in the bucket have this value of the
-- dimension: all (value ''), sentiment ('' unknown), source (kind), lang,
-- country (each post once per dimension) and
-- hashtag, domain (post_entities: a post once per distinct value). bucket
-- is in hours since the Unix epoch (UTC) in rollup_hours, in days in
-- rollup_days. Rows whose count fell to zero are deleted.
CREATE TABLE rollup_hours (
    set_id INTEGER NOT NULL REFERENCES monitor_sets (id) ON DELETE CASCADE,
    dim    TEXT NOT NULL,
    bucket INTEGER NOT NULL,
    value  TEXT NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (set_id, dim, bucket, value)
) WITHOUT ROWID;

CREATE TABLE rollup_days (
    set_id INTEGER NOT NULL REFERENCES monitor_sets (id) ON DELETE CASCADE,
    dim    TEXT NOT NULL,
    bucket INTEGER NOT NULL,
    value  TEXT NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (set_id, dim, bucket, value)
) WITHOUT ROWID;

-- Backfill from the mentions stored so far.
CREATE TEMP TABLE rollup_post_sets AS
    SELECT mm.post_id, mo.workspace_id, group_concat(mm.monitor_id, char(31) ORDER BY mm.monitor_id) AS key
    FROM mentions mm JOIN monitors mo ON mo.id = mm.monitor_id
    GROUP BY mm.post_id, mo.workspace_id;

INSERT INTO monitor_sets (workspace_id, key)
    SELECT workspace_id, key FROM rollup_post_sets GROUP BY workspace_id, key
    UNION ALL
    SELECT DISTINCT workspace_id, '' FROM rollup_post_sets;

INSERT INTO monitor_set_members (set_id, monitor_id)
    SELECT ms.id, mm.monitor_id
    FROM (SELECT key, MIN(post_id) AS post_id FROM rollup_post_sets GROUP BY key) one
    JOIN monitor_sets ms ON ms.key = one.key AND ms.key <> ''
    JOIN mentions mm ON mm.post_id = one.post_id
    JOIN monitors mo ON mo.id = mm.monitor_id AND mo.workspace_id = ms.workspace_id;

INSERT INTO rollup_hours (set_id, dim, bucket, value, n)
    SELECT x.set_id, d.dim, x.bucket,
        CASE d.dim WHEN 'all' THEN '' WHEN 'sentiment' THEN x.sentiment WHEN 'source' THEN x.source_kind WHEN 'lang' THEN x.lang ELSE x.country END,
        COUNT(*)
    FROM (
        SELECT ms.id AS set_id, unixepoch(substr(p.published_at, 1, 13) || ':00:00') / 3600 AS bucket,
            p.sentiment, p.source_kind, p.lang, p.country
        FROM rollup_post_sets ps
        JOIN monitor_sets ms ON ms.workspace_id = ps.workspace_id AND ms.key = ps.key
        JOIN posts p ON p.id = ps.post_id
    ) x
    CROSS JOIN (SELECT 'all' AS dim UNION ALL SELECT 'sentiment' UNION ALL SELECT 'source' UNION ALL SELECT 'lang' UNION ALL SELECT 'country') d
    GROUP BY 1, 2, 3, 4;

INSERT INTO rollup_hours (set_id, dim, bucket, value, n)
    SELECT ms.id, e.kind, unixepoch(substr(p.published_at, 1, 13) || ':00:00') / 3600, e.value, COUNT(*)
    FROM rollup_post_sets ps
    JOIN monitor_sets ms ON ms.workspace_id = ps.workspace_id AND ms.key = ps.key
    JOIN posts p ON p.id = ps.post_id
    JOIN post_entities e ON e.post_id = ps.post_id AND e.kind IN ('hashtag', 'domain')
    GROUP BY 1, 2, 3, 4;

-- The workspace's set.
INSERT INTO rollup_hours (set_id, dim, bucket, value, n)
    SELECT w.id, r.dim, r.bucket, r.value, SUM(r.n)
    FROM rollup_hours r
    JOIN monitor_sets ms ON ms.id = r.set_id
    JOIN monitor_sets w ON w.workspace_id = ms.workspace_id AND w.key = ''
    GROUP BY 1, 2, 3, 4;

-- Days are floored (hours before 1970 are negative).
INSERT INTO rollup_days (set_id, dim, bucket, value, n)
    SELECT set_id, dim, (bucket - ((bucket % 24) + 24) % 24) / 24, value, SUM(n)
    FROM rollup_hours
    GROUP BY 1, 2, 3, 4;

DROP TABLE rollup_post_sets;
