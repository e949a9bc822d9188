-- Stemming beyond English. FTS5 has one stemmer, Porter's (`articles_fts_stem`,
-- migration 0012); for the other languages newsroom stems (those PostgreSQL's
-- `newsroom_search_config` maps), the store stems the words itself, with
-- Snowball's stemmers, and writes them to this index (`stems.rs`). It keeps
-- no copy of the text (contentless), and rows leave it by rowid.
CREATE VIRTUAL TABLE articles_fts_lang USING fts5(
    title, summary, body_text,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Articles whose stems must be (re)written: queued by the triggers below
-- whenever a text or the language changes, worked off by the store in the
-- writing transaction (an upsert) or at open (a copy, this migration).
CREATE TABLE articles_stem_pending (
    article_id INTEGER PRIMARY KEY
);

CREATE TRIGGER articles_stem_queue_insert AFTER INSERT ON articles
WHEN NOT (new.language LIKE 'en' OR new.language LIKE 'en-%') BEGIN
    INSERT OR IGNORE INTO articles_stem_pending (article_id) VALUES (new.id);
END;

-- English before and after has nothing here to change.
CREATE TRIGGER articles_stem_queue_update AFTER UPDATE OF title, summary, body_text, language ON articles
WHEN NOT ((old.language LIKE 'en' OR old.language LIKE 'en-%')
      AND (new.language LIKE 'en' OR new.language LIKE 'en-%')) BEGIN
    INSERT OR IGNORE INTO articles_stem_pending (article_id) VALUES (new.id);
END;

CREATE TRIGGER articles_stem_delete AFTER DELETE ON articles BEGIN
    DELETE FROM articles_fts_lang WHERE rowid = old.id;
    DELETE FROM articles_stem_pending WHERE article_id = old.id;
END;

INSERT INTO articles_stem_pending (article_id)
    SELECT id FROM articles
    WHERE language IS NOT NULL AND NOT (language LIKE 'en' OR language LIKE 'en-%');
