//! Inverted index from term to the live stories whose centroid holds it.
//!
//! Candidate generation walks only the posting lists of an article's own
//! terms, so its cost follows how many stories share those terms, never how
//! many stories exist. Each posting carries the story's current weight for
//! the term, so scoring is one pass over the lists with no per-story lookup.

use crate::hash::FxMap;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Posting {
    pub slot: u32,
    pub weight: f32,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Index {
    lists: FxMap<u64, Vec<Posting>>,
    entries: usize,
    /// Postings whose story has been evicted; purged in bulk by `compact`.
    stale: usize,
}

impl Index {
    /// Appends a posting and returns its position, which the story keeps to
    /// update the weight in place later.
    pub fn add(&mut self, term: u64, slot: u32, weight: f32) -> u32 {
        let list = self.lists.entry(term).or_default();
        list.push(Posting { slot, weight });
        self.entries += 1;
        (list.len() - 1) as u32
    }

    pub fn set_weight(&mut self, term: u64, pos: u32, weight: f32) {
        if let Some(p) = self
            .lists
            .get_mut(&term)
            .and_then(|l| l.get_mut(pos as usize))
        {
            p.weight = weight;
        }
    }

    pub fn postings(&self, term: u64) -> &[Posting] {
        self.lists.get(&term).map_or(&[], Vec::as_slice)
    }

    pub fn mark_stale(&mut self, n: usize) {
        self.stale += n;
    }

    /// Worth compacting once dead postings outnumber live ones: the sweep
    /// is O(entries), so this keeps it amortised O(1) per posting.
    pub fn needs_compaction(&self) -> bool {
        self.stale > 4096 && self.stale * 2 > self.entries
    }

    /// Drops postings of dead slots, and postings set to weight 0 (terms a
    /// thread let go), and reports each surviving posting's new position
    /// through `moved(term, slot, pos)`.
    pub fn compact(&mut self, live: impl Fn(u32) -> bool, mut moved: impl FnMut(u64, u32, u32)) {
        self.lists.retain(|&term, list| {
            list.retain(|p| live(p.slot) && p.weight != 0.0);
            for (i, p) in list.iter().enumerate() {
                moved(term, p.slot, i as u32);
            }
            list.shrink_to_fit();
            !list.is_empty()
        });
        self.lists.shrink_to_fit();
        self.entries = self.lists.values().map(Vec::len).sum();
        self.stale = 0;
    }

    pub fn entries(&self) -> usize {
        self.entries
    }

    pub fn terms(&self) -> usize {
        self.lists.len()
    }
}

/// Weight of a summed centroid term as scored: the sum to the power `gamma`
/// (below 1 flattens the centroid).
#[inline]
pub fn damp(w: f32, gamma: f64) -> f32 {
    if gamma == 1.0 {
        w
    } else if gamma == 0.5 {
        f64::from(w).sqrt() as f32
    } else {
        f64::from(w).powf(gamma) as f32
    }
}

/// Adds `w` to a centroid's `term` (term -> (summed weight, posting
/// position)), keeping the posting's weight and the squared norm of the
/// damped weights in step. Returns whether the term is new to the centroid.
#[allow(clippy::too_many_arguments)]
pub fn add_to_centroid(
    terms: &mut FxMap<u64, (f32, u32)>,
    norm2: &mut f64,
    index: &mut Index,
    slot: u32,
    term: u64,
    w: f32,
    gamma: f64,
) -> bool {
    match terms.get_mut(&term) {
        Some((cw, pos)) => {
            let old = damp(*cw, gamma);
            *cw += w;
            let new = damp(*cw, gamma);
            *norm2 += f64::from(new).powi(2) - f64::from(old).powi(2);
            index.set_weight(term, *pos, new);
            false
        }
        None => {
            let d = damp(w, gamma);
            let pos = index.add(term, slot, d);
            terms.insert(term, (w, pos));
            *norm2 += f64::from(d).powi(2);
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compaction_keeps_live_postings_and_reports_moves() {
        let mut ix = Index::default();
        ix.add(1, 0, 0.5);
        ix.add(1, 1, 0.25);
        ix.add(2, 0, 1.0);
        ix.mark_stale(2);
        let mut moves = Vec::new();
        ix.compact(|slot| slot == 1, |t, s, p| moves.push((t, s, p)));
        assert_eq!(moves, vec![(1, 1, 0)]);
        assert_eq!(ix.entries(), 1);
        assert_eq!(ix.terms(), 1);
        assert!(ix.postings(2).is_empty());
    }
}
