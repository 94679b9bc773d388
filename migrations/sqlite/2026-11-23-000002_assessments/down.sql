DROP TABLE need_facets;
DROP TABLE needs;
DROP TABLE assessment_revisions;
DROP TABLE assessments;
