//! Fresh PostgreSQL databases for tests (this crate's and the binary's).
//!
//! The server comes from `NEWSROOM_TEST_POSTGRES_URL`, e.g.
//! `postgres://newsroom:newsroom@127.0.0.1:5432/newsroom_test` (`.ci/postgres.sh`
//! sets one up). Each test gets a schema of its own in that database, named
//! after the test process, and the URL it gets sets the search path to it.
//! Schemas left by processes that have ended are dropped the next time a test
//! process starts.
//!
//! Without the variable, or with the server down, tests that need it print
//! that their suite was skipped and pass, so `cargo test --workspace` still
//! passes on a machine without PostgreSQL. Set `NEWSROOM_TEST_POSTGRES_REQUIRED=1`
//! (CI does) to make that a failure instead.

use crate::error::redact_url;
use sqlx::migrate::Migrator;
use sqlx::{Connection, PgConnection, Row};
use std::io::Write;
use std::sync::atomic::{AtomicU32, Ordering};
use tokio::sync::OnceCell;

pub const URL_ENV: &str = "NEWSROOM_TEST_POSTGRES_URL";
pub const REQUIRED_ENV: &str = "NEWSROOM_TEST_POSTGRES_REQUIRED";
const PREFIX: &str = "newsroom_t_";

static COUNTER: AtomicU32 = AtomicU32::new(0);
static SWEPT: OnceCell<()> = OnceCell::const_new();

/// The URL of a new, empty schema on the test server, or `None` after
/// printing `skipped: <suite> not run (<reason>)`.
pub async fn fresh_postgres_url(suite: &str) -> Option<String> {
    match try_fresh().await {
        Ok(url) => Some(url),
        Err(reason) => {
            if std::env::var(REQUIRED_ENV).is_ok_and(|v| v == "1") {
                panic!("{suite} must run ({REQUIRED_ENV}=1) but cannot: {reason}");
            }
            skipped(suite, &reason);
            None
        }
    }
}

/// Says plainly that a suite did not run. It goes to the terminal directly:
/// the test harness would otherwise swallow it, as it does all output of a passing test.
pub fn skipped(suite: &str, reason: &str) {
    // One write, so the line is not torn apart by the harness's own output.
    let line = format!("skipped: {suite} not run ({reason})\n");
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

async fn try_fresh() -> Result<String, String> {
    let base = match std::env::var(URL_ENV) {
        Ok(u) if !u.trim().is_empty() => u,
        _ => return Err(format!("{URL_ENV} unset")),
    };
    fresh_schema_on(&base).await
}

/// Creates a new, empty schema on the server `base` names and returns a URL
/// whose connections use it.
pub async fn fresh_schema_on(base: &str) -> Result<String, String> {
    let mut admin = PgConnection::connect(base)
        .await
        .map_err(|e| format!("{} unreachable: {e}", redact_url(base)))?;
    SWEPT
        .get_or_init(|| async {
            let _ = sweep(&mut admin).await;
        })
        .await;
    // The start time tells this process apart from an earlier one with the same pid.
    static STARTED: std::sync::LazyLock<u128> = std::sync::LazyLock::new(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros() % 1_000_000_000_000)
            .unwrap_or(0)
    });
    let name = format!(
        "{PREFIX}{}_{}_{}",
        std::process::id(),
        *STARTED,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    // A schema, not a database, per test: creating and dropping a schema is
    // instant, where dropping a database waits for a checkpoint. A name made
    // of our prefix and digits needs no quoting.
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {name}")))
        .execute(&mut admin)
        .await
        .map_err(|e| format!("cannot create a test schema on {}: {e}", redact_url(base)))?;
    let _ = admin.close().await;
    Ok(with_search_path(base, &name))
}

/// The URL with every connection's search path set to `schema`, so unqualified
/// names (the migrations' and the queries') land in it.
pub fn with_search_path(base: &str, schema: &str) -> String {
    let Ok(mut url) = url::Url::parse(base) else {
        return base.to_string();
    };
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "options")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair("options", &format!("-c search_path={schema}"));
    url.to_string()
}

/// Drops the schemas of test processes that are no longer running.
async fn sweep(admin: &mut PgConnection) -> Result<(), sqlx::Error> {
    let rows =
        sqlx::query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'newsroom\\_t\\_%'")
            .fetch_all(&mut *admin)
            .await?;
    for row in rows {
        let name: String = row.try_get(0)?;
        let Some(pid) = name
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split('_').next())
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            continue;
        }
        if std::path::Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP SCHEMA IF EXISTS {name} CASCADE"
        )))
        .execute(&mut *admin)
        .await;
    }
    Ok(())
}

/// Which migrations an older site had run, named by a migration's
/// description (or part of it).
#[derive(Debug, Clone, Copy)]
pub enum Older<'a> {
    /// Those numbered below the one named: a site upgraded across it.
    Before(&'a str),
    /// Every one but the one named: a site that ran higher numbers first,
    /// as when a migration is released after others numbered above it.
    AllBut(&'a str),
}

impl Older<'_> {
    fn migrator(self, m: &Migrator) -> Migrator {
        let (Older::Before(name) | Older::AllBut(name)) = self;
        let version = m
            .iter()
            .find(|m| m.description.contains(name))
            .unwrap_or_else(|| panic!("no migration named like {name:?}"))
            .version;
        let keep = |v: i64| match self {
            Older::Before(_) => v < version,
            Older::AllBut(_) => v != version,
        };
        Migrator::with_migrations(m.iter().filter(|m| keep(m.version)).cloned().collect())
    }
}

/// What a site upgraded across the migration named like `migration` finds:
/// a SQLite database at `url` migrated up to the one before it, given
/// `rows` (plain SQL at that older schema), then opened as a store, which
/// runs the rest.
pub async fn sqlite_upgraded(url: &str, migration: &str, rows: &[&str]) -> crate::SqliteStore {
    sqlite_from(url, Older::Before(migration), rows).await
}

/// A SQLite database at `url` with the `older` migrations run and `rows`
/// written, then opened as a store, which runs the rest.
pub async fn sqlite_from(url: &str, older: Older<'_>, rows: &[&str]) -> crate::SqliteStore {
    let pool = sqlx::SqlitePool::connect(&format!("{url}?mode=rwc"))
        .await
        .unwrap();
    prepare(pool, older.migrator(&crate::sqlite::MIGRATOR), rows).await;
    crate::SqliteStore::open(url, &Default::default())
        .await
        .unwrap()
}

/// `sqlite_upgraded` on a fresh PostgreSQL schema; `None` (said so) without a server.
pub async fn postgres_upgraded(
    suite: &str,
    migration: &str,
    rows: &[&str],
) -> Option<crate::PgStore> {
    postgres_from(suite, Older::Before(migration), rows).await
}

/// `sqlite_from` on a fresh PostgreSQL schema.
pub async fn postgres_from(suite: &str, older: Older<'_>, rows: &[&str]) -> Option<crate::PgStore> {
    let url = fresh_postgres_url(suite).await?;
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    prepare(pool, older.migrator(&crate::postgres::MIGRATOR), rows).await;
    Some(
        crate::PgStore::open(&url, &Default::default())
            .await
            .unwrap(),
    )
}

/// Runs the older site's migrations on `pool`, writes its `rows` and closes it.
async fn prepare<DB>(pool: sqlx::Pool<DB>, older: Migrator, rows: &[&str])
where
    DB: sqlx::Database,
    DB::Connection: sqlx::migrate::Migrate,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    older.run(&pool).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(rows.join(";\n")))
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}
