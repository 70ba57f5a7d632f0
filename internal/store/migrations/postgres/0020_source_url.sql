-- A feed is known by the address it follows in its workspace, not by its
-- name: two feeds of one site are two sources, and one address followed
-- twice (it was, under two names) would store every item twice. url_key
-- is the address as vigie.NormalSourceURL writes it, for the kinds known
-- by their address (vigie.SourceKind.KnownByURL: feeds); NULL for the
-- others, known by their name as before. Names stay unique per kind in a
-- workspace, so that people tell the sources apart.

ALTER TABLE sources ADD COLUMN url_key TEXT;

-- The feeds' addresses so far, in the form url.URL.String gives them:
-- scheme "://" [userinfo "@"] host [":" port] path ["?" query] ["#" fragment],
-- each "@" of a userinfo escaped but the last. Their key, as
-- NormalSourceURL computes it: scheme and host lowered (ASCII: the
-- non-ASCII letters of a host are escaped), the default port and the
-- fragment dropped.
CREATE TEMP TABLE source_url_keys ON COMMIT DROP AS
SELECT id, workspace_id, kind,
    scheme || '://' || userinfo ||
    CASE WHEN scheme = 'http' THEN regexp_replace(host, ':80$', '')
         WHEN scheme = 'https' THEN regexp_replace(host, ':443$', '')
         ELSE host END ||
    tail AS url_key
FROM (SELECT id, workspace_id, kind, lower(m[1]) AS scheme,
        coalesce(substring(m[2] FROM '^[^@]*@'), '') AS userinfo,
        lower(regexp_replace(m[2], '^[^@]*@', '')) AS host,
        m[3] AS tail
    FROM (SELECT id, workspace_id, kind, regexp_match(url, '^(https?)://([^/?#]*)([^#]*)', 'i') AS m
        FROM sources WHERE kind = 'rss') s
    WHERE m IS NOT NULL) p;

-- The oldest source of each address keeps following it.
UPDATE sources SET url_key = k.url_key FROM source_url_keys k
    WHERE k.id = sources.id AND k.id IN (SELECT MIN(id) FROM source_url_keys GROUP BY workspace_id, kind, url_key);

-- The later ones are stopped, saying why, and kept with their posts and
-- mentions until someone deletes them: the scheduler reads enabled
-- sources only, so no item is stored twice from now on.
UPDATE sources SET enabled = FALSE,
        last_error = 'stopped: the same address is followed by source ' || f.id || ' (' || f.name || '); delete this copy'
    FROM source_url_keys k
    JOIN source_url_keys fk ON fk.workspace_id = k.workspace_id AND fk.kind = k.kind AND fk.url_key = k.url_key
    JOIN sources f ON f.id = fk.id AND f.url_key IS NOT NULL
    WHERE k.id = sources.id AND sources.url_key IS NULL;

CREATE UNIQUE INDEX sources_url ON sources (workspace_id, kind, url_key) WHERE url_key IS NOT NULL;
