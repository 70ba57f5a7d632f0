-- New posts enter the full-text index once per stored batch, in one
-- statement (post.go's indexPosts), instead of a row at a time through a
-- trigger: FTS5 writes its pending terms to disk and merges segments at
-- each statement that changes it, and the posts of a batch came in
-- statements of 1,304 rows (1M-post import: a fifth of the posts' insert
-- time was these flushes and merges). Deletions and changes of the search
-- text still go through their triggers.
DROP TRIGGER posts_fts_insert;
-- FTS5 also writes its pending terms to disk whenever they exceed its
-- hash size (1 MB by default), less than a batch's posts hold: 16 MB lets
-- a batch reach the disk once, as a few large segments to merge later
-- rather than many small ones merged at every flush.
INSERT INTO posts_fts (posts_fts, rank) VALUES ('hashsize', 16777216);
