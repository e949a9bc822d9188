-- Full-text search of articles (Store::search_articles). An external-content
-- FTS5 table: it holds only the index, the text stays in `articles`, and the
-- triggers below keep the two in step. unicode61 with remove_diacritics 2
-- folds case and Latin diacritics, so "cafe" finds "café" and the other way
-- round. Hidden articles stay indexed: the search query keeps them out by
-- status, so hiding and unhiding need no reindex.
CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, summary, body_text,
    content = 'articles',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, title, summary, body_text)
    VALUES (new.id, new.title, new.summary, new.body_text);
END;

-- An external-content index forgets a row only when told the exact text it
-- indexed, hence the old values.
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, summary, body_text)
    VALUES ('delete', old.id, old.title, old.summary, old.body_text);
END;

-- Only text changes touch the index: view counts, which change all the
-- time, do not fire this.
CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, summary, body_text ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, summary, body_text)
    VALUES ('delete', old.id, old.title, old.summary, old.body_text);
    INSERT INTO articles_fts (rowid, title, summary, body_text)
    VALUES (new.id, new.title, new.summary, new.body_text);
END;

-- Articles stored before this migration.
INSERT INTO articles_fts (articles_fts) VALUES ('rebuild');
