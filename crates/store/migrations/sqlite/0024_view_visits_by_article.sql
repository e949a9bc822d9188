-- Visit claims keyed by article first. Keyed by visitor (a keyed hash, so
-- random), every claimed view went into its own page of the key's B-tree:
-- a flush of N views wrote about N pages to the WAL, and the claims were
-- two thirds of the flush, 12 µs of the writer's CPU a request over the
-- whole-site bench (docs/PERFORMANCE.md, session 13). By article, the views
-- of one article in a flush land together, and a site's reads gather on few
-- articles.
CREATE TABLE view_visits_by_article (
    article_id BIGINT NOT NULL,
    visitor BIGINT NOT NULL,
    counted_at BIGINT NOT NULL,
    batch_id TEXT NOT NULL,
    PRIMARY KEY (article_id, visitor)
);
INSERT INTO view_visits_by_article (article_id, visitor, counted_at, batch_id)
    SELECT article_id, visitor, counted_at, batch_id FROM view_visits ORDER BY article_id, visitor;
DROP TABLE view_visits;
ALTER TABLE view_visits_by_article RENAME TO view_visits;
CREATE INDEX view_visits_counted_at ON view_visits (counted_at);
