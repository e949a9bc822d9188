//! Settings kept in the database (`meta`), and the housekeeping counts.

use crate::dialect::{Db, with_pool};
use crate::error::Result;
use crate::model::TableCounts;
use sqlx::Row;

const GET_META: &str = "SELECT value FROM meta WHERE key = $1";
const SET_META: &str = "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
const INIT_META: &str =
    "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING";
const TABLE_COUNTS: &str = "SELECT \
     (SELECT COUNT(*) FROM sections), (SELECT COUNT(*) FROM sources), (SELECT COUNT(*) FROM articles), \
     (SELECT COUNT(*) FROM stories), (SELECT COUNT(*) FROM article_views_hourly), (SELECT COUNT(*) FROM tombstones), \
     (SELECT COUNT(*) FROM jobs), (SELECT COUNT(*) FROM meta), \
     CAST(COALESCE((SELECT SUM(views) FROM article_views), 0) AS BIGINT), \
     (SELECT COUNT(*) FROM article_addresses), (SELECT COUNT(*) FROM article_ingest_state), \
     (SELECT COUNT(*) FROM source_fetches), (SELECT COUNT(*) FROM source_fetch_hours), \
     (SELECT COUNT(*) FROM audit_log), (SELECT COUNT(*) FROM site_hours), (SELECT COUNT(*) FROM article_views)";

impl Db<'_> {
    pub(crate) async fn ping(self) -> Result<()> {
        with_pool!(self, |pool| {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    pub(crate) async fn checkpoint(self) -> Result<()> {
        if let Db::Sqlite(pool) = self {
            sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(pool)
                .await?;
        }
        Ok(())
    }

    pub(crate) async fn get_meta(self, key: &str) -> Result<Option<String>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_scalar(GET_META)
                .bind(key)
                .fetch_optional(pool)
                .await?
        }))
    }

    pub(crate) async fn set_meta(self, key: &str, value: &str) -> Result<()> {
        self.write_meta(SET_META, key, value).await
    }

    /// Sets the value only if the key is absent, then reads what is stored.
    pub(crate) async fn init_meta(self, key: &str, value: &str) -> Result<String> {
        self.write_meta(INIT_META, key, value).await?;
        Ok(with_pool!(self, |pool| {
            sqlx::query_scalar(GET_META)
                .bind(key)
                .fetch_one(pool)
                .await?
        }))
    }

    async fn write_meta(self, sql: &'static str, key: &str, value: &str) -> Result<()> {
        with_pool!(self, |pool| {
            sqlx::query(sql).bind(key).bind(value).execute(pool).await?;
        });
        Ok(())
    }

    pub(crate) async fn table_counts(self) -> Result<TableCounts> {
        with_pool!(self, |pool| {
            let r = sqlx::query(TABLE_COUNTS).fetch_one(pool).await?;
            Ok(TableCounts {
                sections: r.try_get(0)?,
                sources: r.try_get(1)?,
                articles: r.try_get(2)?,
                stories: r.try_get(3)?,
                article_views_hourly: r.try_get(4)?,
                tombstones: r.try_get(5)?,
                jobs: r.try_get(6)?,
                meta: r.try_get(7)?,
                total_views: r.try_get(8)?,
                article_addresses: r.try_get(9)?,
                article_ingest_state: r.try_get(10)?,
                source_fetches: r.try_get(11)?,
                source_fetch_hours: r.try_get(12)?,
                audit_log: r.try_get(13)?,
                site_hours: r.try_get(14)?,
                article_views: r.try_get(15)?,
            })
        })
    }
}
