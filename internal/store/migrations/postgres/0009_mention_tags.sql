-- The team's tags on a workspace's mentions. The tag "irrelevant" marks a
-- mention the stream hides (a homonym, spam).
CREATE TABLE mention_tags (
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    post_id      BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    tag          TEXT NOT NULL,
    tagged_by    TEXT NOT NULL DEFAULT '',
    tagged_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (workspace_id, post_id, tag)
);
CREATE INDEX mention_tags_tag ON mention_tags (workspace_id, tag, post_id);
