-- Who was counted for which article, and when, across every node of a site:
-- a view counts once per visitor per article per window, however the
-- visitor's requests are spread over the nodes. `visitor` is a keyed hash
-- that rotates daily (no address or User-Agent is stored); `batch_id` is the
-- flush that counted it, so a retried flush gets the same answer. Rows older
-- than the window are pruned by later flushes.
--
-- UNLOGGED: the rows matter for half an hour and are written on every flush;
-- skipping the write-ahead log makes that cheap. A server crash empties the
-- table, which at worst counts a returning visitor once more.
CREATE UNLOGGED TABLE view_visits (
    visitor BIGINT NOT NULL,
    article_id BIGINT NOT NULL,
    counted_at BIGINT NOT NULL,
    batch_id TEXT NOT NULL,
    PRIMARY KEY (visitor, article_id)
);
CREATE INDEX view_visits_counted_at ON view_visits (counted_at);
