//! Sources: the feeds newsroom polls, and the health of each.

use crate::dialect::{Db, Dialect, Lock, conflict_or, with_pool};
use crate::error::Result;
use crate::model::{IngestFreshness, SourceStats};
use crate::rows::{SourceRow, SourceStatsRow};
use newsroom_core::{NewSource, Source, SourceHealth, SourceId, SourceSettings, Timestamp};
use sqlx::Row;
use std::sync::LazyLock;

const SOURCE_COLS: &str = "id, name, feed_url, site_url, section_id, full_text, enabled, created_at, \
     last_success_at, last_attempt_at, last_error_class, last_error, consecutive_failures, next_poll_at, etag, last_modified, item_notes, poll_min_secs, poll_max_secs";

static INSERT_SOURCE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO sources (name, feed_url, site_url, section_id, full_text, enabled, created_at, next_poll_at) \
         VALUES ($1, $2, $3, $4, $5, 1, $6, $6) RETURNING {SOURCE_COLS}"
    )
});
static GET_SOURCE: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {SOURCE_COLS} FROM sources WHERE id = $1"));
static SOURCE_BY_FEED_URL: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {SOURCE_COLS} FROM sources WHERE feed_url = $1"));
static LIST_SOURCES: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {SOURCE_COLS}, (SELECT COUNT(*) FROM articles a WHERE a.source_id = sources.id) AS article_count \
         FROM sources ORDER BY name, id"
    )
});
const SET_SOURCE_ENABLED: &str = "UPDATE sources SET enabled = $2 WHERE id = $1";
const SET_SOURCE_NAME: &str = "UPDATE sources SET name = $2 WHERE id = $1";
const SET_SOURCE_FEED_URL: &str = "UPDATE sources SET feed_url = $2 WHERE id = $1";
const UPDATE_SOURCE_SETTINGS: &str = "UPDATE sources SET section_id = $2, full_text = $3, \
     poll_min_secs = $4, poll_max_secs = $5, enabled = $6 WHERE id = $1";
const DELETE_SOURCE_ARTICLES: &str = "DELETE FROM articles WHERE source_id = $1";
const DELETE_SOURCE: &str = "DELETE FROM sources WHERE id = $1";
/// The health of `rows` sources, 10 parameters each (the id first, then
/// the columns in the order set here), in one statement.
pub(crate) fn update_healths_sql(rows: usize, numbered: bool) -> String {
    format!(
        "UPDATE sources SET last_success_at = v.column2, last_attempt_at = v.column3, \
         last_error_class = v.column4, last_error = v.column5, consecutive_failures = v.column6, \
         next_poll_at = v.column7, etag = v.column8, last_modified = v.column9, item_notes = v.column10 \
         FROM (VALUES {}) AS v WHERE sources.id = v.column1",
        crate::table::values_list(rows, 10, numbered)
    )
}

/// One pass over the sources table, which holds one row per outlet: cheap enough for every `/healthz`.
const INGEST_FRESHNESS: &str = "SELECT MAX(last_success_at), \
     COUNT(CASE WHEN enabled <> 0 AND last_error_class IS NOT NULL THEN 1 END), \
     COUNT(CASE WHEN enabled <> 0 THEN 1 END) FROM sources";

fn feed_url_taken(feed_url: &str) -> impl FnOnce() -> String + '_ {
    move || format!("a source with feed URL {feed_url} already exists")
}

