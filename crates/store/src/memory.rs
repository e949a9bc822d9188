//! What ingestion remembers about articles between polls (migration 0005): the
//! addresses each article has had, and its ingest state.

use crate::dialect::{Db, Dialect, with_pool};
use crate::error::{Result, StoreError};
use crate::model::ArticleLookup;
use crate::rows::{ARTICLE_COLS, ArticleRow};
use newsroom_core::{Article, ArticleAddress, ArticleId, BodyOrigin, IngestState};

pub const ARTICLE_BY_ADDRESS: &str =
    "SELECT article_id FROM article_addresses WHERE scope = $1 AND address = $2";
/// The first article to claim an address keeps it: a shared hop (a home page every
/// dead link redirects to) must not merge two articles.
pub const ADD_ADDRESS_COLS: &str =
    "INSERT INTO article_addresses (scope, address, kind, article_id) VALUES";
pub const ADDRESS_CONFLICT: &str = "ON CONFLICT (scope, address) DO NOTHING";
pub const INGEST_STATE: &str = "SELECT body_origin, published_trusted, first_seen, feed_updated, feed_hash, \
     page_etag, page_last_modified, page_checked_at, rechecks FROM article_ingest_state WHERE article_id = $1";
pub const SET_STATE_COLS: &str = "INSERT INTO article_ingest_state (article_id, body_origin, published_trusted, \
     first_seen, feed_updated, feed_hash, page_etag, page_last_modified, page_checked_at, rechecks) VALUES";
pub const STATE_CONFLICT: &str = "ON CONFLICT (article_id) DO UPDATE SET body_origin = excluded.body_origin, \
     published_trusted = excluded.published_trusted, first_seen = excluded.first_seen, \
     feed_updated = excluded.feed_updated, feed_hash = excluded.feed_hash, page_etag = excluded.page_etag, \
     page_last_modified = excluded.page_last_modified, page_checked_at = excluded.page_checked_at, \
     rechecks = excluded.rechecks";

/// The statement remembering `rows` addresses, four parameters each
/// (scope, address, kind, article).
pub fn add_addresses_sql(rows: usize, numbered: bool) -> String {
    format!(
        "{ADD_ADDRESS_COLS} {} {ADDRESS_CONFLICT}",
        crate::table::values_list(rows, 4, numbered)
    )
}

/// The statement setting `rows` ingest states, ten parameters each (see `bind_state!`).
pub fn set_states_sql(rows: usize, numbered: bool) -> String {
    format!(
        "{SET_STATE_COLS} {} {STATE_CONFLICT}",
        crate::table::values_list(rows, 10, numbered)
    )
}

/// Binds an article id and its ingest state, in `SET_STATE_COLS` order.
macro_rules! bind_state {
    ($q:expr, $id:expr, $s:expr) => {
        $q.bind($id)
            .bind($s.body_origin.as_str())
            .bind(i64::from($s.published_trusted))
            .bind($s.first_seen)
            .bind($s.feed_updated)
            .bind(&$s.feed_hash)
            .bind(&$s.page_etag)
            .bind(&$s.page_last_modified)
            .bind($s.page_checked_at)
            .bind($s.rechecks)
    };
}
pub(crate) use bind_state;

/// Columns of an ingest state, read beside an article (`KnownRow`).
const STATE_COLS: &str = "s.body_origin, s.published_trusted, s.first_seen, s.feed_updated, \
     s.feed_hash, s.page_etag, s.page_last_modified, s.page_checked_at, s.rechecks";

/// One statement for `find_article`: a branch per lookup, numbered by its
/// place so the first that finds an article wins.
fn find_sql(lookups: &[ArticleLookup]) -> String {
    let mut branches = Vec::with_capacity(lookups.len());
    let mut param = 0;
    for (place, l) in lookups.iter().enumerate() {
        branches.push(match l {
            ArticleLookup::Address(_) => {
                param += 2;
                format!(
                    "SELECT article_id AS id, {place} AS place FROM article_addresses \
                     WHERE scope = ${} AND address = ${param}",
                    param - 1
                )
            }
            ArticleLookup::CanonicalUrl(_) => {
                param += 1;
                format!("SELECT id, {place} AS place FROM articles WHERE canonical_url = ${param}")
            }
        });
    }
    format!(
        "SELECT {ARTICLE_COLS}, {STATE_COLS} FROM ({}) m JOIN articles a ON a.id = m.id \
         LEFT JOIN article_ingest_state s ON s.article_id = a.id ORDER BY m.place LIMIT 1",
        branches.join(" UNION ALL ")
    )
}

