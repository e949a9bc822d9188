//! The article-extraction-benchmark metric (see `../shared/README.md`):
//! 4-token shingle multisets over `\w+` tokens, per-page (tp, fp, fn)
//! normalised to sum 1, precision and recall averaged over pages, F1 as the
//! harmonic mean of the two means, bootstrap over pages for the ±.
//! Public so the eval example and the regression test score identically.

use regex::Regex;
use std::collections::HashMap;
use std::sync::LazyLock;

static TOKEN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\w+").unwrap());

fn shingles(text: &str) -> HashMap<Vec<&str>, u32> {
    let toks: Vec<&str> = TOKEN.find_iter(text).map(|m| m.as_str()).collect();
    let mut m = HashMap::new();
    if toks.is_empty() {
        return m;
    }
    if toks.len() < 4 {
        m.insert(toks, 1);
        return m;
    }
    for w in toks.windows(4) {
        *m.entry(w.to_vec()).or_insert(0) += 1;
    }
    m
}

/// Normalised (tp, fp, fn) for one page.
pub fn page_counts(pred: &str, truth: &str) -> (f64, f64, f64) {
    let p = shingles(pred);
    let t = shingles(truth);
    let (mut tp, mut fp, mut fn_) = (0u64, 0u64, 0u64);
    for (k, &c) in &p {
        let tc = t.get(k).copied().unwrap_or(0);
        tp += c.min(tc) as u64;
        fp += c.saturating_sub(tc) as u64;
    }
    for (k, &c) in &t {
        fn_ += c.saturating_sub(p.get(k).copied().unwrap_or(0)) as u64;
    }
    let s = (tp + fp + fn_) as f64;
    if s == 0.0 {
        return (0.0, 0.0, 0.0);
    }
    (tp as f64 / s, fp as f64 / s, fn_ as f64 / s)
}

/// (precision, recall, F1) over pages.
pub fn prf(rows: &[(f64, f64, f64)]) -> (f64, f64, f64) {
    let (mut ps, mut np, mut rs, mut nr) = (0.0, 0usize, 0.0, 0usize);
    for &(tp, fp, fn_) in rows {
        if fp == 0.0 && fn_ == 0.0 {
            if tp > 0.0 {
                ps += 1.0;
                rs += 1.0;
                np += 1;
                nr += 1;
            }
            continue;
        }
        if tp + fp > 0.0 {
            ps += tp / (tp + fp);
            np += 1;
        }
        if tp + fn_ > 0.0 {
            rs += tp / (tp + fn_);
            nr += 1;
        }
    }
    let p = if np > 0 { ps / np as f64 } else { 0.0 };
    let r = if nr > 0 { rs / nr as f64 } else { 0.0 };
    let f = if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    };
    (p, r, f)
}

/// Standard deviations of (P, R, F1) over `n` bootstrap resamples of pages,
/// with a fixed seed so figures are reproducible.
pub fn bootstrap(rows: &[(f64, f64, f64)], n: usize, seed: u64) -> (f64, f64, f64) {
    if rows.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    let mut state = seed;
    let mut next = || {
        // splitmix64
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut samples = Vec::with_capacity(n);
    let mut buf = Vec::with_capacity(rows.len());
    for _ in 0..n {
        buf.clear();
        for _ in 0..rows.len() {
            buf.push(rows[(next() % rows.len() as u64) as usize]);
        }
        samples.push(prf(&buf));
    }
    let sd = |f: &dyn Fn(&(f64, f64, f64)) -> f64| {
        let m = samples.iter().map(f).sum::<f64>() / n as f64;
        (samples.iter().map(|s| (f(s) - m).powi(2)).sum::<f64>() / n as f64).sqrt()
    };
    (sd(&|s| s.0), sd(&|s| s.1), sd(&|s| s.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_texts_score_one() {
        let r = page_counts("one two three four five", "one two three four five");
        assert_eq!(prf(&[r]), (1.0, 1.0, 1.0));
    }

    #[test]
    fn half_extra_text_halves_precision() {
        let r = page_counts("a b c d e f g h", "a b c d e");
        // truth has 2 shingles, prediction 5 of which 2 match.
        let (p, rcl, _) = prf(&[r]);
        assert!((p - 0.4).abs() < 1e-9 && rcl == 1.0);
    }

    #[test]
    fn empty_prediction_counts_for_recall_only() {
        let r = page_counts("", "a b c d e");
        assert_eq!(prf(&[r]).1, 0.0);
    }
}
