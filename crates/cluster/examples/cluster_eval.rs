//! Story and thread clustering quality and speed on a labelled stream.
//!
//! cargo run --release -p newsroom-cluster --example cluster_eval -- \
//!     /work/shared/datasets/clustering-dev/uci-news-first21days.jsonl.gz [--config JSON]
//! cargo run --release -p newsroom-cluster --example cluster_eval -- \
//!     /work/shared/datasets/clustering-text-dev/stream.jsonl.gz \
//!     --truth /work/shared/datasets/clustering-text-dev/truth.jsonl.gz
//!
//! `--truth` names a separate `{"id", "story"}` file (the full-text set's
//! layout); without it each line carries its own `story`.
//! `--config` merges a JSON object into the default `Config` (for tuning,
//! on the dev days only), e.g. `--config '{"threshold":0.35}'`.

use flate2::read::GzDecoder;
use newsroom_cluster::Config;
use newsroom_cluster::dataset::{evaluate, read_labelled, read_with_truth};
use std::io::BufReader;
use std::path::PathBuf;
use std::process::ExitCode;

fn merge(base: &mut serde_json::Value, patch: serde_json::Value) {
    match (base, patch) {
        (serde_json::Value::Object(b), serde_json::Value::Object(p)) => {
            for (k, v) in p {
                merge(b.entry(k).or_insert(serde_json::Value::Null), v);
            }
        }
        (b, p) => *b = p,
    }
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut path =
        PathBuf::from("/work/shared/datasets/clustering-dev/uci-news-first21days.jsonl.gz");
    let mut config = Config::default();
    let mut truth: Option<PathBuf> = None;
    let mut dump: Option<PathBuf> = None;
    while let Some(a) = args.next() {
        if a == "--config" {
            let Some(patch) = args.next() else {
                eprintln!("--config needs a JSON object");
                return ExitCode::FAILURE;
            };
            let mut v = serde_json::to_value(&config).expect("config serialises");
            match serde_json::from_str(&patch) {
                Ok(p) => merge(&mut v, p),
                Err(e) => {
                    eprintln!("--config: {e}");
                    return ExitCode::FAILURE;
                }
            }
            config = match serde_json::from_value(v) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("--config: {e}");
                    return ExitCode::FAILURE;
                }
            };
        } else if a == "--dump" {
            dump = args.next().map(PathBuf::from);
        } else if a == "--truth" {
            truth = args.next().map(PathBuf::from);
        } else {
            path = PathBuf::from(a);
        }
    }
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) => {
            println!(
                "dataset not available at {} ({e}); nothing to evaluate",
                path.display()
            );
            return ExitCode::SUCCESS;
        }
    };
    let stream = BufReader::new(GzDecoder::new(file));
    let read = match &truth {
        Some(t) => match std::fs::File::open(t) {
            Ok(f) => read_with_truth(stream, BufReader::new(GzDecoder::new(f))),
            Err(e) => {
                println!(
                    "truth not available at {} ({e}); nothing to evaluate",
                    t.display()
                );
                return ExitCode::SUCCESS;
            }
        },
        None => read_labelled(stream),
    };
    let data = match read {
        Ok(d) => d,
        Err(e) => {
            eprintln!("cannot read {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    };
    let r = evaluate(&data, config);
    if let Some(d) = dump {
        // One {"id", "story", "thread", "gold", "title"} line per item, for
        // looking at what went where.
        let mut out = String::new();
        for (l, (s, t)) in data.iter().zip(&r.answers) {
            let v = serde_json::json!({"id": l.item.id, "story": s, "thread": t, "gold": l.gold, "title": l.item.title, "published": l.item.published});
            out.push_str(&v.to_string());
            out.push('\n');
        }
        if let Err(e) = std::fs::write(&d, out) {
            eprintln!("--dump {}: {e}", d.display());
            return ExitCode::FAILURE;
        }
    }
    let line = |name: &str, days: &[String], b: &newsroom_cluster::BCubed| {
        println!(
            "{name:<9} {} to {} ({:>2} days, {:>6} items): B3 P {:.4}  R {:.4}  F1 {:.4}",
            days.first().map_or("-", String::as_str),
            days.last().map_or("-", String::as_str),
            days.len(),
            b.items,
            b.precision,
            b.recall,
            b.f1
        );
    };
    line("dev", &r.dev_days, &r.dev);
    line("held-out", &r.held_out_days, &r.held_out);
    let all_days: Vec<String> = r.dev_days.iter().chain(&r.held_out_days).cloned().collect();
    line("all", &all_days, &r.all);
    println!("threads:");
    line("dev", &r.dev_days, &r.threads_dev);
    line("held-out", &r.held_out_days, &r.threads_held_out);
    line("all", &all_days, &r.threads_all);
    println!(
        "all       {} items, {} stories opened, {} threads opened, {} near-duplicates folded",
        r.items, r.stories, r.threads, r.near_duplicates
    );
    println!(
        "throughput: {:.0} headlines/s wall, {} per CPU second, one thread ({} Clusterer::add calls in {:.3} s wall{}; JSON parsing and gzip not timed)",
        r.headlines_per_second(),
        r.headlines_per_cpu_second()
            .map_or("n/a".to_string(), |h| format!("{h:.0}")),
        r.items,
        r.clustering_time.as_secs_f64(),
        r.clustering_cpu_seconds
            .map_or(String::new(), |c| format!(", {c:.2} s CPU")),
    );
    ExitCode::SUCCESS
}
