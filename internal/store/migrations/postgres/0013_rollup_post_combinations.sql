-- A post counts in the rollups of its sets once, by the combination of its
-- sentiment, source, language and country (dim 'post', value: the four
-- joined by chr(31), country last), where it counted once per dimension
-- ('all', 'sentiment', 'source', 'lang', 'country'): a fifth of the rows
-- to write for most posts. The old rows are recounted from the mentions,
-- leaving out those marked irrelevant, as the rollups do.
DELETE FROM rollup_hours WHERE dim IN ('all', 'sentiment', 'source', 'lang', 'country');
DELETE FROM rollup_days WHERE dim IN ('all', 'sentiment', 'source', 'lang', 'country');

CREATE TEMP TABLE rollup_post_sets ON COMMIT DROP AS
    SELECT mm.post_id, mo.workspace_id, string_agg(mm.monitor_id, chr(31) ORDER BY mm.monitor_id COLLATE "C") AS key
    FROM mentions mm JOIN monitors mo ON mo.id = mm.monitor_id
    WHERE NOT EXISTS (SELECT 1 FROM mention_tags t WHERE t.workspace_id = mo.workspace_id AND t.post_id = mm.post_id AND t.tag = 'irrelevant')
    GROUP BY mm.post_id, mo.workspace_id;

-- The sets exist (the rollups created them); in case one does not.
INSERT INTO monitor_sets (workspace_id, key)
    SELECT DISTINCT workspace_id, key FROM rollup_post_sets
    ON CONFLICT (workspace_id, key) DO NOTHING;
INSERT INTO monitor_sets (workspace_id, key)
    SELECT DISTINCT workspace_id, '' FROM rollup_post_sets
    ON CONFLICT (workspace_id, key) DO NOTHING;
INSERT INTO monitor_set_members (set_id, monitor_id)
    SELECT ms.id, mm.monitor_id
    FROM (SELECT key, MIN(post_id) AS post_id FROM rollup_post_sets GROUP BY key) one
    JOIN monitor_sets ms ON ms.key = one.key AND ms.key <> ''
    JOIN mentions mm ON mm.post_id = one.post_id
    JOIN monitors mo ON mo.id = mm.monitor_id AND mo.workspace_id = ms.workspace_id
    ON CONFLICT (set_id, monitor_id) DO NOTHING;

INSERT INTO rollup_hours (set_id, dim, bucket, value, n)
    SELECT ms.id, 'post', floor(extract(epoch FROM p.published_at) / 3600)::bigint,
        COALESCE(cs.value, p.sentiment) || chr(31) || p.source_kind || chr(31) || COALESCE(cl.value, p.lang) || chr(31) || p.country, COUNT(*)
    FROM rollup_post_sets ps
    JOIN monitor_sets ms ON ms.workspace_id = ps.workspace_id AND ms.key = ps.key
    JOIN posts p ON p.id = ps.post_id
    -- A workspace's corrections (what it counts the post as; the same on
    -- databases of before corrections were per workspace).
    LEFT JOIN corrections cs ON cs.post_id = p.id AND cs.workspace_id = ps.workspace_id AND cs.field = 'sentiment'
    LEFT JOIN corrections cl ON cl.post_id = p.id AND cl.workspace_id = ps.workspace_id AND cl.field = 'lang'
    GROUP BY 1, 2, 3, 4;

-- The workspace's set: each post is in one set of the workspace.
INSERT INTO rollup_hours (set_id, dim, bucket, value, n)
    SELECT w.id, r.dim, r.bucket, r.value, SUM(r.n)
    FROM rollup_hours r
    JOIN monitor_sets ms ON ms.id = r.set_id AND ms.key <> ''
    JOIN monitor_sets w ON w.workspace_id = ms.workspace_id AND w.key = ''
    WHERE r.dim = 'post'
    GROUP BY 1, 2, 3, 4;

-- Days are floored (hours before 1970 are negative).
INSERT INTO rollup_days (set_id, dim, bucket, value, n)
    SELECT set_id, dim, (bucket - ((bucket % 24) + 24) % 24) / 24, value, SUM(n)
    FROM rollup_hours
    WHERE dim = 'post'
    GROUP BY 1, 2, 3, 4;
