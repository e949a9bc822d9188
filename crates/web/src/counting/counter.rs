//! The view buffer. Counting a view touches only memory; a background task
//! flushes the buffer to the store in one batch every few seconds, and once
//! more on shutdown. A hard kill (SIGKILL, power loss) loses at most the views
//! counted since the last flush: one flush interval's worth.
//!
//! A counted view is a visit: (visitor key, article, time). Each flush sends
//! its visits, and the store keeps only those whose visitor no node counted
//! for that article within the window (`Store::claim_visits`): this node's
//! memory is the fast first filter, the store the one that holds across
//! nodes. One address adds at most `visitors_per_ip` distinct visitors to
//! one article per window, so rotating User-Agents do not pump a count.
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

use crate::config::DEFAULT_VISITORS_PER_IP;
use crate::counting::visitor::{VisitorHasher, VisitorKey};
use newsroom_core::ArticleId;
use newsroom_store::{Store, ViewDelta, Visit};
use rustc_hash::FxHashMap;
use std::collections::HashMap;
use std::sync::Mutex;

/// A view counts once per visitor per article in this many seconds.
pub const DEDUP_WINDOW_SECS: i64 = 30 * 60;
/// Bound on remembered (visitor, article) pairs. Past it, the oldest half is
/// dropped: a few repeat views may count twice, but memory stays bounded.
const MAX_SEEN: usize = 2_000_000;
/// Visits kept for the store's cross-node check while it cannot be reached.
/// Past it (a long outage), views are still counted, without that check,
/// so memory stays bounded and nothing is lost.
const MAX_PENDING_VISITS: usize = 1_000_000;

#[derive(Default)]
struct Inner {
    /// Stored totals as this node last knew them.
    base: HashMap<ArticleId, i64>,
    /// Counted here, not yet sent to the store: visits for its cross-node check...
    visits: Vec<(i64, i64, i64)>,
    /// ...or, past `MAX_PENDING_VISITS`, plain counts per (article, hour)...
    pending: HashMap<(ArticleId, i64), i64>,
    /// ...and per article, for display.
    pending_total: HashMap<ArticleId, i64>,
    /// In unconfirmed batches: still shown until the store confirms them.
    inflight_total: HashMap<ArticleId, i64>,
    /// Batches handed to the store and not yet confirmed, oldest first.
    unconfirmed: Vec<Batch>,
    /// Sequence number of the last batch formed here.
    seq: u64,
    // Keys are keyed hashes the client cannot choose, so a fast unkeyed
    // hasher is safe here; SipHash showed in the hot page's profile.
    seen: FxHashMap<(VisitorKey, ArticleId), i64>,
    /// Per (address key, article): when its window began, visitors counted in it.
    per_ip: FxHashMap<(u64, ArticleId), (i64, u32)>,
    day: i64,
    day_key: [u8; 32],
}

pub struct ViewCounter {
    inner: Mutex<Inner>,
    hasher: VisitorHasher,
    /// Names this process in batch ids; random, so restarts never reuse one.
    node: String,
    /// 0: no limit.
    visitors_per_ip: u32,
}

/// Views written (or to be written) to the store in one transaction.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Batch {
    pub id: String,
    /// `(article, hour, views)`, counted without the store's cross-node
    /// check (past `MAX_PENDING_VISITS`, and in files of older versions).
    #[serde(default)]
    pub views: Vec<(i64, i64, i64)>,
    /// `(visitor, article, time)`, counted if the store agrees.
    #[serde(default)]
    pub visits: Vec<(i64, i64, i64)>,
}

impl Batch {
    fn visit_list(&self) -> Vec<Visit> {
        self.visits
            .iter()
            .map(|&(visitor, a, at)| Visit {
                visitor,
                article: ArticleId(a),
                at,
            })
            .collect()
    }

