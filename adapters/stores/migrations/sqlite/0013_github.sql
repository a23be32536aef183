-- Issue 21, alerts from GitHub: findings mapped to a digest (`digest:daily`, `digest:weekly`)
-- wait here until their digest is posted, one row per group (a security alert by number);
-- the digest job posts them and deletes them in one transaction. The item itself is JSON.
CREATE TABLE alert_digest_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    cadence TEXT NOT NULL,
    group_key TEXT NOT NULL,
    item TEXT NOT NULL,
    UNIQUE (source, group_key)
);
CREATE INDEX alert_digest_items_due ON alert_digest_items (source, cadence, id);
