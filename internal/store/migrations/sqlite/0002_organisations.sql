-- Organisations own workspaces (organisation → workspaces → monitors,
-- sources, members). Existing workspaces join a default organisation.
CREATE TABLE organisations (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    slug       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
INSERT INTO organisations (name, slug, created_at)
    VALUES ('My organisation', 'default', strftime('%Y-%m-%dT%H:%M:%S.000000Z', 'now'));
-- SQLite adds a referencing column only with a NULL default; the store
-- always sets it.
ALTER TABLE workspaces ADD COLUMN organisation_id INTEGER REFERENCES organisations (id);
UPDATE workspaces SET organisation_id = (SELECT id FROM organisations WHERE slug = 'default');
CREATE INDEX workspaces_organisation ON workspaces (organisation_id);
