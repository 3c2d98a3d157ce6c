-- A safety stop is recorded as any stop is (issue 20): a shared History or export must not
-- tell the partner that a disclosure ended a session. Older rows are rewritten to match; the
-- table's CHECK still admits the old value, which nothing writes any more.
UPDATE sessions SET status = 'stopped', state = json_set(state, '$.status', 'stopped')
 WHERE status = 'safety_stop';
