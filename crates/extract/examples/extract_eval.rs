//! Scores `extract` on the article-extraction-benchmark layout:
//! `DIR/html/<id>.html.gz` and `DIR/ground-truth.json`, or on a directory of
//! hand-written pages, `DIR/<name>.html` with the expected text beside it in
//! `DIR/<name>.txt` (`crates/extract/tests/pages`).
//!
//! cargo run --release -p newsroom-extract --example extract_eval -- DIR [--worst N] [--dump OUT] [--generic]
//!     [--parser html5ever]
//!
//! `--generic` turns off JSON-LD `articleBody` and explicit body markup, so
//! every page takes the generic DOM-statistics path. `--parser html5ever`
//! parses with html5ever's tree builder instead of the fast one.

use newsroom_extract::metric::{bootstrap, page_counts, prf};
use std::io::Read;
use std::time::Instant;

/// CPU time of this thread in seconds, from the scheduler's own accounting.
fn thread_cpu() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = args
        .first()
        .cloned()
        .unwrap_or_else(|| "../shared/datasets/extraction-dev".into());
    let worst: usize = args
        .iter()
        .position(|a| a == "--worst")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let dump = args
        .iter()
        .position(|a| a == "--dump")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let options = newsroom_extract::Options {
        structured_body: !args.iter().any(|a| a == "--generic"),
        parser: if args
            .windows(2)
            .any(|w| w[0] == "--parser" && w[1] == "html5ever")
        {
            newsroom_extract::Parser::Html5ever
        } else {
            newsroom_extract::Parser::Fast
        },
    };
    let truth_path = format!("{dir}/ground-truth.json");
    let (truth, hand_written) = match std::fs::read_to_string(&truth_path) {
        Ok(t) => (
            serde_json::from_str::<serde_json::Value>(&t).expect("ground-truth.json is JSON"),
            false,
        ),
        Err(_) => match hand_written_truth(&dir) {
            Some(t) => (t, true),
            None => {
                println!(
                    "dataset not found at {dir} (no ground-truth.json, no NAME.html + NAME.txt); nothing to score"
                );
                return;
            }
        },
    };
    let truth = truth.as_object().expect("ground truth is an object");
    let mut ids: Vec<&String> = truth.keys().collect();
    ids.sort();
    let mut pages = Vec::new();
    for id in &ids {
        if hand_written {
            pages.push(std::fs::read(format!("{dir}/{id}.html")).expect("page exists"));
            continue;
        }
        let mut raw = Vec::new();
        let f = std::fs::File::open(format!("{dir}/html/{id}.html.gz")).expect("page exists");
        flate2::read::GzDecoder::new(f)
            .read_to_end(&mut raw)
            .expect("gzip");
        pages.push(raw);
    }
    let urls: Vec<Option<&str>> = ids.iter().map(|id| truth[*id]["url"].as_str()).collect();

    // Best of three timed passes: the machine is shared, and the fastest run
    // is the one least disturbed by other work.
    let mut results = Vec::new();
    let (mut best_wall, mut best_cpu) = (f64::MAX, f64::MAX);
    for _ in 0..3 {
        let c0 = thread_cpu();
        let t0 = Instant::now();
        results = pages
            .iter()
            .zip(&urls)
            .map(|(p, u)| newsroom_extract::extract_with(p, *u, None, options))
            .collect();
        let wall = t0.elapsed().as_secs_f64();
        best_wall = best_wall.min(wall);
        if let (Some(a), Some(b)) = (c0, thread_cpu()) {
            best_cpu = best_cpu.min(b - a);
        }
    }

    let rows: Vec<(f64, f64, f64)> = ids
        .iter()
        .zip(&results)
        .map(|(id, e)| page_counts(&e.text, truth[*id]["articleBody"].as_str().unwrap_or("")))
        .collect();
    let (p, r, f) = prf(&rows);
    let (sp, sr, sf) = bootstrap(&rows, 1000, 42);
    let n = ids.len() as f64;
    let mb = pages.iter().map(Vec::len).sum::<usize>() as f64 / 1e6;
    println!("pages      {}", ids.len());
    println!("precision  {p:.3} ± {sp:.3}");
    println!("recall     {r:.3} ± {sr:.3}");
    println!("F1         {f:.3} ± {sf:.3}");
    if best_cpu < f64::MAX && best_cpu > 0.0 {
        println!(
            "speed      {:.0} pages per CPU-second single-threaded ({:.0} MB/s), best of 3",
            n / best_cpu,
            mb / best_cpu
        );
    }
    println!(
        "wall       {:.0} pages per second single-threaded, best of 3",
        n / best_wall
    );

    if let Some(out) = dump {
        std::fs::create_dir_all(&out).expect("dump dir");
        for (id, e) in ids.iter().zip(&results) {
            std::fs::write(format!("{out}/{id}.pred.txt"), &e.text).ok();
            std::fs::write(
                format!("{out}/{id}.true.txt"),
                truth[*id]["articleBody"].as_str().unwrap_or(""),
            )
            .ok();
        }
    }
    if worst > 0 {
        let mut order: Vec<usize> = (0..rows.len()).collect();
        let f1 = |(tp, fp, fn_): (f64, f64, f64)| {
            if tp == 0.0 {
                0.0
            } else {
                2.0 * tp / (2.0 * tp + fp + fn_)
            }
        };
        order.sort_by(|&a, &b| f1(rows[a]).total_cmp(&f1(rows[b])));
        println!("\nworst {worst} pages (per-page F1, P, R, confidence, url):");
        for &i in order.iter().take(worst) {
            let (tp, fp, fn_) = rows[i];
            let pp = if tp + fp > 0.0 { tp / (tp + fp) } else { 0.0 };
            let rr = if tp + fn_ > 0.0 { tp / (tp + fn_) } else { 0.0 };
            println!(
                "{}  F1 {:.3}  P {:.3}  R {:.3}  c {:.2}  {}",
                &ids[i][..12],
                f1(rows[i]),
                pp,
                rr,
                results[i].confidence,
                urls[i].unwrap_or("")
            );
        }
    }
}

/// The ground-truth object for a directory of `NAME.html` + `NAME.txt`.
fn hand_written_truth(dir: &str) -> Option<serde_json::Value> {
    let mut truth = serde_json::Map::new();
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        let (Some(name), Some("html")) = (
            path.file_stem().and_then(|s| s.to_str()),
            path.extension().and_then(|s| s.to_str()),
        ) else {
            continue;
        };
        let Ok(text) = std::fs::read_to_string(path.with_extension("txt")) else {
            continue;
        };
        truth.insert(
            name.to_string(),
            serde_json::json!({"url": format!("https://pages.example/{name}"), "articleBody": text}),
        );
    }
    (!truth.is_empty()).then_some(serde_json::Value::Object(truth))
}
