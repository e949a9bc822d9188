-- Per source bounds on the poll interval, in seconds, set on its admin page:
-- never polled more often than every poll_min_secs, and (while it is
-- healthy) never less often than every poll_max_secs. NULL: the site's
-- [ingest] settings.
ALTER TABLE sources ADD COLUMN poll_min_secs BIGINT;
ALTER TABLE sources ADD COLUMN poll_max_secs BIGINT;
