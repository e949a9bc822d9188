//! What the admin's charts read besides the fetch roll-up: a source's
//! articles per day, and the site's views per hour (from the hourly view
//! rows the flushes write). Both are sums over indexed ranges.

use crate::dialect::{Db, with_pool};
use crate::error::Result;
use crate::model::CountAt;
use newsroom_core::{SourceId, Timestamp};

const ARTICLES_PER_DAY: &str = "SELECT published_at - (published_at % 86400) AS day, COUNT(*) \
     FROM articles WHERE source_id = $1 AND published_at >= $2 GROUP BY 1 ORDER BY 1";
const VIEWS_PER_HOUR: &str = "SELECT hour, CAST(SUM(views) AS BIGINT) FROM article_views_hourly \
     WHERE hour >= $1 GROUP BY hour ORDER BY hour";

fn counts(rows: Vec<(i64, i64)>) -> Vec<CountAt> {
    rows.into_iter().map(|(at, n)| CountAt { at, n }).collect()
}

impl Db<'_> {
    pub(crate) async fn source_articles_per_day(
        self,
        id: SourceId,
        since: Timestamp,
    ) -> Result<Vec<CountAt>> {
        let rows: Vec<(i64, i64)> = with_pool!(self, |pool| {
            sqlx::query_as(ARTICLES_PER_DAY)
                .bind(id.0)
                .bind(since)
                .fetch_all(pool)
                .await?
        });
        Ok(counts(rows))
    }

    /// The view rows are keyed by hour number (UTC seconds / 3600).
    pub(crate) async fn views_per_hour(self, since: Timestamp) -> Result<Vec<CountAt>> {
        let rows: Vec<(i64, i64)> = with_pool!(self, |pool| {
            sqlx::query_as(VIEWS_PER_HOUR)
                .bind(since.div_euclid(3600))
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(|(hour, n)| CountAt { at: hour * 3600, n })
            .collect())
    }
}
