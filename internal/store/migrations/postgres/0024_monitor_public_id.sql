-- Monitor ids are per workspace (issue 9): two faculties may both have a
-- monitor "brand", and creating one tells nothing about another
-- workspace's. public_id is the id users and the API see, unique in its
-- workspace; monitors.id stays the internal key that mentions, monitor
-- sets, feeds, backfills and the change log refer to. Monitors created
-- from now on are keyed "<workspace id>/<public id>" (a public id has no
-- '/'); those created before keep their id as their key, so no mention is
-- rewritten.
ALTER TABLE monitors ADD COLUMN public_id TEXT NOT NULL DEFAULT '';
UPDATE monitors SET public_id = id;
CREATE UNIQUE INDEX monitors_public_id ON monitors (workspace_id, public_id);
