-- Matches: a need paired with an offering by a person (the engine only
-- suggests), with the state it stands in and its history. A need and an
-- offering make at most one open match: the partial unique index says so
-- whatever the application does.
CREATE TABLE matches (
    id INTEGER PRIMARY KEY NOT NULL,
    key TEXT NOT NULL UNIQUE,
    assessment_id BIGINT NOT NULL REFERENCES assessments (id),
    need_key TEXT NOT NULL,
    -- The need's sub-theme when the match began.
    theme TEXT NOT NULL REFERENCES themes (code),
    offering_id BIGINT NOT NULL REFERENCES offerings (id),
    initiative TEXT NOT NULL CHECK (initiative IN ('requested', 'offered')),
    state TEXT NOT NULL CHECK (state IN ('proposed', 'accepted', 'declined', 'selected',
        'not-selected', 'in-delivery', 'delivered', 'completed', 'cancelled')),
    -- The engine's score in thousandths and its factors (JSON) when the
    -- match began.
    score INTEGER NOT NULL,
    factors TEXT NOT NULL,
    outcome TEXT CHECK (outcome IN ('met', 'partly-met', 'not-met')),
    rating INTEGER CHECK (rating BETWEEN 1 AND 5),
    outcome_comment TEXT,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    state_since TIMESTAMP NOT NULL,
    -- When the provider was reminded of an unanswered proposal, and when
    -- the secretariat was told of it: each happens once.
    reminded_at TIMESTAMP,
    escalated_at TIMESTAMP
);
CREATE UNIQUE INDEX matches_one_open ON matches (assessment_id, need_key, offering_id)
    WHERE state IN ('proposed', 'accepted', 'selected', 'in-delivery', 'delivered');
CREATE INDEX matches_by_offering ON matches (offering_id, state);
CREATE INDEX matches_by_need ON matches (assessment_id, need_key);
CREATE INDEX matches_by_state ON matches (state, state_since);

-- Every change of a match's state: appended, never changed.
CREATE TABLE match_events (
    id INTEGER PRIMARY KEY NOT NULL,
    match_id BIGINT NOT NULL REFERENCES matches (id),
    at TIMESTAMP NOT NULL,
    account_id BIGINT REFERENCES accounts (id),
    actor TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    note TEXT NOT NULL
);
CREATE INDEX match_events_of ON match_events (match_id, id);

-- What the application tells a person: each change that concerns them,
-- kept until read (and after).
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    created_at TIMESTAMP NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    -- A path on this site.
    link TEXT NOT NULL,
    read_at TIMESTAMP
);
CREATE INDEX notifications_of ON notifications (account_id, read_at, id);

-- Submitted needs nobody proposed or offered anything for within 30 days,
-- listed for the secretariat once the scheduler finds them.
CREATE TABLE unmatched_needs (
    assessment_id BIGINT NOT NULL REFERENCES assessments (id),
    need_key TEXT NOT NULL,
    listed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (assessment_id, need_key)
);

-- Providers' editors may ask for a weekly digest of new needs their
-- offerings match; digest_sent_at keeps it to one a week.
ALTER TABLE accounts ADD COLUMN weekly_digest BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE accounts ADD COLUMN digest_sent_at TIMESTAMP;

INSERT INTO change_counters (name, value) VALUES ('matches', 0);

CREATE TRIGGER match_events_no_update BEFORE UPDATE ON match_events
BEGIN
    SELECT RAISE(ABORT, 'a match''s history is append-only');
END;

CREATE TRIGGER match_events_no_delete BEFORE DELETE ON match_events
BEGIN
    SELECT RAISE(ABORT, 'a match''s history is append-only');
END;

-- The audit log names matches too. SQLite cannot change a CHECK, so the
-- table is copied (dropping it fires no trigger).
CREATE TABLE audit_events_new (
    id INTEGER PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    account_id BIGINT REFERENCES accounts (id),
    actor TEXT NOT NULL,
    record_kind TEXT NOT NULL CHECK (record_kind IN ('provider', 'offering', 'assessment', 'account', 'match')),
    record_key TEXT NOT NULL,
    action TEXT NOT NULL,
    before TEXT,
    after TEXT
);
INSERT INTO audit_events_new SELECT id, at, account_id, actor, record_kind, record_key, action, before, after FROM audit_events;
DROP TABLE audit_events;
ALTER TABLE audit_events_new RENAME TO audit_events;
CREATE INDEX audit_events_record ON audit_events (record_kind, record_key, id);
CREATE INDEX audit_events_account ON audit_events (account_id, id);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
