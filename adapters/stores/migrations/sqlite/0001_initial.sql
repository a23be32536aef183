-- Incidents, their timelines, durable timers, the outbox, chat channels and request keys.
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO counters (name, value) VALUES ('incident', 0);

CREATE TABLE incidents (
    number INTEGER PRIMARY KEY,
    severity INTEGER NOT NULL,
    phase TEXT NOT NULL,
    declared_at TEXT NOT NULL,
    closed_at TEXT,
    state TEXT NOT NULL,
    timeline_length INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX incidents_declared ON incidents (declared_at);
CREATE INDEX incidents_open ON incidents (number) WHERE closed_at IS NULL;

CREATE TABLE timeline (
    incident INTEGER NOT NULL REFERENCES incidents (number),
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    actor TEXT,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (incident, seq)
);

CREATE TABLE timers (
    incident INTEGER NOT NULL REFERENCES incidents (number),
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    due_at TEXT NOT NULL,
    PRIMARY KEY (incident, key)
);
CREATE INDEX timers_due ON timers (due_at);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    platform TEXT NOT NULL,
    incident INTEGER,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    delivered_at TEXT,
    dead_at TEXT,
    last_error TEXT
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at, id) WHERE delivered_at IS NULL AND dead_at IS NULL;
CREATE INDEX outbox_incident ON outbox (incident, id) WHERE delivered_at IS NULL AND dead_at IS NULL;

CREATE TABLE channels (
    platform TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    incident INTEGER NOT NULL REFERENCES incidents (number),
    PRIMARY KEY (platform, channel_id),
    UNIQUE (incident, platform)
);

CREATE TABLE requests (
    key TEXT PRIMARY KEY,
    seen_at TEXT NOT NULL
);
