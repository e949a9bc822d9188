-- View totals in a narrow table of their own, out of the article's row:
-- every view flush adds to the totals of the articles read since the last,
-- and a new version of a whole article row for each (as PostgreSQL writes an
-- UPDATE) costs far more than one of a two-column row. An article never read
-- has no row: its total is 0. The same on SQLite (see its 0023).
CREATE TABLE article_views (
    article_id  BIGINT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    views       BIGINT NOT NULL
);
INSERT INTO article_views (article_id, views) SELECT id, views FROM articles WHERE views <> 0;
ALTER TABLE articles DROP COLUMN views;
