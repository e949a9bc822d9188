//! Online document frequencies with exponential forgetting.
//!
//! IDF is computed only from what has already arrived (no look-ahead), and
//! old counts fade with a half-life so that (a) a term that was rare last
//! week but is everywhere today gets a low weight today, and (b) the table
//! stays bounded: a term not seen for several half-lives decays below the
//! pruning floor and is dropped.

use crate::hash::FxMap;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Count {
    value: f64,
    at: i64,
}

impl Count {
    fn at(&self, now: i64, half_life: f64) -> f64 {
        let dt = now.saturating_sub(self.at).max(0) as f64;
        self.value * (-dt / half_life).exp2()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DocFreq {
    half_life_secs: f64,
    docs: Count,
    df: FxMap<u64, Count>,
    /// Table size right after the last prune; the next prune runs when the
    /// table has doubled, which keeps pruning amortised O(1) per document.
    pruned_len: usize,
}

const PRIOR_DOCS: f64 = 20.0;

/// Entries whose decayed count falls below this are forgotten. A term seen
/// once survives about log2(1/0.2) = 2.3 half-lives.
const PRUNE_FLOOR: f64 = 0.2;

impl DocFreq {
    pub fn new(half_life_secs: f64) -> Self {
        DocFreq {
            half_life_secs: half_life_secs.max(1.0),
            docs: Count { value: 0.0, at: 0 },
            df: FxMap::default(),
            pruned_len: 1024,
        }
    }

    /// Counts one document; `terms` must not repeat.
    pub fn observe(&mut self, terms: impl Iterator<Item = u64>, now: i64) {
        self.add_doc(now);
        for t in terms {
            self.add_term(t, now);
        }
    }

    /// Counts one more document (or story) without its terms.
    pub fn add_doc(&mut self, now: i64) {
        let hl = self.half_life_secs;
        self.docs = Count {
            value: self.docs.at(now, hl) + 1.0,
            at: now,
        };
    }

    /// Counts one more document (or story) holding `term`.
    pub fn add_term(&mut self, term: u64, now: i64) {
        let hl = self.half_life_secs;
        let c = self.df.entry(term).or_insert(Count {
            value: 0.0,
            at: now,
        });
        *c = Count {
            value: c.at(now, hl) + 1.0,
            at: now,
        };
        if self.df.len() > 2 * self.pruned_len {
            self.prune(now);
        }
    }

    /// Smoothed IDF, always > 0: ln(1 + (N + N0) / (df + 0.5)).
    ///
    /// N0 pseudo-documents that hold none of the terms keep the first few
    /// documents of a cold start from making the terms they happen to share
    /// look common: until N outgrows N0, all terms weigh about the same.
    pub fn idf(&self, term: u64, now: i64) -> f64 {
        self.idf_of(term, self.docs(now), now)
    }

    /// Decayed number of documents plus the prior, for `idf_of`.
    pub fn docs(&self, now: i64) -> f64 {
        self.docs.at(now, self.half_life_secs) + PRIOR_DOCS
    }

    /// `idf` with the document count computed once for many terms.
    pub fn idf_of(&self, term: u64, docs: f64, now: i64) -> f64 {
        let df = self
            .df
            .get(&term)
            .map_or(0.0, |c| c.at(now, self.half_life_secs));
        (1.0 + docs / (df + 0.5)).ln()
    }

    /// Decayed number of documents holding `term`.
    pub fn df(&self, term: u64, now: i64) -> f64 {
        self.df
            .get(&term)
            .map_or(0.0, |c| c.at(now, self.half_life_secs))
    }

    pub fn prune(&mut self, now: i64) {
        let hl = self.half_life_secs;
        self.df.retain(|_, c| c.at(now, hl) >= PRUNE_FLOOR);
        self.df.shrink_to_fit();
        self.pruned_len = self.df.len().max(1024);
    }

    pub fn len(&self) -> usize {
        self.df.len()
    }

    pub fn is_empty(&self) -> bool {
        self.df.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rare_terms_weigh_more_and_counts_fade() {
        let mut d = DocFreq::new(3600.0);
        for i in 0..100 {
            let terms: Vec<u64> = if i % 10 == 0 { vec![1, 2] } else { vec![1] };
            d.observe(terms.into_iter(), 0);
        }
        assert!(d.idf(2, 0) > d.idf(1, 0));
        assert!(d.idf(3, 0) > d.idf(2, 0), "unseen terms weigh most");
        // One half-life later both N and df halve: the ratio, so the IDF,
        // holds up to the +0.5 smoothing.
        assert!((d.idf(2, 3600) - d.idf(2, 0)).abs() < 0.1);
    }

    #[test]
    fn pruning_forgets_stale_terms() {
        let mut d = DocFreq::new(3600.0);
        d.observe([7u64].into_iter(), 0);
        d.observe([8u64].into_iter(), 10 * 3600);
        d.prune(10 * 3600);
        assert_eq!(d.len(), 1);
    }
}
