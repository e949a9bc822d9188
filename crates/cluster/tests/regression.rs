//! Regression guards: story B³-F1 on the dev days of the UCI set, and thread
//! B³-F1 on the full-text set, must not fall more than 0.01 below the
//! figures recorded in docs/QUALITY.md. Both skip, saying so, when the
//! datasets are absent.
//!
//! Only the first 14 days (the dev days) are read and clustered, which is
//! the same pass `examples/cluster_eval.rs` makes over those days (the online pass
//! never looks ahead, so the held-out days cannot change dev assignments).

use flate2::read::GzDecoder;
use newsroom_cluster::Clusterer;
use newsroom_cluster::Config;
use newsroom_cluster::bcubed;
use newsroom_cluster::dataset::{HELD_OUT_DAYS, read_labelled};
use std::io::BufReader;
use std::path::Path;

/// Dev B³-F1 recorded in docs/QUALITY.md ("Story clustering").
const RECORDED_DEV_F1: f64 = 0.8385;

#[test]
fn dev_set_bcubed_f1_holds() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/datasets/clustering-dev/uci-news-first21days.jsonl.gz");
    let Ok(file) = std::fs::File::open(&path) else {
        println!(
            "SKIPPED: dataset not found at {}; the regression guard did not run",
            path.display()
        );
        return;
    };
    let data = read_labelled(BufReader::new(GzDecoder::new(file))).unwrap();
    let mut days: Vec<&str> = data.iter().map(|l| l.day.as_str()).collect();
    days.dedup();
    let dev_days = days.len() - HELD_OUT_DAYS;
    let last_dev_day = days[dev_days - 1].to_string();
    let mut c = Clusterer::new(Config::default());
    let pairs: Vec<(u64, &str)> = data
        .iter()
        .take_while(|l| l.day <= last_dev_day)
        .map(|l| (c.add(l.item.clone()).story, l.gold.as_str()))
        .collect();
    let b = bcubed(&pairs);
    println!(
        "dev days: {} items, B3 P {:.4} R {:.4} F1 {:.4}",
        b.items, b.precision, b.recall, b.f1
    );
    assert!(
        b.f1 >= RECORDED_DEV_F1 - 0.01,
        "dev B3-F1 {:.4} fell below {RECORDED_DEV_F1} - 0.01",
        b.f1
    );
}

/// The CLI and the library are one code path: on the first 5,000 lines of
/// the dev set, `run_cli` answers exactly what `Clusterer::add` does, story
/// and thread.
#[test]
fn cli_matches_the_library_on_real_lines() {
    use std::io::BufRead;
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/datasets/clustering-dev/uci-news-first21days.jsonl.gz");
    let Ok(file) = std::fs::File::open(&path) else {
        println!("SKIPPED: dataset not found at {}", path.display());
        return;
    };
    let lines: Vec<String> = BufReader::new(GzDecoder::new(file))
        .lines()
        .take(5_000)
        .map(Result::unwrap)
        .collect();
    let input = lines.join("\n") + "\n";
    let mut out = Vec::new();
    let window = Config::default().story_hours;
    let stats = newsroom_cluster::run_cli(input.as_bytes(), &mut out, window).unwrap();
    assert_eq!(stats.lines, 5_000);
    assert_eq!(stats.errors, 0);
    let data = read_labelled(input.as_bytes()).unwrap();
    let mut c = Clusterer::new(Config::default());
    let out = String::from_utf8(out).unwrap();
    let mut n = 0;
    for (line, l) in out.lines().zip(&data) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["id"].as_str(), Some(l.item.id.as_str()));
        let a = c.add(l.item.clone());
        assert_eq!(v["story"].as_u64(), Some(a.story));
        assert_eq!(v["thread"].as_u64(), Some(a.thread));
        n += 1;
    }
    assert_eq!(n, 5_000);
}

/// Thread B³-F1 on the full-text set of multi-day events, recorded in
/// docs/QUALITY.md ("Threads").
const RECORDED_TEXT_THREAD_F1: f64 = 0.8503;

/// The threads must keep finding the multi-day events of the full-text dev
/// set: thread B³-F1 may not fall more than 0.01 below the recorded figure,
/// and the day-level stories must stay precise (they are what threads are
/// built from).
#[test]
fn text_set_thread_bcubed_f1_holds() {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets/clustering-text-dev");
    let (Ok(stream), Ok(truth)) = (
        std::fs::File::open(dir.join("stream.jsonl.gz")),
        std::fs::File::open(dir.join("truth.jsonl.gz")),
    ) else {
        println!(
            "SKIPPED: full-text set not found in {}; the regression guard did not run",
            dir.display()
        );
        return;
    };
    let data = newsroom_cluster::dataset::read_with_truth(
        BufReader::new(GzDecoder::new(stream)),
        BufReader::new(GzDecoder::new(truth)),
    )
    .unwrap();
    let r = newsroom_cluster::dataset::evaluate(&data, Config::default());
    println!(
        "text set: {} items, stories B3 P {:.4} R {:.4} F1 {:.4}; threads B3 P {:.4} R {:.4} F1 {:.4}",
        r.items,
        r.all.precision,
        r.all.recall,
        r.all.f1,
        r.threads_all.precision,
        r.threads_all.recall,
        r.threads_all.f1
    );
    assert!(
        r.threads_all.f1 >= RECORDED_TEXT_THREAD_F1 - 0.01,
        "thread B3-F1 {:.4} fell below {RECORDED_TEXT_THREAD_F1} - 0.01",
        r.threads_all.f1
    );
    assert!(
        r.all.precision >= 0.95,
        "story precision {:.4}",
        r.all.precision
    );
}
