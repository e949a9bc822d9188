//! B-cubed precision, recall and F1, the metric of every clustering figure
//! in this project (see `shared/README.md`).

use std::collections::HashMap;
use std::hash::Hash;

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct BCubed {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub items: usize,
}

/// Scores `pairs` of (predicted cluster, gold cluster), one per item.
/// Cluster sizes are taken over the given items only, so scoring a subset
/// (say, the held-out days) judges the clusters as seen within that subset.
pub fn bcubed<P: Hash + Eq, G: Hash + Eq>(pairs: &[(P, G)]) -> BCubed {
    if pairs.is_empty() {
        return BCubed::default();
    }
    let mut pred: HashMap<&P, usize> = HashMap::new();
    let mut gold: HashMap<&G, usize> = HashMap::new();
    let mut both: HashMap<(&P, &G), usize> = HashMap::new();
    for (p, g) in pairs {
        *pred.entry(p).or_default() += 1;
        *gold.entry(g).or_default() += 1;
        *both.entry((p, g)).or_default() += 1;
    }
    let (mut ps, mut rs) = (0.0, 0.0);
    for (p, g) in pairs {
        let inter = both[&(p, g)] as f64;
        ps += inter / pred[p] as f64;
        rs += inter / gold[g] as f64;
    }
    let n = pairs.len() as f64;
    let (precision, recall) = (ps / n, rs / n);
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    BCubed {
        precision,
        recall,
        f1,
        items: pairs.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_and_degenerate_clusterings() {
        let perfect = bcubed(&[(1, 'a'), (1, 'a'), (2, 'b')]);
        assert!((perfect.f1 - 1.0).abs() < 1e-12);
        // All singletons: precision 1, recall = mean(1/2, 1/2, 1).
        let single = bcubed(&[(1, 'a'), (2, 'a'), (3, 'b')]);
        assert!((single.precision - 1.0).abs() < 1e-12);
        assert!((single.recall - 2.0 / 3.0).abs() < 1e-12);
        // One blob: recall 1, precision = mean(2/3, 2/3, 1/3).
        let blob = bcubed(&[(1, 'a'), (1, 'a'), (1, 'b')]);
        assert!((blob.recall - 1.0).abs() < 1e-12);
        assert!((blob.precision - 5.0 / 9.0).abs() < 1e-12);
    }
}
