-- A monitor's mentions by post id, newest last: where a workspace's live
-- stream starts (Store.LastPostID) is one step down this index per
-- monitor of the workspace, where the primary key (post_id first) made it
-- walk every workspace's newer mentions until one of its own.
CREATE INDEX mentions_monitor_post ON mentions (monitor_id, post_id);
