//! Visit claims on SQLite: the check in memory, the table a log.
//!
//! Keyed by (article, visitor), with the visitor a keyed hash, the claims
//! table took one random page of its key's B-tree per claimed visit, written
//! at every flush and again when the claim was pruned: on a site carrying
//! an hour of claims, a fifth of the node's CPU. Here each process keeps
//! the window's claims in memory, and `view_visit_log` (migration 0025) is
//! only appended to, in id order, and pruned from its old end.
//!
//! SQLite has one writer at a time, so a claim reads, inside its write
//! transaction, the rows other processes appended since this one last
//! looked, decides against the whole window, and appends what it counted:
//! the check holds across processes on one file as the keyed table's did.
//! A new process reads the window's rows at its first claim, so the check
//! holds across restarts too. PostgreSQL, where nodes write at once, keeps
//! the keyed table (`visits.rs`).

use crate::dialect::Dialect;
use crate::error::{Result, StoreError};
use crate::model::Visit;
use crate::visits::{KEEP_PAST_WINDOW, rounds};
use newsroom_core::Timestamp;
use rustc_hash::{FxHashMap, FxHasher};
use sqlx::SqlitePool;
use std::hash::Hasher;

/// Claims kept in memory. Past it the oldest are forgotten, and a visitor
/// from early in the window may count twice, as with the node's own first
/// filter: memory stays bounded however many visitors arrive.
const MAX_CLAIMS: usize = 2_000_000;
/// Expired claims leave memory at most this often (a pass over the map).
const SWEEP_EVERY_SECS: i64 = 60;

/// The latest claim of one (article, visitor).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Claim {
    at: i64,
    /// The claiming batch's id, hashed: a batch retried after a lost reply
    /// is told yes again for its own claims.
    batch: u64,
}

/// What one claim call decides by.
#[derive(Clone, Copy)]
struct Rule {
    batch: u64,
    window: i64,
    floor: i64,
}

/// One process's view of the log.
#[derive(Default)]
pub(crate) struct ClaimIndex {
    /// By (article, visitor).
    claims: FxHashMap<(i64, i64), Claim>,
    /// The last log id read or written here.
    last_id: i64,
    swept_at: i64,
}

fn batch_hash(id: &str) -> u64 {
    let mut h = FxHasher::default();
    h.write(id.as_bytes());
    h.finish()
}

impl ClaimIndex {
    fn note(&mut self, key: (i64, i64), claim: Claim) {
        let slot = self.claims.entry(key).or_insert(claim);
        if claim.at >= slot.at {
            *slot = claim;
        }
    }

    /// Whether `v` counts, given the claims so far and this call's own;
    /// claims older than `floor` are gone from the log, and so count as gone
    /// here too, swept or not.
    fn counts(&self, own: &FxHashMap<(i64, i64), Claim>, v: &Visit, rule: Rule) -> bool {
        let key = (v.article.0, v.visitor);
        match own.get(&key).or_else(|| self.claims.get(&key)) {
            None => true,
            Some(c) => c.at < rule.floor || c.at <= v.at - rule.window || c.batch == rule.batch,
        }
    }

    fn sweep(&mut self, floor: i64, now: i64) {
        self.sweep_to(floor, now, MAX_CLAIMS);
    }

    fn sweep_to(&mut self, floor: i64, now: i64, cap: usize) {
        if now - self.swept_at >= SWEEP_EVERY_SECS || self.claims.len() > cap {
            self.claims.retain(|_, c| c.at >= floor);
            self.swept_at = now;
        }
        // Still too many within the window: forget the older half of what is left.
        let mut floor = floor;
        while self.claims.len() > cap {
            floor += (now - floor).max(2) / 2;
            self.claims.retain(|_, c| c.at >= floor);
        }
    }
}

/// The rows past an id, a chunk at a time, as one JSON text: sqlx hands
/// rows over one by one through a channel, at about 12 µs a row on a busy
/// server (a first read of a million claims took 18 s); one text a chunk
/// takes well under a microsecond a row.
const NEW_ROWS: &str = "SELECT count(*), coalesce(max(id), 0), \
     coalesce(json_group_array(json_array(article_id, visitor, counted_at, batch_id)), '[]') \
     FROM (SELECT id, article_id, visitor, counted_at, batch_id FROM view_visit_log \
           WHERE id > $1 AND counted_at >= $2 ORDER BY id LIMIT $3)";
const CHUNK: i64 = 100_000;
const APPEND: &str = "INSERT INTO view_visit_log (article_id, visitor, counted_at, batch_id) \
     SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), $2 \
     FROM json_each($1)";
const PRUNE: &str = "DELETE FROM view_visit_log WHERE counted_at < $1";

