//! The synthetic near-duplicate set (`tests/data/neardup.jsonl`, made by
//! `examples/make_neardup_set.rs`): precision, recall and false-positive
//! rate of copy detection, with a floor under each.

use newsroom_cluster::neardup::{NearDupConfig, NearDupIndex};
use newsroom_cluster::tokenize::normalise_title;
use std::collections::BTreeMap;

#[derive(serde::Deserialize)]
struct Pair {
    a: String,
    b: String,
    dup: bool,
    kind: String,
}

fn is_copy(a: &str, b: &str) -> bool {
    let mut ix = NearDupIndex::new(NearDupConfig::default());
    let mut scratch = Vec::new();
    let fa = ix.fingerprint(&normalise_title(a, None), &mut scratch);
    ix.insert(fa, "a".into(), 1, 0);
    let fb = ix.fingerprint(&normalise_title(b, None), &mut scratch);
    ix.find(&fb).is_some()
}

#[test]
fn near_duplicate_set_precision_recall_fpr() {
    let text = include_str!("data/neardup.jsonl");
    let pairs: Vec<Pair> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let (mut tp, mut fp, mut fn_, mut tn) = (0usize, 0usize, 0usize, 0usize);
    let mut per_kind: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for p in &pairs {
        let got = is_copy(&p.a, &p.b);
        let e = per_kind.entry(p.kind.as_str()).or_default();
        e.1 += 1;
        e.0 += usize::from(got == p.dup);
        match (p.dup, got) {
            (true, true) => tp += 1,
            (true, false) => fn_ += 1,
            (false, true) => fp += 1,
            (false, false) => tn += 1,
        }
        if got != p.dup {
            println!("miss [{}] dup={} | {} | {}", p.kind, p.dup, p.a, p.b);
        }
    }
    let precision = tp as f64 / (tp + fp).max(1) as f64;
    let recall = tp as f64 / (tp + fn_).max(1) as f64;
    let fpr = fp as f64 / (fp + tn).max(1) as f64;
    println!(
        "pairs {}: precision {precision:.4} recall {recall:.4} FPR {fpr:.4} (tp {tp} fp {fp} fn {fn_} tn {tn})",
        pairs.len()
    );
    for (k, (right, n)) in &per_kind {
        println!("  {k:<17} {right}/{n} right");
    }
    assert!(precision >= 0.99, "precision {precision}");
    assert!(recall >= 0.95, "recall {recall}");
    assert!(fpr <= 0.01, "fpr {fpr}");
}
