ALTER TABLE assessments DROP COLUMN visibility;
