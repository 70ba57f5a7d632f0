-- An upper bound of each author's influence score in a workspace, over any
-- period: the top authors of a month walk authors from the highest bound
-- down and sum author_days for those only, stopping when no bound left can
-- beat the last of the best (influence.go), where they summed every row of
-- author_days of the workspace (a month of 1M mentions: ~750k rows).
--
-- n is the author's mentions in the workspace (Σ author_days.n: no
-- period has more); top_post the most engagement of one of them (no
-- period's engagement per mention is higher); followers the most followers
-- author_days has carried for them (never lowered). bound is the score of
-- those, plus slack for the score's rounding (AuthorBoundSQL). Kept with
-- author_days (aggregate.go, and the followers' updates in post.go):
-- whatever writes author_days must keep these bounds at or above it.
CREATE TABLE author_bounds (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    author_id    INTEGER NOT NULL REFERENCES authors (id) ON DELETE CASCADE,
    n            INTEGER NOT NULL,
    top_post     INTEGER NOT NULL,
    followers    INTEGER NOT NULL,
    bound        REAL NOT NULL,
    PRIMARY KEY (workspace_id, author_id)
) WITHOUT ROWID;
CREATE INDEX author_bounds_bound ON author_bounds (workspace_id, bound, author_id);

-- A day's engagement is at least that of its best post: a bound for the
-- archive so far.
INSERT INTO author_bounds (workspace_id, author_id, n, top_post, followers, bound)
    SELECT workspace_id, author_id, SUM(n), MAX(MAX(engagement), 0), MAX(MAX(followers), 0), 0
    FROM author_days GROUP BY workspace_id, author_id;
UPDATE author_bounds SET bound = 100 * (0.5 * min(log10(1 + followers) / 6.0, 1.0)
    + 0.3 * min(log10(1 + top_post) / 3.0, 1.0) + 0.2 * min(log10(1 + max(n, 0)) / 2.0, 1.0)) + 0.2;
