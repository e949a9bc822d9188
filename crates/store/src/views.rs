//! View counts: batched flushes (at most once per batch id), per-article
//! totals, and the most-read rankings built on hourly buckets.

use crate::dialect::{Db, Dialect, IdListSql, with_pool};
use crate::error::Result;
use crate::model::{ArticleCard, RankedCard, ViewDelta};
use crate::rows::CARD_COLS;
use crate::rows::{CardRow, RankedCardRow};
use newsroom_core::{ArticleId, Timestamp};
use std::sync::LazyLock;

const LISTED: &str = crate::listed::listed!("a");
const LISTED_M: &str = crate::listed::listed!("m");
use std::time::Duration;

/// Claims a flushed batch's id inside its transaction; no row inserted means
/// the batch was applied before.
const CLAIM_VIEW_BATCH: &str =
    "INSERT INTO view_batches (id, applied_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING";
const PRUNE_VIEW_BATCHES: &str = "DELETE FROM view_batches WHERE applied_at < $1";
/// How long applied batch ids are remembered.
const VIEW_BATCH_MEMORY_SECS: i64 = 30 * 86_400;
/// Every article asked for that exists, with 0 for one never read.
const ARTICLE_VIEWS: IdListSql = IdListSql(
    "SELECT a.id, COALESCE(v.views, 0) FROM articles a \
     LEFT JOIN article_views v ON v.article_id = a.id WHERE a.id {ids}",
);
static MOST_READ: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {CARD_COLS} FROM articles a JOIN sources s ON s.id = a.source_id \
         JOIN (SELECT article_id, CAST(SUM(views) AS BIGINT) AS recent FROM article_views_hourly \
               WHERE hour >= $1 GROUP BY article_id) r ON r.article_id = a.id \
         WHERE {LISTED} \
         ORDER BY r.recent DESC, a.published_at DESC, a.id DESC LIMIT $2"
    )
});
/// Most read, one line per story: views since `$1` (hour) are summed over a
/// story's members, and the member read most stands for the story. Articles
/// outside any story form a group of their own (keyed by their negated id).
static MOST_READ_BY_STORY: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {CARD_COLS}, g.total AS recent_views FROM articles a JOIN sources s ON s.id = a.source_id \
         JOIN (SELECT x.article_id, x.total, \
                 ROW_NUMBER() OVER (PARTITION BY x.grp ORDER BY x.recent DESC, x.article_id DESC) AS rn \
               FROM (SELECT r.article_id, r.recent, COALESCE(m.story_id, -m.id) AS grp, \
                       CAST(SUM(r.recent) OVER (PARTITION BY COALESCE(m.story_id, -m.id)) AS BIGINT) AS total \
                     FROM (SELECT article_id, CAST(SUM(views) AS BIGINT) AS recent FROM article_views_hourly \
                           WHERE hour >= $1 GROUP BY article_id) r \
                     JOIN articles m ON m.id = r.article_id WHERE {LISTED_M}) x) g \
           ON g.article_id = a.id AND g.rn = 1 \
         ORDER BY g.total DESC, a.published_at DESC, a.id DESC LIMIT $2"
    )
});

/// Folds a batch so each (article, hour) is written once, in a fixed order:
/// fewer statements, and concurrent flushes from several nodes lock rows in
/// the same order, so they cannot deadlock.
pub fn merge_deltas(batch: &[ViewDelta]) -> Vec<ViewDelta> {
    let mut map: std::collections::BTreeMap<(ArticleId, i64), i64> = Default::default();
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

impl Db<'_> {
    /// One transaction: the batch id (when given) and every delta, or
    /// nothing. A flush rolled back by a deadlock with other writers did
    /// nothing, so running it again is exact.
    pub(crate) async fn apply_views(
        self,
        batch: Option<(&str, Timestamp)>,
        deltas: &[ViewDelta],
    ) -> Result<bool> {
        let merged = merge_deltas(deltas);
        if merged.is_empty() && batch.is_none() {
            return Ok(true);
        }
        with_pool!(self, |pool| {
            let mut attempt = 0;
            loop {
                let flush = async {
                    let mut tx = pool.begin_write(None).await?;
                    if let Some((id, now)) = batch {
                        let claimed = sqlx::query(CLAIM_VIEW_BATCH)
                            .bind(id)
                            .bind(now)
                            .execute(&mut *tx)
                            .await?
                            .rows_affected();
                        if claimed == 0 {
                            return Ok(false);
                        }
                        sqlx::query(PRUNE_VIEW_BATCHES)
                            .bind(now - VIEW_BATCH_MEMORY_SECS)
                            .execute(&mut *tx)
                            .await?;
                    }
                    pool.write_views(&mut tx, &merged).await?;
                    tx.commit().await?;
                    Ok::<_, sqlx::Error>(true)
                };
                match flush.await {
                    Ok(applied) => return Ok(applied),
                    Err(e) if pool.is_retryable(&e) && attempt < 5 => {
                        attempt += 1;
                        tracing::debug!(attempt, error = %e, "view flush rolled back; retrying");
                        tokio::time::sleep(Duration::from_millis(5 << attempt)).await;
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        })
    }

    pub(crate) async fn article_views(self, ids: &[ArticleId]) -> Result<Vec<(ArticleId, i64)>> {
        let ids: Vec<i64> = ids.iter().map(|i| i.0).collect();
        let rows: Vec<(i64, i64)> =
            with_pool!(self, |pool| pool.fetch_for_ids(ARTICLE_VIEWS, &ids).await?);
        Ok(rows.into_iter().map(|(id, v)| (ArticleId(id), v)).collect())
    }

    pub(crate) async fn most_read(self, since: Timestamp, limit: i64) -> Result<Vec<ArticleCard>> {
        let rows: Vec<CardRow> = with_pool!(self, |pool| {
            sqlx::query_as(MOST_READ.as_str())
                .bind(since.div_euclid(3600))
                .bind(limit)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(Into::into).collect())
    }

    pub(crate) async fn most_read_by_story(
        self,
        since: Timestamp,
        limit: i64,
    ) -> Result<Vec<RankedCard>> {
        let rows: Vec<RankedCardRow> = with_pool!(self, |pool| {
            sqlx::query_as(MOST_READ_BY_STORY.as_str())
                .bind(since.div_euclid(3600))
                .bind(limit)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(Into::into).collect())
    }
}
