-- Incidents, their timelines, durable timers, the outbox, chat channels and request keys.
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('incident', 0);

CREATE TABLE incidents (
    number BIGINT PRIMARY KEY,
    severity SMALLINT NOT NULL,
    phase TEXT NOT NULL,
    declared_at TIMESTAMPTZ NOT NULL,
    closed_at TIMESTAMPTZ,
    state JSONB NOT NULL,
    timeline_length INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX incidents_declared ON incidents (declared_at);
CREATE INDEX incidents_open ON incidents (number) WHERE closed_at IS NULL;

CREATE TABLE timeline (
    incident BIGINT NOT NULL REFERENCES incidents (number),
    seq INTEGER NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    actor TEXT,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    data JSONB NOT NULL,
    PRIMARY KEY (incident, seq)
);

CREATE TABLE timers (
    incident BIGINT NOT NULL REFERENCES incidents (number),
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    due_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (incident, key)
);
CREATE INDEX timers_due ON timers (due_at);

CREATE TABLE outbox (
    id BIGSERIAL PRIMARY KEY,
    platform TEXT NOT NULL,
    incident BIGINT,
    kind TEXT NOT NULL,
    payload JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    delivered_at TIMESTAMPTZ,
    dead_at TIMESTAMPTZ,
    last_error TEXT
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at, id) WHERE delivered_at IS NULL AND dead_at IS NULL;
CREATE INDEX outbox_incident ON outbox (incident, id) WHERE delivered_at IS NULL AND dead_at IS NULL;

CREATE TABLE channels (
    platform TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    incident BIGINT NOT NULL REFERENCES incidents (number),
    PRIMARY KEY (platform, channel_id),
    UNIQUE (incident, platform)
);

CREATE TABLE requests (
    key TEXT PRIMARY KEY,
    seen_at TIMESTAMPTZ NOT NULL
);
