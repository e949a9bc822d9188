//! Bodies stored without a current seal, and sealing them afterwards: rows
//! from before seals existed, or sealed under an older sanitiser, are
//! sanitised and sealed once (`newsroom_ingest::seal::reseal`) instead of at
//! every uncached render.

use crate::dialect::{Db, Dialect, with_pool};
use crate::error::Result;
use crate::model::{SealedBody, UnsealedBody};
use newsroom_core::ArticleId;

// A seal starts with the sanitiser's version and the key's id (`v1.…:`):
// one of another version or another site's key counts as none.
const UNSEALED: &str = "SELECT id, body_html, body_text FROM articles \
     WHERE id > $1 AND body_html <> '' AND (body_seal IS NULL OR substr(body_seal, 1, length($2)) <> $2) \
     ORDER BY id LIMIT $3";
// Only where the body is still the one that was sanitised: a body written
// meanwhile (an edit, a new extraction) keeps its own seal, or none.
const SEAL: &str =
    "UPDATE articles SET body_html = $2, body_seal = $3 WHERE id = $1 AND body_html = $4";

impl Db<'_> {
    pub(crate) async fn unsealed_bodies(
        self,
        after: ArticleId,
        prefix: &str,
        limit: u32,
    ) -> Result<Vec<UnsealedBody>> {
        let rows: Vec<(i64, String, String)> = with_pool!(self, |pool| {
            sqlx::query_as(UNSEALED)
                .bind(after.0)
                .bind(prefix)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, html, text)| UnsealedBody {
                id: ArticleId(id),
                html,
                text,
            })
            .collect())
    }

    pub(crate) async fn seal_bodies(self, bodies: &[SealedBody]) -> Result<u64> {
        if bodies.is_empty() {
            return Ok(0);
        }
        with_pool!(self, |pool| {
            // A write transaction like any other: on SQLite it waits its
            // turn (`write_tx`) instead of spinning in the busy handler.
            let mut tx = pool.begin_write(None).await?;
            let mut written = 0;
            for b in bodies {
                written += sqlx::query(SEAL)
                    .bind(b.id.0)
                    .bind(&b.html)
                    .bind(&b.seal)
                    .bind(&b.old_html)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            }
            tx.commit().await?;
            Ok(written)
        })
    }
}
