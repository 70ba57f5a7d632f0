-- Enrichment of stored posts: the simhash of their words, the earlier post
-- they nearly duplicate (copies fold into one story), and the entities they
-- name, kept one per row for aggregation (top hashtags, domains…), reached
-- from the posts of a period through the primary key.
ALTER TABLE posts ADD COLUMN simhash INTEGER NOT NULL DEFAULT 0;
ALTER TABLE posts ADD COLUMN near_duplicate_of INTEGER REFERENCES posts (id) ON DELETE SET NULL;
CREATE INDEX posts_near_duplicate ON posts (near_duplicate_of);
CREATE TABLE post_entities (
    post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    kind    TEXT NOT NULL, -- hashtag, mention, link, domain
    value   TEXT NOT NULL,
    PRIMARY KEY (post_id, kind, value)
) WITHOUT ROWID;
