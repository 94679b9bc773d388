-- Who may read an assessment's needs, chosen by the country's focal point:
-- anyone, anyone signed in, or the country's focal points and the
-- secretariat. Until they choose, signed-in people only.
ALTER TABLE assessments ADD COLUMN visibility TEXT NOT NULL DEFAULT 'registered'
    CHECK (visibility IN ('public', 'registered', 'restricted'));
