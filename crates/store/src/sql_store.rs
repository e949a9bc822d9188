//! The one implementation of [`Store`], for either database. Each method
//! hands over to the method of the same name on [`Db`], in the file of its
//! aggregate, where its SQL stands beside its binding.

use crate::claims_log::ClaimIndex;
use crate::dialect::{Db, Dialect};
use crate::direct::DirectReads;
use crate::error::Result;
use crate::filing::Filing;
use crate::model::{
    AdminArticle, ArticleCard, ArticleLink, ArticleLookup, ArticlePage, ArticleWrite, AuditEntry,
    AuditQuery, Change, CountAt, FetchHour, FetchRecord, IdRange, IngestFreshness, Job, ListQuery,
    NewAudit, PoolStats, RankedCard, SealedBody, Session, SiteHour, SourceStats, StoryMember,
    StoryReach, TableCounts, ThreadStory, UnsealedBody, UpsertOutcome, User, UserRole, ViewDelta,
    Visit,
};
use crate::reasons::StoryReason;
use crate::search::{SearchResults, SearchTerms};
use crate::store::Store;
use crate::table::Table;
use async_trait::async_trait;
use newsroom_core::{
    Article, ArticleAddress, ArticleId, ArticleStatus, IngestState, NewArticle, NewSection,
    NewSource, Section, SectionId, Source, SourceHealth, SourceId, SourceSettings, Story, StoryId,
    Timestamp,
};
use sqlx::{Database, Pool};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// A store on a sqlx pool: [`crate::SqliteStore`] or [`crate::PgStore`].
/// Opening is the backend's own (`sqlite.rs`, `postgres.rs`).
pub struct SqlStore<DB: Database> {
    pub(crate) pool: Pool<DB>,
    /// Store calls running now, for the pool's "waiting" gauge (`PoolStats`).
    calls: Arc<AtomicU32>,
    /// Reads on the caller's thread (a SQLite file only).
    pub(crate) direct: Option<Arc<DirectReads>>,
    /// The visit claims this process knows of (SQLite only).
    claims: Arc<tokio::sync::Mutex<ClaimIndex>>,
}

impl<DB: Database> Clone for SqlStore<DB> {
    fn clone(&self) -> Self {
        Self {
            pool: self.pool.clone(),
            calls: self.calls.clone(),
            direct: self.direct.clone(),
            claims: self.claims.clone(),
        }
    }
}

impl<DB: Database> SqlStore<DB> {
    pub(crate) fn on_pool(pool: Pool<DB>) -> Self {
        Self {
            pool,
            calls: Arc::default(),
            direct: None,
            claims: Arc::default(),
        }
    }

    pub fn pool(&self) -> &Pool<DB> {
        &self.pool
    }
}

impl<DB: Database> SqlStore<DB>
where
    Pool<DB>: Dialect,
{
    /// The pool, counted as a running call until the statement that asked
    /// for it ends (every method below is one `self.db().method().await`).
    fn db(&self) -> Call<'_> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        Call {
            db: self.pool.db(),
            calls: &self.calls,
        }
    }
}

/// A store call in progress: derefs to the pool's [`Db`].
struct Call<'a> {
    db: Db<'a>,
    calls: &'a AtomicU32,
}

impl<'a> std::ops::Deref for Call<'a> {
    type Target = Db<'a>;
    fn deref(&self) -> &Db<'a> {
        &self.db
    }
}

impl Drop for Call<'_> {
    fn drop(&mut self) {
        self.calls.fetch_sub(1, Ordering::Relaxed);
    }
}

