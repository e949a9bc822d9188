//! Articles: the upsert that files what ingestion brings, the public lists,
//! search, sitemap ranges, moderation and retention.

use crate::batch::Item;
use crate::dialect::{Db, Dialect, Lock, with_pool};
use crate::error::Result;
use crate::listed::listed;
use crate::model::{
    AdminArticle, ArticleCard, ArticleLink, ArticlePage, IdRange, ListQuery, UpsertOutcome,
};
use crate::rows::{
    ARTICLE_COLS, AdminArticleRow, ArticleLinkRow, ArticlePageRow, ArticleRow, CARD_COLS, CardRow,
    IdRangeRow,
};
use crate::search::{SearchResults, SearchTerms};
use newsroom_core::{Article, ArticleId, ArticleStatus, NewArticle, SectionId, Timestamp};
use sqlx::{FromRow, Row};
use std::sync::LazyLock;

static GET_ARTICLE: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {ARTICLE_COLS} FROM articles a WHERE id = $1"));
/// An article page's one read: the article, its outlet's name and its
/// story's hidden flag, by primary keys.
pub(crate) static ARTICLE_PAGE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {ARTICLE_COLS}, a.story_id, COALESCE(s.name, '') AS source_name, \
         COALESCE(st.hidden, 0) AS story_hidden \
         FROM articles a LEFT JOIN sources s ON s.id = a.source_id \
         LEFT JOIN stories st ON st.id = a.story_id WHERE a.id = $1"
    )
});
static ARTICLE_BY_CANONICAL_URL: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {ARTICLE_COLS} FROM articles a WHERE canonical_url = $1"));

/// The WHERE of the public lists, with only the filters asked for, as
/// `$n`-numbered binds starting at `$1`. A filter written
/// `($1 IS NULL OR a.section_id = $1)` hides the section and source indexes
/// from SQLite's planner, which then walks every published article (62 ms
/// for a section's count on 20,000 articles, against 0.1 ms).
fn list_filter(q: &ListQuery) -> (String, Vec<i64>) {
    let mut sql = String::from(listed!("a"));
    let mut binds = Vec::new();
    for (column, value) in [
        ("section_id", q.section.map(|s| s.0)),
        ("source_id", q.source.map(|s| s.0)),
    ] {
        if let Some(v) = value {
            binds.push(v);
            sql.push_str(&format!(" AND a.{column} = ${}", binds.len()));
        }
    }
    (sql, binds)
}

fn list_articles_sql(filter: &str, params: usize) -> String {
    format!(
        "SELECT {CARD_COLS} FROM articles a JOIN sources s ON s.id = a.source_id \
         WHERE {filter} ORDER BY a.published_at DESC, a.id DESC LIMIT ${} OFFSET ${}",
        params + 1,
        params + 2
    )
}
const ARTICLE_ID_RANGES: &str = concat!(
    "SELECT CAST((a.id - 1) / $1 + 1 AS BIGINT) AS idx, \
     CAST(COUNT(*) AS BIGINT) AS articles, CAST(MAX(a.updated_at) AS BIGINT) AS last_modified \
     FROM articles a WHERE ",
    listed!("a"),
    " GROUP BY 1 ORDER BY 1"
);
const ARTICLE_LINKS: &str = concat!(
    "SELECT a.id, a.title, a.published_at, a.updated_at FROM articles a WHERE ",
    listed!("a"),
    " AND a.id >= $1 AND a.id <= $2 ORDER BY a.id"
);
const SET_ARTICLE_STATUS: &str = "UPDATE articles SET status = $2, updated_at = $3 WHERE id = $1";
const ARTICLE_URL: &str = "SELECT id, canonical_url FROM articles WHERE id = $1";
const INSERT_TOMBSTONE: &str = "INSERT INTO tombstones (canonical_url, deleted_at) VALUES ($1, $2) \
     ON CONFLICT (canonical_url) DO NOTHING";
