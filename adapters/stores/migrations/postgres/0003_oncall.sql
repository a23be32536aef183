-- On-call edits made from chat: overrides and swaps (applied in id order), and cover requests.
-- An override fills starts_at/ends_at with its window; a swap fills first_shift/second_shift
-- with the starts of the two shifts (and starts_at/ends_at with the earlier and the later).
CREATE TABLE oncall_edits (
    id BIGSERIAL PRIMARY KEY,
    rotation TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('override', 'swap')),
    person TEXT,
    role TEXT,
    replaces TEXT,
    starts_at TIMESTAMPTZ NOT NULL,
    ends_at TIMESTAMPTZ NOT NULL,
    first_shift TIMESTAMPTZ,
    second_shift TIMESTAMPTZ,
    cover_request BIGINT,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    cancelled_at TIMESTAMPTZ
);
CREATE INDEX oncall_edits_active ON oncall_edits (rotation, id) WHERE cancelled_at IS NULL;

CREATE TABLE oncall_cover_requests (
    id BIGSERIAL PRIMARY KEY,
    rotation TEXT NOT NULL,
    requester TEXT NOT NULL,
    starts_at TIMESTAMPTZ NOT NULL,
    ends_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    taken_by TEXT,
    taken_at TIMESTAMPTZ,
    cancelled_at TIMESTAMPTZ
);
CREATE INDEX oncall_cover_open ON oncall_cover_requests (rotation, id)
    WHERE taken_by IS NULL AND cancelled_at IS NULL;
