-- PostgreSQL's index of search_text's words (see the PostgreSQL migration
-- of the same name); SQLite's posts_fts already holds them exactly.
SELECT 1;