impl Db<'_> {
    pub(crate) async fn ingest_freshness(self) -> Result<IngestFreshness> {
        with_pool!(self, |pool| {
            let r = sqlx::query(INGEST_FRESHNESS).fetch_one(pool).await?;
            Ok(IngestFreshness {
                last_success_at: r.try_get(0)?,
                failing_sources: r.try_get(1)?,
                enabled_sources: r.try_get(2)?,
            })
        })
    }

    pub(crate) async fn add_source(self, s: &NewSource, now: Timestamp) -> Result<Source> {
        let row: SourceRow = with_pool!(self, |pool| {
            sqlx::query_as(INSERT_SOURCE.as_str())
                .bind(&s.name)
                .bind(&s.feed_url)
                .bind(&s.site_url)
                .bind(s.section_id.map(|x| x.0))
                .bind(s.full_text.as_str())
                .bind(now)
                .fetch_one(pool)
                .await
                .map_err(|e| conflict_or(e, feed_url_taken(&s.feed_url)))?
        });
        row.try_into()
    }

    pub(crate) async fn get_source(self, id: SourceId) -> Result<Option<Source>> {
        let row: Option<SourceRow> = with_pool!(self, |pool| {
            sqlx::query_as(GET_SOURCE.as_str())
                .bind(id.0)
                .fetch_optional(pool)
                .await?
        });
        row.map(TryInto::try_into).transpose()
    }

    pub(crate) async fn source_by_feed_url(self, feed_url: &str) -> Result<Option<Source>> {
        let row: Option<SourceRow> = with_pool!(self, |pool| {
            sqlx::query_as(SOURCE_BY_FEED_URL.as_str())
                .bind(feed_url)
                .fetch_optional(pool)
                .await?
        });
        row.map(TryInto::try_into).transpose()
    }

    pub(crate) async fn list_sources(self) -> Result<Vec<SourceStats>> {
        let rows: Vec<SourceStatsRow> = with_pool!(self, |pool| {
            sqlx::query_as(LIST_SOURCES.as_str())
                .fetch_all(pool)
                .await?
        });
        rows.into_iter()
            .map(|r| {
                Ok(SourceStats {
                    source: r.source.try_into()?,
                    article_count: r.article_count,
                })
            })
            .collect()
    }

    pub(crate) async fn set_source_enabled(self, id: SourceId, enabled: bool) -> Result<bool> {
        with_pool!(self, |pool| {
            let r = sqlx::query(SET_SOURCE_ENABLED)
                .bind(id.0)
                .bind(i64::from(enabled))
                .execute(pool)
                .await?;
            Ok(r.rows_affected() > 0)
        })
    }

    pub(crate) async fn update_source_settings(
        self,
        id: SourceId,
        set: &SourceSettings,
    ) -> Result<bool> {
        with_pool!(self, |pool| {
            let r = sqlx::query(UPDATE_SOURCE_SETTINGS)
                .bind(id.0)
                .bind(set.section_id.map(|s| s.0))
                .bind(set.full_text.as_str())
                .bind(set.poll.min_secs)
                .bind(set.poll.max_secs)
                .bind(i64::from(set.enabled))
                .execute(pool)
                .await?;
            Ok(r.rows_affected() > 0)
        })
    }

    pub(crate) async fn set_source_name(self, id: SourceId, name: &str) -> Result<bool> {
        with_pool!(self, |pool| {
            let r = sqlx::query(SET_SOURCE_NAME)
                .bind(id.0)
                .bind(name)
                .execute(pool)
                .await?;
            Ok(r.rows_affected() > 0)
        })
    }

    pub(crate) async fn set_source_feed_url(self, id: SourceId, feed_url: &str) -> Result<bool> {
        with_pool!(self, |pool| {
            let r = sqlx::query(SET_SOURCE_FEED_URL)
                .bind(id.0)
                .bind(feed_url)
                .execute(pool)
                .await
                .map_err(|e| conflict_or(e, feed_url_taken(feed_url)))?;
            Ok(r.rows_affected() > 0)
        })
    }

    /// The source's articles go in the same transaction, under the article
    /// writers' lock, so no upsert slips one in between.
    pub(crate) async fn delete_source(self, id: SourceId) -> Result<bool> {
        with_pool!(self, |pool| {
            let mut tx = pool.begin_write(Some(Lock::Articles)).await?;
            sqlx::query(DELETE_SOURCE_ARTICLES)
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
            let r = sqlx::query(DELETE_SOURCE)
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(r.rows_affected() > 0)
        })
    }

    pub(crate) async fn update_source_health(self, id: SourceId, h: &SourceHealth) -> Result<()> {
        self.record_polls(&[(id, h)], &[]).await
    }
}

/// A health's notes as stored: one a line (a note is one line, see
/// `SourceHealth::notes`), or NULL for none.
pub(crate) fn notes_text(h: &SourceHealth) -> Option<String> {
    (!h.notes.is_empty()).then(|| {
        h.notes
            .iter()
            .map(|n| n.replace(['\n', '\r'], " "))
            .collect::<Vec<_>>()
            .join("\n")
    })
}
