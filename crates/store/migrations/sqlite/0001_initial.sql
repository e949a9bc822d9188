-- newsroom schema, SQLite dialect. Timestamps are INTEGER seconds since the epoch, UTC.
-- The PostgreSQL schema mirrors this one column for column (migrations/postgres).

CREATE TABLE sections (
    id            INTEGER PRIMARY KEY,
    slug          TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    position      INTEGER NOT NULL DEFAULT 0,
    max_age_days  INTEGER
);

CREATE TABLE sources (
    id                    INTEGER PRIMARY KEY,
    name                  TEXT    NOT NULL,
    feed_url              TEXT    NOT NULL UNIQUE,
    site_url              TEXT,
    section_id            INTEGER REFERENCES sections(id) ON DELETE SET NULL,
    full_text             TEXT    NOT NULL DEFAULT 'auto',
    enabled               INTEGER NOT NULL DEFAULT 1,
    created_at            INTEGER NOT NULL,
    last_success_at       INTEGER,
    last_attempt_at       INTEGER,
    last_error_class      TEXT,
    last_error            TEXT,
    consecutive_failures  INTEGER NOT NULL DEFAULT 0,
    next_poll_at          INTEGER NOT NULL DEFAULT 0,
    etag                  TEXT,
    last_modified         TEXT
);

CREATE TABLE stories (
    id               INTEGER PRIMARY KEY,
    lead_article_id  INTEGER NOT NULL,
    first_seen       INTEGER NOT NULL,
    last_update      INTEGER NOT NULL,
    size             INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE articles (
    id             INTEGER PRIMARY KEY,
    source_id      INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    section_id     INTEGER REFERENCES sections(id) ON DELETE SET NULL,
    story_id       INTEGER REFERENCES stories(id) ON DELETE SET NULL,
    guid           TEXT,
    canonical_url  TEXT    NOT NULL UNIQUE,
    original_url   TEXT    NOT NULL,
    title          TEXT    NOT NULL,
    summary        TEXT    NOT NULL DEFAULT '',
    body_html      TEXT    NOT NULL DEFAULT '',
    body_text      TEXT    NOT NULL DEFAULT '',
    image_url      TEXT,
    image_alt      TEXT,
    image_width    INTEGER,
    image_height   INTEGER,
    video_url      TEXT,
    author         TEXT,
    language       TEXT,
    published_at   INTEGER NOT NULL,
    fetched_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    status         TEXT    NOT NULL DEFAULT 'published',
    views          INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX articles_source_guid ON articles(source_id, guid) WHERE guid IS NOT NULL;
CREATE INDEX articles_latest ON articles(status, published_at DESC, id DESC);
CREATE INDEX articles_section ON articles(section_id, status, published_at DESC, id DESC);
CREATE INDEX articles_story ON articles(story_id, published_at);
CREATE INDEX articles_source ON articles(source_id);

-- Views per article per hour: most-read over any recent window, kept after articles expire.
CREATE TABLE article_views_hourly (
    article_id  INTEGER NOT NULL,
    hour        INTEGER NOT NULL,
    views       INTEGER NOT NULL,
    PRIMARY KEY (article_id, hour)
);
CREATE INDEX article_views_hourly_hour ON article_views_hourly(hour);

-- Articles that were deleted stay deleted: ingestion checks here before it inserts.
CREATE TABLE tombstones (
    canonical_url  TEXT    PRIMARY KEY,
    deleted_at     INTEGER NOT NULL
);

-- Background work claimed through leases (see Store::claim_jobs).
CREATE TABLE jobs (
    key          TEXT    PRIMARY KEY,
    kind         TEXT    NOT NULL,
    due_at       INTEGER NOT NULL,
    lease_owner  TEXT,
    lease_until  INTEGER,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    payload      TEXT
);
CREATE INDEX jobs_due ON jobs(kind, due_at);

CREATE TABLE meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
