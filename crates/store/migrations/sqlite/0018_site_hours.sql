-- The site's activity per UTC hour, for the admin dashboard's charts
-- (issue 15): articles ingestion stored (new) and updated, and the
-- clustering lag the clustering job saw (samples, their sum and their
-- largest, in seconds: how long the oldest article not yet filed into a
-- story had waited since it was fetched). `hour` is the hour's start in
-- UTC seconds. Bounded: rows older than 30 days are pruned as new ones are
-- written.
CREATE TABLE site_hours (
    hour         INTEGER PRIMARY KEY,
    stored       INTEGER NOT NULL DEFAULT 0,
    updated      INTEGER NOT NULL DEFAULT 0,
    lag_samples  INTEGER NOT NULL DEFAULT 0,
    lag_total    INTEGER NOT NULL DEFAULT 0,
    lag_max      INTEGER NOT NULL DEFAULT 0
);
