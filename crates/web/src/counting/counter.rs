//! The view buffer. Counting a view touches only memory; a background task
//! flushes the buffer to the store in one batch every few seconds, and once
//! more on shutdown. A hard kill (SIGKILL, power loss) loses at most the views
//! counted since the last flush: one flush interval's worth.
//!
//! Every flush is a batch with an id of its own (`node/sequence`), written
//! with `Store::add_views_once`: a batch whose write fails stays queued under
//! the same id and is retried until the store confirms it, so a commit whose
//! reply was lost is never applied twice. What is still unconfirmed at
//! shutdown can be saved (`unflushed`) and replayed at the next start
//! (`restore`) under the same ids.
//!
//! Shown counts are the stored total (as last read or written by this node)
//! plus what this node has buffered, so the count on a page includes the view
//! that page is part of.

use crate::counting::visitor::{VisitorHasher, VisitorKey};
use newsroom_core::ArticleId;
use newsroom_store::{Store, ViewDelta};
use std::collections::HashMap;
use std::sync::Mutex;

/// A view counts once per visitor per article in this many seconds.
pub const DEDUP_WINDOW_SECS: i64 = 30 * 60;
/// Bound on remembered (visitor, article) pairs. Past it, the oldest half is
/// dropped: a few repeat views may count twice, but memory stays bounded.
const MAX_SEEN: usize = 2_000_000;

#[derive(Default)]
struct Inner {
    /// Stored totals as this node last knew them.
    base: HashMap<ArticleId, i64>,
    /// Counted here, not yet in the store: per (article, hour) for the hourly table...
    pending: HashMap<(ArticleId, i64), i64>,
    /// ...and per article, for display.
    pending_total: HashMap<ArticleId, i64>,
    /// In unconfirmed batches: still shown until the store confirms them.
    inflight_total: HashMap<ArticleId, i64>,
    /// Batches handed to the store and not yet confirmed, oldest first.
    unconfirmed: Vec<Batch>,
    /// Sequence number of the last batch formed here.
    seq: u64,
    seen: HashMap<(VisitorKey, ArticleId), i64>,
    day: i64,
    day_key: [u8; 32],
}

pub struct ViewCounter {
    inner: Mutex<Inner>,
    hasher: VisitorHasher,
    /// Names this process in batch ids; random, so restarts never reuse one.
    node: String,
}

/// Views written (or to be written) to the store in one transaction.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Batch {
    pub id: String,
    /// `(article, hour, views)`.
    pub views: Vec<(i64, i64, i64)>,
}

impl Batch {
    fn deltas(&self) -> Vec<ViewDelta> {
        self.views
            .iter()
            .map(|&(a, hour, n)| ViewDelta {
                article: ArticleId(a),
                hour,
                n,
            })
            .collect()
    }

