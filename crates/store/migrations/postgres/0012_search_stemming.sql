-- Migration 0009 as first published held only the feed id mark; stemming
-- came after it had reached main, so it is a migration of its own rather
-- than a change to one that databases may have applied already.
-- Stemming: "running" also finds "runs" and "run", in the article's own
-- language where PostgreSQL has a text search configuration for it (the
-- rest keep 'simple'). A second, stemmed vector beside the unstemmed one of
-- migration 0004, which every search still asks first: an article with the
-- very words ranks above one with their other forms (`search.rs`).
-- Declared immutable, as a generated column needs: it only maps a code to
-- a built-in configuration, named with its schema.
CREATE FUNCTION newsroom_search_config(lang TEXT) RETURNS regconfig
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT (CASE lower(split_part(coalesce(lang, ''), '-', 1))
        WHEN 'en' THEN 'pg_catalog.english'
        WHEN 'de' THEN 'pg_catalog.german'
        WHEN 'fr' THEN 'pg_catalog.french'
        WHEN 'ru' THEN 'pg_catalog.russian'
        WHEN 'es' THEN 'pg_catalog.spanish'
        WHEN 'it' THEN 'pg_catalog.italian'
        WHEN 'pt' THEN 'pg_catalog.portuguese'
        WHEN 'nl' THEN 'pg_catalog.dutch'
        WHEN 'sv' THEN 'pg_catalog.swedish'
        ELSE 'pg_catalog.simple' END)::regconfig
$$;

-- What a search asks of one configuration: the words (websearch syntax,
-- every group quoted) and a prefix, either of them '' for none.
CREATE FUNCTION newsroom_search_query(cfg regconfig, words TEXT, prefix TEXT) RETURNS tsquery
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN prefix = '' THEN websearch_to_tsquery(cfg, newsroom_search_fold(words))
        WHEN words = '' THEN to_tsquery(cfg, newsroom_search_fold(prefix) || ':*')
        ELSE websearch_to_tsquery(cfg, newsroom_search_fold(words))
            && to_tsquery(cfg, newsroom_search_fold(prefix) || ':*') END
$$;

ALTER TABLE articles ADD COLUMN search_stem TSVECTOR GENERATED ALWAYS AS (
    setweight(to_tsvector(newsroom_search_config(language), newsroom_search_fold(left(title, 2000))), 'A')
    || setweight(to_tsvector(newsroom_search_config(language), newsroom_search_fold(left(summary, 10000))), 'B')
    || setweight(to_tsvector(newsroom_search_config(language), newsroom_search_fold(left(body_text, 100000))), 'C')
) STORED;

CREATE INDEX articles_search_stem ON articles USING GIN (search_stem);
