-- Migration 0009 as first published held only the feed id mark; stemming
-- came after it had reached main, so it is a migration of its own rather
-- than a change to one that databases may have applied already.
-- Stemming: "running" also finds "runs" and "run". SQLite's FTS5 has one
-- stemmer, Porter's, for English; other languages would be mangled by it,
-- so a second index holds English articles only (`articles_en`), with
-- stemmed words, beside the unstemmed one of migration 0004, which every
-- search still asks first: an article with the very words ranks above one
-- with their other forms (`search.rs`).
CREATE VIEW articles_en AS
    SELECT id, title, summary, body_text FROM articles
    WHERE language LIKE 'en' OR language LIKE 'en-%';

CREATE VIRTUAL TABLE articles_fts_stem USING fts5(
    title, summary, body_text,
    content = 'articles_en',
    content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TRIGGER articles_fts_stem_insert AFTER INSERT ON articles
WHEN new.language LIKE 'en' OR new.language LIKE 'en-%' BEGIN
    INSERT INTO articles_fts_stem (rowid, title, summary, body_text)
    VALUES (new.id, new.title, new.summary, new.body_text);
END;

CREATE TRIGGER articles_fts_stem_delete AFTER DELETE ON articles
WHEN old.language LIKE 'en' OR old.language LIKE 'en-%' BEGIN
    INSERT INTO articles_fts_stem (articles_fts_stem, rowid, title, summary, body_text)
    VALUES ('delete', old.id, old.title, old.summary, old.body_text);
END;

-- One trigger, so the old text leaves the index before the new one comes
-- in (a language change moves an article in or out).
CREATE TRIGGER articles_fts_stem_update AFTER UPDATE OF title, summary, body_text, language ON articles BEGIN
    INSERT INTO articles_fts_stem (articles_fts_stem, rowid, title, summary, body_text)
    SELECT 'delete', old.id, old.title, old.summary, old.body_text
    WHERE old.language LIKE 'en' OR old.language LIKE 'en-%';
    INSERT INTO articles_fts_stem (rowid, title, summary, body_text)
    SELECT new.id, new.title, new.summary, new.body_text
    WHERE new.language LIKE 'en' OR new.language LIKE 'en-%';
END;

INSERT INTO articles_fts_stem (articles_fts_stem) VALUES ('rebuild');
