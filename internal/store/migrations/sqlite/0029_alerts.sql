-- Alerts and incidents (issue 12). A rule watches one monitor (monitor_id,
-- its key) or the whole workspace (NULL); its settings and channels are a
-- JSON object (config) whose credentials (webhook addresses, signing keys)
-- are sealed like sources' settings; state is its detector's episode.
CREATE TABLE alert_rules (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    monitor_id   TEXT REFERENCES monitors (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    config       TEXT NOT NULL DEFAULT '{}',
    enabled      INTEGER NOT NULL DEFAULT 1,
    state        TEXT NOT NULL DEFAULT '{}',
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX alert_rules_workspace ON alert_rules (workspace_id);
CREATE INDEX alert_rules_monitor ON alert_rules (monitor_id);

-- A crisis being handled: opened by an alert or by hand; later alerts of
-- its monitor join it while it is not closed.
CREATE TABLE incidents (
    id                INTEGER PRIMARY KEY,
    workspace_id      INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    monitor_id        TEXT REFERENCES monitors (id) ON DELETE SET NULL,
    title             TEXT NOT NULL,
    status            TEXT NOT NULL,
    owner_id          INTEGER REFERENCES users (id) ON DELETE SET NULL,
    checklist         TEXT NOT NULL DEFAULT '[]',
    opened_at         TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    closed_at         TEXT,
    first_response_at TEXT
);
CREATE INDEX incidents_workspace ON incidents (workspace_id, status, id);

-- What a rule sent: an episode's alert, its updates, a digest.
-- ack_hash is the SHA-256 of the token in the message's acknowledgement
-- link, by which the link finds it; ack_token the token itself, sealed
-- with the secret key, for the deliverer that writes the messages.
CREATE TABLE alerts (
    id              INTEGER PRIMARY KEY,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    rule_id         INTEGER REFERENCES alert_rules (id) ON DELETE SET NULL,
    rule_name       TEXT NOT NULL,
    monitor_id      TEXT REFERENCES monitors (id) ON DELETE SET NULL,
    incident_id     INTEGER REFERENCES incidents (id) ON DELETE SET NULL,
    kind            TEXT NOT NULL,
    phase           TEXT NOT NULL,
    fired_at        TEXT NOT NULL,
    title           TEXT NOT NULL,
    body            TEXT NOT NULL,
    figures         TEXT NOT NULL DEFAULT '{}',
    inapp           INTEGER NOT NULL DEFAULT 0,
    ack_hash        TEXT NOT NULL UNIQUE,
    ack_token       TEXT NOT NULL DEFAULT '',
    acknowledged_at TEXT,
    acknowledged_by TEXT NOT NULL DEFAULT '',
    escalate_at     TEXT
);
CREATE INDEX alerts_workspace ON alerts (workspace_id, id);
CREATE INDEX alerts_incident ON alerts (incident_id);
CREATE INDEX alerts_escalate ON alerts (escalate_at);

CREATE TABLE incident_events (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    at          TEXT NOT NULL,
    kind        TEXT NOT NULL,
    by_name     TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL
);
CREATE INDEX incident_events_incident ON incident_events (incident_id, id);

-- The outbox: one row per alert and channel, written with the alert, sent
-- by a deliverer holding a lease, retried with back-off.
CREATE TABLE alert_deliveries (
    id           INTEGER PRIMARY KEY,
    alert_id     INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    channel      TEXT NOT NULL,
    escalation   INTEGER NOT NULL DEFAULT 0,
    state        TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_try_at  TEXT NOT NULL,
    last_error   TEXT NOT NULL DEFAULT '',
    sent_at      TEXT,
    lease_owner  TEXT NOT NULL DEFAULT '',
    lease_until  TEXT
);
CREATE INDEX alert_deliveries_due ON alert_deliveries (state, next_try_at);
CREATE INDEX alert_deliveries_alert ON alert_deliveries (alert_id);

-- The bell: the last in-app alert each user has seen in a workspace.
CREATE TABLE alert_reads (
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    last_read    INTEGER NOT NULL,
    PRIMARY KEY (user_id, workspace_id)
);

-- The crisis checklist a workspace defines (a JSON array of labels); new
-- incidents copy it. Without a row, vigie.DefaultChecklist.
CREATE TABLE incident_checklists (
    workspace_id INTEGER PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    items        TEXT NOT NULL
);
