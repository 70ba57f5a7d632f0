-- Monitor changes and backfills survive the process that made them.
--
-- monitor_changes is the log every process follows to keep its match index
-- in step with the monitors table, whoever changed it: one row per create,
-- update or delete, written in the change's transaction. SQLite has one
-- writer at a time, so seq order is commit order and a reader that has seen
-- seq n has seen every change before it; AUTOINCREMENT never reuses a seq.
-- No foreign key: the row of a deleted monitor stays.
CREATE TABLE monitor_changes (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    monitor_id   TEXT NOT NULL,
    workspace_id INTEGER NOT NULL,
    op           TEXT NOT NULL,
    changed_at   TEXT NOT NULL
);

-- monitor_backfills is the outbox of backfills: one row per monitor whose
-- mentions must be brought in line with its query, written in the
-- transaction that created the monitor or changed its query. A newer change
-- bumps generation (the job is replaced, not queued twice); a worker holds
-- a lease while it runs one and marks it done only if the generation it ran
-- is still the current one.
CREATE TABLE monitor_backfills (
    monitor_id   TEXT PRIMARY KEY REFERENCES monitors (id) ON DELETE CASCADE,
    workspace_id INTEGER NOT NULL,
    generation   INTEGER NOT NULL DEFAULT 1,
    state        TEXT NOT NULL DEFAULT 'pending',
    attempts     INTEGER NOT NULL DEFAULT 0,
    run_after    TEXT NOT NULL,
    lease_owner  TEXT NOT NULL DEFAULT '',
    lease_until  TEXT,
    last_error   TEXT NOT NULL DEFAULT '',
    scanned      INTEGER NOT NULL DEFAULT 0,
    added        INTEGER NOT NULL DEFAULT 0,
    removed      INTEGER NOT NULL DEFAULT 0,
    requested_at TEXT NOT NULL,
    finished_at  TEXT
);
CREATE INDEX monitor_backfills_due ON monitor_backfills (run_after) WHERE state <> 'done';
