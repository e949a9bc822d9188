//! Values the store hands back and takes in, beyond the core domain types.

use newsroom_core::{
    Article, ArticleAddress, ArticleId, IngestState, NewArticle, PublicUrl, SectionId, SourceId,
    StoryId, Timestamp,
};
use serde::Serialize;

/// What a list (latest news, section page, most read) needs of an article: no body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArticleCard {
    pub id: ArticleId,
    pub title: String,
    pub summary: String,
    pub published_at: Timestamp,
    pub views: i64,
    pub video: bool,
    pub image_url: Option<PublicUrl>,
    pub source_id: SourceId,
    pub source_name: String,
    pub section_id: Option<SectionId>,
    pub story_id: Option<StoryId>,
    /// The outlet's own page, for "read the original" links in story coverage.
    pub original_url: String,
}

/// How far a story reaches: its published articles and the distinct outlets
/// behind them, its lead, and where it stands in its thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StoryReach {
    pub story: StoryId,
    pub articles: i64,
    pub sources: i64,
    /// The story's lead: its earliest published article (ties to the lower
    /// id). Every page and answer that shows the story shows this article.
    pub lead: ArticleId,
    /// When the lead was published.
    pub first_published: Timestamp,
    /// The thread the story belongs to (the id of the thread's first story).
    pub thread: StoryId,
    /// The earliest published article of the whole thread: before
    /// `first_published` when the thread began with an earlier story.
    pub thread_first_published: Timestamp,
}

impl StoryReach {
    /// The story continues a thread that began before it ("developing").
    pub fn developing(&self) -> bool {
        self.thread_first_published < self.first_published
    }
}

/// One story of a thread with its published articles, oldest first (the
/// first is the story's lead).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ThreadStory {
    pub story: StoryId,
    pub articles: Vec<ArticleCard>,
}

impl ThreadStory {
    pub fn lead(&self) -> &ArticleCard {
        &self.articles[0]
    }
}

/// One line of the most-read list grouped by story: the story's most-read
/// member (or a lone article) and the views of the whole group since `since`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RankedCard {
    pub card: ArticleCard,
    pub recent_views: i64,
}

/// One sitemap file's worth of published articles: those with ids in
/// `(index - 1) * size + 1 ..= index * size` for the range size asked for.
/// Ranges by id keep each file's contents put as new articles arrive, so
/// crawlers only refetch the files whose `last_modified` moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct IdRange {
    /// From 1.
    pub index: i64,
    pub articles: i64,
    /// The latest `updated_at` among them.
    pub last_modified: Timestamp,
}

/// What a sitemap needs of an article: enough to build its address, and its times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArticleLink {
    pub id: ArticleId,
    pub title: String,
    pub published_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Which articles a list shows. Hidden articles are never listed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    pub section: Option<SectionId>,
    pub source: Option<SourceId>,
    pub limit: i64,
    pub offset: i64,
}

/// A batch entry of counted views: `n` views of `article` in the UTC hour starting at `hour * 3600`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ViewDelta {
    pub article: ArticleId,
    pub hour: i64,
    pub n: i64,
}

/// A view one node counted: which visitor (a keyed hash that rotates daily),
/// which article, when. Sent with the node's flush, so the store can count
/// each visitor once across every node (`Store::claim_visits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Visit {
    pub visitor: i64,
    pub article: ArticleId,
    pub at: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpsertKind {
    Inserted,
    /// Seen before with different content; the stored article now carries the new content.
    Updated,
    Unchanged,
    /// Hidden or deleted earlier: kept out on purpose.
    Suppressed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpsertOutcome {
    /// `None` only when a deleted article was suppressed.
    pub id: Option<ArticleId>,
    pub kind: UpsertKind,
}

/// One way to find a stored article (`Store::find_article`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArticleLookup {
    /// An address it has had (see `ArticleAddress`).
    Address(ArticleAddress),
    /// Its canonical URL, for articles stored before addresses were remembered.
    CanonicalUrl(String),
}

/// One article of a batch (`Store::store_articles`) and what ingestion
/// remembers of it, written with it when it is stored (not suppressed).
#[derive(Debug, Clone)]
pub struct ArticleWrite {
    pub article: NewArticle,
    /// An address another article already holds stays theirs.
    pub addresses: Vec<ArticleAddress>,
    /// `None` leaves the stored state as it is.
    pub state: Option<IngestState>,
}

/// A unit of background work, held by at most one worker at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub key: String,
    pub kind: String,
    pub due_at: Timestamp,
    pub lease_owner: Option<String>,
    pub lease_until: Option<Timestamp>,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub payload: Option<String>,
}

/// A source with the number of articles it has contributed (for `source list`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceStats {
    pub source: newsroom_core::Source,
    pub article_count: i64,
}

/// A stored body that has no seal of the current sanitiser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsealedBody {
    pub id: ArticleId,
    pub html: String,
    pub text: String,
}

