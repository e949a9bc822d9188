-- Visit claims on SQLite become a log: appended in id order, pruned from
-- its old end, and read into each process's memory, where the check is
-- made (`claims_log.rs`). Keyed by (article, visitor), every flush wrote
-- about one page of the key's B-tree per claimed visit, and pruning
-- rewrote them again: a fifth of a long-running node's CPU on a site that
-- carries an hour of claims (docs/PERFORMANCE.md, session 14).
-- AUTOINCREMENT: ids must never go back, even when pruning empties the
-- log, since each process reads only the ids past the last it saw.
CREATE TABLE view_visit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id BIGINT NOT NULL,
    visitor BIGINT NOT NULL,
    counted_at BIGINT NOT NULL,
    batch_id TEXT NOT NULL
);
INSERT INTO view_visit_log (article_id, visitor, counted_at, batch_id)
    SELECT article_id, visitor, counted_at, batch_id FROM view_visits ORDER BY counted_at;
DROP TABLE view_visits;
CREATE INDEX view_visit_log_counted_at ON view_visit_log (counted_at);
