//! Each source's fetch history: its last fetches one by one, and every
//! fetch rolled up per hour for charts over days. Both bounded, pruned as
//! the ingest pass records a new fetch.

use crate::dialect::{Db, Dialect, with_pool};
use crate::error::{Result, StoreError};
use crate::model::{FetchHour, FetchRecord, FetchResult};
use crate::sources::{UPDATE_SOURCE_HEALTH, notes_text};
use newsroom_core::{SourceHealth, SourceId, Timestamp};

/// Fetches kept one by one per source; older ones live on in the hourly roll-up.
pub const FETCHES_KEPT: i64 = 50;
/// How far back the hourly roll-up reaches.
pub const FETCH_HOURS_KEPT: i64 = 30 * 86_400;

const INSERT_FETCH: &str = "INSERT INTO source_fetches (source_id, fetched_at, status, outcome, duration_ms, \
     error_class, error, items, inserted, updated) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
/// Everything from the (FETCHES_KEPT + 1)th newest down; nothing when there are fewer.
const PRUNE_FETCHES: &str = "DELETE FROM source_fetches WHERE source_id = $1 AND id <= \
     (SELECT id FROM source_fetches WHERE source_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)";
const ADD_FETCH_HOUR: &str = "INSERT INTO source_fetch_hours (source_id, hour, result, fetches, total_ms, max_ms) \
     VALUES ($1, $2, $3, 1, $4, $4) ON CONFLICT (source_id, hour, result) DO UPDATE SET \
     fetches = source_fetch_hours.fetches + 1, total_ms = source_fetch_hours.total_ms + excluded.total_ms, \
     max_ms = CASE WHEN excluded.max_ms > source_fetch_hours.max_ms THEN excluded.max_ms \
     ELSE source_fetch_hours.max_ms END";
const PRUNE_FETCH_HOURS: &str = "DELETE FROM source_fetch_hours WHERE source_id = $1 AND hour < $2";
const SOURCE_FETCHES: &str = "SELECT source_id, fetched_at, status, outcome, duration_ms, error_class, error, \
     items, inserted, updated FROM source_fetches WHERE source_id = $1 ORDER BY id DESC LIMIT $2";
const SOURCE_FETCH_HOURS: &str = "SELECT hour, result, fetches, total_ms, max_ms FROM source_fetch_hours \
     WHERE source_id = $1 AND hour >= $2 ORDER BY hour, result";

#[derive(sqlx::FromRow)]
struct FetchRow {
    source_id: i64,
    fetched_at: i64,
    status: Option<i64>,
    outcome: String,
    duration_ms: i64,
    error_class: Option<String>,
    error: Option<String>,
    items: i64,
    inserted: i64,
    updated: i64,
}

impl TryFrom<FetchRow> for FetchRecord {
    type Error = StoreError;
    fn try_from(r: FetchRow) -> Result<Self> {
        Ok(FetchRecord {
            result: FetchResult::parse(&r.outcome).ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "source {} fetch outcome {:?}",
                    r.source_id, r.outcome
                ))
            })?,
            source_id: SourceId(r.source_id),
            fetched_at: r.fetched_at,
            status: r.status,
            duration_ms: r.duration_ms,
            error_class: r.error_class,
            error: r.error,
            items: r.items,
            inserted: r.inserted,
            updated: r.updated,
        })
    }
}

#[derive(sqlx::FromRow)]
struct FetchHourRow {
    hour: i64,
    result: String,
    fetches: i64,
    total_ms: i64,
    max_ms: i64,
}

/// The start of the UTC hour `t` falls in.
pub fn hour_of(t: Timestamp) -> Timestamp {
    t - t.rem_euclid(3600)
}

impl Db<'_> {
    pub(crate) async fn record_fetch(self, f: &FetchRecord) -> Result<()> {
        self.record_polls(&[], &[f]).await
    }

    /// Sources' new health and fetch records in one write transaction: a
    /// pass wrote them source by source once all its polls were done, two
    /// commits a source, one after another.
    pub(crate) async fn record_polls(
        self,
        healths: &[(SourceId, &SourceHealth)],
        fetches: &[&FetchRecord],
    ) -> Result<()> {
        if healths.is_empty() && fetches.is_empty() {
            return Ok(());
        }
        with_pool!(self, |pool| {
            let mut tx = pool.begin_write(None).await?;
            for (id, h) in healths {
                sqlx::query(UPDATE_SOURCE_HEALTH)
                    .bind(id.0)
                    .bind(h.last_success_at)
                    .bind(h.last_attempt_at)
                    .bind(&h.last_error_class)
                    .bind(&h.last_error)
                    .bind(h.consecutive_failures)
                    .bind(h.next_poll_at)
                    .bind(&h.etag)
                    .bind(&h.last_modified)
                    .bind(notes_text(h))
                    .execute(&mut *tx)
                    .await?;
            }
            for f in fetches {
                let hour = hour_of(f.fetched_at);
                sqlx::query(INSERT_FETCH)
                    .bind(f.source_id.0)
                    .bind(f.fetched_at)
                    .bind(f.status)
                    .bind(f.result.as_str())
                    .bind(f.duration_ms)
                    .bind(&f.error_class)
                    .bind(&f.error)
                    .bind(f.items)
                    .bind(f.inserted)
                    .bind(f.updated)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(PRUNE_FETCHES)
                    .bind(f.source_id.0)
                    .bind(FETCHES_KEPT)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(ADD_FETCH_HOUR)
                    .bind(f.source_id.0)
                    .bind(hour)
                    .bind(f.rollup_key())
                    .bind(f.duration_ms)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(PRUNE_FETCH_HOURS)
                    .bind(f.source_id.0)
                    .bind(hour - FETCH_HOURS_KEPT)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    pub(crate) async fn source_fetches(self, id: SourceId, limit: i64) -> Result<Vec<FetchRecord>> {
        let rows: Vec<FetchRow> = with_pool!(self, |pool| {
            sqlx::query_as(SOURCE_FETCHES)
                .bind(id.0)
                .bind(limit)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(TryInto::try_into).collect()
    }

    pub(crate) async fn source_fetch_hours(
        self,
        id: SourceId,
        since: Timestamp,
    ) -> Result<Vec<FetchHour>> {
        let rows: Vec<FetchHourRow> = with_pool!(self, |pool| {
            sqlx::query_as(SOURCE_FETCH_HOURS)
                .bind(id.0)
                .bind(since)
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(|r| FetchHour {
                hour: r.hour,
                result: r.result,
                fetches: r.fetches,
                total_ms: r.total_ms,
                max_ms: r.max_ms,
            })
            .collect())
    }
}
