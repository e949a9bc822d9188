//! Store errors. Connection failures carry the URL with its password redacted,
//! so they can be shown to an operator as they are.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error(
        "unsupported database URL {0:?}: expected sqlite://PATH, sqlite::memory: or postgres://..."
    )]
    UnsupportedUrl(String),
    #[error("cannot open database {url}: {reason}")]
    Open { url: String, reason: String },
    #[error("migrating database {url} failed: {source}")]
    Migrate {
        url: String,
        #[source]
        source: sqlx::migrate::MigrateError,
    },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("conflict: {0}")]
    Conflict(String),
    /// A request the store refuses as it stands (e.g. merging a story into itself).
    #[error("{0}")]
    Invalid(String),
    #[error("invalid stored data: {0}")]
    Corrupt(String),
    /// A read on the caller's thread (`direct`) failed.
    #[error("database error: {0}")]
    Direct(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

pub use crate::db_url::redact_url;
