-- Issue 18, alerts in: the alert groups incidents follow (one per Alertmanager groupKey or
-- Events API dedup_key), each source's storm-guard state, and the heartbeats. A group's and a
-- source's state is JSON; the columns beside it are what is looked up. Received alerts are
-- kept before their answer in the command inbox (the `alerts` platform), like chat commands.
CREATE TABLE alert_groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    group_key TEXT NOT NULL,
    incident INTEGER,
    silence_id TEXT,
    state TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (source, group_key)
);
CREATE INDEX alert_groups_incident ON alert_groups (incident);
CREATE INDEX alert_groups_silenced ON alert_groups (id) WHERE silence_id IS NOT NULL;

CREATE TABLE alert_sources (
    name TEXT PRIMARY KEY,
    state TEXT NOT NULL
);

CREATE TABLE heartbeats (
    name TEXT PRIMARY KEY,
    state TEXT NOT NULL
);