/// An article and its ingest state, when one was kept.
#[derive(sqlx::FromRow)]
struct KnownRow {
    #[sqlx(flatten)]
    article: ArticleRow,
    body_origin: Option<String>,
    published_trusted: Option<i64>,
    first_seen: Option<i64>,
    feed_updated: Option<i64>,
    feed_hash: Option<String>,
    page_etag: Option<String>,
    page_last_modified: Option<String>,
    page_checked_at: Option<i64>,
    rechecks: Option<i64>,
}

impl KnownRow {
    fn split(self) -> Result<(Article, Option<IngestState>)> {
        let state = match self.body_origin {
            Some(body_origin) => Some(
                IngestStateRow {
                    body_origin,
                    published_trusted: self.published_trusted.unwrap_or_default(),
                    first_seen: self.first_seen.unwrap_or_default(),
                    feed_updated: self.feed_updated,
                    feed_hash: self.feed_hash,
                    page_etag: self.page_etag,
                    page_last_modified: self.page_last_modified,
                    page_checked_at: self.page_checked_at,
                    rechecks: self.rechecks.unwrap_or_default(),
                }
                .try_into()?,
            ),
            None => None,
        };
        Ok((self.article.try_into()?, state))
    }
}

#[derive(sqlx::FromRow)]
pub struct IngestStateRow {
    pub body_origin: String,
    pub published_trusted: i64,
    pub first_seen: i64,
    pub feed_updated: Option<i64>,
    pub feed_hash: Option<String>,
    pub page_etag: Option<String>,
    pub page_last_modified: Option<String>,
    pub page_checked_at: Option<i64>,
    pub rechecks: i64,
}

impl TryFrom<IngestStateRow> for IngestState {
    type Error = StoreError;

    fn try_from(r: IngestStateRow) -> Result<Self, StoreError> {
        Ok(IngestState {
            body_origin: BodyOrigin::parse(&r.body_origin).ok_or_else(|| {
                StoreError::Corrupt(format!("unknown body origin {:?}", r.body_origin))
            })?,
            published_trusted: r.published_trusted != 0,
            first_seen: r.first_seen,
            feed_updated: r.feed_updated,
            feed_hash: r.feed_hash,
            page_etag: r.page_etag,
            page_last_modified: r.page_last_modified,
            page_checked_at: r.page_checked_at,
            rechecks: r.rechecks,
        })
    }
}

impl Db<'_> {
    pub(crate) async fn article_by_address(self, a: &ArticleAddress) -> Result<Option<ArticleId>> {
        let id: Option<i64> = with_pool!(self, |pool| {
            sqlx::query_scalar(ARTICLE_BY_ADDRESS)
                .bind(a.scope())
                .bind(&a.address)
                .fetch_optional(pool)
                .await?
        });
        Ok(id.map(ArticleId))
    }

    pub(crate) async fn add_article_addresses(
        self,
        id: ArticleId,
        all: &[ArticleAddress],
    ) -> Result<()> {
        if all.is_empty() {
            return Ok(());
        }
        with_pool!(self, |pool| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(add_addresses_sql(
                all.len(),
                pool.numbered_params(),
            )));
            for a in all {
                q = q
                    .bind(a.scope())
                    .bind(&a.address)
                    .bind(a.kind.as_str())
                    .bind(id.0);
            }
            q.execute(pool).await?;
        });
        Ok(())
    }

    pub(crate) async fn find_article(
        self,
        lookups: &[ArticleLookup],
    ) -> Result<Option<(Article, Option<IngestState>)>> {
        if lookups.is_empty() {
            return Ok(None);
        }
        let sql = find_sql(lookups);
        let row: Option<KnownRow> = with_pool!(self, |pool| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
            for l in lookups {
                q = match l {
                    ArticleLookup::Address(a) => q.bind(a.scope()).bind(&a.address),
                    ArticleLookup::CanonicalUrl(u) => q.bind(u),
                };
            }
            q.fetch_optional(pool).await?
        });
        row.map(KnownRow::split).transpose()
    }

    pub(crate) async fn ingest_state(self, id: ArticleId) -> Result<Option<IngestState>> {
        let row: Option<IngestStateRow> = with_pool!(self, |pool| {
            sqlx::query_as(INGEST_STATE)
                .bind(id.0)
                .fetch_optional(pool)
                .await?
        });
        row.map(TryInto::try_into).transpose()
    }

    pub(crate) async fn set_ingest_state(self, id: ArticleId, s: &IngestState) -> Result<()> {
        with_pool!(self, |pool| {
            let q = sqlx::query(sqlx::AssertSqlSafe(set_states_sql(
                1,
                pool.numbered_params(),
            )));
            bind_state!(q, id.0, s).execute(pool).await?;
        });
        Ok(())
    }
}
