//! Each source's fetch history: its last fetches one by one, and every
//! fetch rolled up per hour for charts over days. Both bounded, pruned as
//! the ingest pass records a new fetch.

use crate::dialect::{Db, Dialect, with_pool};
use crate::error::{Result, StoreError};
use crate::model::{FetchHour, FetchRecord, FetchResult};
use crate::sources::{notes_text, update_healths_sql};
use crate::table::values_list;
use newsroom_core::{SourceHealth, SourceId, Timestamp};
use std::collections::BTreeMap;

/// Fetches kept one by one per source; older ones live on in the hourly roll-up.
pub const FETCHES_KEPT: i64 = 50;
/// How far back the hourly roll-up reaches.
pub const FETCH_HOURS_KEPT: i64 = 30 * 86_400;

/// `rows` fetches, 10 parameters each.
fn insert_fetches_sql(rows: usize, numbered: bool) -> String {
    format!(
        "INSERT INTO source_fetches (source_id, fetched_at, status, outcome, duration_ms, \
         error_class, error, items, inserted, updated) VALUES {}",
        values_list(rows, 10, numbered)
    )
}
/// Of each of `rows` sources (a parameter each), every fetch but the
/// newest FETCHES_KEPT (the last parameter).
fn prune_fetches_sql(rows: usize, numbered: bool) -> String {
    let kept = if numbered {
        format!("${}", rows + 1)
    } else {
        "?".to_string()
    };
    format!(
        "DELETE FROM source_fetches WHERE id IN (SELECT id FROM (SELECT id, ROW_NUMBER() OVER \
         (PARTITION BY source_id ORDER BY id DESC) AS newer FROM source_fetches \
         WHERE source_id IN (VALUES {})) AS ranked WHERE newer > {kept})",
        values_list(rows, 1, numbered)
    )
}
/// `rows` hourly counts, 6 parameters each, added to what the hours hold.
fn add_fetch_hours_sql(rows: usize, numbered: bool) -> String {
    format!(
        "INSERT INTO source_fetch_hours (source_id, hour, result, fetches, total_ms, max_ms) \
         VALUES {} ON CONFLICT (source_id, hour, result) DO UPDATE SET \
         fetches = source_fetch_hours.fetches + excluded.fetches, \
         total_ms = source_fetch_hours.total_ms + excluded.total_ms, \
         max_ms = CASE WHEN excluded.max_ms > source_fetch_hours.max_ms THEN excluded.max_ms \
         ELSE source_fetch_hours.max_ms END",
        values_list(rows, 6, numbered)
    )
}
/// Of each of `rows` sources, the hours before its cutoff (a source and a
/// cutoff, 2 parameters each).
fn prune_fetch_hours_sql(rows: usize, numbered: bool) -> String {
    format!(
        "DELETE FROM source_fetch_hours WHERE EXISTS (SELECT 1 FROM (VALUES {}) AS v \
         WHERE v.column1 = source_fetch_hours.source_id AND source_fetch_hours.hour < v.column2)",
        values_list(rows, 2, numbered)
    )
}
/// Rows per multi-row statement: at most 10 parameters each, well under
/// both databases' limits.
const ROWS_PER_STATEMENT: usize = 200;
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

