//! Regenerates `tests/data/neardup.jsonl`, the synthetic near-duplicate set,
//! from the dev days of the UCI set. Deterministic: same input, same file.
//!
//! cargo run --release -p newsroom-cluster --example make_neardup_set -- \
//!     /work/shared/datasets/clustering-dev/uci-news-first21days.jsonl.gz > crates/cluster/tests/data/neardup.jsonl
//!
//! Positives are edited copies of a headline (wire prefix, outlet suffix,
//! truncation, one word changed or dropped, case and punctuation, and
//! combinations). Negatives are other headlines: of the same story on the
//! same day (hard: same event, same names), sharing the first words
//! (templates such as "Sector Update: ..."), or random. A negative never
//! shares more than half of its words with its partner, so no real copy
//! is labelled as different.

use flate2::read::GzDecoder;
use newsroom_cluster::dataset::read_labelled;
use std::collections::{BTreeMap, BTreeSet};
use std::io::BufReader;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn words(s: &str) -> BTreeSet<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn word_jaccard(a: &str, b: &str) -> f64 {
    let (a, b) = (words(a), words(b));
    let inter = a.intersection(&b).count() as f64;
    let union = a.union(&b).count() as f64;
    if union == 0.0 { 0.0 } else { inter / union }
}

const OUTLETS: &[&str] = &[
    " - Reuters",
    " | Fox News",
    " - BBC News",
    " - The Boston Globe",
    " | Daily Mail Online",
];
const PREFIXES: &[&str] = &["UPDATE 1-", "UPDATE 2-", "RPT-", "EXCLUSIVE-", "CORRECTED-"];
const FILLERS: &[&str] = &["reportedly", "now", "officially", "finally", "again"];

fn edit(kind: &str, t: &str, rng: &mut Rng) -> String {
    let ws: Vec<&str> = t.split_whitespace().collect();
    match kind {
        "wire_prefix" => format!("{}{t}", PREFIXES[rng.below(PREFIXES.len())]),
        "outlet_suffix" => format!("{t}{}", OUTLETS[rng.below(OUTLETS.len())]),
        "truncation" => {
            let keep = (ws.len() * (60 + rng.below(25)) / 100).max(4);
            format!("{}  ...", ws[..keep.min(ws.len())].join(" "))
        }
        "word_changed" => {
            let mut v: Vec<String> = ws.iter().map(|s| s.to_string()).collect();
            let i = 1 + rng.below(v.len() - 1);
            v[i] = FILLERS[rng.below(FILLERS.len())].to_string();
            v.join(" ")
        }
        "word_dropped" => {
            let mut v = ws.clone();
            v.remove(1 + rng.below(v.len() - 1));
            v.join(" ")
        }
        "case_punctuation" => {
            let s: String = ws
                .iter()
                .map(|w| {
                    let mut c = w.chars();
                    c.next().map_or(String::new(), |f| {
                        f.to_uppercase()
                            .chain(c.flat_map(char::to_lowercase))
                            .collect()
                    })
                })
                .collect::<Vec<_>>()
                .join(" ");
            s.replace(',', "").replace(':', " -") + "!"
        }
        "combined" => {
            let keep = (ws.len() * 80 / 100).max(4);
            format!(
                "{}{}  ...{}",
                PREFIXES[rng.below(PREFIXES.len())],
                ws[..keep.min(ws.len())].join(" "),
                OUTLETS[rng.below(OUTLETS.len())]
            )
        }
        _ => unreachable!(),
    }
}

fn main() {
    let path = std::env::args().nth(1).unwrap_or_else(|| {
        "/work/shared/datasets/clustering-dev/uci-news-first21days.jsonl.gz".into()
    });
    let Ok(f) = std::fs::File::open(&path) else {
        eprintln!("dataset not available at {path}");
        return;
    };
    let data = read_labelled(BufReader::new(GzDecoder::new(f))).expect("dataset parses");
    let mut days: Vec<&str> = data.iter().map(|l| l.day.as_str()).collect();
    days.dedup();
    let dev: BTreeSet<&str> = days.iter().take(14).copied().collect();
    // Distinct, reasonably long headlines from the dev days, in file order.
    let mut seen = BTreeSet::new();
    let pool: Vec<_> = data
        .iter()
        .filter(|l| dev.contains(l.day.as_str()))
        .filter(|l| l.item.title.split_whitespace().count() >= 6 && !l.item.title.contains("..."))
        .filter(|l| seen.insert(l.item.title.to_lowercase()))
        .collect();
    let mut by_story: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    let mut by_prefix: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, l) in pool.iter().enumerate() {
        by_story
            .entry((l.day.as_str(), l.gold.as_str()))
            .or_default()
            .push(i);
        let p: Vec<String> = l
            .item
            .title
            .split_whitespace()
            .take(3)
            .map(str::to_lowercase)
            .collect();
        by_prefix.entry(p.join(" ")).or_default().push(i);
    }
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let kinds = [
        "wire_prefix",
        "outlet_suffix",
        "truncation",
        "word_changed",
        "word_dropped",
        "case_punctuation",
        "combined",
    ];
    let emit = |a: &str, b: &str, dup: bool, kind: &str| {
        println!(
            "{}",
            serde_json::json!({"a": a, "b": b, "dup": dup, "kind": kind})
        );
    };
    let step = pool.len() / 400;
    for n in 0..400 {
        let i = n * step;
        let a = &pool[i].item.title;
        for k in kinds {
            if rng.below(7) < 3 {
                continue;
            }
            emit(a, &edit(k, a, &mut rng), true, k);
        }
        // Hard negative: another headline of the same story.
        let mates = &by_story[&(pool[i].day.as_str(), pool[i].gold.as_str())];
        for _ in 0..4 {
            let j = mates[rng.below(mates.len())];
            if j != i && word_jaccard(a, &pool[j].item.title) < 0.5 {
                emit(a, &pool[j].item.title, false, "same_story");
                break;
            }
        }
        let p: Vec<String> = a
            .split_whitespace()
            .take(3)
            .map(str::to_lowercase)
            .collect();
        for &j in &by_prefix[&p.join(" ")] {
            if j != i && word_jaccard(a, &pool[j].item.title) < 0.5 {
                emit(a, &pool[j].item.title, false, "shared_prefix");
                break;
            }
        }
        let j = rng.below(pool.len());
        if j != i && word_jaccard(a, &pool[j].item.title) < 0.5 {
            emit(a, &pool[j].item.title, false, "random");
        }
    }
}
