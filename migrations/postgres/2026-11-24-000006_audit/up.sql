-- The audit log: every write, who made it, when, to which record, and the
-- record before and after (as JSON). Rows are only ever appended: the
-- database itself refuses to change or delete one.
CREATE TABLE audit_events (
    id BIGSERIAL PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    -- The account that made the change; null for the command line.
    account_id BIGINT REFERENCES accounts (id),
    actor TEXT NOT NULL,
    record_kind TEXT NOT NULL CHECK (record_kind IN ('provider', 'offering', 'assessment', 'account')),
    record_key TEXT NOT NULL,
    action TEXT NOT NULL,
    before TEXT,
    after TEXT
);
CREATE INDEX audit_events_record ON audit_events (record_kind, record_key, id);
CREATE INDEX audit_events_account ON audit_events (account_id, id);

CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
