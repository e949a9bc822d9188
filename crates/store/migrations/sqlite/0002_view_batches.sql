-- Flushed view batches, by id, so a flush retried after a lost reply (the
-- commit happened, the answer never arrived) is not counted twice. Rows are
-- pruned after a month: a retry comes within seconds, a spooled batch
-- replayed at the next start within days.
CREATE TABLE view_batches (
    id TEXT PRIMARY KEY,
    applied_at BIGINT NOT NULL
);
CREATE INDEX view_batches_applied_at ON view_batches (applied_at);
