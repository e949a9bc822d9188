//! The SQLite backend: one file, WAL journal, bundled SQLite. The default for a
//! single-machine site. SQLite has one writer at a time, so a write
//! transaction takes the write lock up front and needs no other lock.

use crate::PoolConfig;
use crate::dialect::{Db, Dialect, IdListSql, Lock};
use crate::direct::DirectReads;
use crate::error::{Result, StoreError};
use crate::jobs;
use crate::model::ViewDelta;
use crate::search::{self, SearchTerms};
use crate::sql_store::SqlStore;
use crate::stems;
use crate::table::Table;
use crate::write_tx::{self, WriteTx};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{FromRow, Sqlite, SqlitePool};
use std::path::Path;
use std::str::FromStr;
use std::sync::{Arc, LazyLock};

pub(crate) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// Ids per statement: SQLite limits the number of parameters.
const LIST_CHUNK: usize = 500;

/// `$1`: a JSON array of `[article, n]`, one per article.
/// An article deleted since its views were counted is left out.
const ADD_VIEWS_TOTAL: &str = "INSERT INTO article_views (article_id, views) \
     SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each($1) \
     WHERE EXISTS (SELECT 1 FROM articles WHERE id = json_extract(value, '$[0]')) \
     ON CONFLICT (article_id) DO UPDATE SET views = article_views.views + excluded.views";
/// `$1`: a JSON array of `[article, hour, n]`; an article deleted since
/// its views were counted is left out.
const ADD_VIEWS_HOURLY: &str = "INSERT INTO article_views_hourly (article_id, hour, views) \
     SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]') \
     FROM json_each($1) \
     WHERE EXISTS (SELECT 1 FROM articles WHERE id = json_extract(value, '$[0]')) \
     ON CONFLICT (article_id, hour) DO UPDATE SET views = article_views_hourly.views + excluded.views";

pub type SqliteStore = SqlStore<Sqlite>;

impl SqlStore<Sqlite> {
    /// Opens (creating the file if needed, but never its folder) and migrates.
    pub async fn open(url: &str, cfg: &PoolConfig) -> Result<Self> {
        let open_err = |reason: String| StoreError::Open {
            url: crate::redact_url(url),
            reason,
        };
        let memory = url.contains(":memory:") || url.contains("mode=memory");
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(|e| open_err(e.to_string()))?
            .create_if_missing(true)
            .journal_mode(if memory {
                SqliteJournalMode::Memory
            } else {
                SqliteJournalMode::Wal
            })
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(cfg.acquire_timeout)
            // Room for a view flush's dirty pages (one a claimed visit on a
            // large site: 12,000 pages for 12,000 visits) before SQLite
            // spills them to the WAL mid-transaction and reads them back:
            // the flush's statements took 0.6-0.7x the time
            // (docs/PERFORMANCE.md, session 13). The cache grows only as
            // pages are read or dirtied, and every commit of another
            // connection empties it. (`cache_spill` cannot raise the spill
            // threshold alone: `PRAGMA cache_spill = 16384` turns spilling
            // off, as SQLite reads the number as a boolean of its low byte.)
            .pragma("cache_size", CACHE_KIB.to_string())
            // Keeps the planner's statistics fresh as the site grows: each
            // connection, recycled hourly (`max_lifetime`), re-analyses the
            // tables it used that have changed much since.
            .optimize_on_close(true, ANALYSIS_LIMIT);
        if !memory {
            check_path(opts.get_filename()).map_err(open_err)?;
        }
        let path = opts.get_filename().to_path_buf();
        // An in-memory database lives as long as its one connection.
        let max = if memory {
            1
        } else {
            cfg.max_connections.max(1)
        };
        let pool = SqlitePoolOptions::new()
            .max_connections(max)
            .min_connections(if memory { 1 } else { 0 })
            .acquire_timeout(cfg.acquire_timeout)
            .idle_timeout(if memory {
                None
            } else {
                Some(std::time::Duration::from_secs(600))
            })
            .max_lifetime(if memory {
                None
            } else {
                Some(std::time::Duration::from_secs(3600))
            })
            .connect_with(opts)
            .await
            .map_err(|e| open_err(e.to_string()))?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|source| StoreError::Migrate {
                url: crate::redact_url(url),
                source,
            })?;
        analyze(&pool).await?;
        stems::index_all_pending(&pool).await?;
        let mut store = Self::on_pool(pool);
        if !memory {
            store.direct = Some(Arc::new(DirectReads::new(path, cfg.acquire_timeout)));
        }
        Ok(store)
    }
}

