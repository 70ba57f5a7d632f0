-- An index of search_text's words exactly as the analyser wrote them (one
-- lexeme per word, no parser in between), as SQLite's posts_fts holds
-- them: a query of plain words is then decided by the index alone, and a
-- prefilter's words are looked up whole. It replaces posts_search, whose
-- 'simple' parser split words at '_' and other characters the analyser
-- keeps, so that every post it found had to be verified. Empty words are
-- removed because array_to_tsvector refuses them.
SET LOCAL maintenance_work_mem = '256MB';
CREATE INDEX posts_words ON posts USING GIN (array_to_tsvector(array_remove(string_to_array(search_text, ' '), '')));
DROP INDEX posts_search;
