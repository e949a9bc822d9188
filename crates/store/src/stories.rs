//! Stories: articles grouped by the clusterer, and what it reads to group them.

use crate::dialect::{Db, Dialect, IdListSql, Lock, with_pool};
use crate::error::{Result, StoreError};
use crate::filing::{Filing, FilingStory, StoryRef};
use crate::model::{ArticleCard, StoryMember, StoryReach, ThreadStory};
use crate::reasons::{SET_REASON, StoryReason};
use crate::rows::{ARTICLE_COLS, CARD_COLS};
use crate::rows::{ArticleRow, CardRow, StoryRow};
use newsroom_core::{Article, ArticleId, ArticleStatus, SourceId, Story, StoryId, Timestamp};
use std::sync::LazyLock;

pub(crate) const INSERT_STORY: &str = "INSERT INTO stories (lead_article_id, first_seen, last_update, size) VALUES ($1, $2, $2, 0) RETURNING id";
/// The new story joins the thread of the story named (any story of a
/// thread names it), or opens its own when none is named or it is unknown.
pub(crate) const SET_STORY_THREAD: &str = "UPDATE stories SET \
     thread_id = COALESCE((SELECT t.thread_id FROM stories t WHERE t.id = $2), id) WHERE id = $1";
pub(crate) const SET_ARTICLE_STORY: &str = "UPDATE articles SET story_id = $2 WHERE id = $1";
/// Recomputes size and first-seen from the members; the lead is the
/// earliest member, unless an editor chose one that is still a member.
pub(crate) const REFRESH_STORY: &str = "UPDATE stories SET \
     size = (SELECT COUNT(*) FROM articles WHERE story_id = $1), \
     first_seen = COALESCE((SELECT MIN(published_at) FROM articles WHERE story_id = $1), first_seen), \
     lead_article_id = CASE WHEN editor_lead = 1 AND EXISTS \
       (SELECT 1 FROM articles WHERE id = stories.lead_article_id AND story_id = $1) THEN lead_article_id \
       ELSE COALESCE((SELECT id FROM articles WHERE story_id = $1 ORDER BY published_at, id LIMIT 1), lead_article_id) END, \
     editor_lead = CASE WHEN editor_lead = 1 AND EXISTS \
       (SELECT 1 FROM articles WHERE id = stories.lead_article_id AND story_id = $1) THEN 1 ELSE 0 END, \
     last_update = $2 WHERE id = $1";
const GET_STORY: &str = "SELECT id, lead_article_id, first_seen, last_update, size, thread_id, \
     editor_title, editor_lead, pinned_until, hidden, merged_into FROM stories WHERE id = $1";
/// An article's story, whether an editor placed it, and where an article
/// filed under story $2 lands (a merged story's target), in one statement.
const ARTICLE_PLACE: &str = "SELECT a.story_id, COALESCE(a.story_locked, 0), \
     (SELECT COALESCE(s.merged_into, s.id) FROM stories s WHERE s.id = $2) FROM articles a WHERE a.id = $1";
/// Moves an article into story $2 with its reason $3 (kept when NULL; a
/// reason by the clusterer ($4 = 1) does not replace an editor's), as
/// `SET_ARTICLE_STORY` and `SET_REASON` in one statement.
const FILE_ARTICLE: &str = "UPDATE articles SET story_id = $2, \
     story_reason = CASE WHEN $3 IS NOT NULL AND ($4 = 0 OR COALESCE(story_locked, 0) = 0) \
     THEN $3 ELSE story_reason END WHERE id = $1";
pub(crate) const ARTICLE_STORY: &str = "SELECT story_id FROM articles WHERE id = $1";
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
        "SELECT {ARTICLE_COLS} FROM articles a \
         WHERE status = 'published' AND ($1 IS NULL OR id > $1) ORDER BY id LIMIT $2"
    )
});
/// Published members and distinct outlets per story, its lead (the earliest
/// published member: the one definition of a story's lead) and its thread's
/// earliest published article.
const STORY_REACH: IdListSql = IdListSql(
    "SELECT a.story_id, COUNT(*) AS articles, COUNT(DISTINCT a.source_id) AS sources, \
       COALESCE((SELECT b.id FROM articles b WHERE st.editor_lead = 1 AND b.id = st.lead_article_id \
        AND b.story_id = st.id AND b.status = 'published'), \
       (SELECT b.id FROM articles b WHERE b.story_id = a.story_id AND b.status = 'published' \
        ORDER BY b.published_at, b.id LIMIT 1)) AS lead_id, \
       MIN(a.published_at) AS first_published, \
       COALESCE(st.thread_id, st.id) AS thread, \
       (SELECT MIN(b.published_at) FROM stories t JOIN articles b ON b.story_id = t.id \
        WHERE t.thread_id = COALESCE(st.thread_id, st.id) AND b.status = 'published') AS thread_first \
     FROM articles a JOIN stories st ON st.id = a.story_id \
     WHERE a.status = 'published' AND a.story_id {ids} \
     GROUP BY a.story_id, st.id, st.thread_id, st.editor_lead, st.lead_article_id ORDER BY a.story_id",
);
/// Every member of a story with its source and status, from the index
/// `articles_story_members` alone (migration 0021): the status sits after
/// the bodies in an article's row, so reading it from the table walks each
/// member's overflow pages.
pub(crate) const STORY_MEMBERS: &str =
    "SELECT id, source_id, status FROM articles WHERE story_id = $1 ORDER BY id";