/// A connection's page cache, in KiB (SQLite's negative `cache_size`).
const CACHE_KIB: i64 = -65_536;

/// Rows ANALYZE reads per index: enough for the planner, and milliseconds
/// even on a database of millions of articles.
const ANALYSIS_LIMIT: u32 = 1000;

/// Gathers the planner's statistics. Without them SQLite guesses that
/// `status = 'published'` narrows the articles as well as `story_id IN (…)`
/// does, and walks every published article to count one story's (0.5 s for
/// an article page of a 20,000-article site, against 3 ms with statistics).
/// Run at every open, so a database filled by `demo`, `copy` or an older
/// version starts with statistics.
pub(crate) async fn analyze(pool: &sqlx::SqlitePool) -> Result<()> {
    let mut conn = pool.acquire().await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "PRAGMA analysis_limit = {ANALYSIS_LIMIT}"
    )))
    .execute(&mut *conn)
    .await?;
    sqlx::query("ANALYZE").execute(&mut *conn).await?;
    Ok(())
}

/// Gives an operator a clear reason before SQLite's terse "unable to open database file".
fn check_path(path: &Path) -> std::result::Result<(), String> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(format!("folder {} does not exist", dir.display()));
    }
    if path.exists() {
        let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
        if meta.is_dir() {
            return Err(format!(
                "{} is a folder, not a database file",
                path.display()
            ));
        }
        if meta.permissions().readonly()
            || std::fs::OpenOptions::new().append(true).open(path).is_err()
        {
            return Err(format!("{} is read-only", path.display()));
        }
    } else {
        let probe = dir.join(format!(".newsroom-write-probe-{}", std::process::id()));
        match std::fs::File::create(&probe) {
            Ok(_) => {
                let _ = std::fs::remove_file(&probe);
            }
            Err(e) => return Err(format!("cannot create files in {}: {e}", dir.display())),
        }
    }
    Ok(())
}

impl Dialect for SqlitePool {
    type Db = Sqlite;
    const NAME: &'static str = "sqlite";

