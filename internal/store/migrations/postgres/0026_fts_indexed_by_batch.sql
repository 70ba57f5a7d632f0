-- SQLite's full-text index is filled by the store itself since this
-- migration (see the SQLite migration of the same name); PostgreSQL's
-- search needs nothing.
SELECT 1;
