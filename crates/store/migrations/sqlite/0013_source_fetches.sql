-- Each source's recent fetches, for its admin page: when, the HTTP status
-- (NULL when no answer came: DNS, connect, timeout), how it ended ('ok',
-- 'not_modified' or 'failed'), how long the feed request took, what failed,
-- and what the poll stored. Bounded: the ingest pass keeps the last 50 per
-- source, pruning older rows as it writes a new one.
CREATE TABLE source_fetches (
    id           INTEGER PRIMARY KEY,
    source_id    INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    fetched_at   INTEGER NOT NULL,
    status       INTEGER,
    outcome      TEXT    NOT NULL,
    duration_ms  INTEGER NOT NULL,
    error_class  TEXT,
    error        TEXT,
    items        INTEGER NOT NULL DEFAULT 0,
    inserted     INTEGER NOT NULL DEFAULT 0,
    updated      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX source_fetches_by_source ON source_fetches (source_id, id);

-- The same fetches rolled up per source, hour and result ('ok',
-- 'not_modified' or the error class), for charts over days: how many, and
-- their total and longest duration. Bounded: rows older than 30 days are
-- pruned as new fetches of the source are recorded.
CREATE TABLE source_fetch_hours (
    source_id    INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    hour         INTEGER NOT NULL,
    result       TEXT    NOT NULL,
    fetches      INTEGER NOT NULL,
    total_ms     INTEGER NOT NULL,
    max_ms       INTEGER NOT NULL,
    PRIMARY KEY (source_id, hour, result)
);
