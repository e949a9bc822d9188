//! The PostgreSQL backend: for a site that runs several newsroom nodes (web
//! servers and workers) on one database. The SQL is shared with SQLite
//! (`sql.rs`); what differs here is how writers are kept apart, since
//! PostgreSQL has many writers where SQLite has one:
//! - article upserts and deletes take one transaction-scoped advisory lock, so
//!   the look-up and the write of an upsert see the same data (SQLite's
//!   `BEGIN IMMEDIATE`);
//! - view flushes lock rows in key order, so flushes from several nodes at
//!   once cannot deadlock, and retry if a deadlock comes from elsewhere;
//! - job claims skip rows another claim has locked (`FOR UPDATE SKIP LOCKED`).

use crate::error::{Result, StoreError, redact_url};
use crate::memory::{self, IngestStateRow};
use crate::model::{
    AdminArticle, ArticleCard, ArticleLink, IdRange, Job, ListQuery, RankedCard, Session,
    SourceStats, StoryReach, TableCounts, UpsertKind, UpsertOutcome, User, UserRole, ViewDelta,
};
use crate::rows::{
    AdminArticleRow, ArticleLinkRow, ArticleRow, CardRow, IdRangeRow, JobRow, RankedCardRow,
    SectionRow, SessionUserRow, SourceRow, SourceStatsRow, StoryRow, UserRow,
};
use crate::search::{self, SearchResults, SearchTerms};
use crate::sql::{self, Dialect};
use crate::sqlite::conflict_or;
use crate::store::Store;
use crate::table::{Cell, Table, all_cells, cells, row_to_json};
use crate::upsert::{Decision, decide};
use crate::{PoolConfig, merge_deltas};
use async_trait::async_trait;
use newsroom_core::{
    Article, ArticleAddress, ArticleId, ArticleStatus, IngestState, NewArticle, NewSection,
    NewSource, Section, SectionId, Source, SourceHealth, SourceId, Story, StoryId, Timestamp,
};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool, Postgres, Row, Transaction};
use std::str::FromStr;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");
const D: Dialect = Dialect::Postgres;

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
/// An UPDATE cannot choose the order it locks rows in; this SELECT can.
const LOCK_ARTICLES_IN_ORDER: &str =
    "SELECT id FROM articles WHERE id = ANY($1) ORDER BY id FOR UPDATE";
const ADD_VIEWS_TOTAL_BATCH: &str = "UPDATE articles a SET views = a.views + d.n \
     FROM UNNEST($1::BIGINT[], $2::BIGINT[]) AS d(id, n) WHERE a.id = d.id";
const ARTICLE_VIEWS: &str = "SELECT id, views FROM articles WHERE id = ANY($1)";
const TRUNCATE_ALL: &str = "TRUNCATE sections, sources, stories, articles, article_views_hourly, \
     tombstones, jobs, meta, article_addresses, article_ingest_state RESTART IDENTITY";

/// deadlock_detected, serialization_failure: the transaction did nothing and may run again.
fn is_retryable(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if matches!(db.code().as_deref(), Some("40P01" | "40001")))
}

#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
}

/// Why an open failed, and whether trying again later may help.
pub(crate) struct OpenFailure {
    pub error: StoreError,
    /// The server could not be reached or is starting up (not: bad password, no such database).
    pub retryable: bool,
}

