-- PostgreSQL's posts_words gains day and language lexemes (see the
-- PostgreSQL migration of the same name); SQLite's posts_fts needs none.
SELECT 1;
