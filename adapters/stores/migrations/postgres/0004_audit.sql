-- The audit log: every privileged action, allowed or refused, and each change of the access
-- configuration. Append-only: the trigger refuses updates and deletes.
CREATE TABLE audit (
    id BIGSERIAL PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    what TEXT NOT NULL,
    incident INTEGER,
    rotation TEXT,
    allowed BOOLEAN NOT NULL,
    reason TEXT NOT NULL,
    on_behalf_of TEXT
);
CREATE INDEX audit_at ON audit (at);
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit
FOR EACH ROW EXECUTE FUNCTION audit_append_only();
-- A repeated request id answers with the first answer.
ALTER TABLE requests ADD COLUMN answer TEXT;
