-- Issue 16, "a status page consumers can trust": scheduled maintenance announced on the status
-- page (`/incident maintenance`), and when each configured component first appeared (its
-- Statuspage `created_at`). A maintenance's status (scheduled, in progress, completed) is not
-- kept: it is worked out from `starts_at`, `ends_at` and the clock whenever it is read.
-- `components` is a JSON list of component names.
CREATE TABLE maintenances (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    components TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX maintenances_ends ON maintenances (ends_at);

CREATE TABLE status_components (
    name TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
);
