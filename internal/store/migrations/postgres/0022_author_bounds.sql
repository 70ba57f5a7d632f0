-- An upper bound of each author's influence score in a workspace, over any
-- period: see the SQLite migration of the same name.
CREATE TABLE author_bounds (
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    author_id    BIGINT NOT NULL REFERENCES authors (id) ON DELETE CASCADE,
    n            BIGINT NOT NULL,
    top_post     BIGINT NOT NULL,
    followers    BIGINT NOT NULL,
    bound        DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (workspace_id, author_id)
);
CREATE INDEX author_bounds_bound ON author_bounds (workspace_id, bound, author_id);

INSERT INTO author_bounds (workspace_id, author_id, n, top_post, followers, bound)
    SELECT workspace_id, author_id, SUM(n), GREATEST(MAX(engagement), 0), GREATEST(MAX(followers), 0), 0
    FROM author_days GROUP BY workspace_id, author_id;
UPDATE author_bounds SET bound = 100 * (0.5 * LEAST(log(1 + followers::double precision) / 6.0, 1.0)
    + 0.3 * LEAST(log(1 + top_post::double precision) / 3.0, 1.0) + 0.2 * LEAST(log(1 + GREATEST(n, 0)::double precision) / 2.0, 1.0)) + 0.2;
