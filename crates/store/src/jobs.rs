//! Jobs and their leases: background work handed to one worker at a time; an
//! expired lease lets another worker take the job over.

use crate::dialect::{Db, Dialect, with_pool};
use crate::error::Result;
use crate::model::Job;
use crate::rows::JobRow;
use newsroom_core::Timestamp;
use std::sync::LazyLock;

const JOB_COLS: &str = "key, kind, due_at, lease_owner, lease_until, attempts, last_error, payload";
const ENSURE_JOB: &str = "INSERT INTO jobs (key, kind, due_at, payload) VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO NOTHING";
const RENEW_LEASE: &str =
    "UPDATE jobs SET lease_until = $3 WHERE key = $1 AND lease_owner = $2 AND lease_until > $4";
const COMPLETE_JOB: &str = "UPDATE jobs SET due_at = $3, lease_owner = NULL, lease_until = NULL, last_error = $4, \
     attempts = CASE WHEN $4 IS NULL THEN 0 ELSE attempts END \
     WHERE key = $1 AND lease_owner = $2";
const DELETE_JOB: &str = "DELETE FROM jobs WHERE key = $1 AND lease_owner = $2";
static GET_JOB: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {JOB_COLS} FROM jobs WHERE key = $1"));

/// The claim statement, with the backend's row-locking clause for the
/// sub-select (see [`Dialect::claim_jobs_sql`]).
pub(crate) fn claim_sql(row_locks: &str) -> String {
    format!(
        "UPDATE jobs SET lease_owner = $1, lease_until = $2, attempts = attempts + 1 \
         WHERE key IN (SELECT key FROM jobs WHERE kind = $3 AND due_at <= $4 \
             AND (lease_until IS NULL OR lease_until <= $4) \
             ORDER BY due_at, key LIMIT $5 {row_locks}) \
         RETURNING {JOB_COLS}"
    )
}

impl Db<'_> {
    pub(crate) async fn ensure_job(
        self,
        key: &str,
        kind: &str,
        due_at: Timestamp,
        payload: Option<&str>,
    ) -> Result<()> {
        with_pool!(self, |pool| {
            sqlx::query(ENSURE_JOB)
                .bind(key)
                .bind(kind)
                .bind(due_at)
                .bind(payload)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    pub(crate) async fn claim_jobs(
        self,
        kind: &str,
        worker: &str,
        now: Timestamp,
        lease_secs: i64,
        limit: i64,
    ) -> Result<Vec<Job>> {
        let rows: Vec<JobRow> = with_pool!(self, |pool| {
            let mut tx = pool.begin_write(None).await?;
            let rows = sqlx::query_as(pool.claim_jobs_sql())
                .bind(worker)
                .bind(now + lease_secs)
                .bind(kind)
                .bind(now)
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            rows
        });
        crate::metrics::claimed(kind, rows.len());
        let mut jobs: Vec<Job> = rows.into_iter().map(Into::into).collect();
        jobs.sort_by(|a, b| (a.due_at, &a.key).cmp(&(b.due_at, &b.key)));
        Ok(jobs)
    }

    pub(crate) async fn renew_lease(
        self,
        key: &str,
        worker: &str,
        now: Timestamp,
        lease_secs: i64,
    ) -> Result<bool> {
        // In a write transaction, so that on SQLite the renewal takes its
        // turn behind the writer of the moment (`write_tx`) rather than
        // sleeping in SQLite's busy handler: a filing beside a pass stalled
        // there for up to a quarter of a second (docs/PERFORMANCE.md, issue 10).
        let held = with_pool!(self, |pool| {
            let mut tx = pool.begin_write(None).await?;
            let r = sqlx::query(RENEW_LEASE)
                .bind(key)
                .bind(worker)
                .bind(now + lease_secs)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            r.rows_affected() > 0
        });
        if !held {
            crate::metrics::lost(key);
        }
        Ok(held)
    }

    /// Reschedules the job at `next_due`, or deletes it when there is none.
    pub(crate) async fn complete_job(
        self,
        key: &str,
        worker: &str,
        next_due: Option<Timestamp>,
        error: Option<&str>,
    ) -> Result<bool> {
        // Its turn to write, as `renew_lease` takes it.
        let held = with_pool!(self, |pool| {
            let mut tx = pool.begin_write(None).await?;
            let q = match next_due {
                Some(due) => sqlx::query(COMPLETE_JOB)
                    .bind(key)
                    .bind(worker)
                    .bind(due)
                    .bind(error),
                None => sqlx::query(DELETE_JOB).bind(key).bind(worker),
            };
            let r = q.execute(&mut *tx).await?;
            tx.commit().await?;
            r.rows_affected() > 0
        });
        if !held {
            crate::metrics::lost(key);
        }
        Ok(held)
    }

    pub(crate) async fn get_job(self, key: &str) -> Result<Option<Job>> {
        let row: Option<JobRow> = with_pool!(self, |pool| {
            sqlx::query_as(GET_JOB.as_str())
                .bind(key)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(Into::into))
    }
}
