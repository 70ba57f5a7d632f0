-- The stream filtered by network (source=reddit) walks that network's
-- posts newest first, instead of sorting all of them for one page.
CREATE INDEX posts_source_kind ON posts (source_kind, published_at, id);