    fn totals(&self) -> HashMap<ArticleId, i64> {
        let mut t = HashMap::new();
        for &(a, _, n) in &self.views {
            *t.entry(ArticleId(a)).or_default() += n;
        }
        t
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlushStats {
    pub articles: usize,
    pub views: i64,
}

impl ViewCounter {
    pub fn new(secret: [u8; 32]) -> Self {
        let hasher = VisitorHasher::new(secret);
        let inner = Inner {
            day: i64::MIN,
            ..Default::default()
        };
        Self {
            inner: Mutex::new(inner),
            hasher,
            node: hex::encode(rand::random::<[u8; 8]>()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the maps half-updated in
        // a way that matters more than losing the counter, so keep going.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts a view unless this visitor was counted for this article within
    /// the dedup window. Returns whether it counted and the total to show.
    pub fn record(&self, article: ArticleId, ip: &str, user_agent: &str, now: i64) -> (bool, i64) {
        let day = now.div_euclid(86_400);
        let mut g = self.lock();
        if g.day != day {
            g.day_key = self.hasher.day_key(day);
            g.day = day;
            // Keys of another day can never match again.
            g.seen.clear();
        }
        let visitor = self.hasher.visitor(&g.day_key, ip, user_agent);
        let counted = match g.seen.get(&(visitor, article)) {
            Some(&at) if now - at < DEDUP_WINDOW_SECS => false,
            _ => {
                if g.seen.len() >= MAX_SEEN {
                    prune(&mut g.seen, now);
                }
                g.seen.insert((visitor, article), now);
                *g.pending
                    .entry((article, now.div_euclid(3600)))
                    .or_default() += 1;
                *g.pending_total.entry(article).or_default() += 1;
                true
            }
        };
        (counted, shown(&g, article))
    }

    /// The total to show for one article.
    pub fn total(&self, article: ArticleId) -> i64 {
        shown(&self.lock(), article)
    }

    /// Totals for many articles under one lock.
    pub fn totals(&self, ids: &[ArticleId]) -> Vec<i64> {
        let g = self.lock();
        ids.iter().map(|id| shown(&g, *id)).collect()
    }

    /// Tells the counter what the store holds. Totals only grow, so the larger
    /// of what we knew and what we read wins (another node may have flushed).
    pub fn observe(&self, stored: impl IntoIterator<Item = (ArticleId, i64)>) {
        let mut g = self.lock();
        for (id, v) in stored {
            // A read that raced a flush of this article may or may not include
            // the flushed views; the flush itself will bring `base` up to date.
            if g.inflight_total.contains_key(&id) {
                continue;
            }
            let e = g.base.entry(id).or_insert(v);
            if v > *e {
                *e = v;
            }
        }
    }

    pub fn pending_views(&self) -> i64 {
        let g = self.lock();
        g.pending_total.values().sum::<i64>() + g.inflight_total.values().sum::<i64>()
    }

    /// Batches not yet confirmed by the store.
    pub fn unconfirmed_batches(&self) -> usize {
        self.lock().unconfirmed.len()
    }

    /// Writes what is buffered: first the unconfirmed batches, under their
    /// own ids, then one new batch of everything counted since. Stops at the
    /// first failure; what was not confirmed stays queued for the next try.
    pub async fn flush(&self, store: &dyn Store) -> Result<FlushStats, newsroom_store::StoreError> {
        let mut stats = FlushStats::default();
        let mut formed = false;
        loop {
            let next = {
                let mut g = self.lock();
                if g.unconfirmed.is_empty() && !formed && !g.pending.is_empty() {
                    formed = true;
                    self.form_batch(&mut g);
                }
                match g.unconfirmed.first() {
                    Some(b) => b.clone(),
                    None => return Ok(stats),
                }
            };
            let applied = store
                .add_views_once(&next.id, &next.deltas(), crate::state::now())
                .await?;
            let mut g = self.lock();
            // The final flush may race the periodic one: whoever sees the
            // batch still queued moves it into the stored totals.
            let Some(pos) = g.unconfirmed.iter().position(|b| b.id == next.id) else {
                continue;
            };
            g.unconfirmed.remove(pos);
            let totals = next.totals();
            for (id, n) in &totals {
                if let Some(v) = g.inflight_total.get_mut(id) {
                    *v -= n;
                    if *v <= 0 {
                        g.inflight_total.remove(id);
                    }
                }
                *g.base.entry(*id).or_default() += n;
            }
            if applied {
                stats.articles += totals.len();
                stats.views += totals.values().sum::<i64>();
            }
        }
    }

    /// Moves everything pending into a new batch at the end of the queue.
    fn form_batch(&self, g: &mut Inner) {
        g.seq += 1;
        let id = format!("{}/{}", self.node, g.seq);
        let mut views: Vec<(i64, i64, i64)> = g
            .pending
            .drain()
            .map(|((article, hour), n)| (article.0, hour, n))
            .collect();
        views.sort_unstable();
        let totals: Vec<(ArticleId, i64)> = g.pending_total.drain().collect();
        for (id, n) in totals {
            *g.inflight_total.entry(id).or_default() += n;
        }
        g.unconfirmed.push(Batch { id, views });
    }

    /// Everything not yet confirmed, for saving at shutdown: the queued
    /// batches and what is pending, as one more batch. They stay queued, so
    /// a flush after this still writes them (once).
    pub fn unflushed(&self) -> Vec<Batch> {
        let mut g = self.lock();
        if !g.pending.is_empty() {
            self.form_batch(&mut g);
        }
        g.unconfirmed.clone()
    }

    /// Queues batches saved by an earlier process, under their own ids: the
    /// store skips any it applied before.
    pub fn restore(&self, batches: Vec<Batch>) {
        let mut g = self.lock();
        for b in batches {
            if g.unconfirmed.iter().any(|q| q.id == b.id) {
                continue;
            }
            for (id, n) in b.totals() {
                *g.inflight_total.entry(id).or_default() += n;
            }
            g.unconfirmed.push(b);
        }
    }
}

fn shown(g: &Inner, id: ArticleId) -> i64 {
    g.base.get(&id).copied().unwrap_or(0)
        + g.pending_total.get(&id).copied().unwrap_or(0)
        + g.inflight_total.get(&id).copied().unwrap_or(0)
}

fn prune(seen: &mut HashMap<(VisitorKey, ArticleId), i64>, now: i64) {
    seen.retain(|_, at| now - *at < DEDUP_WINDOW_SECS);
    if seen.len() >= MAX_SEEN / 2 {
        let mut times: Vec<i64> = seen.values().copied().collect();
        let mid = times.len() / 2;
        let (_, cut, _) = times.select_nth_unstable(mid);
        let cut = *cut;
        seen.retain(|_, at| *at > cut);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;

    #[test]
    fn dedup_per_visitor_article_and_window() {
        let c = ViewCounter::new([1; 32]);
        let a = ArticleId(1);
        assert_eq!(c.record(a, "1.1.1.1", "UA", NOW), (true, 1));
        assert_eq!(c.record(a, "1.1.1.1", "UA", NOW + 60), (false, 1));
        assert_eq!(c.record(a, "1.1.1.2", "UA", NOW + 60), (true, 2));
        assert_eq!(c.record(ArticleId(2), "1.1.1.1", "UA", NOW + 60), (true, 1));
        assert_eq!(
            c.record(a, "1.1.1.1", "UA", NOW + DEDUP_WINDOW_SECS + 1),
            (true, 3)
        );
    }

    #[test]
    fn observe_keeps_the_larger_total() {
        let c = ViewCounter::new([1; 32]);
        let a = ArticleId(5);
        c.observe([(a, 100)]);
        c.record(a, "ip", "ua", NOW);
        assert_eq!(c.total(a), 101);
        c.observe([(a, 90)]);
        assert_eq!(c.total(a), 101);
        c.observe([(a, 150)]);
        assert_eq!(c.total(a), 151);
    }
}
