-- The catalogue version of the last write that touched each provider and
-- offering (its row, its facets, its archiving or its review): an
-- instance's directory in memory reloads only the records that moved.
ALTER TABLE providers ADD COLUMN changed_in BIGINT NOT NULL DEFAULT 0;
ALTER TABLE offerings ADD COLUMN changed_in BIGINT NOT NULL DEFAULT 0;
CREATE INDEX providers_changed_in ON providers (changed_in);
CREATE INDEX offerings_changed_in ON offerings (changed_in);