pub(crate) async fn claim(
    pool: &SqlitePool,
    index: &tokio::sync::Mutex<ClaimIndex>,
    batch_id: &str,
    visits: &[Visit],
    window: i64,
    now: Timestamp,
) -> Result<Vec<Visit>> {
    // Held across the transaction: this process's claims go one at a time,
    // as they would for the write turn anyway.
    let mut index = index.lock().await;
    let floor = now - window - KEEP_PAST_WINDOW;
    let mut tx = Dialect::begin_write(pool, None).await?;
    // Rows others committed are facts whatever becomes of this transaction.
    loop {
        let (n, last, rows): (i64, i64, String) = sqlx::query_as(NEW_ROWS)
            .bind(index.last_id)
            .bind(floor)
            .bind(CHUNK)
            .fetch_one(&mut *tx)
            .await?;
        let rows: Vec<(i64, i64, i64, String)> =
            serde_json::from_str(&rows).map_err(|e| StoreError::Invalid(e.to_string()))?;
        for (article, visitor, at, batch) in rows {
            let batch = batch_hash(&batch);
            index.note((article, visitor), Claim { at, batch });
        }
        index.last_id = index.last_id.max(last);
        if n < CHUNK {
            break;
        }
    }
    let batch = batch_hash(batch_id);
    let rule = Rule {
        batch,
        window,
        floor,
    };
    let mut own = FxHashMap::default();
    let mut counted = Vec::new();
    for round in rounds(visits, window) {
        for v in round {
            if index.counts(&own, &v, rule) {
                own.insert((v.article.0, v.visitor), Claim { at: v.at, batch });
                counted.push(v);
            }
        }
    }
    // The write lock is held, so this call's rows are the newest.
    let mut last = index.last_id;
    if !counted.is_empty() {
        let keys: Vec<[i64; 3]> = counted
            .iter()
            .map(|v| [v.article.0, v.visitor, v.at])
            .collect();
        last = sqlx::query(APPEND)
            .bind(serde_json::to_string(&keys).map_err(|e| StoreError::Invalid(e.to_string()))?)
            .bind(batch_id)
            .execute(&mut *tx)
            .await?
            .last_insert_rowid();
    }
    sqlx::query(PRUNE).bind(floor).execute(&mut *tx).await?;
    tx.commit().await?;
    // Only now are this call's claims facts.
    index.last_id = index.last_id.max(last);
    for (key, claim) in own {
        index.note(key, claim);
    }
    index.sweep(floor, now);
    Ok(counted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use newsroom_core::ArticleId;

    fn v(visitor: i64, article: i64, at: i64) -> Visit {
        Visit {
            visitor,
            article: ArticleId(article),
            at,
        }
    }

    #[test]
    fn a_claim_counts_once_a_window_and_again_for_its_own_batch() {
        let mut index = ClaimIndex::default();
        let none = FxHashMap::default();
        let rule = |batch| Rule {
            batch,
            window: 1800,
            floor: 0,
        };
        index.note((1, 7), Claim { at: 1000, batch: 1 });
        assert!(
            !index.counts(&none, &v(7, 1, 2000), rule(2)),
            "within the window"
        );
        assert!(
            index.counts(&none, &v(7, 1, 2800), rule(2)),
            "a window later"
        );
        assert!(
            index.counts(&none, &v(7, 1, 2000), rule(1)),
            "the claiming batch, retried"
        );
        assert!(
            index.counts(&none, &v(7, 2, 2000), rule(2)),
            "another article"
        );
        let pruned = Rule {
            floor: 1001,
            ..rule(2)
        };
        assert!(
            index.counts(&none, &v(7, 1, 2000), pruned),
            "a claim pruned from the log"
        );
        // An older row read later does not hide a newer claim.
        index.note((1, 7), Claim { at: 500, batch: 3 });
        assert!(!index.counts(&none, &v(7, 1, 2000), rule(2)));
        let own = FxHashMap::from_iter([((1, 7), Claim { at: 1900, batch: 2 })]);
        assert!(
            !index.counts(&own, &v(7, 1, 2900), rule(4)),
            "this call's own claims first"
        );
    }

    #[test]
    fn sweeping_forgets_the_expired_and_bounds_memory() {
        let mut index = ClaimIndex::default();
        for i in 0..10 {
            index.note(
                (i, 1),
                Claim {
                    at: i * 100,
                    batch: 0,
                },
            );
        }
        index.sweep(450, 1000);
        let mut left: Vec<i64> = index.claims.keys().map(|k| k.0).collect();
        left.sort_unstable();
        assert_eq!(left, [5, 6, 7, 8, 9]);
        // Within the window but past the bound: the newest stay.
        index.sweep_to(450, 1000, 3);
        let mut left: Vec<i64> = index.claims.keys().map(|k| k.0).collect();
        left.sort_unstable();
        assert_eq!(left, [8, 9]);
    }
}
