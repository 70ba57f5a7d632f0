-- Language and sentiment of stored posts. lang is the language in effect:
-- detected (the source's declared language is a hint), or corrected by the
-- team; declared_lang keeps what the source said. Posts stored before
-- detection existed keep their declared language in both.
ALTER TABLE posts ADD COLUMN declared_lang TEXT NOT NULL DEFAULT '';
ALTER TABLE posts ADD COLUMN sentiment TEXT NOT NULL DEFAULT '';
ALTER TABLE posts ADD COLUMN sentiment_score DOUBLE PRECISION NOT NULL DEFAULT 0;
UPDATE posts SET declared_lang = lang WHERE lang <> '';

-- Corrections the team made to a post's enrichment (field: lang or
-- sentiment). The corrected value is also written to the post's column;
-- re-enrichment skips corrected fields, so a correction is never lost.
-- machine is what enrichment had said, to measure it against the team.
CREATE TABLE corrections (
    post_id      BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    field        TEXT NOT NULL,
    value        TEXT NOT NULL,
    machine      TEXT NOT NULL DEFAULT '',
    corrected_by TEXT NOT NULL DEFAULT '',
    corrected_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (post_id, field)
);
