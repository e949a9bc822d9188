-- What ingestion remembers about an item between polls, so that a known item is
-- recognised before any page fetch and an unchanged one costs no request.

-- Every address an article has had: its GUID within its source (scope = the source's
-- id), and the canonical forms of its feed link, each redirect hop, the page's final URL
-- and the page's rel=canonical (scope = 0: URLs are global, as canonical_url is). The
-- first article to claim an address keeps it.
CREATE TABLE article_addresses (
    scope       BIGINT  NOT NULL,
    address     TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    article_id  BIGINT  NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    PRIMARY KEY (scope, address)
);
CREATE INDEX article_addresses_article ON article_addresses(article_id);

-- Per article: where its body came from, whether its published time was stated by a
-- believable source, what the feed said last time, and the page's validators.
CREATE TABLE article_ingest_state (
    article_id          BIGINT  PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    body_origin         TEXT    NOT NULL,
    published_trusted   BIGINT  NOT NULL,
    first_seen          BIGINT  NOT NULL,
    feed_updated        BIGINT,
    feed_hash           TEXT,
    page_etag           TEXT,
    page_last_modified  TEXT,
    page_checked_at     BIGINT,
    rechecks            BIGINT  NOT NULL DEFAULT 0
);