/// The stories some articles are filed under.
const ARTICLE_STORIES: IdListSql =
    IdListSql("SELECT DISTINCT story_id FROM articles WHERE story_id IS NOT NULL AND id {ids}");
/// A thread's stories that have a published article, newest first.
/// A story without a thread id (copied from a site older than threads) is a
/// thread of its own.
const THREAD_STORY_IDS: &str = "SELECT t.id FROM stories t \
     WHERE (t.thread_id = $1 OR (t.id = $1 AND t.thread_id IS NULL)) AND COALESCE(t.hidden, 0) = 0 \
     AND EXISTS (SELECT 1 FROM articles b WHERE b.story_id = t.id AND b.status = 'published') \
     ORDER BY t.first_seen DESC, t.id DESC LIMIT $2";
/// Published members of several stories, each story's oldest first.
static STORIES_ARTICLES: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {CARD_COLS} FROM articles a JOIN sources s ON s.id = a.source_id \
         WHERE a.status = 'published' AND a.story_id {{ids}} ORDER BY a.story_id, a.published_at, a.id"
    )
});
/// Published articles by id, for lists that show a story by its lead.
static CARDS_BY_ID: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {CARD_COLS} FROM articles a JOIN sources s ON s.id = a.source_id \
         WHERE a.status = 'published' AND a.id {{ids}}"
    )
});

