//! Deduplicating views across nodes: each node sends the visits it counted
//! with its flush, and the store keeps only those whose visitor was not
//! counted for that article within the window by any node (table
//! `view_visits`, migrations 0006 and 0024, on PostgreSQL; SQLite keeps them
//! in memory over a log, `claims_log.rs`). The nodes' own memory stays the
//! fast first filter; this is the one that holds across them.

use crate::error::Result;
use crate::model::Visit;
use newsroom_core::{ArticleId, Timestamp};
use sqlx::PgPool;

/// A visit counts when its key is new, or its last count is a window old.
/// A row this batch claimed before answers yes again, so a flush retried
/// after a lost reply counts the same visits. Many visits at once, each key
/// at most once per statement.
const CLAIM_MANY: &str = "INSERT INTO view_visits (visitor, article_id, counted_at, batch_id) \
     SELECT v, a, t, $4::TEXT FROM UNNEST($1::BIGINT[], $2::BIGINT[], $3::BIGINT[]) AS k(v, a, t) \
     ORDER BY a, v \
     ON CONFLICT (article_id, visitor) DO UPDATE \
     SET counted_at = excluded.counted_at, batch_id = excluded.batch_id \
     WHERE view_visits.counted_at <= excluded.counted_at - $5 \
        OR view_visits.batch_id = excluded.batch_id \
     RETURNING visitor, article_id, counted_at";

/// Keys a little past the window stay, for flushes retried late.
const PRUNE: &str = "DELETE FROM view_visits WHERE counted_at < $1";
pub(crate) const KEEP_PAST_WINDOW: i64 = 3600;

/// Visits in key order (article, then visitor: the table's, so a round's
/// rows go into the key's pages in order), each key's visits oldest first,
/// a window apart at least (closer ones would not count), split into rounds
/// that hold every key at most once (PostgreSQL cannot update one row twice
/// in one statement). Almost always a single round.
pub(crate) fn rounds(visits: &[Visit], window: i64) -> Vec<Vec<Visit>> {
    let mut sorted = visits.to_vec();
    sorted.sort_unstable_by_key(|v| (v.article, v.visitor, v.at));
    let mut rounds: Vec<Vec<Visit>> = Vec::new();
    let mut last: Option<Visit> = None;
    let mut k = 0;
    for v in sorted {
        match last {
            Some(l) if (l.visitor, l.article) == (v.visitor, v.article) => {
                if v.at - l.at < window {
                    continue;
                }
                k += 1;
            }
            _ => k = 0,
        }
        last = Some(v);
        if rounds.len() <= k {
            rounds.push(Vec::new());
        }
        rounds[k].push(v);
    }
    rounds
}

fn visit((visitor, article, at): (i64, i64, i64)) -> Visit {
    Visit {
        visitor,
        article: ArticleId(article),
        at,
    }
}

pub(crate) async fn claim_postgres(
    pool: &PgPool,
    batch_id: &str,
    visits: &[Visit],
    window: i64,
    now: Timestamp,
) -> Result<Vec<Visit>> {
    let rounds = rounds(visits, window);
    // Rows are locked in key order, so concurrent flushes cannot deadlock
    // among themselves; one that meets another writer is retried whole.
    let mut attempt = 0;
    loop {
        match claim_postgres_tx(pool, batch_id, &rounds, window, now).await {
            Err(sqlx::Error::Database(e))
                if matches!(e.code().as_deref(), Some("40P01" | "40001")) && attempt < 5 =>
            {
                attempt += 1;
                tokio::time::sleep(std::time::Duration::from_millis(5 << attempt)).await;
            }
            other => return Ok(other?),
        }
    }
}

async fn claim_postgres_tx(
    pool: &PgPool,
    batch_id: &str,
    rounds: &[Vec<Visit>],
    window: i64,
    now: Timestamp,
) -> std::result::Result<Vec<Visit>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let mut counted = Vec::new();
    for round in rounds {
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(CLAIM_MANY)
            .bind(round.iter().map(|v| v.visitor).collect::<Vec<_>>())
            .bind(round.iter().map(|v| v.article.0).collect::<Vec<_>>())
            .bind(round.iter().map(|v| v.at).collect::<Vec<_>>())
            .bind(batch_id)
            .bind(window)
            .fetch_all(&mut *tx)
            .await?;
        counted.extend(rows.into_iter().map(visit));
    }
    sqlx::query(PRUNE)
        .bind(now - window - KEEP_PAST_WINDOW)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    counted.sort_unstable_by_key(|v| (v.article, v.visitor, v.at));
    Ok(counted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(visitor: i64, article: i64, at: i64) -> Visit {
        Visit {
            visitor,
            article: ArticleId(article),
            at,
        }
    }

    #[test]
    fn rounds_hold_each_key_once() {
        let r = rounds(
            &[
                v(2, 1, 50),
                v(1, 1, 10),
                v(1, 1, 4000),
                v(1, 2, 10),
                v(1, 1, 10),
                v(1, 1, 900),
            ],
            1800,
        );
        assert_eq!(r.len(), 2);
        assert_eq!(r[0], [v(1, 1, 10), v(2, 1, 50), v(1, 2, 10)]);
        assert_eq!(
            r[1],
            [v(1, 1, 4000)],
            "a visit within the window of the last is dropped"
        );
        assert!(rounds(&[], 1800).is_empty());
    }
}
