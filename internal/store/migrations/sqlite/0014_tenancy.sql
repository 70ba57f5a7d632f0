-- Tenancy (issue 9): a source's posts match only its workspace's monitors
-- unless an administrator shares the source with the organisation; a post
-- from a feed, an import or the simulator is known by its source too, so
-- no source can speak for another's items; corrections are per workspace.

ALTER TABLE sources ADD COLUMN shared INTEGER NOT NULL DEFAULT 0;

-- Every source so far is a feed, an import or the simulator, none of them
-- authoritative for its ids: their posts' ids are qualified by the source
-- ("src/12/<id>", see store.StoredID). Posts whose source was deleted keep
-- their id: no source can deliver to them any more.
UPDATE posts SET external_id = 'src/' || source_id || '/' || external_id
    WHERE source_id IS NOT NULL AND substr(external_id, 1, 4) <> 'src/';

-- Corrections: one per workspace, post and field. A correction made before
-- without a workspace goes to every workspace that has a mention of the
-- post (it was in effect there). Posts keep the values those corrections
-- wrote, so that the rollups stay as they were counted; from now on a
-- correction is an overlay for its workspace and posts keep the machine's.
CREATE TABLE corrections_ws (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    post_id      INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    field        TEXT NOT NULL,
    value        TEXT NOT NULL,
    machine      TEXT NOT NULL DEFAULT '',
    corrected_by TEXT NOT NULL DEFAULT '',
    corrected_at TEXT NOT NULL,
    PRIMARY KEY (workspace_id, post_id, field)
) WITHOUT ROWID;
INSERT INTO corrections_ws (workspace_id, post_id, field, value, machine, corrected_by, corrected_at)
    SELECT workspace_id, post_id, field, value, machine, corrected_by, corrected_at
    FROM corrections WHERE workspace_id IS NOT NULL;
INSERT INTO corrections_ws (workspace_id, post_id, field, value, machine, corrected_by, corrected_at)
    SELECT DISTINCT mo.workspace_id, c.post_id, c.field, c.value, c.machine, c.corrected_by, c.corrected_at
    FROM corrections c JOIN mentions mm ON mm.post_id = c.post_id JOIN monitors mo ON mo.id = mm.monitor_id
    WHERE c.workspace_id IS NULL
    ON CONFLICT (workspace_id, post_id, field) DO NOTHING;
DROP TABLE corrections;
ALTER TABLE corrections_ws RENAME TO corrections;
CREATE INDEX corrections_post ON corrections (post_id);
