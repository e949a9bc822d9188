//! What ingestion remembers about articles between polls (migration 0005): the
//! addresses each article has had, and its ingest state.

use crate::dialect::{Db, Dialect, with_pool};
use crate::error::{Result, StoreError};
use newsroom_core::{ArticleAddress, ArticleId, BodyOrigin, IngestState};

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
