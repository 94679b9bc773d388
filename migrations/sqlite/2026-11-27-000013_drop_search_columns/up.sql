-- Search is answered by each instance's directory in memory, which builds
-- its own search text from the records (domain::catalogue); these copies
-- were written on every save and read by nothing.
ALTER TABLE providers DROP COLUMN search_name;
ALTER TABLE providers DROP COLUMN search_text;
ALTER TABLE offerings DROP COLUMN search_text;