impl Db<'_> {
    /// A new story led by `lead`, in the thread of `thread` (a story), or
    /// opening a thread of its own.
    pub(crate) async fn create_story(
        self,
        lead: ArticleId,
        thread: Option<StoryId>,
        now: Timestamp,
    ) -> Result<StoryId> {
        let open = Filing {
            article: lead,
            story: FilingStory::Open {
                thread: thread.map(StoryRef::Stored),
            },
            reason: None,
        };
        Ok(self.file_articles(&[open], now).await?[0])
    }

    /// Moves the article into `story` and refreshes both the new story and
    /// the one it left.
    pub(crate) async fn assign_story(
        self,
        article: ArticleId,
        story: StoryId,
        now: Timestamp,
    ) -> Result<()> {
        let join = Filing {
            article,
            story: FilingStory::Join(StoryRef::Stored(story)),
            reason: None,
        };
        self.file_articles(&[join], now).await?;
        Ok(())
    }

    /// Files each article as `create_story_in_thread` or `assign_story`
    /// would, with its reason, all in one write transaction: a clustering
    /// batch paid a transaction (a COMMIT, a turn to write) per call, three
    /// per article. Each story's size, lead and times are recomputed once,
    /// after all of the batch's members are in. Returns the story of each
    /// filing (the one named for a join, as `assign_story` is given it).
    pub(crate) async fn file_articles(
        self,
        filings: &[Filing],
        now: Timestamp,
    ) -> Result<Vec<StoryId>> {
        if filings.is_empty() {
            return Ok(Vec::new());
        }
        with_pool!(self, |pool| {
            let mut tx = pool.begin_write(Some(Lock::Stories)).await?;
            let mut stories: Vec<StoryId> = Vec::with_capacity(filings.len());
            let mut refresh = std::collections::BTreeSet::new();
            for f in filings {
                let at = stories.len();
                // The story the article moves into, if it moves.
                let mut placed = None;
                let resolve = |r: StoryRef| match r {
                    StoryRef::Stored(id) => Ok(id),
                    StoryRef::Opened(i)
                        if i < at && matches!(filings[i].story, FilingStory::Open { .. }) =>
                    {
                        Ok(stories[i])
                    }
                    StoryRef::Opened(i) => Err(StoreError::Invalid(format!(
                        "filing {at} names filing {i}, which opens no story before it"
                    ))),
                };
                let story = match f.story {
                    FilingStory::Open { thread } => {
                        let thread = thread.map(resolve).transpose()?;
                        let id: i64 = sqlx::query_scalar(INSERT_STORY)
                            .bind(f.article.0)
                            .bind(now)
                            .fetch_one(&mut *tx)
                            .await?;
                        sqlx::query(SET_STORY_THREAD)
                            .bind(id)
                            .bind(thread.map(|t| t.0))
                            .execute(&mut *tx)
                            .await?;
                        refresh.insert(id);
                        placed = Some(id);
                        StoryId(id)
                    }
                    FilingStory::Join(named) => {
                        let named = resolve(named)?;
                        let row: Option<(Option<i64>, i64, Option<i64>)> =
                            sqlx::query_as(ARTICLE_PLACE)
                                .bind(f.article.0)
                                .bind(named.0)
                                .fetch_optional(&mut *tx)
                                .await?;
                        let Some((old, locked, live)) = row else {
                            return Err(StoreError::NotFound(format!("article {}", f.article)));
                        };
                        // Editors' decisions hold: an article they moved stays where
                        // they put it, and a merged story's articles go to its target.
                        if locked == 0 {
                            let live = live.unwrap_or(named.0);
                            refresh.insert(live);
                            refresh.extend(old.filter(|o| *o != live));
                            placed = Some(live);
                        }
                        named
                    }
                };
                let reason = f.reason.as_ref();
                let json = reason.map(StoryReason::to_json);
                let by_clusterer = i64::from(reason.is_some_and(StoryReason::by_clusterer));
                match placed {
                    Some(story) => {
                        sqlx::query(FILE_ARTICLE)
                            .bind(f.article.0)
                            .bind(story)
                            .bind(&json)
                            .bind(by_clusterer)
                            .execute(&mut *tx)
                            .await?;
                    }
                    None if json.is_some() => {
                        sqlx::query(SET_REASON)
                            .bind(f.article.0)
                            .bind(&json)
                            .bind(by_clusterer)
                            .execute(&mut *tx)
                            .await?;
                    }
                    None => {}
                }
                stories.push(story);
            }
            for id in refresh {
                sqlx::query(REFRESH_STORY)
                    .bind(id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(stories)
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
        type Row = (i64, i64, i64, i64, i64, i64, Option<i64>);
        let rows: Vec<Row> = with_pool!(self, |pool| pool.fetch_for_ids(STORY_REACH, &ids).await?);
        let mut out: Vec<StoryReach> = rows
            .into_iter()
            .map(
                |(story, articles, sources, lead, first, thread, thread_first)| StoryReach {
                    story: StoryId(story),
                    articles,
                    sources,
                    lead: ArticleId(lead),
                    first_published: first,
                    thread: StoryId(thread),
                    thread_first_published: thread_first.unwrap_or(first).min(first),
                },
            )
            .collect();
        // Lists too long for one statement come back in several sorted runs.
        out.sort_by_key(|r| r.story);
        Ok(out)
    }
}

impl Db<'_> {
    /// Up to `limit` stories of the thread, newest first, each with its
    /// published articles; stories whose articles are all hidden are left out.
    pub(crate) async fn thread_stories(
        self,
        thread: StoryId,
        limit: i64,
    ) -> Result<Vec<ThreadStory>> {
        let ids: Vec<i64> = with_pool!(self, |pool| {
            sqlx::query_scalar(THREAD_STORY_IDS)
                .bind(thread.0)
                .bind(limit)
                .fetch_all(pool)
                .await?
        });
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = IdListSql(STORIES_ARTICLES.as_str());
        let rows: Vec<CardRow> = with_pool!(self, |pool| pool.fetch_for_ids(sql, &ids).await?);
        let mut by_story: std::collections::HashMap<i64, Vec<ArticleCard>> =
            std::collections::HashMap::new();
        for card in rows.into_iter().map(ArticleCard::from) {
            if let Some(s) = card.story_id {
                by_story.entry(s.0).or_default().push(card);
            }
        }
        Ok(ids
            .into_iter()
            .filter_map(|id| {
                let mut articles = by_story.remove(&id)?;
                // Several id chunks may each be sorted: sort again.
                articles.sort_by_key(|c| (c.published_at, c.id));
                Some(ThreadStory {
                    story: StoryId(id),
                    articles,
                })
            })
            .collect())
    }

    pub(crate) async fn story_members(self, id: StoryId) -> Result<Vec<StoryMember>> {
        let rows: Vec<(i64, i64, String)> = with_pool!(self, |pool| {
            sqlx::query_as(STORY_MEMBERS)
                .bind(id.0)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(story_member).collect())
    }

    pub(crate) async fn article_stories(self, ids: &[ArticleId]) -> Result<Vec<StoryId>> {
        let raw: Vec<i64> = ids.iter().map(|i| i.0).collect();
        if raw.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<(i64,)> = with_pool!(self, |pool| pool
            .fetch_for_ids(ARTICLE_STORIES, &raw)
            .await?);
        let mut out: Vec<StoryId> = rows.into_iter().map(|(s,)| StoryId(s)).collect();
        // Lists too long for one statement come back in several runs.
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    /// The published articles among `ids`, in the order asked.
    pub(crate) async fn article_cards(self, ids: &[ArticleId]) -> Result<Vec<ArticleCard>> {
        let raw: Vec<i64> = ids.iter().map(|i| i.0).collect();
        if raw.is_empty() {
            return Ok(Vec::new());
        }
        let sql = IdListSql(CARDS_BY_ID.as_str());
        let rows: Vec<CardRow> = with_pool!(self, |pool| pool.fetch_for_ids(sql, &raw).await?);
        let mut by_id: std::collections::HashMap<ArticleId, ArticleCard> = rows
            .into_iter()
            .map(|r| {
                let c = ArticleCard::from(r);
                (c.id, c)
            })
            .collect();
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }
}

/// A `STORY_MEMBERS` row: id, source id, status.
pub(crate) fn story_member((id, source, status): (i64, i64, String)) -> StoryMember {
    StoryMember {
        id: ArticleId(id),
        source: SourceId(source),
        published: status == ArticleStatus::Published.as_str(),
    }
}
