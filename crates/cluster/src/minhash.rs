//! Character shingles and MinHash signatures of normalised headlines.
//!
//! Character 5-grams rather than word shingles: one changed word in an
//! eight-word headline kills most word shingles, but only a few character
//! ones, which is what "small edits" look like in wire copies.

use crate::hash::{hash_str, mix};

pub const SHINGLE: usize = 5;
pub const PERMUTATIONS: usize = 64;

/// Lowercase letters and digits with single spaces: the comparable core of a
/// headline after packaging has been stripped.
pub fn canonical(normalised_title: &str) -> String {
    let mut out = String::with_capacity(normalised_title.len());
    let mut space = false;
    for c in normalised_title.chars() {
        if c.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.extend(c.to_lowercase());
        } else if c != '\'' && c != '\u{2019}' {
            space = true;
        }
    }
    out
}

pub fn shingles(canon: &str, out: &mut Vec<u64>) {
    out.clear();
    let idx: Vec<usize> = canon
        .char_indices()
        .map(|(i, _)| i)
        .chain([canon.len()])
        .collect();
    let n = idx.len() - 1;
    if n == 0 {
        return;
    }
    if n <= SHINGLE {
        out.push(hash_str(2, canon));
        return;
    }
    for i in 0..=n - SHINGLE {
        out.push(hash_str(2, &canon[idx[i]..idx[i + SHINGLE]]));
    }
    out.sort_unstable();
    out.dedup();
}

/// Odd multipliers and offsets for PERMUTATIONS universal hash functions,
/// derived from fixed seeds so signatures are stable across runs.
fn params() -> &'static [(u64, u64); PERMUTATIONS] {
    use std::sync::OnceLock;
    static P: OnceLock<[(u64, u64); PERMUTATIONS]> = OnceLock::new();
    P.get_or_init(|| {
        let mut p = [(0u64, 0u64); PERMUTATIONS];
        for (i, e) in p.iter_mut().enumerate() {
            *e = (mix(i as u64 * 2 + 1) | 1, mix(i as u64 * 2 + 2));
        }
        p
    })
}

pub type Signature = [u32; PERMUTATIONS];

pub fn signature(shingles: &[u64]) -> Signature {
    let mut sig = [u32::MAX; PERMUTATIONS];
    let p = params();
    for &s in shingles {
        for (slot, &(a, b)) in sig.iter_mut().zip(p.iter()) {
            let h = (s.wrapping_mul(a).wrapping_add(b) >> 32) as u32;
            if h < *slot {
                *slot = h;
            }
        }
    }
    sig
}

/// Fraction of agreeing positions: an unbiased estimate of Jaccard.
pub fn estimate(a: &Signature, b: &Signature) -> f64 {
    a.iter().zip(b).filter(|(x, y)| x == y).count() as f64 / PERMUTATIONS as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(s: &str) -> Signature {
        let mut sh = Vec::new();
        shingles(&canonical(s), &mut sh);
        signature(&sh)
    }

    #[test]
    fn canonical_form_ignores_case_and_punctuation() {
        assert_eq!(
            canonical("Putin's  Crimea: 'Done Deal'!"),
            "putins crimea done deal"
        );
    }

    #[test]
    fn estimates_track_similarity() {
        let a = sig("Malaysia Airlines flight MH370 search widens to Indian Ocean");
        let b = sig("Malaysia Airlines flight MH370 search widens into Indian Ocean");
        let c = sig("Apple unveils cheaper iPhone 5c with 8GB of storage");
        assert!(estimate(&a, &b) > 0.6, "{}", estimate(&a, &b));
        assert!(estimate(&a, &c) < 0.2);
        assert_eq!(estimate(&a, &a), 1.0);
    }
}
