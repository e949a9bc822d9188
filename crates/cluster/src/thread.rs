//! Threads: developing events above day-level stories.
//!
//! A story covers one day of an event; a thread strings the stories of one
//! event together over days or weeks ("the Hokkaido missile launch", then
//! the UN's reaction, then the evacuation). When an article opens a new
//! story, the story joins the thread whose content its article matches best
//! (cosine of event terms, see `event_terms`), the match weighed by how long
//! the thread has been quiet: halving every `gap_half_life_days`. A thread
//! that has been quiet for longer than `horizon_days` is closed and
//! forgotten. Every article of a thread's stories adds to its content, so a
//! thread follows its event as the words change.
//!
//! A thread's id is the id of its first story.

use crate::event_terms::EventWeights;
use crate::hash::FxMap;
use crate::index::{Index, add_to_centroid, damp};
use crate::tfidf::DocFreq;
use crate::window::ExpiryQueue;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ThreadConfig {
    /// A thread quiet for longer than this closes.
    pub horizon_days: f64,
    /// Minimum weighed similarity for a new story to join a thread, when its
    /// article has text.
    pub threshold: f64,
    /// The same for an article with a headline only. A headline has a
    /// handful of terms where a text has a hundred, so chance overlaps give
    /// it a far higher cosine: it must match more strongly.
    pub headline_threshold: f64,
    /// Terms the article must share with the thread: one shared name ("Apple",
    /// "Google") is a topic, not an event.
    pub min_shared_terms: u32,
    /// Exponent on a thread's summed term weights before scoring; below 1
    /// flattens the centroid, so that a long thread's dominant word alone
    /// does not carry a match.
    pub centroid_power: f64,
    /// The match halves for every this many days the thread has been quiet.
    pub gap_half_life_days: f64,
    /// Half-life of the article counts behind the threads' IDF.
    pub idf_half_life_days: f64,
    /// A thread keeps at most about twice this many terms (its strongest),
    /// so a long-running thread costs no more than a busy day's.
    pub max_terms: usize,
    pub terms: EventWeights,
}

