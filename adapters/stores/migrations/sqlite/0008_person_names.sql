-- Issue 16, "names, not ids": people's names as their chat platform shows them (Slack's display
-- name, a Discord nickname), heard or asked for when they act and asked again once stale, so
-- review drafts, the dashboard and plain text read "Maria García" instead of "@U0MARIA".
-- `platform` and `id` are the person's (`slack`, `U0MARIA`); `name` is cleaned where it enters
-- (incidents/names.py: clean_name) and still treated as hostile wherever it is shown.
CREATE TABLE person_names (
    platform TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    refreshed_at TEXT NOT NULL,
    PRIMARY KEY (platform, id)
);
