-- Matches: a need paired with an offering by a person (the engine only
-- suggests), with the state it stands in and its history. A need and an
-- offering make at most one open match: the partial unique index says so
-- whatever the application does.
CREATE TABLE matches (
    id BIGSERIAL PRIMARY KEY,
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
    id BIGSERIAL PRIMARY KEY,
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
    id BIGSERIAL PRIMARY KEY,
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

CREATE FUNCTION match_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'a match''s history is append-only';
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER match_events_append_only BEFORE UPDATE OR DELETE ON match_events
    FOR EACH ROW EXECUTE FUNCTION match_events_append_only();

-- The audit log names matches too.
ALTER TABLE audit_events DROP CONSTRAINT audit_events_record_kind_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_record_kind_check
    CHECK (record_kind IN ('provider', 'offering', 'assessment', 'account', 'match'));
