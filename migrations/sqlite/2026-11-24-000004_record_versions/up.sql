-- A version per provider and offering, raised by every write: a form says
-- which version it edits, so a save over someone else's is refused (409)
-- instead of silently undoing it.
ALTER TABLE providers ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE offerings ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
