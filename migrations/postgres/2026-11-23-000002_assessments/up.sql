-- Needs assessments. Every save appends a revision; revisions and their
-- needs are never updated, so history is the table itself.
CREATE TABLE assessments (
    id BIGSERIAL PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    country TEXT NOT NULL REFERENCES countries (iso3),
    -- The latest revision number, and the version optimistic concurrency checks.
    latest_revision INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX assessments_by_country ON assessments (country);

CREATE TABLE assessment_revisions (
    id BIGSERIAL PRIMARY KEY,
    assessment_id BIGINT NOT NULL REFERENCES assessments (id),
    revision INTEGER NOT NULL,
    status TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    contact TEXT,
    note TEXT NOT NULL,
    withdrawn_reason TEXT,
    change_summary TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (assessment_id, revision)
);

CREATE TABLE needs (
    id BIGSERIAL PRIMARY KEY,
    revision_id BIGINT NOT NULL REFERENCES assessment_revisions (id),
    position INTEGER NOT NULL,
    key TEXT NOT NULL,
    theme TEXT REFERENCES themes (code),
    priority TEXT,
    current_stage INTEGER,
    target_stage INTEGER,
    description TEXT NOT NULL,
    wanted_by DATE,
    status TEXT NOT NULL,
    withdrawn_reason TEXT,
    UNIQUE (revision_id, key)
);

-- A need's modalities and languages, one row per code.
CREATE TABLE need_facets (
    need_id BIGINT NOT NULL REFERENCES needs (id),
    facet TEXT NOT NULL,
    code TEXT NOT NULL,
    PRIMARY KEY (need_id, facet, code)
);