#[async_trait]
impl<DB: Database> Store for SqlStore<DB>
where
    Pool<DB>: Dialect,
{
    fn backend(&self) -> &'static str {
        <Pool<DB> as Dialect>::NAME
    }

    async fn ping(&self) -> Result<()> {
        self.db().ping().await
    }

    async fn checkpoint(&self) -> Result<()> {
        self.db().checkpoint().await
    }

    async fn upsert_section(&self, s: &NewSection) -> Result<Section> {
        self.db().upsert_section(s).await
    }

    async fn list_sections(&self) -> Result<Vec<Section>> {
        self.db().list_sections().await
    }

    async fn section_by_slug(&self, slug: &str) -> Result<Option<Section>> {
        self.db().section_by_slug(slug).await
    }

    async fn add_source(&self, s: &NewSource, now: Timestamp) -> Result<Source> {
        self.db().add_source(s, now).await
    }

    async fn get_source(&self, id: SourceId) -> Result<Option<Source>> {
        self.db().get_source(id).await
    }

    async fn source_by_feed_url(&self, feed_url: &str) -> Result<Option<Source>> {
        self.db().source_by_feed_url(feed_url).await
    }

    async fn list_sources(&self) -> Result<Vec<SourceStats>> {
        self.db().list_sources().await
    }

    async fn set_source_enabled(&self, id: SourceId, enabled: bool) -> Result<bool> {
        self.db().set_source_enabled(id, enabled).await
    }

    async fn set_source_name(&self, id: SourceId, name: &str) -> Result<bool> {
        self.db().set_source_name(id, name).await
    }

    async fn set_source_feed_url(&self, id: SourceId, feed_url: &str) -> Result<bool> {
        self.db().set_source_feed_url(id, feed_url).await
    }

    async fn delete_source(&self, id: SourceId) -> Result<bool> {
        self.db().delete_source(id).await
    }

    async fn update_source_health(&self, id: SourceId, health: &SourceHealth) -> Result<()> {
        self.db().update_source_health(id, health).await
    }

    async fn record_fetch(&self, fetch: &FetchRecord) -> Result<()> {
        self.db().record_fetch(fetch).await
    }

    async fn record_polls(
        &self,
        healths: &[(SourceId, SourceHealth)],
        fetches: &[FetchRecord],
    ) -> Result<()> {
        let healths: Vec<(SourceId, &SourceHealth)> =
            healths.iter().map(|(i, h)| (*i, h)).collect();
        let fetches: Vec<&FetchRecord> = fetches.iter().collect();
        self.db().record_polls(&healths, &fetches).await
    }

    async fn source_fetches(&self, id: SourceId, limit: i64) -> Result<Vec<FetchRecord>> {
        self.db().source_fetches(id, limit).await
    }

    async fn source_fetch_hours(&self, id: SourceId, since: Timestamp) -> Result<Vec<FetchHour>> {
        self.db().source_fetch_hours(id, since).await
    }

    async fn update_source_settings(
        &self,
        id: SourceId,
        settings: &SourceSettings,
    ) -> Result<bool> {
        self.db().update_source_settings(id, settings).await
    }

    async fn source_articles_per_day(
        &self,
        id: SourceId,
        since: Timestamp,
    ) -> Result<Vec<CountAt>> {
        self.db().source_articles_per_day(id, since).await
    }

    async fn views_per_hour(&self, since: Timestamp) -> Result<Vec<CountAt>> {
        self.db().views_per_hour(since).await
    }

    async fn article_views_per_hour(
        &self,
        id: ArticleId,
        since: Timestamp,
    ) -> Result<Vec<CountAt>> {
        self.db().article_views_per_hour(id, since).await
    }

    async fn story_views_per_hour(&self, id: StoryId, since: Timestamp) -> Result<Vec<CountAt>> {
        self.db().story_views_per_hour(id, since).await
    }

    async fn record_cluster_lag(&self, at: Timestamp, lag_secs: i64) -> Result<()> {
        self.db().record_cluster_lag(at, lag_secs).await
    }

    async fn site_hours(&self, since: Timestamp) -> Result<Vec<SiteHour>> {
        self.db().site_hours(since).await
    }

    async fn upsert_article(&self, a: &NewArticle, now: Timestamp) -> Result<UpsertOutcome> {
        self.db().upsert_article(a, now).await
    }

    async fn store_articles(
        &self,
        batch: &[ArticleWrite],
        now: Timestamp,
    ) -> Result<Vec<UpsertOutcome>> {
        self.db().store_articles(batch, now).await
    }

    async fn get_article(&self, id: ArticleId) -> Result<Option<Article>> {
        self.db().get_article(id).await
    }

    async fn article_by_canonical_url(&self, url: &str) -> Result<Option<Article>> {
        self.db().article_by_canonical_url(url).await
    }

    async fn article_by_address(&self, a: &ArticleAddress) -> Result<Option<ArticleId>> {
        self.db().article_by_address(a).await
    }

    async fn add_article_addresses(&self, id: ArticleId, all: &[ArticleAddress]) -> Result<()> {
        self.db().add_article_addresses(id, all).await
    }

    async fn ingest_state(&self, id: ArticleId) -> Result<Option<IngestState>> {
        self.db().ingest_state(id).await
    }

    async fn find_article(
        &self,
        lookups: &[ArticleLookup],
    ) -> Result<Option<(Article, Option<IngestState>)>> {
        self.db().find_article(lookups).await
    }

    async fn set_ingest_state(&self, id: ArticleId, s: &IngestState) -> Result<()> {
        self.db().set_ingest_state(id, s).await
    }

    async fn list_articles(&self, q: &ListQuery) -> Result<Vec<ArticleCard>> {
        self.db().list_articles(q).await
    }

    async fn count_articles(&self, q: &ListQuery) -> Result<i64> {
        self.db().count_articles(q).await
    }

    async fn search_articles(
        &self,
        terms: &SearchTerms,
        section: Option<SectionId>,
        limit: i64,
        offset: i64,
    ) -> Result<SearchResults> {
        self.db()
            .search_articles(terms, section, limit, offset)
            .await
    }

    async fn article_id_ranges(&self, size: i64) -> Result<Vec<IdRange>> {
        self.db().article_id_ranges(size).await
    }

    async fn article_links(&self, first: ArticleId, last: ArticleId) -> Result<Vec<ArticleLink>> {
        self.db().article_links(first, last).await
    }

    async fn most_read(&self, since: Timestamp, limit: i64) -> Result<Vec<ArticleCard>> {
        self.db().most_read(since, limit).await
    }

    async fn set_article_status(
        &self,
        id: ArticleId,
        status: ArticleStatus,
        now: Timestamp,
    ) -> Result<bool> {
        self.db().set_article_status(id, status, now).await
    }

    async fn delete_article(&self, id: ArticleId, now: Timestamp) -> Result<bool> {
        self.db().delete_article(id, now).await
    }

    async fn delete_articles_before(
        &self,
        section: Option<SectionId>,
        before: Timestamp,
        now: Timestamp,
    ) -> Result<u64> {
        self.db().delete_articles_before(section, before, now).await
    }

    async fn article_views(&self, ids: &[ArticleId]) -> Result<Vec<(ArticleId, i64)>> {
        self.db().article_views(ids).await
    }

    async fn article_page(&self, id: ArticleId) -> Result<Option<ArticlePage>> {
        if let Some(direct) = &self.direct {
            return direct
                .article_page(id.0)?
                .map(TryInto::try_into)
                .transpose();
        }
        self.db().article_page(id).await
    }

    async fn add_views(&self, batch: &[ViewDelta]) -> Result<()> {
        self.db().apply_views(None, batch).await.map(|_| ())
    }

    async fn add_views_once(
        &self,
        batch_id: &str,
        batch: &[ViewDelta],
        now: Timestamp,
    ) -> Result<bool> {
        self.db().apply_views(Some((batch_id, now)), batch).await
    }

    async fn claim_visits(
        &self,
        batch_id: &str,
        visits: &[Visit],
        window: i64,
        now: Timestamp,
    ) -> Result<Vec<Visit>> {
        match *self.db() {
            Db::Sqlite(p) => {
                crate::claims_log::claim(p, &self.claims, batch_id, visits, window, now).await
            }
            Db::Postgres(p) => {
                crate::visits::claim_postgres(p, batch_id, visits, window, now).await
            }
        }
    }

    async fn create_story(&self, lead: ArticleId, now: Timestamp) -> Result<StoryId> {
        self.db().create_story(lead, None, now).await
    }

    async fn assign_story(&self, article: ArticleId, story: StoryId, now: Timestamp) -> Result<()> {
        self.db().assign_story(article, story, now).await
    }

    async fn file_articles(&self, filings: &[Filing], now: Timestamp) -> Result<Vec<StoryId>> {
        self.db().file_articles(filings, now).await
    }

    async fn get_story(&self, id: StoryId) -> Result<Option<Story>> {
        self.db().get_story(id).await
    }

    async fn story_articles(&self, id: StoryId) -> Result<Vec<ArticleCard>> {
        self.db().story_articles(id).await
    }

    async fn articles_after(&self, after: Option<ArticleId>, limit: i64) -> Result<Vec<Article>> {
        self.db().articles_after(after, limit).await
    }

    async fn article_story(&self, id: ArticleId) -> Result<Option<StoryId>> {
        self.db().article_story(id).await
    }

    async fn story_reach(&self, ids: &[StoryId]) -> Result<Vec<StoryReach>> {
        self.db().story_reach(ids).await
    }

    async fn most_read_by_story(&self, since: Timestamp, limit: i64) -> Result<Vec<RankedCard>> {
        self.db().most_read_by_story(since, limit).await
    }

    async fn create_story_in_thread(
        &self,
        lead: ArticleId,
        thread: StoryId,
        now: Timestamp,
    ) -> Result<StoryId> {
        self.db().create_story(lead, Some(thread), now).await
    }

    async fn thread_stories(&self, thread: StoryId, limit: i64) -> Result<Vec<ThreadStory>> {
        self.db().thread_stories(thread, limit).await
    }

    async fn article_cards(&self, ids: &[ArticleId]) -> Result<Vec<ArticleCard>> {
        self.db().article_cards(ids).await
    }

    async fn story_members(&self, id: StoryId) -> Result<Vec<StoryMember>> {
        if let Some(direct) = &self.direct {
            let rows = direct.story_members(id.0)?;
            return Ok(rows.into_iter().map(crate::stories::story_member).collect());
        }
        self.db().story_members(id).await
    }

    async fn article_stories(&self, ids: &[ArticleId]) -> Result<Vec<StoryId>> {
        self.db().article_stories(ids).await
    }

    async fn merge_stories(
        &self,
        target: StoryId,
        others: &[StoryId],
        by: &str,
        now: Timestamp,
    ) -> Result<()> {
        self.db().merge_stories(target, others, by, now).await
    }

    async fn split_articles(
        &self,
        articles: &[ArticleId],
        by: &str,
        now: Timestamp,
    ) -> Result<StoryId> {
        self.db().split_articles(articles, by, now).await
    }

    async fn set_story_reason(&self, article: ArticleId, reason: &StoryReason) -> Result<bool> {
        self.db().set_story_reason(article, reason).await
    }

    async fn story_reasons(&self, story: StoryId) -> Result<Vec<(ArticleId, StoryReason)>> {
        self.db().story_reasons(story).await
    }

    async fn set_story_pin(&self, id: StoryId, until: Option<Timestamp>) -> Result<bool> {
        self.db().set_story_pin(id, until).await
    }

    async fn set_story_title(&self, id: StoryId, title: Option<&str>) -> Result<bool> {
        self.db().set_story_title(id, title).await
    }

    async fn set_story_lead(
        &self,
        id: StoryId,
        lead: Option<ArticleId>,
        now: Timestamp,
    ) -> Result<bool> {
        self.db().set_story_lead(id, lead, now).await
    }

    async fn set_story_hidden(&self, id: StoryId, hidden: bool) -> Result<bool> {
        self.db().set_story_hidden(id, hidden).await
    }

    async fn pinned_cards(
        &self,
        now: Timestamp,
        section: Option<SectionId>,
        limit: i64,
    ) -> Result<Vec<(ArticleCard, Timestamp)>> {
        self.db().pinned_cards(now, section, limit).await
    }

    async fn ensure_job(
        &self,
        key: &str,
        kind: &str,
        due_at: Timestamp,
        payload: Option<&str>,
    ) -> Result<()> {
        self.db().ensure_job(key, kind, due_at, payload).await
    }

    async fn claim_jobs(
        &self,
        kind: &str,
        worker: &str,
        now: Timestamp,
        lease_secs: i64,
        limit: i64,
    ) -> Result<Vec<Job>> {
        self.db()
            .claim_jobs(kind, worker, now, lease_secs, limit)
            .await
    }

    async fn renew_lease(
        &self,
        key: &str,
        worker: &str,
        now: Timestamp,
        lease_secs: i64,
    ) -> Result<bool> {
        self.db().renew_lease(key, worker, now, lease_secs).await
    }

    async fn complete_job(
        &self,
        key: &str,
        worker: &str,
        next_due: Option<Timestamp>,
        error: Option<&str>,
    ) -> Result<bool> {
        self.db().complete_job(key, worker, next_due, error).await
    }

    async fn get_job(&self, key: &str) -> Result<Option<Job>> {
        self.db().get_job(key).await
    }

    async fn get_meta(&self, key: &str) -> Result<Option<String>> {
        self.db().get_meta(key).await
    }

    async fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.db().set_meta(key, value).await
    }

    async fn init_meta(&self, key: &str, value: &str) -> Result<String> {
        self.db().init_meta(key, value).await
    }

    async fn unsealed_bodies(
        &self,
        after: ArticleId,
        prefix: &str,
        limit: u32,
    ) -> Result<Vec<UnsealedBody>> {
        self.db().unsealed_bodies(after, prefix, limit).await
    }

    async fn seal_bodies(&self, bodies: &[SealedBody]) -> Result<u64> {
        self.db().seal_bodies(bodies).await
    }

    async fn table_counts(&self) -> Result<TableCounts> {
        self.db().table_counts().await
    }

    fn pool_stats(&self) -> PoolStats {
        let open = self.pool.size();
        let idle = u32::try_from(self.pool.num_idle())
            .unwrap_or(u32::MAX)
            .min(open);
        let in_use = open - idle;
        PoolStats {
            max: self.pool.options().get_max_connections(),
            open,
            in_use,
            // A call holds at most one connection: those running without one
            // wait for it (or are between two statements).
            waiting: self.calls.load(Ordering::Relaxed).saturating_sub(in_use),
        }
    }

    async fn ingest_freshness(&self) -> Result<IngestFreshness> {
        self.db().ingest_freshness().await
    }

    async fn changes_after(&self, after: i64, limit: i64) -> Result<Vec<Change>> {
        self.db().changes_after(after, limit).await
    }

    async fn last_change(&self) -> Result<i64> {
        self.db().last_change().await
    }

    async fn prune_changes(&self, before: Timestamp) -> Result<u64> {
        self.db().prune_changes(before).await
    }

    async fn list_all_articles(&self, limit: i64, offset: i64) -> Result<Vec<AdminArticle>> {
        self.db().list_all_articles(limit, offset).await
    }

    async fn add_user(
        &self,
        name: &str,
        password_hash: &str,
        role: UserRole,
        now: Timestamp,
    ) -> Result<User> {
        self.db().add_user(name, password_hash, role, now).await
    }

    async fn user_by_name(&self, name: &str) -> Result<Option<User>> {
        self.db().user_by_name(name).await
    }

    async fn list_users(&self) -> Result<Vec<User>> {
        self.db().list_users().await
    }

    async fn remove_user(&self, name: &str) -> Result<bool> {
        self.db().remove_user(name).await
    }

    async fn create_session(&self, s: &Session) -> Result<()> {
        self.db().create_session(s).await
    }

    async fn session_user(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<(Session, User)>> {
        self.db().session_user(token_hash, now).await
    }

    async fn delete_session(&self, token_hash: &str) -> Result<bool> {
        self.db().delete_session(token_hash).await
    }

    async fn delete_expired_sessions(&self, now: Timestamp) -> Result<u64> {
        self.db().delete_expired_sessions(now).await
    }

    async fn append_audit(&self, entry: &NewAudit<'_>) -> Result<i64> {
        self.db().append_audit(entry).await
    }

    async fn list_audit(&self, q: &AuditQuery) -> Result<Vec<AuditEntry>> {
        self.db().list_audit(q).await
    }

    async fn prune_audit(&self, before: Timestamp) -> Result<u64> {
        self.db().prune_audit(before).await
    }

    async fn export_rows(
        &self,
        table: Table,
        after: Option<&serde_json::Value>,
        limit: i64,
    ) -> Result<Vec<serde_json::Value>> {
        self.db().export_rows(table, after, limit).await
    }

    async fn import_rows(&self, table: Table, rows: &[serde_json::Value]) -> Result<u64> {
        self.db().import_rows(table, rows).await
    }

    async fn clear_all(&self) -> Result<()> {
        self.db().clear_all().await
    }
}
