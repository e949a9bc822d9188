//! The PostgreSQL backend: for a site that runs several newsroom nodes (web
//! servers and workers) on one database. The SQL is shared with SQLite
//! (the aggregate files); what differs here is how writers are kept apart, since
//! PostgreSQL has many writers where SQLite has one:
//! - article upserts and deletes take one transaction-scoped advisory lock, so
//!   the look-up and the write of an upsert see the same data (SQLite's
//!   `BEGIN IMMEDIATE`);
//! - view flushes lock rows in key order, so flushes from several nodes at
//!   once cannot deadlock, and retry if a deadlock comes from elsewhere;
//! - job claims skip rows another claim has locked (`FOR UPDATE SKIP LOCKED`).

use crate::PoolConfig;
use crate::dialect::{Db, Dialect, IdListSql, Lock};
use crate::error::{Result, StoreError, redact_url};
use crate::jobs;
use crate::model::ViewDelta;
use crate::search::{self, SearchTerms};
use crate::sql_store::SqlStore;
use crate::table::Table;
use crate::write_tx::WriteTx;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::{Connection, FromRow, PgConnection, PgPool, Postgres};
use std::str::FromStr;
use std::sync::LazyLock;
use std::time::Duration;

pub(crate) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Advisory lock keys ("nwsr" + a number), held for one transaction.
const ARTICLES_LOCK: i64 = 0x6e77_7372_0001;
const STORIES_LOCK: i64 = 0x6e77_7372_0002;
const LOCK: &str = "SELECT pg_advisory_xact_lock($1)";

/// Batched view flush: one statement per table whatever the batch size. Rows
/// arrive sorted (`merge_deltas`) and are written in that order.
const ADD_VIEWS_HOURLY_BATCH: &str = "INSERT INTO article_views_hourly (article_id, hour, views) \
     SELECT d.article_id, d.hour, d.n FROM UNNEST($1::BIGINT[], $2::BIGINT[], $3::BIGINT[]) AS d(article_id, hour, n) \
     WHERE EXISTS (SELECT 1 FROM articles a WHERE a.id = d.article_id) \
     ORDER BY d.article_id, d.hour \
     ON CONFLICT (article_id, hour) DO UPDATE SET views = article_views_hourly.views + excluded.views";
/// In article order, as the hourly rows: concurrent flushes lock the same
/// rows in the same order, so they cannot deadlock.
const ADD_VIEWS_TOTAL_BATCH: &str = "INSERT INTO article_views (article_id, views) \
     SELECT d.id, d.n FROM UNNEST($1::BIGINT[], $2::BIGINT[]) AS d(id, n) \
     WHERE EXISTS (SELECT 1 FROM articles a WHERE a.id = d.id) \
     ORDER BY d.id \
     ON CONFLICT (article_id) DO UPDATE SET views = article_views.views + excluded.views";
const TRUNCATE_ALL: &str = "TRUNCATE sections, sources, stories, articles, article_views, article_views_hourly, \
     tombstones, jobs, meta, article_addresses, article_ingest_state, source_fetches, source_fetch_hours, \
     audit_log, site_hours RESTART IDENTITY";

/// deadlock_detected, serialization_failure: the transaction did nothing and may run again.
fn is_retryable(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if matches!(db.code().as_deref(), Some("40P01" | "40001")))
}

pub type PgStore = SqlStore<Postgres>;

/// Why an open failed, and whether trying again later may help.
pub(crate) struct OpenFailure {
    pub error: StoreError,
    /// The server could not be reached or is starting up (not: bad password, no such database).
    pub retryable: bool,
}

impl SqlStore<Postgres> {
    /// Connects and runs the migrations. Several nodes may do this at once:
    /// sqlx's migrator holds a PostgreSQL advisory lock while it migrates, so
    /// one migrates and the others wait, then find nothing left to do.
    pub async fn open(url: &str, cfg: &PoolConfig) -> Result<Self> {
        Self::try_open(url, cfg).await.map_err(|f| f.error)
    }

    pub(crate) async fn try_open(
        url: &str,
        cfg: &PoolConfig,
    ) -> std::result::Result<Self, OpenFailure> {
        let shown = redact_url(url);
        let fail = |reason: String, retryable: bool| OpenFailure {
            error: StoreError::Open {
                url: shown.clone(),
                reason,
            },
            retryable,
        };
        // sqlx would warn with the value of a parameter it does not know.
        if let Some(key) = crate::db_url::unknown_pg_param(url) {
            return Err(fail(format!("unknown connection parameter `{key}`"), false));
        }
        let opts = PgConnectOptions::from_str(url)
            .map_err(|e| fail(e.to_string(), false))?
            .application_name("newsroom");

        // One plain connection first: the pool retries a refused connection
        // until its timeout and then reports only "pool timed out", where an
        // operator needs to read "connection refused" or "password authentication failed".
        let probe = tokio::time::timeout(cfg.acquire_timeout, PgConnection::connect_with(&opts));
        match probe.await {
            Ok(Ok(conn)) => {
                let _ = conn.close().await;
            }
            Ok(Err(e)) => {
                let (reason, retryable) = describe_connect_error(&e, &opts);
                return Err(fail(reason, retryable));
            }
            Err(_) => {
                return Err(fail(
                    format!(
                        "no answer from {}:{} within {:?}",
                        opts.get_host(),
                        opts.get_port(),
                        cfg.acquire_timeout
                    ),
                    true,
                ));
            }
        }

        let pool = PgPoolOptions::new()
            .max_connections(cfg.max_connections.max(1))
            .acquire_timeout(cfg.acquire_timeout)
            .idle_timeout(Some(Duration::from_secs(600)))
            .max_lifetime(Some(Duration::from_secs(1800)))
            .connect_with(opts)
            .await
            .map_err(|e| fail(e.to_string(), true))?;
        MIGRATOR.run(&pool).await.map_err(|source| OpenFailure {
            error: StoreError::Migrate {
                url: shown.clone(),
                source,
            },
            retryable: false,
        })?;
        Ok(Self::on_pool(pool))
    }
}

