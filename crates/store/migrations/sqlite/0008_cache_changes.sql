-- What was written that the site's cached pages show, in write order, so
-- that every node drops exactly what went stale (Store::changes_after,
-- polled every second or so). Triggers record it, so no write path (ingest,
-- clustering, the admin, retention, another node) can forget to. Topics:
-- 'article', 'story', 'section', 'source' (key: its id) and 'views' (a view
-- batch was applied: the most-read ranking may have moved; key 0). Rows are
-- pruned after a day (Store::prune_changes).
CREATE TABLE cache_changes (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    at     INTEGER NOT NULL,
    topic  TEXT    NOT NULL,
    key    INTEGER NOT NULL
);
CREATE INDEX cache_changes_at ON cache_changes(at);

CREATE TRIGGER cache_article_insert AFTER INSERT ON articles BEGIN
    INSERT INTO cache_changes (at, topic, key) VALUES (unixepoch(), 'article', new.id);
END;
-- Not on view totals, which change with every flush, nor on ingest's bookkeeping.
CREATE TRIGGER cache_article_update AFTER UPDATE ON articles
WHEN old.title IS NOT new.title OR old.summary IS NOT new.summary
  OR old.body_html IS NOT new.body_html OR old.status IS NOT new.status
  OR old.story_id IS NOT new.story_id OR old.section_id IS NOT new.section_id
  OR old.source_id IS NOT new.source_id OR old.image_url IS NOT new.image_url
  OR old.image_alt IS NOT new.image_alt OR old.video_url IS NOT new.video_url
  OR old.author IS NOT new.author OR old.language IS NOT new.language
  OR old.published_at IS NOT new.published_at OR old.original_url IS NOT new.original_url
BEGIN
    INSERT INTO cache_changes (at, topic, key) VALUES (unixepoch(), 'article', new.id);
END;
CREATE TRIGGER cache_article_delete AFTER DELETE ON articles BEGIN
    INSERT INTO cache_changes (at, topic, key) VALUES (unixepoch(), 'article', old.id);
END;

CREATE TRIGGER cache_story_insert AFTER INSERT ON stories BEGIN
    INSERT INTO cache_changes (at, topic, key) VALUES (unixepoch(), 'story', new.id);
END;
CREATE TRIGGER cache_story_update AFTER UPDATE ON stories BEGIN
    INSERT INTO cache_changes (at, topic, key) VALUES (unixepoch(), 'story', new.id);
END;
CREATE TRIGGER cache_story_delete AFTER DELETE ON stories BEGIN
    INSERT INTO cache_changes (at, topic, key) VALUES (unixepoch(), 'story', old.id);
END;

CREATE TRIGGER cache_section_insert AFTER INSERT ON sections BEGIN
    INSERT INTO cache_changes (at, topic, key) VALUES (unixepoch(), 'section', new.id);
END;
CREATE TRIGGER cache_section_update AFTER UPDATE ON sections BEGIN
    INSERT INTO cache_changes (at, topic, key) VALUES (unixepoch(), 'section', new.id);
END;
CREATE TRIGGER cache_section_delete AFTER DELETE ON sections BEGIN
    INSERT INTO cache_changes (at, topic, key) VALUES (unixepoch(), 'section', old.id);
END;

-- A source's name shows beside its articles; its health does not.
CREATE TRIGGER cache_source_update AFTER UPDATE OF name ON sources BEGIN
    INSERT INTO cache_changes (at, topic, key) VALUES (unixepoch(), 'source', new.id);
END;
CREATE TRIGGER cache_source_delete AFTER DELETE ON sources BEGIN
    INSERT INTO cache_changes (at, topic, key) VALUES (unixepoch(), 'source', old.id);
END;

CREATE TRIGGER cache_views_applied AFTER INSERT ON view_batches BEGIN
    INSERT INTO cache_changes (at, topic, key) VALUES (unixepoch(), 'views', 0);
END;
