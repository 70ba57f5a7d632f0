-- A monitor's mentions by post id, newest last: where a workspace's live
-- stream starts (Store.LastPostID) is one step down this index per
-- monitor of the workspace, where the primary key (post_id first) made it
-- walk every workspace's newer mentions until one of its own.
CREATE INDEX mentions_monitor_post ON mentions (monitor_id, post_id);

-- A new index has no statistics until the next ANALYZE: without them SQLite
-- walked a monitor's stream through this index and sorted it (p50 30 →
-- 350 ms at 1M mentions) instead of mentions_monitor, in time order.
ANALYZE mentions;
