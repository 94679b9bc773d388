DELETE FROM change_counters WHERE name = 'matches';
ALTER TABLE accounts DROP COLUMN digest_sent_at;
ALTER TABLE accounts DROP COLUMN weekly_digest;
DROP TABLE unmatched_needs;
DROP TABLE notifications;
DROP TABLE match_events;
DROP TABLE matches;
