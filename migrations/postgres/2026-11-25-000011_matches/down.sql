ALTER TABLE audit_events DROP CONSTRAINT audit_events_record_kind_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_record_kind_check
    CHECK (record_kind IN ('provider', 'offering', 'assessment', 'account'));
DELETE FROM change_counters WHERE name = 'matches';
ALTER TABLE accounts DROP COLUMN digest_sent_at;
ALTER TABLE accounts DROP COLUMN weekly_digest;
DROP TABLE unmatched_needs;
DROP TABLE notifications;
DROP TABLE match_events;
DROP FUNCTION match_events_append_only();
DROP TABLE matches;
