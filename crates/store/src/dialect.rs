//! The seam between the one store implementation and the two databases.
//!
//! Every store method is written once, in the file of its aggregate
//! (`sources`, `articles`, …), as a method of [`Db`]. Its body runs inside
//! [`with_pool!`], which compiles it once per backend against that backend's
//! concrete sqlx pool (sqlx's `Any` driver cannot carry our timestamps and
//! flags, and generic sqlx code drowns in trait bounds). Where the databases
//! really differ, the body calls one of the few [`Dialect`] hooks, which
//! `sqlite.rs` and `postgres.rs` implement.

use crate::error::StoreError;
use crate::model::ViewDelta;
use crate::search::SearchTerms;
use crate::table::Table;
use crate::write_tx::WriteTx;
use sqlx::{Database, FromRow, PgPool, SqlitePool};

/// A borrowed handle on whichever pool a store holds.
#[derive(Clone, Copy)]
pub enum Db<'a> {
    Sqlite(&'a SqlitePool),
    Postgres(&'a PgPool),
}

/// Runs `$body` with `$pool` bound to the concrete pool of `$db` (a [`Db`]).
/// It looks like a closure but is not one: the body is pasted into each
/// backend's arm, so `?`, `.await` and `return` act on the enclosing method.
macro_rules! with_pool {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::dialect::Db::Sqlite($pool) => $body,
            $crate::dialect::Db::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_pool;

/// Which writers a write transaction must keep out. SQLite has one writer at
/// a time anyway; PostgreSQL serialises the named ones on an advisory lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lock {
    /// Article upserts and deletes: an upsert's look-up and write must see the same data.
    Articles,
    /// Story creation and membership.
    Stories,
}

/// A `SELECT` over a list of ids: `{ids}` in the text stands where the
/// backend puts its list test (`IN ($1, …)` or `= ANY($1)`).
#[derive(Clone, Copy, Debug)]
pub struct IdListSql(pub &'static str);

/// The hooks where SQLite and PostgreSQL differ, implemented on each pool.
/// Only this crate calls them, always on a concrete pool, where the compiler
/// sees that the futures are `Send`.
#[allow(async_fn_in_trait)]
pub trait Dialect {
    type Db: Database;

    /// "sqlite" or "postgres".
    const NAME: &'static str;

    fn db(&self) -> Db<'_>;

    /// A transaction that writes. SQLite waits for this process's turn to
    /// write (`write_tx`), then takes its write lock up front (`BEGIN
    /// IMMEDIATE`); PostgreSQL takes `lock`, when given, as an advisory lock
    /// for the transaction.
    async fn begin_write(&self, lock: Option<Lock>) -> sqlx::Result<WriteTx<Self::Db>>;

    /// Full-text search: the count and the page statements, and the leading
    /// arguments (before section, limit, offset) that carry `terms`.
    fn search_sql(&self) -> (&'static str, &'static str);
    fn search_args(&self, terms: &SearchTerms) -> Vec<String>;

    /// Brings the search index up to date with the articles written in
    /// `tx` (`written` of them), where the database cannot do it alone
    /// (SQLite's stemming beyond English, `stems`).
    async fn index_text(&self, tx: &mut WriteTx<Self::Db>, written: usize) -> sqlx::Result<()>;

    /// Snippets, by article id, for found articles whose search statement
    /// could make none (SQLite's own stems, `stems::snippet`).
    async fn stem_snippets(
        &self,
        terms: &SearchTerms,
        ids: &[i64],
    ) -> sqlx::Result<Vec<(i64, String)>>;

    /// Rows of `sql` for the given ids, in any order.
    async fn fetch_for_ids<R>(&self, sql: IdListSql, ids: &[i64]) -> sqlx::Result<Vec<R>>
    where
        R: for<'r> FromRow<'r, <Self::Db as Database>::Row> + Send + Unpin;

    /// Writes merged view deltas (sorted, one per article and hour) inside a flush.
    async fn write_views(
        &self,
        tx: &mut WriteTx<Self::Db>,
        merged: &[ViewDelta],
    ) -> sqlx::Result<()>;

    /// Whether a failed transaction did nothing and may simply run again.
    fn is_retryable(&self, e: &sqlx::Error) -> bool;

    /// The job-claim statement (see `jobs::claim_sql`).
    fn claim_jobs_sql(&self) -> &'static str;

    /// Whether statements built at run time number their parameters
    /// (`$1`); otherwise they use `?`, which SQLite binds faster.
    fn numbered_params(&self) -> bool;

    /// What to run after rows with explicit ids were imported into `table`.
    fn after_import_sql(&self, table: Table) -> Option<&'static str>;

    /// Statements that empty every table, run in one transaction.
    fn clear_all_sql(&self) -> Vec<&'static str>;
}

/// A unique-key violation as `Conflict` with `msg`; anything else as is.
pub(crate) fn conflict_or(e: sqlx::Error, msg: impl FnOnce() -> String) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(msg()),
        _ => StoreError::Database(e),
    }
}
