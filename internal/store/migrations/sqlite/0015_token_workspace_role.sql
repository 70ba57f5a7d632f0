-- API tokens belong to a workspace and carry a role (admin, editor,
-- viewer), with an optional expiry (NULL: never). Tokens made before this
-- worked on the first workspace with every right, as the API did: they keep
-- both. A database with tokens but no workspace yet gets the workspace the
-- server would have made at its next start.
INSERT INTO workspaces (organisation_id, name, slug, time_zone, created_at)
    SELECT (SELECT id FROM organisations WHERE slug = 'default'), 'Main workspace', 'main', 'UTC',
        strftime('%Y-%m-%dT%H:%M:%S.000000Z', 'now')
    WHERE EXISTS (SELECT 1 FROM api_tokens) AND NOT EXISTS (SELECT 1 FROM workspaces);
-- SQLite adds a referencing column only with a NULL default; the store
-- always sets it, and refuses a token without one.
ALTER TABLE api_tokens ADD COLUMN workspace_id INTEGER REFERENCES workspaces (id) ON DELETE CASCADE;
ALTER TABLE api_tokens ADD COLUMN role TEXT NOT NULL DEFAULT 'admin';
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
UPDATE api_tokens SET workspace_id = (SELECT MIN(id) FROM workspaces);
CREATE INDEX api_tokens_workspace ON api_tokens (workspace_id, id);

-- Administrators of an organisation create and rename its workspaces. The
-- users who administer every workspace (the first administrator, made by
-- the set-up link) become administrators of the default organisation.
CREATE TABLE organisation_admins (
    organisation_id INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (organisation_id, user_id)
) WITHOUT ROWID;
CREATE INDEX organisation_admins_user ON organisation_admins (user_id);
INSERT INTO organisation_admins (organisation_id, user_id)
    SELECT o.id, u.id FROM organisations o, users u
    WHERE o.slug = 'default' AND EXISTS (SELECT 1 FROM workspaces)
    AND NOT EXISTS (SELECT 1 FROM workspaces w WHERE NOT EXISTS (
        SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.workspace_id = w.id AND m.role = 'admin'));
