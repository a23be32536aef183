-- The audit log: every privileged action, allowed or refused, and each change of the access
-- configuration. Append-only: the triggers refuse updates and deletes.
CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    what TEXT NOT NULL,
    incident INTEGER,
    rotation TEXT,
    allowed INTEGER NOT NULL,
    reason TEXT NOT NULL,
    on_behalf_of TEXT
);
CREATE INDEX audit_at ON audit (at);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
-- A repeated request id answers with the first answer.
ALTER TABLE requests ADD COLUMN answer TEXT;
