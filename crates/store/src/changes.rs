//! What was written that cached pages show (`cache_changes`, filled by the
//! triggers of migration 0008), for invalidating every node's caches.

use crate::dialect::{Db, with_pool};
use crate::error::Result;
use crate::model::Change;
use newsroom_core::Timestamp;
use sqlx::Row;

const CHANGES_AFTER: &str =
    "SELECT id, topic, key FROM cache_changes WHERE id > $1 ORDER BY id LIMIT $2";
const LAST_CHANGE: &str = "SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM cache_changes";
const PRUNE_CHANGES: &str = "DELETE FROM cache_changes WHERE at < $1";

impl Db<'_> {
    pub(crate) async fn changes_after(self, after: i64, limit: i64) -> Result<Vec<Change>> {
        with_pool!(self, |pool| {
            sqlx::query(CHANGES_AFTER)
                .bind(after)
                .bind(limit)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| -> Result<Change> {
                    Ok(Change {
                        id: r.try_get(0)?,
                        topic: r.try_get(1)?,
                        key: r.try_get(2)?,
                    })
                })
                .collect::<Result<Vec<_>>>()
        })
    }

    pub(crate) async fn last_change(self) -> Result<i64> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_scalar(LAST_CHANGE).fetch_one(pool).await?
        }))
    }

    pub(crate) async fn prune_changes(self, before: Timestamp) -> Result<u64> {
        Ok(with_pool!(self, |pool| {
            sqlx::query(PRUNE_CHANGES)
                .bind(before)
                .execute(pool)
                .await?
                .rows_affected()
        }))
    }
}