impl PgStore {
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
        Ok(Self { pool })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    async fn begin_locked(&self, key: i64) -> Result<Transaction<'static, Postgres>> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(LOCK).bind(key).execute(&mut *tx).await?;
        Ok(tx)
    }

    /// One transaction: the batch id (when given) and every delta, or nothing.
    async fn apply_views_tx(
        &self,
        batch: Option<(&str, Timestamp)>,
        hourly: &(Vec<i64>, Vec<i64>, Vec<i64>),
        totals: &(Vec<i64>, Vec<i64>),
    ) -> std::result::Result<bool, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        if let Some((id, now)) = batch {
            let claimed = sqlx::query(sql::CLAIM_VIEW_BATCH)
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if claimed == 0 {
                return Ok(false);
            }
            sqlx::query(sql::PRUNE_VIEW_BATCHES)
                .bind(now - sql::VIEW_BATCH_MEMORY_SECS)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(ADD_VIEWS_HOURLY_BATCH)
            .bind(&hourly.0)
            .bind(&hourly.1)
            .bind(&hourly.2)
            .execute(&mut *tx)
            .await?;
        sqlx::query(LOCK_ARTICLES_IN_ORDER)
            .bind(&totals.0)
            .execute(&mut *tx)
            .await?;
        sqlx::query(ADD_VIEWS_TOTAL_BATCH)
            .bind(&totals.0)
            .bind(&totals.1)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn apply_views(
        &self,
        batch_id: Option<(&str, Timestamp)>,
        batch: &[ViewDelta],
    ) -> Result<bool> {
        let merged = merge_deltas(batch);
        if merged.is_empty() && batch_id.is_none() {
            return Ok(true);
        }
        let hourly = (
            merged.iter().map(|d| d.article.0).collect::<Vec<_>>(),
            merged.iter().map(|d| d.hour).collect::<Vec<_>>(),
            merged.iter().map(|d| d.n).collect::<Vec<_>>(),
        );
        let mut per_article: std::collections::BTreeMap<i64, i64> = Default::default();
        for d in &merged {
            *per_article.entry(d.article.0).or_default() += d.n;
        }
        let totals = (
            per_article.keys().copied().collect::<Vec<_>>(),
            per_article.values().copied().collect::<Vec<_>>(),
        );
        // Flushes lock in one order, so among themselves they never deadlock;
        // a deadlock with other writers rolls the whole flush back, which makes
        // running it again exact.
        let mut attempt = 0;
        loop {
            match self.apply_views_tx(batch_id, &hourly, &totals).await {
                Ok(applied) => return Ok(applied),
                Err(e) if is_retryable(&e) && attempt < 5 => {
                    attempt += 1;
                    tracing::debug!(attempt, error = %e, "view flush rolled back; retrying");
                    tokio::time::sleep(Duration::from_millis(5 << attempt)).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
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

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn upsert_section(&self, s: &NewSection) -> Result<Section> {
        let row: SectionRow = sqlx::query_as(sql::UPSERT_SECTION)
            .bind(&s.slug)
            .bind(&s.name)
            .bind(s.position)
            .bind(s.max_age_days)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.into())
    }

    async fn list_sections(&self) -> Result<Vec<Section>> {
        let rows: Vec<SectionRow> = sqlx::query_as(sql::LIST_SECTIONS)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn section_by_slug(&self, slug: &str) -> Result<Option<Section>> {
        let row: Option<SectionRow> = sqlx::query_as(sql::SECTION_BY_SLUG)
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(Into::into))
    }

    async fn add_source(&self, s: &NewSource, now: Timestamp) -> Result<Source> {
        let row: SourceRow = sqlx::query_as(sql::insert_source())
            .bind(&s.name)
            .bind(&s.feed_url)
            .bind(&s.site_url)
            .bind(s.section_id.map(|x| x.0))
            .bind(s.full_text.as_str())
            .bind(now)
            .fetch_one(&self.pool)
            .await
            .map_err(|e| {
                conflict_or(e, || {
                    format!("a source with feed URL {} already exists", s.feed_url)
                })
            })?;
        row.try_into()
    }

    async fn get_source(&self, id: SourceId) -> Result<Option<Source>> {
        let row: Option<SourceRow> = sqlx::query_as(sql::get_source())
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?;
        row.map(TryInto::try_into).transpose()
    }

    async fn source_by_feed_url(&self, feed_url: &str) -> Result<Option<Source>> {
        let row: Option<SourceRow> = sqlx::query_as(sql::source_by_feed_url())
            .bind(feed_url)
            .fetch_optional(&self.pool)
            .await?;
        row.map(TryInto::try_into).transpose()
    }

    async fn list_sources(&self) -> Result<Vec<SourceStats>> {
        let rows: Vec<SourceStatsRow> = sqlx::query_as(sql::list_sources())
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter()
            .map(|r| {
                Ok(SourceStats {
                    source: r.source.try_into()?,
                    article_count: r.article_count,
                })
            })
            .collect()
    }

    async fn set_source_enabled(&self, id: SourceId, enabled: bool) -> Result<bool> {
        let r = sqlx::query(sql::SET_SOURCE_ENABLED)
            .bind(id.0)
            .bind(i64::from(enabled))
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() > 0)
    }

    async fn set_source_name(&self, id: SourceId, name: &str) -> Result<bool> {
        let r = sqlx::query(sql::SET_SOURCE_NAME)
            .bind(id.0)
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() > 0)
    }

    async fn set_source_feed_url(&self, id: SourceId, feed_url: &str) -> Result<bool> {
        let r = sqlx::query(sql::SET_SOURCE_FEED_URL)
            .bind(id.0)
            .bind(feed_url)
            .execute(&self.pool)
            .await
            .map_err(|e| {
                conflict_or(e, || {
                    format!("a source with feed URL {feed_url} already exists")
                })
            })?;
        Ok(r.rows_affected() > 0)
    }

    async fn delete_source(&self, id: SourceId) -> Result<bool> {
        let mut tx = self.begin_locked(ARTICLES_LOCK).await?;
        sqlx::query(sql::DELETE_SOURCE_ARTICLES)
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        let r = sqlx::query(sql::DELETE_SOURCE)
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(r.rows_affected() > 0)
    }

    async fn update_source_health(&self, id: SourceId, h: &SourceHealth) -> Result<()> {
        sqlx::query(sql::UPDATE_SOURCE_HEALTH)
            .bind(id.0)
            .bind(h.last_success_at)
            .bind(h.last_attempt_at)
            .bind(&h.last_error_class)
            .bind(&h.last_error)
            .bind(h.consecutive_failures)
            .bind(h.next_poll_at)
            .bind(&h.etag)
            .bind(&h.last_modified)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn upsert_article(&self, a: &NewArticle, now: Timestamp) -> Result<UpsertOutcome> {
        let mut tx = self.begin_locked(ARTICLES_LOCK).await?;
        let tomb: i64 = sqlx::query_scalar(sql::TOMBSTONE_EXISTS)
            .bind(&a.canonical_url)
            .fetch_one(&mut *tx)
            .await?;
        if tomb > 0 {
            return Ok(UpsertOutcome {
                id: None,
                kind: UpsertKind::Suppressed,
            });
        }
        let existing: Option<ArticleRow> = sqlx::query_as(sql::find_for_upsert())
            .bind(a.source_id.0)
            .bind(&a.guid)
            .bind(&a.canonical_url)
            .fetch_optional(&mut *tx)
            .await?;
        let outcome = match decide(existing.as_ref(), a) {
            Decision::Insert => {
                let img = a.image.as_ref();
                let id: i64 = sqlx::query_scalar(sql::INSERT_ARTICLE)
                    .bind(a.source_id.0)
                    .bind(a.section_id.map(|s| s.0))
                    .bind(&a.guid)
                    .bind(&a.canonical_url)
                    .bind(&a.original_url)
                    .bind(&a.title)
                    .bind(&a.summary)
                    .bind(&a.body_html)
                    .bind(&a.body_text)
                    .bind(img.map(|i| i.url.as_str()))
                    .bind(img.map(|i| i.alt.as_str()))
                    .bind(img.and_then(|i| i.width).map(i64::from))
                    .bind(img.and_then(|i| i.height).map(i64::from))
                    .bind(a.video.as_ref().map(|v| v.url.as_str()))
                    .bind(&a.author)
                    .bind(&a.language)
                    .bind(a.published_at)
                    .bind(a.fetched_at)
                    .fetch_one(&mut *tx)
                    .await?;
                UpsertOutcome {
                    id: Some(ArticleId(id)),
                    kind: UpsertKind::Inserted,
                }
            }
            Decision::Touch => {
                let id = existing.as_ref().map(|r| r.id).unwrap_or_default();
                sqlx::query(sql::TOUCH_ARTICLE)
                    .bind(id)
                    .bind(a.fetched_at)
                    .execute(&mut *tx)
                    .await?;
                UpsertOutcome {
                    id: Some(ArticleId(id)),
                    kind: UpsertKind::Unchanged,
                }
            }
            Decision::Update(m) => {
                let id = existing.as_ref().map(|r| r.id).unwrap_or_default();
                sqlx::query(sql::UPDATE_ARTICLE)
                    .bind(id)
                    .bind(&m.original_url)
                    .bind(&m.title)
                    .bind(&m.summary)
                    .bind(&m.body_html)
                    .bind(&m.body_text)
                    .bind(&m.image_url)
                    .bind(&m.image_alt)
                    .bind(m.image_width)
                    .bind(m.image_height)
                    .bind(&m.video_url)
                    .bind(&m.author)
                    .bind(&m.language)
                    .bind(a.fetched_at)
                    .bind(now)
                    .bind(m.section_id)
                    .bind(m.published_at)
                    .execute(&mut *tx)
                    .await?;
                UpsertOutcome {
                    id: Some(ArticleId(id)),
                    kind: UpsertKind::Updated,
                }
            }
            Decision::Suppress => UpsertOutcome {
                id: existing.as_ref().map(|r| ArticleId(r.id)),
                kind: UpsertKind::Suppressed,
            },
        };
        tx.commit().await?;
        Ok(outcome)
    }

    async fn get_article(&self, id: ArticleId) -> Result<Option<Article>> {
        let row: Option<ArticleRow> = sqlx::query_as(sql::get_article())
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?;
        row.map(TryInto::try_into).transpose()
    }

    async fn article_by_canonical_url(&self, url: &str) -> Result<Option<Article>> {
        let row: Option<ArticleRow> = sqlx::query_as(sql::article_by_canonical_url())
            .bind(url)
            .fetch_optional(&self.pool)
            .await?;
        row.map(TryInto::try_into).transpose()
    }

    async fn article_by_address(&self, a: &ArticleAddress) -> Result<Option<ArticleId>> {
        let id: Option<i64> = sqlx::query_scalar(memory::ARTICLE_BY_ADDRESS)
            .bind(a.scope())
            .bind(&a.address)
            .fetch_optional(&self.pool)
            .await?;
        Ok(id.map(ArticleId))
    }

    async fn add_article_addresses(&self, id: ArticleId, all: &[ArticleAddress]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for a in all {
            sqlx::query(memory::ADD_ADDRESS)
                .bind(a.scope())
                .bind(&a.address)
                .bind(a.kind.as_str())
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn ingest_state(&self, id: ArticleId) -> Result<Option<IngestState>> {
        let row: Option<IngestStateRow> = sqlx::query_as(memory::INGEST_STATE)
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?;
        row.map(TryInto::try_into).transpose()
    }

    async fn set_ingest_state(&self, id: ArticleId, s: &IngestState) -> Result<()> {
        sqlx::query(memory::SET_INGEST_STATE)
            .bind(id.0)
            .bind(s.body_origin.as_str())
            .bind(i64::from(s.published_trusted))
            .bind(s.first_seen)
            .bind(s.feed_updated)
            .bind(&s.feed_hash)
            .bind(&s.page_etag)
            .bind(&s.page_last_modified)
            .bind(s.page_checked_at)
            .bind(s.rechecks)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn list_articles(&self, q: &ListQuery) -> Result<Vec<ArticleCard>> {
        let rows: Vec<CardRow> = sqlx::query_as(sql::list_articles())
            .bind(q.section.map(|s| s.0))
            .bind(q.source.map(|s| s.0))
            .bind(q.limit)
            .bind(q.offset)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn count_articles(&self, q: &ListQuery) -> Result<i64> {
        Ok(sqlx::query_scalar(sql::COUNT_ARTICLES)
            .bind(q.section.map(|s| s.0))
            .bind(q.source.map(|s| s.0))
            .fetch_one(&self.pool)
            .await?)
    }

    async fn search_articles(
        &self,
        terms: &SearchTerms,
        section: Option<SectionId>,
        limit: i64,
        offset: i64,
    ) -> Result<SearchResults> {
        if terms.is_empty() {
            return Ok(SearchResults::default());
        }
        let words = terms.websearch();
        let prefix = terms.prefix().unwrap_or_default();
        let total: i64 = sqlx::query_scalar(search::pg_count())
            .bind(&words)
            .bind(prefix)
            .bind(section.map(|s| s.0))
            .fetch_one(&self.pool)
            .await?;
        let rows: Vec<CardRow> = sqlx::query_as(search::pg_search())
            .bind(&words)
            .bind(prefix)
            .bind(section.map(|s| s.0))
            .bind(limit.max(0))
            .bind(offset.max(0))
            .fetch_all(&self.pool)
            .await?;
        Ok(SearchResults {
            cards: rows.into_iter().map(Into::into).collect(),
            total,
        })
    }

    async fn article_id_ranges(&self, size: i64) -> Result<Vec<IdRange>> {
        let rows: Vec<IdRangeRow> = sqlx::query_as(sql::ARTICLE_ID_RANGES)
            // Zero would divide by zero: an error on PostgreSQL, NULL on SQLite.
            .bind(size.max(1))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn article_links(&self, first: ArticleId, last: ArticleId) -> Result<Vec<ArticleLink>> {
        let rows: Vec<ArticleLinkRow> = sqlx::query_as(sql::ARTICLE_LINKS)
            .bind(first.0)
            .bind(last.0)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn most_read(&self, since: Timestamp, limit: i64) -> Result<Vec<ArticleCard>> {
        let rows: Vec<CardRow> = sqlx::query_as(sql::most_read())
            .bind(since.div_euclid(3600))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn set_article_status(
        &self,
        id: ArticleId,
        status: ArticleStatus,
        now: Timestamp,
    ) -> Result<bool> {
        let r = sqlx::query(sql::SET_ARTICLE_STATUS)
            .bind(id.0)
            .bind(status.as_str())
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() > 0)
    }

    async fn delete_article(&self, id: ArticleId, now: Timestamp) -> Result<bool> {
        let mut tx = self.begin_locked(ARTICLES_LOCK).await?;
        let url: Option<String> =
            sqlx::query_scalar("SELECT canonical_url FROM articles WHERE id = $1")
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(url) = url else { return Ok(false) };
        sqlx::query(sql::INSERT_TOMBSTONE)
            .bind(&url)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query(sql::DELETE_ARTICLE)
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn delete_articles_before(
        &self,
        section: Option<SectionId>,
        before: Timestamp,
        now: Timestamp,
    ) -> Result<u64> {
        let mut tx = self.begin_locked(ARTICLES_LOCK).await?;
        let old = sqlx::query(sql::OLD_ARTICLES)
            .bind(section.map(|s| s.0))
            .bind(before)
            .fetch_all(&mut *tx)
            .await?;
        for row in &old {
            let id: i64 = row.try_get(0)?;
            let url: String = row.try_get(1)?;
            sqlx::query(sql::INSERT_TOMBSTONE)
                .bind(&url)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            sqlx::query(sql::DELETE_ARTICLE)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(old.len() as u64)
    }

    async fn article_views(&self, ids: &[ArticleId]) -> Result<Vec<(ArticleId, i64)>> {
        let ids: Vec<i64> = ids.iter().map(|i| i.0).collect();
        let rows: Vec<(i64, i64)> = sqlx::query_as(ARTICLE_VIEWS)
            .bind(&ids)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(|(id, v)| (ArticleId(id), v)).collect())
    }

    async fn add_views(&self, batch: &[ViewDelta]) -> Result<()> {
        self.apply_views(None, batch).await.map(|_| ())
    }

    async fn add_views_once(
        &self,
        batch_id: &str,
        batch: &[ViewDelta],
        now: Timestamp,
    ) -> Result<bool> {
        self.apply_views(Some((batch_id, now)), batch).await
    }

    async fn create_story(&self, lead: ArticleId, now: Timestamp) -> Result<StoryId> {
        let mut tx = self.begin_locked(STORIES_LOCK).await?;
        let id: i64 = sqlx::query_scalar(sql::INSERT_STORY)
            .bind(lead.0)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query(sql::SET_ARTICLE_STORY)
            .bind(lead.0)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(sql::REFRESH_STORY)
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(StoryId(id))
    }

    async fn assign_story(&self, article: ArticleId, story: StoryId, now: Timestamp) -> Result<()> {
        let mut tx = self.begin_locked(STORIES_LOCK).await?;
        let old: Option<Option<i64>> =
            sqlx::query_scalar("SELECT story_id FROM articles WHERE id = $1")
                .bind(article.0)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(old) = old else {
            return Err(StoreError::NotFound(format!("article {article}")));
        };
        sqlx::query(sql::SET_ARTICLE_STORY)
            .bind(article.0)
            .bind(story.0)
            .execute(&mut *tx)
            .await?;
        sqlx::query(sql::REFRESH_STORY)
            .bind(story.0)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        if let Some(old) = old.filter(|o| *o != story.0) {
            sqlx::query(sql::REFRESH_STORY)
                .bind(old)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn get_story(&self, id: StoryId) -> Result<Option<Story>> {
        let row: Option<StoryRow> = sqlx::query_as(sql::GET_STORY)
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(Into::into))
    }

    async fn story_articles(&self, id: StoryId) -> Result<Vec<ArticleCard>> {
        let rows: Vec<CardRow> = sqlx::query_as(sql::story_articles())
            .bind(id.0)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn articles_after(&self, after: Option<ArticleId>, limit: i64) -> Result<Vec<Article>> {
        let rows: Vec<ArticleRow> = sqlx::query_as(sql::articles_after())
            .bind(after.map(|a| a.0))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn article_story(&self, id: ArticleId) -> Result<Option<StoryId>> {
        let story: Option<Option<i64>> = sqlx::query_scalar(sql::ARTICLE_STORY)
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?;
        Ok(story.flatten().map(StoryId))
    }

    async fn story_reach(&self, ids: &[StoryId]) -> Result<Vec<StoryReach>> {
        static Q: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
            format!(
                "{} = ANY($1) {}",
                sql::STORY_REACH_SELECT,
                sql::STORY_REACH_GROUP
            )
        });
        let ids: Vec<i64> = ids.iter().map(|i| i.0).collect();
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(Q.as_str())
            .bind(&ids)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(story, articles, sources)| StoryReach {
                story: StoryId(story),
                articles,
                sources,
            })
            .collect())
    }

    async fn most_read_by_story(&self, since: Timestamp, limit: i64) -> Result<Vec<RankedCard>> {
        let rows: Vec<RankedCardRow> = sqlx::query_as(sql::most_read_by_story())
            .bind(since.div_euclid(3600))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn ensure_job(
        &self,
        key: &str,
        kind: &str,
        due_at: Timestamp,
        payload: Option<&str>,
    ) -> Result<()> {
        sqlx::query(sql::ENSURE_JOB)
            .bind(key)
            .bind(kind)
            .bind(due_at)
            .bind(payload)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn claim_jobs(
        &self,
        kind: &str,
        worker: &str,
        now: Timestamp,
        lease_secs: i64,
        limit: i64,
    ) -> Result<Vec<Job>> {
        // One statement is its own transaction; the rows its sub-select locks
        // stay locked until it has written the lease.
        let rows: Vec<JobRow> = sqlx::query_as(D.claim_jobs())
            .bind(worker)
            .bind(now + lease_secs)
            .bind(kind)
            .bind(now)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        let mut jobs: Vec<Job> = rows.into_iter().map(Into::into).collect();
        jobs.sort_by(|a, b| (a.due_at, &a.key).cmp(&(b.due_at, &b.key)));
        Ok(jobs)
    }

    async fn renew_lease(
        &self,
        key: &str,
        worker: &str,
        now: Timestamp,
        lease_secs: i64,
    ) -> Result<bool> {
        let r = sqlx::query(sql::RENEW_LEASE)
            .bind(key)
            .bind(worker)
            .bind(now + lease_secs)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() > 0)
    }

    async fn complete_job(
        &self,
        key: &str,
        worker: &str,
        next_due: Option<Timestamp>,
        error: Option<&str>,
    ) -> Result<bool> {
        let r = match next_due {
            Some(due) => {
                sqlx::query(sql::COMPLETE_JOB)
                    .bind(key)
                    .bind(worker)
                    .bind(due)
                    .bind(error)
                    .execute(&self.pool)
                    .await?
            }
            None => {
                sqlx::query(sql::DELETE_JOB)
                    .bind(key)
                    .bind(worker)
                    .execute(&self.pool)
                    .await?
            }
        };
        Ok(r.rows_affected() > 0)
    }

    async fn get_job(&self, key: &str) -> Result<Option<Job>> {
        let row: Option<JobRow> = sqlx::query_as(sql::get_job())
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(Into::into))
    }

    async fn get_meta(&self, key: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(sql::GET_META)
            .bind(key)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        sqlx::query(sql::SET_META)
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn init_meta(&self, key: &str, value: &str) -> Result<String> {
        sqlx::query(sql::INIT_META)
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await?;
        let v: String = sqlx::query_scalar(sql::GET_META)
            .bind(key)
            .fetch_one(&self.pool)
            .await?;
        Ok(v)
    }

    async fn table_counts(&self) -> Result<TableCounts> {
        let r = sqlx::query(sql::TABLE_COUNTS).fetch_one(&self.pool).await?;
        Ok(TableCounts {
            sections: r.try_get(0)?,
            sources: r.try_get(1)?,
            articles: r.try_get(2)?,
            stories: r.try_get(3)?,
            article_views_hourly: r.try_get(4)?,
            tombstones: r.try_get(5)?,
            jobs: r.try_get(6)?,
            meta: r.try_get(7)?,
            total_views: r.try_get(8)?,
        })
    }

    async fn list_all_articles(&self, limit: i64, offset: i64) -> Result<Vec<AdminArticle>> {
        let rows: Vec<AdminArticleRow> = sqlx::query_as(sql::list_all_articles())
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn add_user(
        &self,
        name: &str,
        password_hash: &str,
        role: UserRole,
        now: Timestamp,
    ) -> Result<User> {
        let row: UserRow = sqlx::query_as(sql::INSERT_USER)
            .bind(name)
            .bind(password_hash)
            .bind(role.as_str())
            .bind(now)
            .fetch_one(&self.pool)
            .await
            .map_err(|e| conflict_or(e, || format!("a user named {name:?} already exists")))?;
        row.try_into()
    }

    async fn user_by_name(&self, name: &str) -> Result<Option<User>> {
        let row: Option<UserRow> = sqlx::query_as(sql::USER_BY_NAME)
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.map(TryInto::try_into).transpose()
    }

    async fn list_users(&self) -> Result<Vec<User>> {
        let rows: Vec<UserRow> = sqlx::query_as(sql::LIST_USERS)
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn remove_user(&self, name: &str) -> Result<bool> {
        // Sessions first and in the same transaction: no window in which a
        // removed account's browser is still signed in.
        let mut tx = self.pool.begin().await?;
        sqlx::query(sql::DELETE_USER_SESSIONS)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        let r = sqlx::query(sql::DELETE_USER)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(r.rows_affected() > 0)
    }

    async fn create_session(&self, s: &Session) -> Result<()> {
        sqlx::query(sql::INSERT_SESSION)
            .bind(&s.token_hash)
            .bind(s.user_id)
            .bind(s.created_at)
            .bind(s.expires_at)
            .bind(&s.csrf_secret)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn session_user(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<(Session, User)>> {
        let row: Option<SessionUserRow> = sqlx::query_as(sql::SESSION_USER)
            .bind(token_hash)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        row.map(TryInto::try_into).transpose()
    }

    async fn delete_session(&self, token_hash: &str) -> Result<bool> {
        let r = sqlx::query(sql::DELETE_SESSION)
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() > 0)
    }

    async fn delete_expired_sessions(&self, now: Timestamp) -> Result<u64> {
        let r = sqlx::query(sql::DELETE_EXPIRED_SESSIONS)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected())
    }

    async fn export_rows(
        &self,
        table: Table,
        after: Option<&serde_json::Value>,
        limit: i64,
    ) -> Result<Vec<serde_json::Value>> {
        let mut q = match after {
            None => sqlx::query(table.first_page_sql()),
            Some(last) => {
                let mut q = sqlx::query(table.next_page_sql());
                for c in cells(table, last, table.key())? {
                    q = match c {
                        Cell::Int(v) => q.bind(v),
                        Cell::Text(v) => q.bind(v),
                    };
                }
                q
            }
        };
        q = q.bind(limit);
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter().map(|r| row_to_json(table, r)).collect()
    }

    async fn import_rows(&self, table: Table, rows: &[serde_json::Value]) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        for row in rows {
            let mut q = sqlx::query(table.insert_sql());
            for c in all_cells(table, row)? {
                q = match c {
                    Cell::Int(v) => q.bind(v),
                    Cell::Text(v) => q.bind(v),
                };
            }
            q.execute(&mut *tx).await?;
        }
        // Explicit ids do not move an identity column's sequence; without this
        // the next insert would collide with an imported id.
        if let Some(reset) = table.reset_sequence_sql() {
            sqlx::query(reset).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(rows.len() as u64)
    }

    async fn clear_all(&self) -> Result<()> {
        sqlx::query(TRUNCATE_ALL).execute(&self.pool).await?;
        Ok(())
    }
}
