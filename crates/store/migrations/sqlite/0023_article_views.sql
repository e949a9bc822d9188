-- View totals in a narrow table of their own, out of the article's row.
-- Every view flush adds to the totals of the articles read since the last:
-- in the article's row, SQLite read the whole row (bodies and all, through
-- its overflow pages) and wrote it again, about 19 µs of the writer's CPU and
-- two or three pages of WAL per article; here a total is a few bytes in a
-- table of a few hundred rows a page (docs/PERFORMANCE.md, session 12).
-- An article never read has no row: its total is 0.
CREATE TABLE article_views (
    article_id  INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    views       INTEGER NOT NULL
);
INSERT INTO article_views (article_id, views) SELECT id, views FROM articles WHERE views <> 0;
ALTER TABLE articles DROP COLUMN views;
