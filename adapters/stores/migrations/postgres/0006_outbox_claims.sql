-- Issue 15: who holds a claim (a sender that stops beating is taken over within seconds),
-- when the wait of a message began (a clock that jumps back does not hold it), how many of
-- its attempts were rate limits (not failures), and when `sevbot outbox retry` revived it.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN scheduled_at TIMESTAMPTZ;
ALTER TABLE outbox ADD COLUMN rate_limits INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN retried_at TIMESTAMPTZ;
UPDATE outbox SET scheduled_at = created_at WHERE delivered_at IS NULL AND dead_at IS NULL;
CREATE INDEX outbox_claimed ON outbox (claimed_by) WHERE claimed_by IS NOT NULL;

-- The processes that deliver the outbox, each with its last heartbeat.
CREATE TABLE outbox_senders (
    id TEXT PRIMARY KEY,
    seen_at TIMESTAMPTZ NOT NULL
);
