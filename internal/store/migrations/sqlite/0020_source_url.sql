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
-- NormalSourceURL computes it: scheme and host lowered (ASCII), the
-- default port and the fragment dropped.
CREATE TEMP TABLE source_url_keys AS
SELECT id, workspace_id, kind,
    scheme || '://' || userinfo ||
    CASE WHEN scheme = 'http' AND substr(host, -3) = ':80' THEN substr(host, 1, length(host) - 3)
         WHEN scheme = 'https' AND substr(host, -4) = ':443' THEN substr(host, 1, length(host) - 4)
         ELSE host END ||
    CASE WHEN instr(tail, '#') > 0 THEN substr(tail, 1, instr(tail, '#') - 1) ELSE tail END AS url_key
FROM (SELECT id, workspace_id, kind, scheme,
        substr(authority, 1, instr(authority, '@')) AS userinfo,
        lower(substr(authority, instr(authority, '@') + 1)) AS host,
        substr(rest, length(authority) + 1) AS tail
    FROM (SELECT id, workspace_id, kind, scheme, rest,
            substr(rest, 1, min(
                CASE instr(rest, '/') WHEN 0 THEN length(rest) + 1 ELSE instr(rest, '/') END,
                CASE instr(rest, '?') WHEN 0 THEN length(rest) + 1 ELSE instr(rest, '?') END,
                CASE instr(rest, '#') WHEN 0 THEN length(rest) + 1 ELSE instr(rest, '#') END) - 1) AS authority
        FROM (SELECT id, workspace_id, kind, lower(substr(url, 1, instr(url, '://') - 1)) AS scheme,
                substr(url, instr(url, '://') + 3) AS rest
            FROM sources
            WHERE kind = 'rss' AND (lower(substr(url, 1, 7)) = 'http://' OR lower(substr(url, 1, 8)) = 'https://'))));

-- The oldest source of each address keeps following it.
UPDATE sources SET url_key = (SELECT k.url_key FROM source_url_keys k WHERE k.id = sources.id)
    WHERE id IN (SELECT MIN(id) FROM source_url_keys GROUP BY workspace_id, kind, url_key);

-- The later ones are stopped, saying why, and kept with their posts and
-- mentions until someone deletes them: the scheduler reads enabled
-- sources only, so no item is stored twice from now on.
UPDATE sources SET enabled = 0, last_error = (
        SELECT 'stopped: the same address is followed by source ' || f.id || ' (' || f.name || '); delete this copy'
        FROM source_url_keys k
        JOIN source_url_keys fk ON fk.workspace_id = k.workspace_id AND fk.kind = k.kind AND fk.url_key = k.url_key
        JOIN sources f ON f.id = fk.id AND f.url_key IS NOT NULL
        WHERE k.id = sources.id)
    WHERE url_key IS NULL AND id IN (SELECT id FROM source_url_keys);

CREATE UNIQUE INDEX sources_url ON sources (workspace_id, kind, url_key) WHERE url_key IS NOT NULL;

DROP TABLE source_url_keys;
