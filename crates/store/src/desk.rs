//! Editors' decisions about stories (migration 0015): merging, splitting,
//! pinning, titles, leads and hiding. The rules callers follow, and the
//! audit rows they write, are in `moderation`.

use crate::dialect::{Db, Dialect, Lock, with_pool};
use crate::error::{Result, StoreError};
use crate::model::ArticleCard;
use crate::reasons::{ReasonKind, SET_ARTICLE_REASON, SET_MEMBERS_REASON, StoryReason};
use crate::rows::{CARD_COLS, CardRow};
use crate::stories::{
    ARTICLE_STORY, INSERT_STORY, REFRESH_STORY, SET_ARTICLE_STORY, SET_STORY_THREAD,
};
use newsroom_core::{ArticleId, SectionId, StoryId, Timestamp};
use sqlx::{FromRow, Row};

/// One card per pinned story: its newest published member (in the section
/// when `$3` names one), newest first, with the pin's end. `$1` now, `$2` limit.
fn pinned_cards_sql(section: bool) -> String {
    format!(
        "SELECT {CARD_COLS}, p.pin FROM (SELECT a.id AS aid, st.pinned_until AS pin, \
           ROW_NUMBER() OVER (PARTITION BY a.story_id ORDER BY a.published_at DESC, a.id DESC) AS rn \
           FROM stories st JOIN articles a ON a.story_id = st.id \
           WHERE st.pinned_until > $1 AND COALESCE(st.hidden, 0) = 0 AND st.merged_into IS NULL \
           AND a.status = 'published'{}) p \
         JOIN articles a ON a.id = p.aid JOIN sources s ON s.id = a.source_id \
         WHERE p.rn = 1 ORDER BY a.published_at DESC, a.id DESC LIMIT $2",
        if section {
            " AND a.section_id = $3"
        } else {
            ""
        }
    )
}

const STORY_EXISTS: &str = "SELECT id FROM stories WHERE id = $1";
const MOVE_MEMBERS: &str = "UPDATE articles SET story_id = $1 WHERE story_id = $2";
/// The merged story, and any merged into it before, now point at the target:
/// redirects never chain.
const MARK_MERGED: &str = "UPDATE stories SET merged_into = $1 WHERE id = $2 OR merged_into = $2";
const LOCK_ARTICLE: &str = "UPDATE articles SET story_locked = 1 WHERE id = $1";
const SET_PIN: &str = "UPDATE stories SET pinned_until = $2 WHERE id = $1";
const SET_TITLE: &str = "UPDATE stories SET editor_title = $2 WHERE id = $1";
const SET_HIDDEN: &str = "UPDATE stories SET hidden = $2 WHERE id = $1";
const SET_LEAD: &str = "UPDATE stories SET lead_article_id = $2, editor_lead = 1 \
     WHERE id = $1 AND EXISTS (SELECT 1 FROM articles WHERE id = $2 AND story_id = $1)";
const CLEAR_LEAD: &str = "UPDATE stories SET editor_lead = 0 WHERE id = $1";

