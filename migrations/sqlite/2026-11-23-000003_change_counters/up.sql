-- A counter per kind of data that in-memory caches follow: each instance
-- compares it with the one its cache was built at, so several stateless
-- instances never serve a stale catalogue.
CREATE TABLE change_counters (
    name TEXT PRIMARY KEY NOT NULL,
    value BIGINT NOT NULL
);
INSERT INTO change_counters (name, value) VALUES ('catalogue', 0);
INSERT INTO change_counters (name, value) VALUES ('assessments', 0);
