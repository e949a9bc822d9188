//! What the admin's charts read besides the fetch roll-up: a source's
//! articles per day; views per hour of the site, an article or a story
//! (from the hourly view rows the flushes write); and the site's hourly
//! activity (`site_hours`, migration 0018): articles stored and updated,
//! counted by the upsert in its own transaction, and the clustering lag
//! the clustering job samples. All are sums over indexed ranges; the
//! activity rows are bounded to [`SITE_HOURS_KEPT`].

use crate::dialect::{Db, Dialect, with_pool};
use crate::error::Result;
use crate::fetches::hour_of;
use crate::model::{CountAt, SiteHour};
use newsroom_core::{ArticleId, SourceId, StoryId, Timestamp};

/// How far back the site's hourly activity reaches.
pub const SITE_HOURS_KEPT: i64 = 30 * 86_400;

const ARTICLES_PER_DAY: &str = "SELECT published_at - (published_at % 86400) AS day, COUNT(*) \
     FROM articles WHERE source_id = $1 AND published_at >= $2 GROUP BY 1 ORDER BY 1";
const VIEWS_PER_HOUR: &str = "SELECT hour, CAST(SUM(views) AS BIGINT) FROM article_views_hourly \
     WHERE hour >= $1 GROUP BY hour ORDER BY hour";
const ARTICLE_VIEWS_PER_HOUR: &str = "SELECT hour, views FROM article_views_hourly \
     WHERE article_id = $1 AND hour >= $2 ORDER BY hour";
/// Every article filed under the story now, hidden ones too: the editor
/// sees what the story drew.
const STORY_VIEWS_PER_HOUR: &str = "SELECT v.hour, CAST(SUM(v.views) AS BIGINT) \
     FROM articles a JOIN article_views_hourly v ON v.article_id = a.id \
     WHERE a.story_id = $1 AND v.hour >= $2 GROUP BY v.hour ORDER BY v.hour";
/// `$2` new and `$3` updated articles in the hour `$1`.
pub(crate) const COUNT_INGEST: &str = "INSERT INTO site_hours (hour, stored, updated) VALUES ($1, $2, $3) \
     ON CONFLICT (hour) DO UPDATE SET stored = site_hours.stored + excluded.stored, \
     updated = site_hours.updated + excluded.updated";
const ADD_LAG_SAMPLE: &str = "INSERT INTO site_hours (hour, lag_samples, lag_total, lag_max) \
     VALUES ($1, 1, $2, $2) ON CONFLICT (hour) DO UPDATE SET lag_samples = site_hours.lag_samples + 1, \
     lag_total = site_hours.lag_total + excluded.lag_total, \
     lag_max = CASE WHEN excluded.lag_max > site_hours.lag_max THEN excluded.lag_max \
     ELSE site_hours.lag_max END";
pub(crate) const PRUNE_SITE_HOURS: &str = "DELETE FROM site_hours WHERE hour < $1";
const SITE_HOURS: &str = "SELECT hour, stored, updated, lag_samples, lag_total, lag_max \
     FROM site_hours WHERE hour >= $1 ORDER BY hour";

#[derive(sqlx::FromRow)]
struct SiteHourRow {
    hour: i64,
    stored: i64,
    updated: i64,
    lag_samples: i64,
    lag_total: i64,
    lag_max: i64,
}

fn counts(rows: Vec<(i64, i64)>) -> Vec<CountAt> {
    rows.into_iter().map(|(at, n)| CountAt { at, n }).collect()
}

/// View rows are keyed by hour number (UTC seconds / 3600).
fn view_hours(rows: Vec<(i64, i64)>) -> Vec<CountAt> {
    rows.into_iter()
        .map(|(hour, n)| CountAt { at: hour * 3600, n })
        .collect()
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

    pub(crate) async fn views_per_hour(self, since: Timestamp) -> Result<Vec<CountAt>> {
        let rows: Vec<(i64, i64)> = with_pool!(self, |pool| {
            sqlx::query_as(VIEWS_PER_HOUR)
                .bind(since.div_euclid(3600))
                .fetch_all(pool)
                .await?
        });
        Ok(view_hours(rows))
    }

    pub(crate) async fn article_views_per_hour(
        self,
        id: ArticleId,
        since: Timestamp,
    ) -> Result<Vec<CountAt>> {
        self.views_of(ARTICLE_VIEWS_PER_HOUR, id.0, since).await
    }

    pub(crate) async fn story_views_per_hour(
        self,
        id: StoryId,
        since: Timestamp,
    ) -> Result<Vec<CountAt>> {
        self.views_of(STORY_VIEWS_PER_HOUR, id.0, since).await
    }

    async fn views_of(self, sql: &'static str, id: i64, since: Timestamp) -> Result<Vec<CountAt>> {
        let rows: Vec<(i64, i64)> = with_pool!(self, |pool| {
            sqlx::query_as(sql)
                .bind(id)
                .bind(since.div_euclid(3600))
                .fetch_all(pool)
                .await?
        });
        Ok(view_hours(rows))
    }

    pub(crate) async fn record_cluster_lag(self, at: Timestamp, lag_secs: i64) -> Result<()> {
        let hour = hour_of(at);
        with_pool!(self, |pool| {
            let mut tx = pool.begin_write(None).await?;
            sqlx::query(ADD_LAG_SAMPLE)
                .bind(hour)
                .bind(lag_secs.max(0))
                .execute(&mut *tx)
                .await?;
            sqlx::query(PRUNE_SITE_HOURS)
                .bind(hour - SITE_HOURS_KEPT)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub(crate) async fn site_hours(self, since: Timestamp) -> Result<Vec<SiteHour>> {
        let rows: Vec<SiteHourRow> = with_pool!(self, |pool| {
            sqlx::query_as(SITE_HOURS)
                .bind(hour_of(since))
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(|r| SiteHour {
                hour: r.hour,
                stored: r.stored,
                updated: r.updated,
                lag_samples: r.lag_samples,
                lag_total: r.lag_total,
                lag_max: r.lag_max,
            })
            .collect())
    }
}
