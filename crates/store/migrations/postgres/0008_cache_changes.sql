-- What was written that the site's cached pages show, in write order, so
-- that every node drops exactly what went stale (Store::changes_after,
-- polled every second or so). Triggers record it, so no write path (ingest,
-- clustering, the admin, retention, another node) can forget to. Topics:
-- 'article', 'story', 'section', 'source' (key: its id) and 'views' (a view
-- batch was applied: the most-read ranking may have moved; key 0). Rows are
-- pruned after a day (Store::prune_changes). The ids are a sequence, so a
-- poller can miss a row committed late with a lower id; it re-reads a short
-- overlap (see the web crate's `invalidate`).
CREATE TABLE cache_changes (
    id     BIGSERIAL PRIMARY KEY,
    at     BIGINT NOT NULL,
    topic  TEXT   NOT NULL,
    key    BIGINT NOT NULL
);
CREATE INDEX cache_changes_at ON cache_changes(at);

CREATE FUNCTION newsroom_cache_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO cache_changes (at, topic, key)
    VALUES (CAST(EXTRACT(EPOCH FROM now()) AS BIGINT), TG_ARGV[0],
            CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END);
    RETURN NULL;
END
$$;

-- view_batches ids are text: the key is 0.
CREATE FUNCTION newsroom_cache_views_applied() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO cache_changes (at, topic, key)
    VALUES (CAST(EXTRACT(EPOCH FROM now()) AS BIGINT), 'views', 0);
    RETURN NULL;
END
$$;

CREATE TRIGGER cache_article_insert AFTER INSERT OR DELETE ON articles
    FOR EACH ROW EXECUTE FUNCTION newsroom_cache_change('article');
-- Not on view totals, which change with every flush, nor on ingest's bookkeeping.
CREATE TRIGGER cache_article_update AFTER UPDATE ON articles
    FOR EACH ROW WHEN (
        OLD.title IS DISTINCT FROM NEW.title OR OLD.summary IS DISTINCT FROM NEW.summary
        OR OLD.body_html IS DISTINCT FROM NEW.body_html OR OLD.status IS DISTINCT FROM NEW.status
        OR OLD.story_id IS DISTINCT FROM NEW.story_id OR OLD.section_id IS DISTINCT FROM NEW.section_id
        OR OLD.source_id IS DISTINCT FROM NEW.source_id OR OLD.image_url IS DISTINCT FROM NEW.image_url
        OR OLD.image_alt IS DISTINCT FROM NEW.image_alt OR OLD.video_url IS DISTINCT FROM NEW.video_url
        OR OLD.author IS DISTINCT FROM NEW.author OR OLD.language IS DISTINCT FROM NEW.language
        OR OLD.published_at IS DISTINCT FROM NEW.published_at
        OR OLD.original_url IS DISTINCT FROM NEW.original_url)
    EXECUTE FUNCTION newsroom_cache_change('article');
CREATE TRIGGER cache_story_change AFTER INSERT OR UPDATE OR DELETE ON stories
    FOR EACH ROW EXECUTE FUNCTION newsroom_cache_change('story');
CREATE TRIGGER cache_section_change AFTER INSERT OR UPDATE OR DELETE ON sections
    FOR EACH ROW EXECUTE FUNCTION newsroom_cache_change('section');
-- A source's name shows beside its articles; its health does not.
CREATE TRIGGER cache_source_update AFTER UPDATE OF name OR DELETE ON sources
    FOR EACH ROW EXECUTE FUNCTION newsroom_cache_change('source');
CREATE TRIGGER cache_views_applied AFTER INSERT ON view_batches
    FOR EACH ROW EXECUTE FUNCTION newsroom_cache_views_applied();
