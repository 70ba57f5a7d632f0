-- Authors' mentions per workspace and UTC day (days since the Unix epoch),
-- with the engagement (likes + reposts + replies) on them: the top authors
-- of a month read a few hundred thousand small rows instead of every post.
-- A post counts once per workspace whose monitors it matched. followers is
-- the author's current count (kept in step when it changes). Rows are in author order, so a
-- period's totals per author are summed without sorting. Kept exact with
-- the rollups (aggregate.go); rows whose count fell to zero are deleted.
CREATE TABLE author_days (
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    author_id    BIGINT NOT NULL REFERENCES authors (id) ON DELETE CASCADE,
    day          BIGINT NOT NULL,
    n            BIGINT NOT NULL,
    engagement   BIGINT NOT NULL,
    followers    BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, author_id, day)
);

INSERT INTO author_days (workspace_id, day, author_id, n, engagement, followers)
    SELECT w.workspace_id, floor(extract(epoch FROM p.published_at) / 86400)::bigint, p.author_id, COUNT(*), SUM(p.likes + p.reposts + p.replies), MAX(a.followers)
    FROM (SELECT DISTINCT mm.post_id, mo.workspace_id FROM mentions mm JOIN monitors mo ON mo.id = mm.monitor_id) w
    JOIN posts p ON p.id = w.post_id
    JOIN authors a ON a.id = p.author_id
    WHERE p.author_id IS NOT NULL
    GROUP BY 1, 2, 3;