/// A batch of fetches as the roll-up takes them: counted per source, hour
/// and result (one statement may not add to one row twice on PostgreSQL),
/// and each source's cutoff for its hours, the latest of its fetches'
/// (pruning fetch by fetch, the latest cutoff is the one that held).
struct Rollup<'a> {
    hours: Vec<((SourceId, Timestamp, &'a str), FetchHour)>,
    cutoffs: Vec<(SourceId, Timestamp)>,
}

impl<'a> Rollup<'a> {
    fn of(fetches: &[&'a FetchRecord]) -> Self {
        let mut hours: BTreeMap<(SourceId, Timestamp, &str), FetchHour> = BTreeMap::new();
        let mut cutoffs: BTreeMap<SourceId, Timestamp> = BTreeMap::new();
        for f in fetches {
            let hour = hour_of(f.fetched_at);
            let key = f.rollup_key();
            let h = hours.entry((f.source_id, hour, key)).or_insert(FetchHour {
                hour,
                result: key.to_string(),
                fetches: 0,
                total_ms: 0,
                max_ms: f.duration_ms,
            });
            h.fetches += 1;
            h.total_ms += f.duration_ms;
            h.max_ms = h.max_ms.max(f.duration_ms);
            let cutoff = cutoffs.entry(f.source_id).or_insert(Timestamp::MIN);
            *cutoff = (*cutoff).max(hour - FETCH_HOURS_KEPT);
        }
        Rollup {
            hours: hours.into_iter().collect(),
            cutoffs: cutoffs.into_iter().collect(),
        }
    }
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
    /// commits a source, one after another; then five statements a source
    /// in one. Now each kind of write is one statement for up to
    /// [`ROWS_PER_STATEMENT`] sources: on SQLite each statement is two
    /// thread hand-offs.
    pub(crate) async fn record_polls(
        self,
        healths: &[(SourceId, &SourceHealth)],
        fetches: &[&FetchRecord],
    ) -> Result<()> {
        if healths.is_empty() && fetches.is_empty() {
            return Ok(());
        }
        // One row a source, the last given winning (a multi-row UPDATE
        // would apply any one of them).
        let healths: BTreeMap<SourceId, &SourceHealth> = healths.iter().copied().collect();
        let healths: Vec<_> = healths.into_iter().collect();
        let rollup = Rollup::of(fetches);
        with_pool!(self, |pool| {
            let numbered = pool.numbered_params();
            let mut tx = pool.begin_write(None).await?;
            for chunk in healths.chunks(ROWS_PER_STATEMENT) {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(update_healths_sql(
                    chunk.len(),
                    numbered,
                )));
                for (id, h) in chunk {
                    q = q
                        .bind(id.0)
                        .bind(h.last_success_at)
                        .bind(h.last_attempt_at)
                        .bind(&h.last_error_class)
                        .bind(&h.last_error)
                        .bind(h.consecutive_failures)
                        .bind(h.next_poll_at)
                        .bind(&h.etag)
                        .bind(&h.last_modified)
                        .bind(notes_text(h));
                }
                q.execute(&mut *tx).await?;
            }
            for chunk in fetches.chunks(ROWS_PER_STATEMENT) {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(insert_fetches_sql(
                    chunk.len(),
                    numbered,
                )));
                for f in chunk {
                    q = q
                        .bind(f.source_id.0)
                        .bind(f.fetched_at)
                        .bind(f.status)
                        .bind(f.result.as_str())
                        .bind(f.duration_ms)
                        .bind(&f.error_class)
                        .bind(&f.error)
                        .bind(f.items)
                        .bind(f.inserted)
                        .bind(f.updated);
                }
                q.execute(&mut *tx).await?;
            }
            for chunk in rollup.cutoffs.chunks(ROWS_PER_STATEMENT) {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(prune_fetches_sql(
                    chunk.len(),
                    numbered,
                )));
                for (id, _) in chunk {
                    q = q.bind(id.0);
                }
                q.bind(FETCHES_KEPT).execute(&mut *tx).await?;
            }
            for chunk in rollup.hours.chunks(ROWS_PER_STATEMENT) {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(add_fetch_hours_sql(
                    chunk.len(),
                    numbered,
                )));
                for ((id, hour, result), h) in chunk {
                    q = q
                        .bind(id.0)
                        .bind(*hour)
                        .bind(*result)
                        .bind(h.fetches)
                        .bind(h.total_ms)
                        .bind(h.max_ms);
                }
                q.execute(&mut *tx).await?;
            }
            for chunk in rollup.cutoffs.chunks(ROWS_PER_STATEMENT) {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(prune_fetch_hours_sql(
                    chunk.len(),
                    numbered,
                )));
                for (id, cutoff) in chunk {
                    q = q.bind(id.0).bind(*cutoff);
                }
                q.execute(&mut *tx).await?;
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
