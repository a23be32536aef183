-- Dashboard sign-in sessions, server-side so logout and `sevbot sessions revoke` end them.
-- `id` is the SHA-256 of the cookie's random session id, never the id itself.
CREATE TABLE web_sessions (
    id TEXT PRIMARY KEY,
    expires_at TEXT NOT NULL
);
CREATE INDEX web_sessions_expires ON web_sessions (expires_at);
