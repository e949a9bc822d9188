#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod articles;
mod audit;
mod batch;
mod changes;
mod claims_log;
#[cfg(feature = "testkit")]
pub mod conformance;
pub mod copy;
pub mod db_url;
mod desk;
mod dialect;
mod direct;
pub mod error;
mod fetches;
pub mod filing;
mod history;
mod jobs;
mod known;
mod listed;
mod memory;
mod meta;
pub mod metrics;
pub mod model;
pub mod moderation;
pub mod postgres;
pub mod reasons;
mod rows;
#[cfg(feature = "testkit")]
pub mod samples;
mod seals;
pub mod search;
mod sections;
mod sources;
mod sql_store;
pub mod sqlite;
mod stems;
mod store;
mod stories;
pub mod table;
#[cfg(feature = "testkit")]
pub mod testdb;
mod upsert;
mod users;
mod views;
mod visits;
mod write_tx;

pub use copy::{CopyProgress, copy_site};
pub use db_url::{Redacted, redact_url};
pub use error::{Result, StoreError};
pub use fetches::{FETCH_HOURS_KEPT, FETCHES_KEPT, hour_of};
pub use filing::{Filing, FilingStory, StoryRef};
pub use history::SITE_HOURS_KEPT;
pub use model::{
    AdminArticle, ArticleCard, ArticleLink, ArticleLookup, ArticlePage, ArticleWrite, AuditEntry,
    AuditQuery, Change, CountAt, FetchHour, FetchRecord, FetchResult, IdRange, IngestFreshness,
    Job, ListQuery, NewAudit, PoolStats, RankedCard, SealedBody, Session, SiteHour, SourceStats,
    StoryMember, StoryReach, TableCounts, ThreadStory, UnsealedBody, UpsertKind, UpsertOutcome,
    User, UserRole, ViewDelta, Visit,
};
pub use postgres::PgStore;
pub use reasons::{CLUSTERER, ReasonKind, StoryReason};
pub use search::{SearchResults, SearchTerms};
pub use sql_store::SqlStore;
pub use sqlite::SqliteStore;
pub use store::Store;
pub use table::Table;
pub use views::merge_deltas;

use std::sync::Arc;
use std::time::Duration;

/// Connection pool settings, from the `[database]` config section.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl Default for PoolConfig {
    fn default() -> Self {
        Self {
            max_connections: 8,
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

/// Which backend a database URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Result<Backend> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl(redact_url(url)))
        }
    }
}

/// Opens the database the URL names and runs its migrations.
pub async fn open(url: &str, cfg: &PoolConfig) -> Result<Arc<dyn Store>> {
    match Backend::of_url(url)? {
        Backend::Sqlite => Ok(Arc::new(SqliteStore::open(url, cfg).await?)),
        Backend::Postgres => Ok(Arc::new(PgStore::open(url, cfg).await?)),
    }
}

/// What `open_with_retry` tells its caller before it waits and tries again.
#[derive(Debug)]
pub struct OpenRetry<'a> {
    /// The attempt that just failed, from 1.
    pub attempt: u32,
    pub error: &'a StoreError,
    pub retry_in: Duration,
}

/// Opens like [`open`], but while a PostgreSQL server cannot be reached (not
/// started yet, restarting, network not up) tries again with growing pauses
/// for up to `max_wait`, telling `on_retry` before each pause. Errors that
/// waiting cannot fix (bad password, missing database, bad URL, a failed
/// migration) return at once. This is what `serve` calls at start.
pub async fn open_with_retry(
    url: &str,
    cfg: &PoolConfig,
    max_wait: Duration,
    mut on_retry: impl FnMut(&OpenRetry<'_>) + Send,
) -> Result<Arc<dyn Store>> {
    if Backend::of_url(url)? == Backend::Sqlite {
        return open(url, cfg).await;
    }
    let start = std::time::Instant::now();
    let mut delay = Duration::from_millis(250);
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        match PgStore::try_open(url, cfg).await {
            Ok(store) => return Ok(Arc::new(store)),
            Err(f) if f.retryable && start.elapsed() + delay <= max_wait => {
                on_retry(&OpenRetry {
                    attempt,
                    error: &f.error,
                    retry_in: delay,
                });
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
            Err(f) if f.retryable && attempt > 1 => {
                return Err(match f.error {
                    StoreError::Open { url, reason } => StoreError::Open {
                        url,
                        reason: format!(
                            "{reason} (gave up after {attempt} attempts over {:.0?})",
                            start.elapsed()
                        ),
                    },
                    other => other,
                });
            }
            Err(f) => return Err(f.error),
        }
    }
}