    /// The deltas to write: the plain counts, and the visits the store agreed to.
    fn deltas(&self, claimed: &[Visit]) -> Vec<ViewDelta> {
        let plain = self.views.iter().map(|&(a, hour, n)| ViewDelta {
            article: ArticleId(a),
            hour,
            n,
        });
        let visits = claimed.iter().map(|v| ViewDelta {
            article: v.article,
            hour: v.at.div_euclid(3600),
            n: 1,
        });
        plain.chain(visits).collect()
    }

    /// Views per article as this node showed them while the batch was queued.
    fn totals(&self) -> HashMap<ArticleId, i64> {
        let mut t = HashMap::new();
        for &(a, _, n) in &self.views {
            *t.entry(ArticleId(a)).or_default() += n;
        }
        for &(_, a, _) in &self.visits {
            *t.entry(ArticleId(a)).or_default() += 1;
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
            visitors_per_ip: DEFAULT_VISITORS_PER_IP,
        }
    }

    /// Sets how many distinct visitors one address may add to one article
    /// per window (0: no limit).
    pub fn with_visitors_per_ip(mut self, n: u32) -> Self {
        self.visitors_per_ip = n;
        self
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the maps half-updated in
        // a way that matters more than losing the counter, so keep going.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts a view unless the User-Agent is not a reader's (`bots`), this
    /// visitor was counted for this article within the dedup window, or its
    /// address has added its share of visitors to this article in the
    /// window. Returns whether it counted and the total to show.
    pub fn record(&self, article: ArticleId, ip: &str, user_agent: &str, now: i64) -> (bool, i64) {
        if crate::counting::bots::is_bot(user_agent) {
            crate::metrics::view("bot", 1);
            return (false, self.total(article));
        }
        let day = now.div_euclid(86_400);
        let mut g = self.lock();
        if g.day != day {
            g.day_key = self.hasher.day_key(day);
            g.day = day;
            // Keys of another day can never match again.
            g.seen.clear();
            g.per_ip.clear();
        }
        let visitor = self.hasher.visitor(&g.day_key, ip, user_agent);
        if let Some(&at) = g.seen.get(&(visitor, article))
            && now - at < DEDUP_WINDOW_SECS
        {
            crate::metrics::view("duplicate", 1);
            return (false, shown(&g, article));
        }
        if self.visitors_per_ip > 0 {
            let address = self.hasher.address(&g.day_key, ip);
            let slot = g.per_ip.entry((address, article)).or_insert((now, 0));
            if now - slot.0 >= DEDUP_WINDOW_SECS {
                *slot = (now, 0);
            }
            if slot.1 >= self.visitors_per_ip {
                crate::metrics::view("over_ip_share", 1);
                return (false, shown(&g, article));
            }
            slot.1 += 1;
        }
        if g.seen.len() >= MAX_SEEN {
            let g = &mut *g;
            prune(&mut g.seen, &mut g.per_ip, now);
        }
        g.seen.insert((visitor, article), now);
        if g.visits.len() < MAX_PENDING_VISITS {
            // The key's bits as a signed number, as the store keeps it.
            g.visits.push((visitor.0 as i64, article.0, now));
        } else {
            *g.pending
                .entry((article, now.div_euclid(3600)))
                .or_default() += 1;
        }
        *g.pending_total.entry(article).or_default() += 1;
        crate::metrics::view("counted", 1);
        (true, shown(&g, article))
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
                if g.unconfirmed.is_empty() && !formed && g.has_pending() {
                    formed = true;
                    self.form_batch(&mut g);
                }
                match g.unconfirmed.first() {
                    Some(b) => b.clone(),
                    None => return Ok(stats),
                }
            };
            let started = std::time::Instant::now();
            let written = write_batch(store, &next).await;
            crate::metrics::flushed(written.is_ok(), started.elapsed());
            let (deltas, applied, claimed) = written?;
            let mut g = self.lock();
            // The final flush may race the periodic one: whoever sees the
            // batch still queued moves it into the stored totals.
            let Some(pos) = g.unconfirmed.iter().position(|b| b.id == next.id) else {
                continue;
            };
            g.unconfirmed.remove(pos);
            for (id, n) in &next.totals() {
                if let Some(v) = g.inflight_total.get_mut(id) {
                    *v -= n;
                    if *v <= 0 {
                        g.inflight_total.remove(id);
                    }
                }
            }
            // What the store counted; visits another node had counted first
            // are in `base` once this node reads the article again.
            let mut counted: HashMap<ArticleId, i64> = HashMap::new();
            for d in &deltas {
                *counted.entry(d.article).or_default() += d.n;
            }
            for (id, n) in &counted {
                *g.base.entry(*id).or_default() += n;
            }
            if applied {
                stats.articles += counted.len();
                stats.views += counted.values().sum::<i64>();
                let refused = next.visits.len().saturating_sub(claimed);
                crate::metrics::view("duplicate_across_nodes", refused as u64);
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
        let visits = std::mem::take(&mut g.visits);
        let totals: Vec<(ArticleId, i64)> = g.pending_total.drain().collect();
        for (id, n) in totals {
            *g.inflight_total.entry(id).or_default() += n;
        }
        g.unconfirmed.push(Batch { id, views, visits });
    }

    /// Everything not yet confirmed, for saving at shutdown: the queued
    /// batches and what is pending, as one more batch. They stay queued, so
    /// a flush after this still writes them (once).
    pub fn unflushed(&self) -> Vec<Batch> {
        let mut g = self.lock();
        if g.has_pending() {
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

/// Writes one batch: the store's cross-node check of its visits, then the
/// counts. Both steps answer the same when retried under the same id.
/// Gives the deltas written, whether they were applied now (not by an
/// earlier try), and how many visits the store let count.
async fn write_batch(
    store: &dyn Store,
    batch: &Batch,
) -> Result<(Vec<ViewDelta>, bool, usize), newsroom_store::StoreError> {
    let now = crate::clock::now();
    let claimed = if batch.visits.is_empty() {
        Vec::new()
    } else {
        store
            .claim_visits(&batch.id, &batch.visit_list(), DEDUP_WINDOW_SECS, now)
            .await?
    };
    let deltas = batch.deltas(&claimed);
    let applied = store.add_views_once(&batch.id, &deltas, now).await?;
    Ok((deltas, applied, claimed.len()))
}

impl Inner {
    fn has_pending(&self) -> bool {
        !self.visits.is_empty() || !self.pending.is_empty()
    }
}

fn shown(g: &Inner, id: ArticleId) -> i64 {
    g.base.get(&id).copied().unwrap_or(0)
        + g.pending_total.get(&id).copied().unwrap_or(0)
        + g.inflight_total.get(&id).copied().unwrap_or(0)
}

fn prune(
    seen: &mut FxHashMap<(VisitorKey, ArticleId), i64>,
    per_ip: &mut FxHashMap<(u64, ArticleId), (i64, u32)>,
    now: i64,
) {
    per_ip.retain(|_, (start, _)| now - *start < DEDUP_WINDOW_SECS);
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
    fn one_address_adds_a_bounded_number_of_visitors() {
        let c = ViewCounter::new([1; 32]).with_visitors_per_ip(3);
        let a = ArticleId(1);
        let counted = (0..1000)
            .filter(|i| c.record(a, "9.9.9.9", &format!("UA {i}"), NOW).0)
            .count();
        assert_eq!(counted, 3, "1,000 rotating User-Agents from one address");
        assert!(
            c.record(ArticleId(2), "9.9.9.9", "UA 0", NOW).0,
            "per article"
        );
        assert!(c.record(a, "9.9.9.8", "UA 0", NOW).0, "per address");
        // A new window, a new share.
        assert!(c.record(a, "9.9.9.9", "UA 999", NOW + DEDUP_WINDOW_SECS).0);
        let open = ViewCounter::new([1; 32]).with_visitors_per_ip(0);
        assert!((0..100).all(|i| open.record(a, "9.9.9.9", &format!("UA {i}"), NOW).0));
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
