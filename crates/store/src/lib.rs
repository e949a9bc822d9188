#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod conformance;
pub mod copy;
pub mod error;
mod memory;
pub mod model;
pub mod postgres;
mod rows;
pub mod search;
pub mod sql;
pub mod sqlite;
mod store;
pub mod table;
pub mod testdb;
mod upsert;

pub use copy::{CopyProgress, copy_site};
pub use error::{Result, StoreError, redact_url};
pub use model::{
    AdminArticle, ArticleCard, ArticleLink, IdRange, Job, ListQuery, RankedCard, Session,
    SourceStats, StoryReach, TableCounts, UpsertKind, UpsertOutcome, User, UserRole, ViewDelta,
};
pub use postgres::PgStore;
pub use search::{SearchResults, SearchTerms};
pub use sqlite::SqliteStore;
pub use store::Store;
pub use table::Table;

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

/// Folds a batch so each (article, hour) is written once, in a fixed order:
/// fewer statements, and concurrent flushes from several nodes lock rows in
/// the same order, so they cannot deadlock.
pub fn merge_deltas(batch: &[ViewDelta]) -> Vec<ViewDelta> {
    let mut map: std::collections::BTreeMap<(newsroom_core::ArticleId, i64), i64> =
        Default::default();
    for d in batch {
        if d.n != 0 {
            *map.entry((d.article, d.hour)).or_default() += d.n;
        }
    }
    map.into_iter()
        .filter(|(_, n)| *n != 0)
        .map(|((article, hour), n)| ViewDelta { article, hour, n })
        .collect()
}
