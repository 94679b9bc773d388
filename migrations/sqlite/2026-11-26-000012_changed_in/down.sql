DROP INDEX offerings_changed_in;
DROP INDEX providers_changed_in;
ALTER TABLE offerings DROP COLUMN changed_in;
ALTER TABLE providers DROP COLUMN changed_in;
