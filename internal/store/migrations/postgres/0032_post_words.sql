-- posts_words indexes search_text's words exactly as the analyser wrote
-- them (one lexeme per word, no parser in between), as SQLite's posts_fts
-- holds them: a query of plain words is then decided by the index alone,
-- and a prefilter's words are looked up whole. Two more lexemes, which no
-- word can be since words hold no space, let the index pick an even sample
-- of a search's matches (' s' and a bucket of 64, from the id times the
-- golden ratio) or those of given hours (' h' and the hour since 1970),
-- so that PostgreSQL reads only their rows (internal/store/search_postgres.go). It replaces posts_search, whose
-- 'simple' parser split words at '_' and other characters the analyser
-- keeps, so that every post it found had to be verified. Empty words are
-- removed because array_to_tsvector refuses them. The expression must stay
-- spelled as postWords is for the planner to use the index.
SET LOCAL maintenance_work_mem = '256MB';
CREATE INDEX posts_words ON posts USING GIN ((array_to_tsvector(array_remove(string_to_array(search_text, ' '), '') || ARRAY[' s' || floor(mod(id * 0.618033988749895, 1) * 64)::int::text,
    ' h' || floor(extract(epoch FROM published_at - timestamptz '1970-01-01 00:00:00+00') / 3600)::bigint::text])));
DROP INDEX posts_search;
-- The planner's statistics of the new expression (a second or two).
ANALYZE posts;
