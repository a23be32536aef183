-- Durable jobs not tied to one incident: on-call handoffs, reminders, weekly nags.
CREATE TABLE jobs (
    name TEXT PRIMARY KEY,
    due_at TEXT NOT NULL
);
CREATE INDEX jobs_due ON jobs (due_at);
