-- Issue 15, "acknowledged means durable": a chat command is written here before it is
-- acknowledged, keyed by its request key, and marked done once its person has the answer. A
-- process that starts runs again what an earlier one acknowledged and did not finish.
-- `command` is what the chat adapter needs to run it again (JSON; opaque to the store).
CREATE TABLE inbox (
    key TEXT PRIMARY KEY,
    platform TEXT NOT NULL,
    command TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    done_at TIMESTAMPTZ
);
CREATE INDEX inbox_pending ON inbox (platform, received_at) WHERE done_at IS NULL;
CREATE INDEX inbox_done ON inbox (done_at) WHERE done_at IS NOT NULL;