/// A body sanitised and sealed, to store in place of `old_html`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedBody {
    pub id: ArticleId,
    pub old_html: String,
    pub html: String,
    pub seal: String,
}

/// Row counts per table, for `newsroom copy` verification and emptiness checks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TableCounts {
    pub sections: i64,
    pub sources: i64,
    pub articles: i64,
    pub stories: i64,
    /// What ingestion remembers of articles (migration 0005): their addresses and state.
    pub article_addresses: i64,
    pub article_ingest_state: i64,
    pub article_views_hourly: i64,
    /// Articles read at least once: the rows of their view totals (migration 0023).
    pub article_views: i64,
    pub tombstones: i64,
    pub jobs: i64,
    pub meta: i64,
    /// Sum of the articles' view totals: copying must keep every counted view.
    pub total_views: i64,
    /// Each source's fetch history (migration 0013): its last fetches and
    /// their hourly roll-up.
    pub source_fetches: i64,
    pub source_fetch_hours: i64,
    /// The audit log (migration 0014).
    pub audit_log: i64,
    /// The site's hourly activity (migration 0018).
    pub site_hours: i64,
}

impl TableCounts {
    pub fn is_empty_site(&self) -> bool {
        self.sections == 0 && self.sources == 0 && self.articles == 0
    }
}

/// An article of any status, for the admin area's list (public lists never
/// show hidden ones).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminArticle {
    pub card: ArticleCard,
    pub status: newsroom_core::ArticleStatus,
}

/// What an account may do in the admin area: editors hide and unhide
/// articles; admins also manage sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UserRole {
    Admin,
    Editor,
}

impl UserRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Editor => "editor",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "admin" => Some(Self::Admin),
            "editor" => Some(Self::Editor),
            _ => None,
        }
    }
}

/// An admin area account.
#[derive(Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub name: String,
    /// A PHC string (argon2id); never the password itself.
    pub password_hash: String,
    pub role: UserRole,
    pub created_at: Timestamp,
}

/// Leaves the hash out, so a logged `User` gives nothing to crack offline.
impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("role", &self.role)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

/// A signed-in browser. The browser holds the token; the store only its hash.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    /// Hex of a hash of the cookie's token.
    pub token_hash: String,
    pub user_id: i64,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    /// What every form of this session must carry back.
    pub csrf_secret: String,
}

/// Leaves the CSRF secret out of logs.
impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("user_id", &self.user_id)
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// A write that cached pages may show (table `cache_changes`): `topic` is
/// `article`, `story`, `section` or `source` with that row's id as `key`, or
/// `views` (a view batch was applied; key 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub id: i64,
    pub topic: String,
    pub key: i64,
}

/// One row of the audit log: `actor` did `action` to the object
/// (`object_kind`, `object_id`) at `at`; `before` and `after` are the
/// object as it was and as it became (`None` where there was none).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: Timestamp,
    pub actor: String,
    pub action: String,
    pub object_kind: String,
    pub object_id: i64,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// What to append to the audit log (see [`AuditEntry`]).
#[derive(Debug, Clone, PartialEq)]
pub struct NewAudit<'a> {
    pub at: Timestamp,
    pub actor: &'a str,
    pub action: &'a str,
    pub object_kind: &'a str,
    pub object_id: i64,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// Which audit rows to list: every filter given must match; newest first,
/// at most `limit`, and only rows older than `before_id` when it is given
/// (the next page after a row).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub object_kind: Option<String>,
    pub object_id: Option<i64>,
    pub before_id: Option<i64>,
    pub limit: i64,
}

impl AuditQuery {
    /// Filters by object, written `KIND` or `KIND:ID` (`story:12`).
    pub fn object(mut self, object: &str) -> crate::Result<Self> {
        let (kind, id) = match object.split_once(':') {
            None => (object, None),
            Some((kind, id)) => (
                kind,
                Some(id.trim().parse::<i64>().map_err(|_| {
                    crate::StoreError::Invalid(format!(
                        "object {object:?}: write KIND or KIND:ID, the id a number"
                    ))
                })?),
            ),
        };
        self.object_kind = Some(kind.trim().to_string());
        self.object_id = id;
        Ok(self)
    }
}

