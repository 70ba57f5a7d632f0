-- author_days by day, for the top authors of a short period: see the SQLite
-- migration of the same name.
CREATE INDEX author_days_day ON author_days (workspace_id, day) INCLUDE (author_id, n, engagement, followers);