impl Db<'_> {
    /// Every article of `others` joins `target`; the others stay as
    /// redirects to it.
    pub(crate) async fn merge_stories(
        self,
        target: StoryId,
        others: &[StoryId],
        by: &str,
        now: Timestamp,
    ) -> Result<()> {
        let reasons: Vec<String> = others
            .iter()
            .map(|o| {
                let mut r = StoryReason::new(ReasonKind::Merged, by, now);
                r.from_story = Some(o.0);
                r.to_json()
            })
            .collect();
        with_pool!(self, |pool| {
            let mut tx = pool.begin_write(Some(Lock::Stories)).await?;
            for id in std::iter::once(target).chain(others.iter().copied()) {
                let found: Option<i64> = sqlx::query_scalar(STORY_EXISTS)
                    .bind(id.0)
                    .fetch_optional(&mut *tx)
                    .await?;
                if found.is_none() {
                    return Err(StoreError::NotFound(format!("story {id}")));
                }
            }
            for (other, reason) in others.iter().zip(&reasons) {
                sqlx::query(SET_MEMBERS_REASON)
                    .bind(other.0)
                    .bind(reason)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(MOVE_MEMBERS)
                    .bind(target.0)
                    .bind(other.0)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(MARK_MERGED)
                    .bind(target.0)
                    .bind(other.0)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(REFRESH_STORY)
                    .bind(other.0)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(REFRESH_STORY)
                .bind(target.0)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// The articles leave their stories for a new one of their own (in a
    /// thread of its own), and stay there whatever the clusterer says.
    pub(crate) async fn split_articles(
        self,
        articles: &[ArticleId],
        by: &str,
        now: Timestamp,
    ) -> Result<StoryId> {
        let Some(first) = articles.first() else {
            return Err(StoreError::Invalid("no article to split out".into()));
        };
        with_pool!(self, |pool| {
            let mut tx = pool.begin_write(Some(Lock::Stories)).await?;
            let mut left = Vec::new();
            for a in articles {
                let old: Option<Option<i64>> = sqlx::query_scalar(ARTICLE_STORY)
                    .bind(a.0)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(old) = old else {
                    return Err(StoreError::NotFound(format!("article {a}")));
                };
                let mut reason = StoryReason::new(ReasonKind::Split, by, now);
                reason.from_story = old;
                sqlx::query(SET_ARTICLE_REASON)
                    .bind(a.0)
                    .bind(reason.to_json())
                    .execute(&mut *tx)
                    .await?;
                left.extend(old);
            }
            let id: i64 = sqlx::query_scalar(INSERT_STORY)
                .bind(first.0)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query(SET_STORY_THREAD)
                .bind(id)
                .bind(None::<i64>)
                .execute(&mut *tx)
                .await?;
            for a in articles {
                sqlx::query(SET_ARTICLE_STORY)
                    .bind(a.0)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(LOCK_ARTICLE)
                    .bind(a.0)
                    .execute(&mut *tx)
                    .await?;
            }
            left.sort_unstable();
            left.dedup();
            for s in std::iter::once(id).chain(left) {
                sqlx::query(REFRESH_STORY)
                    .bind(s)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(StoryId(id))
        })
    }

    pub(crate) async fn set_story_pin(self, id: StoryId, until: Option<Timestamp>) -> Result<bool> {
        self.update_story(SET_PIN, id, until).await
    }

    pub(crate) async fn set_story_title(self, id: StoryId, title: Option<&str>) -> Result<bool> {
        with_pool!(self, |pool| {
            let r = sqlx::query(SET_TITLE)
                .bind(id.0)
                .bind(title)
                .execute(pool)
                .await?;
            Ok(r.rows_affected() > 0)
        })
    }

    pub(crate) async fn set_story_hidden(self, id: StoryId, hidden: bool) -> Result<bool> {
        self.update_story(SET_HIDDEN, id, Some(i64::from(hidden)))
            .await
    }

    /// The editor's lead (a member), or back to the earliest member with `None`.
    pub(crate) async fn set_story_lead(
        self,
        id: StoryId,
        lead: Option<ArticleId>,
        now: Timestamp,
    ) -> Result<bool> {
        with_pool!(self, |pool| {
            let mut tx = pool.begin_write(Some(Lock::Stories)).await?;
            let found: Option<i64> = sqlx::query_scalar(STORY_EXISTS)
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await?;
            if found.is_none() {
                return Ok(false);
            }
            match lead {
                Some(a) => {
                    let r = sqlx::query(SET_LEAD)
                        .bind(id.0)
                        .bind(a.0)
                        .execute(&mut *tx)
                        .await?;
                    if r.rows_affected() == 0 {
                        return Err(StoreError::Invalid(format!(
                            "article {a} is not in story {id}"
                        )));
                    }
                }
                None => {
                    sqlx::query(CLEAR_LEAD).bind(id.0).execute(&mut *tx).await?;
                    sqlx::query(REFRESH_STORY)
                        .bind(id.0)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            tx.commit().await?;
            Ok(true)
        })
    }

    pub(crate) async fn pinned_cards(
        self,
        now: Timestamp,
        section: Option<SectionId>,
        limit: i64,
    ) -> Result<Vec<(ArticleCard, Timestamp)>> {
        let sql = pinned_cards_sql(section.is_some());
        with_pool!(self, |pool| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(now)
                .bind(limit.max(0));
            if let Some(s) = section {
                q = q.bind(s.0);
            }
            let mut out = Vec::new();
            for r in q.fetch_all(pool).await? {
                let pin: i64 = r.try_get("pin")?;
                out.push((CardRow::from_row(&r)?.into(), pin));
            }
            Ok(out)
        })
    }

    async fn update_story(
        self,
        sql: &'static str,
        id: StoryId,
        value: Option<i64>,
    ) -> Result<bool> {
        with_pool!(self, |pool| {
            let r = sqlx::query(sql)
                .bind(id.0)
                .bind(value)
                .execute(pool)
                .await?;
            Ok(r.rows_affected() > 0)
        })
    }
}
