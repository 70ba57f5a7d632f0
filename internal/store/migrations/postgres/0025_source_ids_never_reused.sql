-- A source's id is never given to another source: see the SQLite migration
-- of the same name. PostgreSQL's identity sequence never goes back, so
-- there is nothing to do here.
SELECT 1;
