//! What ingestion remembers about articles between polls (migration 0005): the
//! addresses each article has had, and its ingest state.

use crate::dialect::{Db, with_pool};
use crate::error::{Result, StoreError};
use newsroom_core::{ArticleAddress, ArticleId, BodyOrigin, IngestState};

pub const ARTICLE_BY_ADDRESS: &str =
    "SELECT article_id FROM article_addresses WHERE scope = $1 AND address = $2";
/// The first article to claim an address keeps it: a shared hop (a home page every
/// dead link redirects to) must not merge two articles.
pub const ADD_ADDRESS: &str = "INSERT INTO article_addresses (scope, address, kind, article_id) \
     VALUES ($1, $2, $3, $4) ON CONFLICT (scope, address) DO NOTHING";
pub const INGEST_STATE: &str = "SELECT body_origin, published_trusted, first_seen, feed_updated, feed_hash, \
     page_etag, page_last_modified, page_checked_at, rechecks FROM article_ingest_state WHERE article_id = $1";
pub const SET_INGEST_STATE: &str = "INSERT INTO article_ingest_state (article_id, body_origin, published_trusted, \
     first_seen, feed_updated, feed_hash, page_etag, page_last_modified, page_checked_at, rechecks) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
     ON CONFLICT (article_id) DO UPDATE SET body_origin = excluded.body_origin, \
     published_trusted = excluded.published_trusted, first_seen = excluded.first_seen, \
     feed_updated = excluded.feed_updated, feed_hash = excluded.feed_hash, page_etag = excluded.page_etag, \
     page_last_modified = excluded.page_last_modified, page_checked_at = excluded.page_checked_at, \
     rechecks = excluded.rechecks";

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
        with_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            for a in all {
                sqlx::query(ADD_ADDRESS)
                    .bind(a.scope())
                    .bind(&a.address)
                    .bind(a.kind.as_str())
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
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
            sqlx::query(SET_INGEST_STATE)
                .bind(id.0)
                .bind(s.body_origin.as_str())
                .bind(i64::from(s.published_trusted))
                .bind(s.first_seen)
                .bind(s.feed_updated)
                .bind(&s.feed_hash)
                .bind(&s.page_etag)
                .bind(&s.page_last_modified)
                .bind(s.page_checked_at)
                .bind(s.rechecks)
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}
