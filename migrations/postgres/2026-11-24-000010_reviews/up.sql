-- Records waiting for the secretariat: a provider or offering made by
-- anyone but the secretariat is pending until approved, or returned with
-- a comment for its editors to change and submit again. A record without a
-- row here is published. An applicant (from /register) becomes the
-- provider's editor when it is approved.
CREATE TABLE reviews (
    record_kind TEXT NOT NULL CHECK (record_kind IN ('provider', 'offering')),
    record_key TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'returned')),
    comment TEXT,
    applicant_account BIGINT REFERENCES accounts (id),
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (record_kind, record_key)
);
