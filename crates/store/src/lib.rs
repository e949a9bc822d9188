#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod conformance;
pub mod error;
pub mod model;
mod rows;
pub mod sql;
pub mod sqlite;
mod store;
mod upsert;

pub use error::{Result, StoreError, redact_url};
pub use model::{
    ArticleCard, Job, ListQuery, SourceStats, TableCounts, UpsertKind, UpsertOutcome, ViewDelta,
};
pub use sqlite::SqliteStore;
pub use store::Store;

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
        Backend::Postgres => Err(StoreError::Open {
            url: redact_url(url),
            reason: "this build has no PostgreSQL backend yet".into(),
        }),
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