const DELETE_ARTICLE: &str = "DELETE FROM articles WHERE id = $1";
/// In id order, the order view flushes lock articles in, so retention and a
/// flush on another node do not deadlock.
const OLD_ARTICLES: &str = "SELECT id, canonical_url FROM articles \
     WHERE ($1 IS NULL OR section_id = $1) AND published_at < $2 ORDER BY id";
/// Every article whatever its status, for the admin area.
static LIST_ALL_ARTICLES: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {CARD_COLS}, a.status FROM articles a JOIN sources s ON s.id = a.source_id \
         ORDER BY a.published_at DESC, a.id DESC LIMIT $1 OFFSET $2"
    )
});

/// What `bury` deletes: one article, or those of a section (or all)
/// published before a time.
enum Doomed {
    One(ArticleId),
    Before(Option<SectionId>, Timestamp),
}

impl Db<'_> {
    pub(crate) async fn upsert_article(
        self,
        a: &NewArticle,
        now: Timestamp,
    ) -> Result<UpsertOutcome> {
        let item = Item {
            article: a,
            addresses: &[],
            state: None,
        };
        let mut outcomes = self.write_articles(&[item], now).await?;
        outcomes
            .pop()
            .ok_or_else(|| crate::error::StoreError::Corrupt("an upsert wrote nothing".into()))
    }

    pub(crate) async fn get_article(self, id: ArticleId) -> Result<Option<Article>> {
        let row: Option<ArticleRow> = with_pool!(self, |pool| {
            sqlx::query_as(GET_ARTICLE.as_str())
                .bind(id.0)
                .fetch_optional(pool)
                .await?
        });
        row.map(TryInto::try_into).transpose()
    }

    pub(crate) async fn article_page(self, id: ArticleId) -> Result<Option<ArticlePage>> {
        let row: Option<ArticlePageRow> = with_pool!(self, |pool| {
            sqlx::query_as(ARTICLE_PAGE.as_str())
                .bind(id.0)
                .fetch_optional(pool)
                .await?
        });
        row.map(TryInto::try_into).transpose()
    }

    pub(crate) async fn article_by_canonical_url(self, url: &str) -> Result<Option<Article>> {
        let row: Option<ArticleRow> = with_pool!(self, |pool| {
            sqlx::query_as(ARTICLE_BY_CANONICAL_URL.as_str())
                .bind(url)
                .fetch_optional(pool)
                .await?
        });
        row.map(TryInto::try_into).transpose()
    }

    pub(crate) async fn list_articles(self, q: &ListQuery) -> Result<Vec<ArticleCard>> {
        let (filter, binds) = list_filter(q);
        let sql = list_articles_sql(&filter, binds.len());
        let rows: Vec<CardRow> = with_pool!(self, |pool| {
            let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql));
            for b in &binds {
                query = query.bind(*b);
            }
            query.bind(q.limit).bind(q.offset).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(Into::into).collect())
    }

    pub(crate) async fn count_articles(self, q: &ListQuery) -> Result<i64> {
        let (filter, binds) = list_filter(q);
        let sql = format!("SELECT COUNT(*) FROM articles a WHERE {filter}");
        Ok(with_pool!(self, |pool| {
            let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql));
            for b in &binds {
                query = query.bind(*b);
            }
            query.fetch_one(pool).await?
        }))
    }

    pub(crate) async fn search_articles(
        self,
        terms: &SearchTerms,
        section: Option<SectionId>,
        limit: i64,
        offset: i64,
    ) -> Result<SearchResults> {
        if terms.is_empty() {
            return Ok(SearchResults::default());
        }
        let section = section.map(|s| s.0);
        let (total, rows): (i64, Vec<(CardRow, String)>) = with_pool!(self, |pool| {
            let (count_sql, page_sql) = pool.search_sql();
            let args = pool.search_args(terms);
            let mut count = sqlx::query_scalar(count_sql);
            let mut page = sqlx::query(page_sql);
            for arg in &args {
                count = count.bind(arg);
                page = page.bind(arg);
            }
            let total = count.bind(section).fetch_one(pool).await?;
            let rows = page
                .bind(section)
                .bind(limit.max(0))
                .bind(offset.max(0))
                .fetch_all(pool)
                .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let snippet: Option<String> = r.try_get("snippet")?;
                out.push((CardRow::from_row(r)?, snippet.unwrap_or_default()));
            }
            let bare: Vec<i64> = out
                .iter()
                .filter(|(_, s)| s.is_empty())
                .map(|(c, _)| c.id)
                .collect();
            if !bare.is_empty() {
                for (id, snippet) in pool.stem_snippets(terms, &bare).await? {
                    if let Some(row) = out.iter_mut().find(|(c, _)| c.id == id) {
                        row.1 = snippet;
                    }
                }
            }
            (total, out)
        });
        let (cards, snippets) = rows.into_iter().map(|(c, s)| (c.into(), s)).unzip();
        Ok(SearchResults {
            cards,
            snippets,
            total,
        })
    }

    pub(crate) async fn article_id_ranges(self, size: i64) -> Result<Vec<IdRange>> {
        let rows: Vec<IdRangeRow> = with_pool!(self, |pool| {
            sqlx::query_as(ARTICLE_ID_RANGES)
                // Zero would divide by zero: an error on PostgreSQL, NULL on SQLite.
                .bind(size.max(1))
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(Into::into).collect())
    }

    pub(crate) async fn article_links(
        self,
        first: ArticleId,
        last: ArticleId,
    ) -> Result<Vec<ArticleLink>> {
        let rows: Vec<ArticleLinkRow> = with_pool!(self, |pool| {
            sqlx::query_as(ARTICLE_LINKS)
                .bind(first.0)
                .bind(last.0)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(Into::into).collect())
    }

    pub(crate) async fn set_article_status(
        self,
        id: ArticleId,
        status: ArticleStatus,
        now: Timestamp,
    ) -> Result<bool> {
        with_pool!(self, |pool| {
            let r = sqlx::query(SET_ARTICLE_STATUS)
                .bind(id.0)
                .bind(status.as_str())
                .bind(now)
                .execute(pool)
                .await?;
            Ok(r.rows_affected() > 0)
        })
    }

    pub(crate) async fn delete_article(self, id: ArticleId, now: Timestamp) -> Result<bool> {
        Ok(self.bury(Doomed::One(id), now).await? > 0)
    }

    pub(crate) async fn delete_articles_before(
        self,
        section: Option<SectionId>,
        before: Timestamp,
        now: Timestamp,
    ) -> Result<u64> {
        self.bury(Doomed::Before(section, before), now).await
    }

    /// Deletes the articles and leaves a tombstone for each, so ingestion
    /// never brings them back; returns how many went.
    async fn bury(self, doomed: Doomed, now: Timestamp) -> Result<u64> {
        with_pool!(self, |pool| {
            let mut tx = pool.begin_write(Some(Lock::Articles)).await?;
            let old = match doomed {
                Doomed::One(id) => sqlx::query(ARTICLE_URL).bind(id.0),
                Doomed::Before(section, before) => sqlx::query(OLD_ARTICLES)
                    .bind(section.map(|s| s.0))
                    .bind(before),
            }
            .fetch_all(&mut *tx)
            .await?;
            for row in &old {
                let id: i64 = row.try_get(0)?;
                let url: String = row.try_get(1)?;
                sqlx::query(INSERT_TOMBSTONE)
                    .bind(&url)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(DELETE_ARTICLE)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(old.len() as u64)
        })
    }

    pub(crate) async fn list_all_articles(
        self,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<AdminArticle>> {
        let rows: Vec<AdminArticleRow> = with_pool!(self, |pool| {
            sqlx::query_as(LIST_ALL_ARTICLES.as_str())
                .bind(limit)
                .bind(offset)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(TryInto::try_into).collect()
    }
}
