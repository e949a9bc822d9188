//! Copying a whole site from one database to another (`newsroom copy`), for
//! moving from SQLite to PostgreSQL or back.
//!
//! Every table moves row for row with its ids, so links (`/news/{id}-{slug}`)
//! keep working, along with view totals, hourly views, tombstones, stories,
//! jobs, settings, what ingestion remembers of each article (its
//! addresses and state, so the copy's first poll fetches nothing known
//! again), each source's fetch history, the audit log and the site's
//! hourly activity (the admin's charts and records). Accounts and sessions
//! stay behind: they belong to the site they were made on. The target must be empty; with `force` every table of
//! the target is emptied first (its rows are lost, not merged). At the end the
//! row counts of both sides are compared. Stop the nodes that write to the
//! source first: rows written during the copy may or may not be copied, and
//! the count check then fails and says so.

use crate::dialect::{Db, Dialect, with_pool};
use crate::error::{Result, StoreError};
use crate::model::TableCounts;
use crate::store::Store;
use crate::table::{Cell, Table, all_cells, cells, row_to_json};

/// Rows per export page and per import transaction: large enough that the
/// round trips do not dominate, small enough to keep memory flat.
const PAGE: i64 = 500;

/// Where a copy stands, after each page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyProgress {
    pub table: Table,
    /// Rows of this table copied so far, and how many the source has.
    pub table_done: u64,
    pub table_total: u64,
    /// The same over all tables.
    pub done: u64,
    pub total: u64,
}

/// The count of `table` in `c`.
pub fn rows_in(c: &TableCounts, table: Table) -> i64 {
    match table {
        Table::Sections => c.sections,
        Table::Sources => c.sources,
        Table::Stories => c.stories,
        Table::Articles => c.articles,
        Table::ArticleViews => c.article_views,
        Table::ArticleAddresses => c.article_addresses,
        Table::ArticleIngestState => c.article_ingest_state,
        Table::ArticleViewsHourly => c.article_views_hourly,
        Table::Tombstones => c.tombstones,
        Table::Jobs => c.jobs,
        Table::Meta => c.meta,
        Table::SourceFetches => c.source_fetches,
        Table::SourceFetchHours => c.source_fetch_hours,
        Table::AuditLog => c.audit_log,
        Table::SiteHours => c.site_hours,
    }
}

fn describe(c: &TableCounts) -> String {
    Table::ALL
        .iter()
        .filter(|t| rows_in(c, **t) != 0)
        .map(|t| format!("{} {t}", rows_in(c, *t)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn total_rows(c: &TableCounts) -> i64 {
    Table::ALL.iter().map(|t| rows_in(c, *t)).sum()
}

/// Copies every table of `from` into `to` and returns the target's counts,
/// which equal the source's. See the module docs for what `force` does.
pub async fn copy_site(
    from: &dyn Store,
    to: &dyn Store,
    force: bool,
    mut progress: impl FnMut(CopyProgress),
) -> Result<TableCounts> {
    let source = from.table_counts().await?;
    let existing = to.table_counts().await?;
    if total_rows(&existing) != 0 {
        if !force {
            return Err(StoreError::Conflict(format!(
                "the target database is not empty ({}); copy into an empty database, \
                 or pass --force to delete everything in the target first",
                describe(&existing)
            )));
        }
        to.clear_all().await?;
    }

    let total = total_rows(&source) as u64;
    let mut done = 0u64;
    for table in Table::ALL {
        let table_total = rows_in(&source, table) as u64;
        let mut table_done = 0u64;
        progress(CopyProgress {
            table,
            table_done,
            table_total,
            done,
            total,
        });
        let mut after: Option<serde_json::Value> = None;
        loop {
            let page = from.export_rows(table, after.as_ref(), PAGE).await?;
            if page.is_empty() {
                break;
            }
            let n = to.import_rows(table, &page).await?;
            table_done += n;
            done += n;
            progress(CopyProgress {
                table,
                table_done,
                table_total,
                done,
                total,
            });
            if (page.len() as i64) < PAGE {
                break;
            }
            after = page.last().cloned();
        }
    }

    let copied = to.table_counts().await?;
    if copied != source {
        let now = from.table_counts().await?;
        let hint = if now != source {
            "; the source changed while it was copied: stop the nodes that write to it and copy again with --force"
        } else {
            ""
        };
        return Err(StoreError::Conflict(format!(
            "copy verification failed: the source has {} ({} views), the target {} ({} views){hint}",
            describe(&source),
            source.total_views,
            describe(&copied),
            copied.total_views
        )));
    }
    Ok(copied)
}

impl Db<'_> {
    pub(crate) async fn export_rows(
        self,
        table: Table,
        after: Option<&serde_json::Value>,
        limit: i64,
    ) -> Result<Vec<serde_json::Value>> {
        let key = match after {
            Some(last) => Some(cells(table, last, table.key())?),
            None => None,
        };
        let sql = match key {
            Some(_) => table.next_page_sql(),
            None => table.first_page_sql(),
        };
        with_pool!(self, |pool| {
            let mut q = sqlx::query(sql);
            for c in key.into_iter().flatten() {
                q = match c {
                    Cell::Int(v) => q.bind(v),
                    Cell::Text(v) => q.bind(v),
                };
            }
            let rows = q.bind(limit).fetch_all(pool).await?;
            rows.iter().map(|r| row_to_json(table, r)).collect()
        })
    }

    /// One transaction per page, ids included, and as few statements as
    /// the parameter limits allow (`Table::insert_rows_sql`).
    pub(crate) async fn import_rows(self, table: Table, rows: &[serde_json::Value]) -> Result<u64> {
        let per = table.rows_per_insert();
        // Every row is checked before anything is written.
        let cells = rows
            .iter()
            .map(|row| all_cells(table, row))
            .collect::<Result<Vec<_>>>()?;
        with_pool!(self, |pool| {
            let numbered = pool.numbered_params();
            let full = (rows.len() >= per).then(|| table.insert_rows_sql(per, numbered));
            let mut tx = pool.begin_write(None).await?;
            for chunk in cells.chunks(per) {
                let tail;
                let sql = match &full {
                    Some(sql) if chunk.len() == per => sql.as_str(),
                    _ => {
                        tail = table.insert_rows_sql(chunk.len(), numbered);
                        tail.as_str()
                    }
                };
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for c in chunk.iter().flatten() {
                    q = match c {
                        Cell::Int(v) => q.bind(*v),
                        Cell::Text(v) => q.bind(v.as_deref()),
                    };
                }
                q.execute(&mut *tx).await?;
            }
            if let Some(sql) = pool.after_import_sql(table) {
                sqlx::query(sql).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(rows.len() as u64)
        })
    }

    pub(crate) async fn clear_all(self) -> Result<()> {
        with_pool!(self, |pool| {
            let mut tx = pool.begin_write(None).await?;
            for sql in pool.clear_all_sql() {
                sqlx::query(sql).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }
}