impl Default for ThreadConfig {
    fn default() -> Self {
        ThreadConfig {
            horizon_days: 14.0,
            threshold: 0.08,
            headline_threshold: 0.4,
            min_shared_terms: 2,
            centroid_power: 1.0,
            gap_half_life_days: 7.0,
            idf_half_life_days: 14.0,
            max_terms: 400,
            terms: EventWeights::default(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ThreadState {
    id: u64,
    first_seen: i64,
    last_update: i64,
    /// Articles, and stories, that joined.
    size: u32,
    stories: u32,
    /// Sum of the members' unit vectors: term -> (weight, posting position).
    terms: FxMap<u64, (f32, u32)>,
    norm2: f64,
}

/// Public summary of a live thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadSummary {
    pub id: u64,
    pub first_seen: i64,
    pub last_update: i64,
    pub articles: u32,
    pub stories: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Threads {
    config: ThreadConfig,
    df: DocFreq,
    slots: Vec<Option<ThreadState>>,
    free: Vec<u32>,
    /// Freed slots wait here until compaction has purged their postings.
    retired: Vec<u32>,
    by_id: FxMap<u64, u32>,
    index: Index,
    expiry: ExpiryQueue,
    #[serde(skip)]
    acc: Vec<f32>,
    #[serde(skip)]
    hits: Vec<u32>,
    #[serde(skip)]
    touched: Vec<u32>,
}

impl Default for Threads {
    fn default() -> Self {
        Threads::new(ThreadConfig::default())
    }
}

const DAY: f64 = 86_400.0;

impl Threads {
    pub fn new(config: ThreadConfig) -> Self {
        Threads {
            df: DocFreq::new(config.idf_half_life_days * DAY),
            config,
            slots: Vec::new(),
            free: Vec::new(),
            retired: Vec::new(),
            by_id: FxMap::default(),
            index: Index::default(),
            expiry: ExpiryQueue::default(),
            acc: Vec::new(),
            hits: Vec::new(),
            touched: Vec::new(),
        }
    }

    pub fn set_horizon_days(&mut self, days: f64) {
        self.config.horizon_days = days;
    }

    pub fn config(&self) -> &ThreadConfig {
        &self.config
    }

    /// Counts the article's terms and returns its unit TF-IDF vector.
    pub fn weigh(&mut self, raw: &[(u64, f32)], now: i64) -> Vec<(u64, f32)> {
        self.df.observe(raw.iter().map(|e| e.0), now);
        let docs = self.df.docs(now);
        let mut q: Vec<(u64, f32)> = raw
            .iter()
            .map(|&(t, w)| (t, (f64::from(w) * self.df.idf_of(t, docs, now)) as f32))
            .collect();
        let norm = q.iter().map(|e| f64::from(e.1).powi(2)).sum::<f64>().sqrt();
        if norm > 0.0 {
            for e in &mut q {
                e.1 = (f64::from(e.1) / norm) as f32;
            }
        }
        q
    }

    /// Closes threads quiet for longer than the horizon.
    pub fn evict(&mut self, now: i64) {
        let horizon = now.saturating_sub((self.config.horizon_days.max(0.0) * DAY) as i64);
        let Threads {
            slots,
            expiry,
            index,
            retired,
            by_id,
            ..
        } = self;
        expiry.drain_before(horizon, |slot, id| {
            let Some(cell) = slots.get_mut(slot as usize) else {
                return;
            };
            if cell
                .as_ref()
                .is_some_and(|t| t.id == id && t.last_update < horizon)
                && let Some(t) = cell.take()
            {
                index.mark_stale(t.terms.len());
                by_id.remove(&t.id);
                retired.push(slot);
            }
        });
        if self.index.needs_compaction() {
            self.compact();
        }
    }

    /// The thread `q` matches best, with its weighed score, if any reaches
    /// the threshold (`has_text` picks which). Ties go to the older thread.
    pub fn best(&mut self, q: &[(u64, f32)], now: i64, has_text: bool) -> Option<(u64, f64)> {
        if self.acc.len() < self.slots.len() {
            self.acc.resize(self.slots.len(), 0.0);
            self.hits.resize(self.slots.len(), 0);
        }
        for &(term, qw) in q {
            for p in self.index.postings(term) {
                if p.weight == 0.0 {
                    continue;
                }
                let i = p.slot as usize;
                if self.hits[i] == 0 {
                    self.touched.push(p.slot);
                }
                self.acc[i] += qw * p.weight;
                self.hits[i] += 1;
            }
        }
        let half_life = self.config.gap_half_life_days.max(1e-6) * DAY;
        let mut best: Option<(f64, u64)> = None;
        for &slot in &self.touched {
            let dot = f64::from(std::mem::take(&mut self.acc[slot as usize]));
            let hits = std::mem::take(&mut self.hits[slot as usize]);
            let Some(t) = self.slots[slot as usize].as_ref() else {
                continue;
            };
            if t.norm2 <= 0.0 || hits < self.config.min_shared_terms {
                continue;
            }
            let gap = now.saturating_sub(t.last_update).max(0) as f64;
            let score = dot / t.norm2.sqrt() * (-gap / half_life).exp2();
            if best.is_none_or(|(b, id)| score > b || (score == b && t.id < id)) {
                best = Some((score, t.id));
            }
        }
        self.touched.clear();
        let threshold = if has_text {
            self.config.threshold
        } else {
            self.config.headline_threshold
        };
        best.filter(|b| b.0 >= threshold).map(|(s, id)| (id, s))
    }

    /// Opens thread `id` (the id of its first story).
    pub fn open(&mut self, id: u64, now: i64) {
        if self.by_id.contains_key(&id) {
            return;
        }
        let state = ThreadState {
            id,
            first_seen: now,
            last_update: now,
            size: 0,
            stories: 0,
            terms: FxMap::default(),
            norm2: 0.0,
        };
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some(state);
                slot
            }
            None => {
                self.slots.push(Some(state));
                (self.slots.len() - 1) as u32
            }
        };
        self.by_id.insert(id, slot);
        self.expiry.touch(now, slot, id);
    }

    pub fn is_open(&self, id: u64) -> bool {
        self.by_id.contains_key(&id)
    }

    /// Adds one article's vector to thread `id`; `new_story` counts a story
    /// joining.
    pub fn absorb(&mut self, id: u64, q: &[(u64, f32)], now: i64, new_story: bool) {
        let Some(&slot) = self.by_id.get(&id) else {
            return;
        };
        let Some(t) = self.slots[slot as usize].as_mut() else {
            return;
        };
        let g = self.config.centroid_power;
        for &(term, w) in q {
            add_to_centroid(
                &mut t.terms,
                &mut t.norm2,
                &mut self.index,
                slot,
                term,
                w,
                g,
            );
        }
        t.size += 1;
        t.stories += u32::from(new_story);
        t.last_update = t.last_update.max(now);
        self.expiry.touch(t.last_update, slot, id);
        if t.terms.len() > 2 * self.config.max_terms.max(1) {
            prune(t, self.config.max_terms.max(1), g, &mut self.index);
        }
    }

    /// Purges postings of closed threads and of pruned terms.
    pub fn compact(&mut self) {
        let Threads {
            slots,
            index,
            retired,
            free,
            ..
        } = self;
        let live: Vec<bool> = slots.iter().map(Option::is_some).collect();
        index.compact(
            |slot| live[slot as usize],
            |term, slot, pos| {
                if let Some(Some(t)) = slots.get_mut(slot as usize)
                    && let Some(e) = t.terms.get_mut(&term)
                {
                    e.1 = pos;
                }
            },
        );
        free.append(retired);
        free.sort_unstable_by(|a, b| b.cmp(a));
        while slots.last().is_some_and(Option::is_none) {
            let last = (slots.len() - 1) as u32;
            slots.pop();
            free.retain(|&s| s != last);
        }
        slots.shrink_to_fit();
    }

    pub fn summary(&self, id: u64) -> Option<ThreadSummary> {
        let t = self.slots[*self.by_id.get(&id)? as usize].as_ref()?;
        Some(ThreadSummary {
            id: t.id,
            first_seen: t.first_seen,
            last_update: t.last_update,
            articles: t.size,
            stories: t.stories,
        })
    }

    /// Live threads, oldest first.
    pub fn threads(&self) -> Vec<ThreadSummary> {
        let mut ids: Vec<u64> = self.by_id.keys().copied().collect();
        ids.sort_unstable();
        ids.into_iter().filter_map(|id| self.summary(id)).collect()
    }

    /// (live threads, postings, IDF terms), for the bounded-memory checks.
    pub fn sizes(&self) -> (usize, usize, usize) {
        (self.by_id.len(), self.index.entries(), self.df.len())
    }
}

/// Keeps a thread's `keep` strongest terms. Dropped postings get weight 0,
/// which scores nothing, and go at the next compaction.
fn prune(t: &mut ThreadState, keep: usize, g: f64, index: &mut Index) {
    let mut terms: Vec<(u64, f32, u32)> = t.terms.iter().map(|(k, v)| (*k, v.0, v.1)).collect();
    // By weight, ties by term, so live and restored runs prune alike.
    terms.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    for &(term, w, pos) in &terms[keep..] {
        index.set_weight(term, pos, 0.0);
        t.terms.remove(&term);
        t.norm2 -= f64::from(damp(w, g)).powi(2);
    }
    index.mark_stale(terms.len() - keep);
    t.norm2 = t.norm2.max(0.0);
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY_S: i64 = 86_400;

    fn v(terms: &[u64]) -> Vec<(u64, f32)> {
        let w = 1.0 / (terms.len() as f32).sqrt();
        terms.iter().map(|&t| (t, w)).collect()
    }

    #[test]
    fn the_gap_is_weighed_and_the_horizon_closes() {
        let mut th = Threads::new(ThreadConfig {
            threshold: 0.2,
            ..ThreadConfig::default()
        });
        th.open(1, 0);
        th.absorb(1, &v(&[1, 2, 3, 4]), 0, true);
        let q = v(&[1, 2, 5, 6]);
        let (id, fresh) = th.best(&q, DAY_S, true).unwrap();
        assert_eq!(id, 1);
        let (_, later) = th.best(&q, 8 * DAY_S, true).unwrap();
        assert!(later < fresh, "a longer quiet weighs the match down");
        th.evict(15 * DAY_S);
        assert!(!th.is_open(1));
        assert!(th.best(&q, 15 * DAY_S, true).is_none());
    }

    #[test]
    fn pruning_keeps_the_strongest_terms() {
        let mut th = Threads::new(ThreadConfig {
            max_terms: 4,
            ..ThreadConfig::default()
        });
        th.open(1, 0);
        for i in 0..6u64 {
            th.absorb(1, &v(&[100, 101, 10 + i, 20 + i]), 0, false);
        }
        let (_, postings, _) = th.sizes();
        th.compact();
        let (_, after, _) = th.sizes();
        assert!(after < postings && after <= 8, "{postings} -> {after}");
        assert!(th.best(&v(&[100, 101]), 0, true).is_some());
    }
}