impl AuditEntry {
    /// The change in one line: the fields that differ between before and
    /// after, `key: old → new`; the whole object where only one side exists.
    pub fn change(&self) -> String {
        use serde_json::Value;
        let short = |v: &Value| {
            let s = v.to_string();
            if s.chars().count() > 60 {
                format!("{}…", s.chars().take(59).collect::<String>())
            } else {
                s
            }
        };
        match (&self.before, &self.after) {
            (Some(Value::Object(b)), Some(Value::Object(a))) => {
                let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
                keys.sort();
                keys.dedup();
                keys.into_iter()
                    .filter(|k| b.get(*k) != a.get(*k))
                    .map(|k| {
                        let side = |v: Option<&Value>| v.map(short).unwrap_or_else(|| "-".into());
                        format!("{k}: {} → {}", side(b.get(k)), side(a.get(k)))
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            }
            (None, Some(a)) => format!("+ {}", short(a)),
            (Some(b), None) => format!("- {}", short(b)),
            (Some(b), Some(a)) => format!("{} → {}", short(b), short(a)),
            (None, None) => String::new(),
        }
    }
}

impl<'a> NewAudit<'a> {
    /// A row with neither before nor after yet.
    pub fn new(
        actor: &'a str,
        action: &'a str,
        object_kind: &'a str,
        object_id: i64,
        at: Timestamp,
    ) -> Self {
        NewAudit {
            at,
            actor,
            action,
            object_kind,
            object_id,
            before: None,
            after: None,
        }
    }

    /// The object as it was (`None`: it did not exist).
    pub fn before<T: Serialize>(mut self, v: Option<&T>) -> Self {
        self.before = v.map(snapshot);
        self
    }

    /// The object as it became (`None`: it no longer exists).
    pub fn after<T: Serialize>(mut self, v: Option<&T>) -> Self {
        self.after = v.map(snapshot);
        self
    }
}

/// Our own types always serialise; a failure would be a bug, recorded
/// as such rather than losing the row.
fn snapshot<T: Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v)
        .unwrap_or_else(|e| serde_json::json!({ "unserialisable": e.to_string() }))
}

/// The connection pool at one moment (see `Store::pool_stats`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PoolStats {
    /// `database.max_connections` (1 for an in-memory SQLite database).
    pub max: u32,
    /// Connections open, idle or in use.
    pub open: u32,
    pub in_use: u32,
    /// Store calls running without a connection: waiting for one (or
    /// between two statements of one call).
    pub waiting: u32,
}

/// How current ingestion is, from the sources' health (see `Store::ingest_freshness`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct IngestFreshness {
    /// The latest successful fetch of any source; `None` before the first.
    pub last_success_at: Option<Timestamp>,
    /// Enabled sources whose last fetch failed (`Source::health_label` "failing").
    pub failing_sources: i64,
    pub enabled_sources: i64,
}

/// How one poll of a source's feed ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FetchResult {
    /// Read and parsed.
    Ok,
    /// 304: nothing new since the validators sent.
    NotModified,
    /// See the record's error class and message.
    Failed,
}

impl FetchResult {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::NotModified => "not_modified",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Ok, Self::NotModified, Self::Failed]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// One poll of a source's feed, as its admin page lists it (see `Store::record_fetch`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FetchRecord {
    pub source_id: SourceId,
    pub fetched_at: Timestamp,
    /// The feed's HTTP status; `None` when no answer came (DNS, connect, timeout).
    pub status: Option<i64>,
    pub result: FetchResult,
    /// How long the feed request took, in milliseconds.
    pub duration_ms: i64,
    /// `FetchErrorClass::as_str` of a failure.
    pub error_class: Option<String>,
    pub error: Option<String>,
    /// Items the feed held, and of them, articles stored new and updated.
    pub items: i64,
    pub inserted: i64,
    pub updated: i64,
}

impl FetchRecord {
    /// What the hourly roll-up counts this fetch under: `ok`,
    /// `not_modified` or the error class.
    pub fn rollup_key(&self) -> &str {
        match (self.result, &self.error_class) {
            (FetchResult::Failed, Some(class)) => class,
            (r, _) => r.as_str(),
        }
    }
}

/// A source's fetches within one hour that ended the same way (`result`:
/// `ok`, `not_modified` or an error class), for charts over days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FetchHour {
    /// The hour's start, UTC seconds.
    pub hour: Timestamp,
    pub result: String,
    pub fetches: i64,
    pub total_ms: i64,
    pub max_ms: i64,
}

/// A count at a time (the start of its day or hour), for charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CountAt {
    pub at: Timestamp,
    pub n: i64,
}

/// The site's activity in one hour, for the dashboard's charts: articles
/// ingestion stored new and updated, and the clustering lag samples taken
/// in it (how long the oldest article not yet filed into a story had
/// waited since its fetch, in seconds: their count, sum and largest).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SiteHour {
    /// The hour's start, UTC seconds.
    pub hour: Timestamp,
    pub stored: i64,
    pub updated: i64,
    pub lag_samples: i64,
    pub lag_total: i64,
    pub lag_max: i64,
}

/// One article with what its page shows beside it, read at once
/// (`Store::article_page`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticlePage {
    pub article: Article,
    /// Its outlet's name ("" when its source is gone).
    pub source_name: String,
    pub story: Option<StoryId>,
    /// An editor hid its story: the page answers as a hidden article's does.
    pub story_hidden: bool,
}

/// An article filed under a story, whatever its status: what the story's
/// block on an article page counts (`Store::story_members`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StoryMember {
    pub id: ArticleId,
    pub source: SourceId,
    pub published: bool,
}
