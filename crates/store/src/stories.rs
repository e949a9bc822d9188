//! Stories: articles grouped by the clusterer, and what it reads to group them.

use crate::dialect::{Db, Dialect, IdListSql, Lock, with_pool};
use crate::error::{Result, StoreError};
use crate::model::{ArticleCard, StoryReach};
use crate::rows::{ARTICLE_COLS, CARD_COLS};
use crate::rows::{ArticleRow, CardRow, StoryRow};
use newsroom_core::{Article, ArticleId, Story, StoryId, Timestamp};
use std::sync::LazyLock;

const INSERT_STORY: &str = "INSERT INTO stories (lead_article_id, first_seen, last_update, size) VALUES ($1, $2, $2, 0) RETURNING id";
const SET_ARTICLE_STORY: &str = "UPDATE articles SET story_id = $2 WHERE id = $1";
/// Recomputes size and first-seen from the members; the lead is the earliest member.
const REFRESH_STORY: &str = "UPDATE stories SET \
     size = (SELECT COUNT(*) FROM articles WHERE story_id = $1), \
     first_seen = COALESCE((SELECT MIN(published_at) FROM articles WHERE story_id = $1), first_seen), \
     lead_article_id = COALESCE((SELECT id FROM articles WHERE story_id = $1 ORDER BY published_at, id LIMIT 1), lead_article_id), \
     last_update = $2 WHERE id = $1";
const GET_STORY: &str =
    "SELECT id, lead_article_id, first_seen, last_update, size FROM stories WHERE id = $1";
const ARTICLE_STORY: &str = "SELECT story_id FROM articles WHERE id = $1";
static STORY_ARTICLES: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {CARD_COLS} FROM articles a JOIN sources s ON s.id = a.source_id \
         WHERE a.story_id = $1 AND a.status = 'published' ORDER BY a.published_at, a.id"
    )
});
/// New articles for the clusterer, in id order. Ids follow commit order
/// (SQLite has one writer; PostgreSQL upserts hold one advisory lock), so
/// nothing below the last id seen can still appear.
static ARTICLES_AFTER: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {ARTICLE_COLS} FROM articles \
         WHERE status = 'published' AND ($1 IS NULL OR id > $1) ORDER BY id LIMIT $2"
    )
});
/// Published members and distinct outlets per story.
const STORY_REACH: IdListSql = IdListSql(
    "SELECT story_id, COUNT(*) AS articles, COUNT(DISTINCT source_id) AS sources \
     FROM articles WHERE status = 'published' AND story_id {ids} GROUP BY story_id ORDER BY story_id",
);

impl Db<'_> {
    pub(crate) async fn create_story(self, lead: ArticleId, now: Timestamp) -> Result<StoryId> {
        with_pool!(self, |pool| {
            let mut tx = pool.begin_write(Some(Lock::Stories)).await?;
            let id: i64 = sqlx::query_scalar(INSERT_STORY)
                .bind(lead.0)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query(SET_ARTICLE_STORY)
                .bind(lead.0)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(REFRESH_STORY)
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(StoryId(id))
        })
    }

    /// Moves the article into `story` and refreshes both the new story and
    /// the one it left.
    pub(crate) async fn assign_story(
        self,
        article: ArticleId,
        story: StoryId,
        now: Timestamp,
    ) -> Result<()> {
        with_pool!(self, |pool| {
            let mut tx = pool.begin_write(Some(Lock::Stories)).await?;
            let old: Option<Option<i64>> = sqlx::query_scalar(ARTICLE_STORY)
                .bind(article.0)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(old) = old else {
                return Err(StoreError::NotFound(format!("article {article}")));
            };
            sqlx::query(SET_ARTICLE_STORY)
                .bind(article.0)
                .bind(story.0)
                .execute(&mut *tx)
                .await?;
            let left = old.filter(|o| *o != story.0);
            for refreshed in std::iter::once(story.0).chain(left) {
                sqlx::query(REFRESH_STORY)
                    .bind(refreshed)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    pub(crate) async fn get_story(self, id: StoryId) -> Result<Option<Story>> {
        let row: Option<StoryRow> = with_pool!(self, |pool| {
            sqlx::query_as(GET_STORY)
                .bind(id.0)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(Into::into))
    }

    pub(crate) async fn story_articles(self, id: StoryId) -> Result<Vec<ArticleCard>> {
        let rows: Vec<CardRow> = with_pool!(self, |pool| {
            sqlx::query_as(STORY_ARTICLES.as_str())
                .bind(id.0)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(Into::into).collect())
    }

    pub(crate) async fn articles_after(
        self,
        after: Option<ArticleId>,
        limit: i64,
    ) -> Result<Vec<Article>> {
        let rows: Vec<ArticleRow> = with_pool!(self, |pool| {
            sqlx::query_as(ARTICLES_AFTER.as_str())
                .bind(after.map(|a| a.0))
                .bind(limit)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(TryInto::try_into).collect()
    }

    pub(crate) async fn article_story(self, id: ArticleId) -> Result<Option<StoryId>> {
        let story: Option<Option<i64>> = with_pool!(self, |pool| {
            sqlx::query_scalar(ARTICLE_STORY)
                .bind(id.0)
                .fetch_optional(pool)
                .await?
        });
        Ok(story.flatten().map(StoryId))
    }

    pub(crate) async fn story_reach(self, ids: &[StoryId]) -> Result<Vec<StoryReach>> {
        let ids: Vec<i64> = ids.iter().map(|i| i.0).collect();
        let rows: Vec<(i64, i64, i64)> =
            with_pool!(self, |pool| pool.fetch_for_ids(STORY_REACH, &ids).await?);
        let mut out: Vec<StoryReach> = rows
            .into_iter()
            .map(|(story, articles, sources)| StoryReach {
                story: StoryId(story),
                articles,
                sources,
            })
            .collect();
        // Lists too long for one statement come back in several sorted runs.
        out.sort_by_key(|r| r.story);
        Ok(out)
    }
}
