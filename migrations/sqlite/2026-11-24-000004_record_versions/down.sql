ALTER TABLE offerings DROP COLUMN version;
ALTER TABLE providers DROP COLUMN version;