    fn db(&self) -> Db<'_> {
        Db::Sqlite(self)
    }

    /// IMMEDIATE takes the write lock up front, so a transaction's reads and
    /// writes see the same data; the one lock covers every kind of writer.
    /// The turn is taken before a connection, so a writer waiting for it
    /// holds none that the one writing may need.
    async fn begin_write(&self, _lock: Option<Lock>) -> sqlx::Result<WriteTx<Sqlite>> {
        let turn = if self.options().get_max_connections() > 1 {
            Some(write_tx::turn(self.connect_options().get_filename()).await)
        } else {
            None
        };
        Ok(WriteTx::new(
            self.begin_with("BEGIN IMMEDIATE").await?,
            turn,
        ))
    }

    fn search_sql(&self) -> (&'static str, &'static str) {
        (search::sqlite_count(), search::sqlite_search())
    }

    fn search_args(&self, terms: &SearchTerms) -> Vec<String> {
        vec![terms.fts5_match(), terms.fts5_match_forms(stems::forms)]
    }

    async fn index_text(&self, tx: &mut WriteTx<Sqlite>, written: usize) -> sqlx::Result<()> {
        let written = i64::try_from(written).unwrap_or(i64::MAX);
        stems::index_pending(tx, stems::UPSERT_BATCH.max(written))
            .await
            .map(drop)
    }

    async fn stem_snippets(
        &self,
        terms: &SearchTerms,
        ids: &[i64],
    ) -> sqlx::Result<Vec<(i64, String)>> {
        let bodies: Vec<(i64, Option<String>, String)> =
            self.fetch_for_ids(stems::BODIES, ids).await?;
        Ok(bodies
            .into_iter()
            .filter_map(|(id, language, body)| {
                Some((id, stems::snippet(language.as_deref()?, &body, terms)?))
            })
            .collect())
    }

    async fn fetch_for_ids<R>(&self, sql: IdListSql, ids: &[i64]) -> sqlx::Result<Vec<R>>
    where
        R: for<'r> FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
    {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(LIST_CHUNK) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let text = sql.0.replace("{ids}", &format!("IN ({})", marks.join(",")));
            let mut query = sqlx::query_as::<_, R>(sqlx::AssertSqlSafe(text));
            for id in chunk {
                query = query.bind(*id);
            }
            out.extend(query.fetch_all(self).await?);
        }
        Ok(out)
    }

    /// Two statements, whatever the batch: the hour buckets and the
    /// totals each as one JSON array. A statement per article was two
    /// thread hand-offs per article on the server (sqlx-sqlite runs each
    /// statement on its worker thread), and a site whose readers spread
    /// over many articles flushes thousands a second.
    async fn write_views(
        &self,
        tx: &mut WriteTx<Sqlite>,
        merged: &[ViewDelta],
    ) -> sqlx::Result<()> {
        if merged.is_empty() {
            return Ok(());
        }
        let mut totals: std::collections::BTreeMap<i64, i64> = Default::default();
        let mut hourly = Vec::with_capacity(merged.len());
        for d in merged {
            *totals.entry(d.article.0).or_default() += d.n;
            hourly.push([d.article.0, d.hour, d.n]);
        }
        let totals: Vec<[i64; 2]> = totals.into_iter().map(|(a, n)| [a, n]).collect();
        let encode = |e: serde_json::Error| sqlx::Error::Encode(Box::new(e));
        sqlx::query(ADD_VIEWS_HOURLY)
            .bind(serde_json::to_string(&hourly).map_err(encode)?)
            .execute(&mut **tx)
            .await?;
        sqlx::query(ADD_VIEWS_TOTAL)
            .bind(serde_json::to_string(&totals).map_err(encode)?)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// A single writer never deadlocks with another.
    fn is_retryable(&self, _e: &sqlx::Error) -> bool {
        false
    }

    /// The claim's own write transaction is the lock.
    fn claim_jobs_sql(&self) -> &'static str {
        static Q: LazyLock<String> = LazyLock::new(|| jobs::claim_sql(""));
        &Q
    }

    /// `?` needs no look-up of each parameter's name when bound.
    fn numbered_params(&self) -> bool {
        false
    }

    /// SQLite gives a new row max(id) + 1, so imported ids need no counter reset.
    fn after_import_sql(&self, _table: Table) -> Option<&'static str> {
        None
    }

    fn clear_all_sql(&self) -> Vec<&'static str> {
        Table::ALL
            .iter()
            .rev()
            .map(|t| t.delete_all_sql())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::direct::ARTICLE_FIELDS;

    /// The positions `direct::article_row` reads are those of the page's
    /// statement, as SQLite names its columns on a migrated database.
    #[tokio::test]
    async fn fields_follow_the_page_statement() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("site.db");
        crate::SqliteStore::open(&format!("sqlite://{}", path.display()), &Default::default())
            .await
            .unwrap();
        let conn = rusqlite::Connection::open(&path).unwrap();
        let stmt = conn
            .prepare(crate::articles::ARTICLE_PAGE.as_str())
            .unwrap();
        let names = stmt.column_names();
        assert_eq!(names[..ARTICLE_FIELDS.len()], ARTICLE_FIELDS);
        assert_eq!(
            names[ARTICLE_FIELDS.len()..],
            ["story_id", "source_name", "story_hidden"]
        );
    }

    #[tokio::test]
    async fn page_reads_go_through_a_memory_map() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("site.db");
        let store =
            crate::SqliteStore::open(&format!("sqlite://{}", path.display()), &Default::default())
                .await
                .unwrap();
        let direct = store
            .direct
            .as_ref()
            .expect("a file database reads directly");
        let mapped = direct.mapped_bytes().unwrap();
        assert!(mapped >= 256 << 20, "mmap_size {mapped}");
        // The pool's connections have room for a flush's dirty pages.
        let (cache,): (i64,) = sqlx::query_as("PRAGMA cache_size")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(cache, super::CACHE_KIB);
    }
}