/// A connect error in an operator's words, and whether it may pass by itself.
fn describe_connect_error(e: &sqlx::Error, opts: &PgConnectOptions) -> (String, bool) {
    let at = format!("{}:{}", opts.get_host(), opts.get_port());
    match e {
        sqlx::Error::Io(io) => (format!("cannot reach the server at {at}: {io}"), true),
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default().to_string();
            let msg = db.message().to_string();
            match code.as_str() {
                // invalid_password, invalid_authorization_specification
                "28P01" | "28000" => (
                    format!("{msg} (check the user name and password in the URL)"),
                    false,
                ),
                // invalid_catalog_name
                "3D000" => (
                    format!("{msg} (create it first, e.g. `createdb`, or fix the URL)"),
                    false,
                ),
                // cannot_connect_now: starting up or shutting down; too_many_connections
                "57P03" | "53300" => (format!("{msg} (code {code})"), true),
                _ => (format!("{msg} (code {code})"), false),
            }
        }
        other => (other.to_string(), false),
    }
}

impl Dialect for PgPool {
    type Db = Postgres;
    const NAME: &'static str = "postgres";

    fn db(&self) -> Db<'_> {
        Db::Postgres(self)
    }

    async fn begin_write(&self, lock: Option<Lock>) -> sqlx::Result<WriteTx<Postgres>> {
        let mut tx = self.begin().await?;
        if let Some(lock) = lock {
            let key = match lock {
                Lock::Articles => ARTICLES_LOCK,
                Lock::Stories => STORIES_LOCK,
            };
            sqlx::query(LOCK).bind(key).execute(&mut *tx).await?;
        }
        Ok(WriteTx::new(tx, None))
    }

    fn search_sql(&self) -> (&'static str, &'static str) {
        (search::pg_count(), search::pg_search())
    }

    fn search_args(&self, terms: &SearchTerms) -> Vec<String> {
        let prefix = terms.prefix().unwrap_or_default().to_string();
        vec![terms.websearch(), prefix]
    }

    /// Stems live in generated columns (`search_stem`, migration 0012).
    async fn index_text(&self, _tx: &mut WriteTx<Postgres>, _written: usize) -> sqlx::Result<()> {
        Ok(())
    }

    /// `ts_headline` makes every snippet.
    async fn stem_snippets(
        &self,
        _terms: &SearchTerms,
        _ids: &[i64],
    ) -> sqlx::Result<Vec<(i64, String)>> {
        Ok(Vec::new())
    }

    async fn fetch_for_ids<R>(&self, sql: IdListSql, ids: &[i64]) -> sqlx::Result<Vec<R>>
    where
        R: for<'r> FromRow<'r, PgRow> + Send + Unpin,
    {
        let text = sql.0.replace("{ids}", "= ANY($1)");
        sqlx::query_as::<_, R>(sqlx::AssertSqlSafe(text))
            .bind(ids)
            .fetch_all(self)
            .await
    }

    /// One statement per table whatever the batch size, rows locked in
    /// article order, so flushes from several nodes never deadlock among
    /// themselves.
    async fn write_views(
        &self,
        tx: &mut WriteTx<Postgres>,
        merged: &[ViewDelta],
    ) -> sqlx::Result<()> {
        let articles: Vec<i64> = merged.iter().map(|d| d.article.0).collect();
        let hours: Vec<i64> = merged.iter().map(|d| d.hour).collect();
        let counts: Vec<i64> = merged.iter().map(|d| d.n).collect();
        let mut per_article: std::collections::BTreeMap<i64, i64> = Default::default();
        for d in merged {
            *per_article.entry(d.article.0).or_default() += d.n;
        }
        let ids: Vec<i64> = per_article.keys().copied().collect();
        let totals: Vec<i64> = per_article.values().copied().collect();
        sqlx::query(ADD_VIEWS_HOURLY_BATCH)
            .bind(&articles)
            .bind(&hours)
            .bind(&counts)
            .execute(&mut **tx)
            .await?;
        sqlx::query(ADD_VIEWS_TOTAL_BATCH)
            .bind(&ids)
            .bind(&totals)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    fn is_retryable(&self, e: &sqlx::Error) -> bool {
        is_retryable(e)
    }

    /// Claims skip rows another claim holds; the rows the sub-select locks
    /// stay locked until the lease is written.
    fn claim_jobs_sql(&self) -> &'static str {
        static Q: LazyLock<String> = LazyLock::new(|| jobs::claim_sql("FOR UPDATE SKIP LOCKED"));
        &Q
    }

    /// PostgreSQL knows only `$1, $2, …`.
    fn numbered_params(&self) -> bool {
        true
    }

    /// Explicit ids do not move an identity column's sequence; without a
    /// reset the next insert would collide with an imported id.
    fn after_import_sql(&self, table: Table) -> Option<&'static str> {
        table.reset_sequence_sql()
    }

    fn clear_all_sql(&self) -> Vec<&'static str> {
        vec![TRUNCATE_ALL]
    }
}
