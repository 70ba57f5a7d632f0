-- Tenancy (issue 9): a source's posts match only its workspace's monitors
-- unless an administrator shares the source with the organisation; a post
-- from a feed, an import or the simulator is known by its source too, so
-- no source can speak for another's items; corrections are per workspace.

ALTER TABLE sources ADD COLUMN shared BOOLEAN NOT NULL DEFAULT FALSE;

-- Every source so far is a feed, an import or the simulator, none of them
-- authoritative for its ids: their posts' ids are qualified by the source
-- ("src/12/<id>", see store.StoredID). Posts whose source was deleted keep
-- their id: no source can deliver to them any more.
UPDATE posts SET external_id = 'src/' || source_id::text || '/' || external_id
    WHERE source_id IS NOT NULL AND substr(external_id, 1, 4) <> 'src/';

-- Corrections: one per workspace, post and field. A correction made before
-- without a workspace goes to every workspace that has a mention of the
-- post (it was in effect there). Posts keep the values those corrections
-- wrote, so that the rollups stay as they were counted; from now on a
-- correction is an overlay for its workspace and posts keep the machine's.
ALTER TABLE corrections DROP CONSTRAINT corrections_pkey;
INSERT INTO corrections (post_id, field, value, machine, corrected_by, corrected_at, workspace_id)
    SELECT DISTINCT c.post_id, c.field, c.value, c.machine, c.corrected_by, c.corrected_at, mo.workspace_id
    FROM corrections c JOIN mentions mm ON mm.post_id = c.post_id JOIN monitors mo ON mo.id = mm.monitor_id
    WHERE c.workspace_id IS NULL;
DELETE FROM corrections WHERE workspace_id IS NULL;
ALTER TABLE corrections DROP CONSTRAINT IF EXISTS corrections_workspace_id_fkey;
ALTER TABLE corrections ALTER COLUMN workspace_id SET NOT NULL;
ALTER TABLE corrections ADD CONSTRAINT corrections_workspace_id_fkey FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE;
ALTER TABLE corrections ADD PRIMARY KEY (workspace_id, post_id, field);
CREATE INDEX corrections_post ON corrections (post_id);
