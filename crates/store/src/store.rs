//! The `Store` trait: everything newsroom keeps, behind one interface that
//! SQLite and PostgreSQL both implement and the conformance suite checks.

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
use crate::table::Table;
use async_trait::async_trait;
use newsroom_core::{
    Article, ArticleAddress, ArticleId, ArticleStatus, IngestState, NewArticle, NewSection,
    NewSource, Section, SectionId, Source, SourceHealth, SourceId, SourceSettings, Story, StoryId,
    Timestamp,
};

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// "sqlite" or "postgres".
    fn backend(&self) -> &'static str;

    /// A cheap round trip, for the health endpoint.
    async fn ping(&self) -> Result<()>;
    /// Copies the pages SQLite's write-ahead log holds into the database
    /// without waiting for any reader or writer (a PASSIVE checkpoint).
    /// Otherwise the commit that finds the log past 1,000 pages does it
    /// itself, two fsyncs included, holding the write turn; a caller with
    /// many commits to make runs this beside them so that commits seldom do.
    /// Nothing to do on PostgreSQL.
    async fn checkpoint(&self) -> Result<()>;

    // --- sections ---
    /// Creates the section, or updates name and position of the one with the same slug.
    async fn upsert_section(&self, s: &NewSection) -> Result<Section>;
    async fn list_sections(&self) -> Result<Vec<Section>>;
    async fn section_by_slug(&self, slug: &str) -> Result<Option<Section>>;

    // --- sources ---
    async fn add_source(&self, s: &NewSource, now: Timestamp) -> Result<Source>;
    async fn get_source(&self, id: SourceId) -> Result<Option<Source>>;
    async fn source_by_feed_url(&self, feed_url: &str) -> Result<Option<Source>>;
    async fn list_sources(&self) -> Result<Vec<SourceStats>>;
    async fn set_source_enabled(&self, id: SourceId, enabled: bool) -> Result<bool>;
    async fn set_source_name(&self, id: SourceId, name: &str) -> Result<bool>;
    /// Moves a source to a new feed URL (the feed answered with a permanent
    /// redirect). `Conflict` when another source already has that URL.
    async fn set_source_feed_url(&self, id: SourceId, feed_url: &str) -> Result<bool>;
    /// Removes the source and its articles (their view history stays).
    async fn delete_source(&self, id: SourceId) -> Result<bool>;
    async fn update_source_health(&self, id: SourceId, health: &SourceHealth) -> Result<()>;
    /// Records one poll of a source's feed: kept one by one (the last
    /// `FETCHES_KEPT`, older ones pruned) and in the hourly roll-up (for
    /// `FETCH_HOURS_KEPT`). Removing the source removes its history.
    async fn record_fetch(&self, fetch: &FetchRecord) -> Result<()>;
    /// Several sources' new health (as `update_source_health`) and fetch
    /// records (as `record_fetch`) in one write transaction, all or none.
    async fn record_polls(
        &self,
        healths: &[(SourceId, SourceHealth)],
        fetches: &[FetchRecord],
    ) -> Result<()>;
    /// The source's last `limit` recorded fetches, newest first.
    async fn source_fetches(&self, id: SourceId, limit: i64) -> Result<Vec<FetchRecord>>;
    /// The source's hourly roll-up from the hour of `since` on, oldest first.
    async fn source_fetch_hours(&self, id: SourceId, since: Timestamp) -> Result<Vec<FetchHour>>;
    /// Section, full-text policy, poll bounds and enabled, at once (checked
    /// by the caller: `PollBounds::new`, an existing section); false when
    /// there is no such source.
    async fn update_source_settings(&self, id: SourceId, settings: &SourceSettings)
    -> Result<bool>;
    /// The source's articles per UTC day of publication, from the day of
    /// `since` on, oldest first; days without any are left out.
    async fn source_articles_per_day(&self, id: SourceId, since: Timestamp)
    -> Result<Vec<CountAt>>;
    /// Views counted on the whole site per hour from `since` on, oldest
    /// first; hours without any are left out.
    async fn views_per_hour(&self, since: Timestamp) -> Result<Vec<CountAt>>;
    /// The article's views per hour from `since` on, oldest first; hours
    /// without any are left out.
    async fn article_views_per_hour(&self, id: ArticleId, since: Timestamp)
    -> Result<Vec<CountAt>>;
    /// The same summed over the articles filed under the story now.
    async fn story_views_per_hour(&self, id: StoryId, since: Timestamp) -> Result<Vec<CountAt>>;
    /// Adds one sample of the clustering lag (seconds; how long the oldest
    /// article not yet filed had waited) to the hour of `at`, and prunes
    /// the site's hourly activity older than `SITE_HOURS_KEPT`.
    async fn record_cluster_lag(&self, at: Timestamp, lag_secs: i64) -> Result<()>;
    /// The site's hourly activity from the hour of `since` on, oldest first:
    /// articles stored and updated (counted by `upsert_article`) and the
    /// clustering lag samples. Hours with neither are left out.
    async fn site_hours(&self, since: Timestamp) -> Result<Vec<SiteHour>>;

    // --- articles ---
    /// Inserts, or updates the article with the same (source, guid) or canonical URL.
    /// Content changes set `updated_at = now`; hidden or deleted articles are not revived.
    /// A new or updated article counts in the site's activity of the hour of `now`.
    async fn upsert_article(&self, a: &NewArticle, now: Timestamp) -> Result<UpsertOutcome>;
    /// `upsert_article` for each article of `batch`, in order, and for each
    /// one stored (not suppressed) its addresses and state remembered: all in
    /// one write transaction, so either all of it is written or, on an
    /// error, none of it. Returns the outcomes in the batch's order.
    async fn store_articles(
        &self,
        batch: &[ArticleWrite],
        now: Timestamp,
    ) -> Result<Vec<UpsertOutcome>>;
    async fn get_article(&self, id: ArticleId) -> Result<Option<Article>>;
    async fn article_by_canonical_url(&self, url: &str) -> Result<Option<Article>>;
    /// The article an address belongs to (see `ArticleAddress`: a GUID within its source,
    /// or a canonical URL).
    async fn article_by_address(&self, address: &ArticleAddress) -> Result<Option<ArticleId>>;
    /// Remembers addresses for an article; one another article already holds stays theirs.
    async fn add_article_addresses(
        &self,
        id: ArticleId,
        addresses: &[ArticleAddress],
    ) -> Result<()>;
    async fn ingest_state(&self, id: ArticleId) -> Result<Option<IngestState>>;
    /// The article the first of `lookups` that finds one finds, with its
    /// ingest state (`None` when none was kept): one statement for all.
    async fn find_article(
        &self,
        lookups: &[ArticleLookup],
    ) -> Result<Option<(Article, Option<IngestState>)>>;
    async fn set_ingest_state(&self, id: ArticleId, state: &IngestState) -> Result<()>;
    /// Published articles, newest first.
    async fn list_articles(&self, q: &ListQuery) -> Result<Vec<ArticleCard>>;
    async fn count_articles(&self, q: &ListQuery) -> Result<i64>;
    /// Published articles matching `terms`, best match first (title over
    /// summary over body, newer over older among equals), with how many
    /// match in all. Empty terms match nothing.
    async fn search_articles(
        &self,
        terms: &SearchTerms,
        section: Option<SectionId>,
        limit: i64,
        offset: i64,
    ) -> Result<SearchResults>;
    /// Published articles counted per id range of `size` (see [`IdRange`]),
    /// lowest range first; ranges with no published article are left out.
    async fn article_id_ranges(&self, size: i64) -> Result<Vec<IdRange>>;
    /// Published articles with ids in `first..=last`, lowest id first.
    async fn article_links(&self, first: ArticleId, last: ArticleId) -> Result<Vec<ArticleLink>>;
    /// Published articles by views counted since `since`, most first.
    async fn most_read(&self, since: Timestamp, limit: i64) -> Result<Vec<ArticleCard>>;
    async fn set_article_status(
        &self,
        id: ArticleId,
        status: ArticleStatus,
        now: Timestamp,
    ) -> Result<bool>;
    /// Deletes the article and leaves a tombstone so ingestion never brings it back.
    async fn delete_article(&self, id: ArticleId, now: Timestamp) -> Result<bool>;
    /// Deletes published articles of `section` older than `before` (retention); returns how many.
    async fn delete_articles_before(
        &self,
        section: Option<SectionId>,
        before: Timestamp,
        now: Timestamp,
    ) -> Result<u64>;
    /// Current stored view totals for many articles at once.
    async fn article_views(&self, ids: &[ArticleId]) -> Result<Vec<(ArticleId, i64)>>;
    /// The article with what its page shows beside it (its outlet's name,
    /// its story, whether an editor hid that story), in one indexed read;
    /// `None` for an unknown id, whatever the article's status.
    async fn article_page(&self, id: ArticleId) -> Result<Option<ArticlePage>>;

    // --- view counts ---
    /// Adds every delta atomically (one transaction): totals and hourly buckets.
    /// Deltas for unknown articles are dropped. Safe to run concurrently from many nodes.
    async fn add_views(&self, batch: &[ViewDelta]) -> Result<()>;
    /// `add_views` at most once per `batch_id`, in the same transaction that
    /// records the id. Returns false, adding nothing, when that id was applied
    /// before: a flush retried after its commit's reply was lost, or a spooled
    /// batch replayed. Ids are remembered for 30 days.
    async fn add_views_once(
        &self,
        batch_id: &str,
        batch: &[ViewDelta],
        now: Timestamp,
    ) -> Result<bool>;

    /// Of the `visits` flush `batch_id` brings, those that count: the
    /// visitor was not counted for that article within `window` seconds
    /// before, by any node. Recorded as it answers, so two nodes never both
    /// count one visit; asked again for the same batch (a retry), it gives
    /// the same answer. Records a window old are forgotten.
    async fn claim_visits(
        &self,
        batch_id: &str,
        visits: &[Visit],
        window: i64,
        now: Timestamp,
    ) -> Result<Vec<Visit>>;

    // --- stories ---
    async fn create_story(&self, lead: ArticleId, now: Timestamp) -> Result<StoryId>;
    /// Puts the article into the story and refreshes the story's size, lead and times.
    async fn assign_story(&self, article: ArticleId, story: StoryId, now: Timestamp) -> Result<()>;
    /// Files a clustering batch: each article into a new story or a named
    /// one (as `create_story_in_thread` and `assign_story`), with its
    /// reason, in one write transaction, all or none. A filing may name a
    /// story an earlier one of the batch opens. Returns each filing's story.
    async fn file_articles(&self, filings: &[Filing], now: Timestamp) -> Result<Vec<StoryId>>;
    async fn get_story(&self, id: StoryId) -> Result<Option<Story>>;
    /// Member articles in time order, oldest first.
    async fn story_articles(&self, id: StoryId) -> Result<Vec<ArticleCard>>;
    /// Published articles with ids above `after` (all when `None`), lowest id
    /// first: what the clusterer has not seen yet.
    async fn articles_after(&self, after: Option<ArticleId>, limit: i64) -> Result<Vec<Article>>;
    /// The story the article belongs to, if any (`None` also for an unknown article).
    async fn article_story(&self, id: ArticleId) -> Result<Option<StoryId>>;
    /// Published size and distinct sources of each listed story that has
    /// published members, in story id order.
    async fn story_reach(&self, ids: &[StoryId]) -> Result<Vec<StoryReach>>;
    /// Like `most_read`, but one line per story: its members' views since
    /// `since` are summed, and its most-read member represents it.
    async fn most_read_by_story(&self, since: Timestamp, limit: i64) -> Result<Vec<RankedCard>>;
    /// Like `create_story`, but the story joins the thread of `thread` (any
    /// story of that thread); an unknown story makes it a thread of its own.
    /// `create_story` opens a new thread.
    async fn create_story_in_thread(
        &self,
        lead: ArticleId,
        thread: StoryId,
        now: Timestamp,
    ) -> Result<StoryId>;
    /// Up to `limit` stories of the thread `thread`, newest first, each with
    /// its published articles oldest first; stories with none are left out.
    async fn thread_stories(&self, thread: StoryId, limit: i64) -> Result<Vec<ThreadStory>>;
    /// The published articles among `ids`, in the order asked (hidden and
    /// unknown ids are left out).
    async fn article_cards(&self, ids: &[ArticleId]) -> Result<Vec<ArticleCard>>;
    /// Every article filed under the story, whatever its status, with its
    /// source, in id order: what the story's block on an article page
    /// counts. Read from an index alone (migration 0021).
    async fn story_members(&self, id: StoryId) -> Result<Vec<StoryMember>>;
    /// The stories the articles are filed under, whatever their status,
    /// each once, in id order (unknown ids and articles in no story add
    /// none): which story blocks and pages an article's change touches.
    async fn article_stories(&self, ids: &[ArticleId]) -> Result<Vec<StoryId>>;
    /// Every article of `others` joins `target`; the others stay as
    /// redirects to it (`Story::merged_into`), and articles the clusterer
    /// files under them later land in `target`. Rules and audit: `moderation`.
    /// Each moved article's reason becomes "merged from its story by `by`".
    async fn merge_stories(
        &self,
        target: StoryId,
        others: &[StoryId],
        by: &str,
        now: Timestamp,
    ) -> Result<()>;
    /// The articles leave their stories for a new story of their own (a
    /// thread of its own) and stay there whatever the clusterer decides;
    /// their reason becomes "split out by `by`".
    async fn split_articles(
        &self,
        articles: &[ArticleId],
        by: &str,
        now: Timestamp,
    ) -> Result<StoryId>;
    /// Pins the story until `until` (`None` unpins); false for an unknown story.
    async fn set_story_pin(&self, id: StoryId, until: Option<Timestamp>) -> Result<bool>;
    /// The editor's title (`None`: the lead's again).
    async fn set_story_title(&self, id: StoryId, title: Option<&str>) -> Result<bool>;
    /// The editor's lead, which must be a member (`Invalid` otherwise);
    /// `None` goes back to the earliest member.
    async fn set_story_lead(
        &self,
        id: StoryId,
        lead: Option<ArticleId>,
        now: Timestamp,
    ) -> Result<bool>;
    async fn set_story_hidden(&self, id: StoryId, hidden: bool) -> Result<bool>;
    /// Stories pinned at `now` (not hidden, not merged away), one card each:
    /// its newest published member, in `section` when one is given, with
    /// the time the pin ends; the most recently active first, at most `limit`.
    async fn pinned_cards(
        &self,
        now: Timestamp,
        section: Option<SectionId>,
        limit: i64,
    ) -> Result<Vec<(ArticleCard, Timestamp)>>;
    /// Records why the article is in its story, replacing the reason it
    /// had. The clusterer's reason ([`StoryReason::by_clusterer`]) is not
    /// written over an article an editor placed; false then, and for an
    /// unknown article.
    async fn set_story_reason(&self, article: ArticleId, reason: &StoryReason) -> Result<bool>;
    /// The reasons of the story's published members that have one, in
    /// `story_articles` order.
    async fn story_reasons(&self, story: StoryId) -> Result<Vec<(ArticleId, StoryReason)>>;

    // --- job leases ---
    /// Creates the job if it does not exist; an existing job keeps its schedule and lease.
    async fn ensure_job(
        &self,
        key: &str,
        kind: &str,
        due_at: Timestamp,
        payload: Option<&str>,
    ) -> Result<()>;
    /// Claims up to `limit` due jobs of `kind` whose lease is free or expired, for `lease_secs`.
    /// Two callers never receive the same job while its lease runs.
    async fn claim_jobs(
        &self,
        kind: &str,
        worker: &str,
        now: Timestamp,
        lease_secs: i64,
        limit: i64,
    ) -> Result<Vec<Job>>;
    /// Extends a lease the worker still holds; false if it was lost.
    async fn renew_lease(
        &self,
        key: &str,
        worker: &str,
        now: Timestamp,
        lease_secs: i64,
    ) -> Result<bool>;
    /// Finishes a job the worker holds: reschedules it at `next_due` (or deletes it when `None`)
    /// and frees the lease. False if the lease had been lost to another worker.
    async fn complete_job(
        &self,
        key: &str,
        worker: &str,
        next_due: Option<Timestamp>,
        error: Option<&str>,
    ) -> Result<bool>;
    async fn get_job(&self, key: &str) -> Result<Option<Job>>;

    // --- settings and housekeeping ---
    async fn get_meta(&self, key: &str) -> Result<Option<String>>;
    async fn set_meta(&self, key: &str, value: &str) -> Result<()>;
    /// Sets the value only if the key is absent; returns the value that is stored afterwards.
    async fn init_meta(&self, key: &str, value: &str) -> Result<String>;
    async fn table_counts(&self) -> Result<TableCounts>;
    /// Up to `limit` articles after `after`, in id order, with a body but no
    /// seal that starts with `prefix` (the sanitiser's version).
    async fn unsealed_bodies(
        &self,
        after: ArticleId,
        prefix: &str,
        limit: u32,
    ) -> Result<Vec<UnsealedBody>>;
    /// Stores each body with its seal where the stored body is still its
    /// `old_html`, in one transaction; how many were written.
    async fn seal_bodies(&self, bodies: &[SealedBody]) -> Result<u64>;
    /// The connection pool now (no database round trip), for the metrics.
    fn pool_stats(&self) -> PoolStats;
    /// When any source was last fetched successfully, and how many enabled
    /// sources are failing: one cheap query, for `/healthz`.
    async fn ingest_freshness(&self) -> Result<IngestFreshness>;

    // --- cache invalidation across nodes ---
    /// Writes cached pages may show, recorded by the database's triggers,
    /// with ids above `after`, lowest first, at most `limit`.
    async fn changes_after(&self, after: i64, limit: i64) -> Result<Vec<Change>>;
    /// The highest change id so far (0 when none): where a new node starts.
    async fn last_change(&self) -> Result<i64>;
    /// Forgets changes recorded before `before`; returns how many.
    async fn prune_changes(&self, before: Timestamp) -> Result<u64>;

    // --- admin area: articles of every status, accounts, sessions ---
    /// Articles of every status, newest first (public lists leave hidden ones out).
    async fn list_all_articles(&self, limit: i64, offset: i64) -> Result<Vec<AdminArticle>>;
    /// A new account; `Conflict` when the name is taken.
    async fn add_user(
        &self,
        name: &str,
        password_hash: &str,
        role: UserRole,
        now: Timestamp,
    ) -> Result<User>;
    async fn user_by_name(&self, name: &str) -> Result<Option<User>>;
    /// Every account, by name.
    async fn list_users(&self) -> Result<Vec<User>>;
    /// Removes the account and signs out every browser it had; false if there was none.
    async fn remove_user(&self, name: &str) -> Result<bool>;
    async fn create_session(&self, s: &Session) -> Result<()>;
    /// The session with this token hash and its user, unless it expired by `now`.
    async fn session_user(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<(Session, User)>>;
    /// Signs a browser out; false if there was no such session.
    async fn delete_session(&self, token_hash: &str) -> Result<bool>;
    /// Forgets sessions that expired by `now`; returns how many.
    async fn delete_expired_sessions(&self, now: Timestamp) -> Result<u64>;

    // --- audit log ---
    /// Appends one row to the audit log; returns its id.
    async fn append_audit(&self, entry: &NewAudit<'_>) -> Result<i64>;
    /// Audit rows matching every filter of `q`, newest first.
    async fn list_audit(&self, q: &AuditQuery) -> Result<Vec<AuditEntry>>;
    /// Deletes the rows recorded before `before`; returns how many.
    async fn prune_audit(&self, before: Timestamp) -> Result<u64>;

    // --- moving a whole site (newsroom copy) ---
    /// Up to `limit` rows of `table` as JSON objects keyed by column name, in
    /// primary-key order, starting after `after` (the last row of the previous page).
    async fn export_rows(
        &self,
        table: Table,
        after: Option<&serde_json::Value>,
        limit: i64,
    ) -> Result<Vec<serde_json::Value>>;
    /// Inserts rows as `export_rows` gives them, ids included, in one transaction.
    /// New rows created afterwards get ids past the imported ones.
    async fn import_rows(&self, table: Table, rows: &[serde_json::Value]) -> Result<u64>;
    /// Deletes every row of every table (what `copy --force` does to its target).
    async fn clear_all(&self) -> Result<()>;
}
