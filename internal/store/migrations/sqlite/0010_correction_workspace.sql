-- The workspace whose member made a correction: another workspace sees the
-- corrected value (posts are shared) but not who made it.
ALTER TABLE corrections ADD COLUMN workspace_id INTEGER REFERENCES workspaces (id) ON DELETE SET NULL;
