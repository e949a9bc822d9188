//! The labelled evaluation sets (UCI News Aggregator, first 21 days; the
//! full-text set of multi-day events) and the evaluation protocol shared by
//! `examples/cluster_eval.rs` and the regression tests, so both measure the same
//! thing the same way.

use crate::bcubed::{BCubed, bcubed};
use crate::clusterer::{Clusterer, Config, Item};
use std::io::BufRead;
use std::time::{Duration, Instant};

/// Days at the end of the set held out from tuning.
pub const HELD_OUT_DAYS: usize = 7;

#[derive(Debug, Clone)]
pub struct Labelled {
    pub item: Item,
    /// The aggregator's story id.
    pub gold: String,
    /// UTC date of `published`, `YYYY-MM-DD`.
    pub day: String,
}

/// Parses the JSON lines of the set (`id, title, url, source, published,
/// story`). Malformed lines are an error: this is our own fixed dataset.
pub fn read_labelled(r: impl BufRead) -> Result<Vec<Labelled>, String> {
    let mut out = Vec::new();
    for (n, line) in r.lines().enumerate() {
        let line = line.map_err(|e| format!("line {}: {e}", n + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value =
            serde_json::from_str(&line).map_err(|e| format!("line {}: {e}", n + 1))?;
        let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
        let published = s("published").ok_or(format!("line {}: no published", n + 1))?;
        let ts: jiff::Timestamp = published
            .parse()
            .map_err(|e| format!("line {}: {e}", n + 1))?;
        out.push(Labelled {
            item: Item {
                id: s("id").unwrap_or_default(),
                title: s("title").unwrap_or_default(),
                text: s("text"),
                url: s("url"),
                source: s("source"),
                published: ts.as_second(),
            },
            gold: s("story").unwrap_or_default(),
            day: ts.to_string().chars().take(10).collect(),
        });
    }
    Ok(out)
}

/// A stream without labels plus a separate truth file of `{"id", "story"}`
/// lines (the layout of the full-text set): the stream's items, labelled.
/// An item the truth file does not name is an error.
pub fn read_with_truth(stream: impl BufRead, truth: impl BufRead) -> Result<Vec<Labelled>, String> {
    let mut gold = std::collections::HashMap::new();
    for (n, line) in truth.lines().enumerate() {
        let line = line.map_err(|e| format!("truth line {}: {e}", n + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value =
            serde_json::from_str(&line).map_err(|e| format!("truth line {}: {e}", n + 1))?;
        let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
        gold.insert(
            s("id").ok_or(format!("truth line {}: no id", n + 1))?,
            s("story").ok_or(format!("truth line {}: no story", n + 1))?,
        );
    }
    let mut items = read_labelled(stream)?;
    for l in &mut items {
        l.gold = gold
            .get(&l.item.id)
            .cloned()
            .ok_or(format!("{} has no truth", l.item.id))?;
    }
    Ok(items)
}

#[derive(Debug, Clone)]
pub struct Report {
    pub dev: BCubed,
    pub held_out: BCubed,
    pub all: BCubed,
    /// The same three scored on thread ids: how well the developing events
    /// match the gold clusters.
    pub threads_dev: BCubed,
    pub threads_held_out: BCubed,
    pub threads_all: BCubed,
    pub threads: usize,
    /// (story, thread) of each item, in input order.
    pub answers: Vec<(u64, u64)>,
    pub dev_days: Vec<String>,
    pub held_out_days: Vec<String>,
    /// Wall time of the `Clusterer::add` calls only (normalisation,
    /// features, near-duplicate lookup, scoring, index upkeep; no JSON, no
    /// gzip).
    pub clustering_time: Duration,
    /// CPU time of the clustering thread over the same calls, where the OS
    /// tells it (Linux). On a shared machine wall time also counts time spent
    /// waiting for a core, so this is the fairer measure of the code's cost.
    pub clustering_cpu_seconds: Option<f64>,
    pub items: usize,
    pub stories: usize,
    pub near_duplicates: usize,
}

impl Report {
    /// Items per wall-clock second of the clustering pass.
    pub fn headlines_per_second(&self) -> f64 {
        self.items as f64 / self.clustering_time.as_secs_f64().max(1e-9)
    }

    /// Items per CPU second of the clustering thread.
    pub fn headlines_per_cpu_second(&self) -> Option<f64> {
        self.clustering_cpu_seconds
            .map(|s| self.items as f64 / s.max(1e-9))
    }
}

/// User + system CPU time of the calling thread, from
/// `/proc/thread-self/stat` (clock ticks, assumed 100 per second as on all
/// mainstream Linux builds). `None` elsewhere.
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the
    // 14th and 15th fields overall, so the 12th and 13th after it.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut f = rest.split_whitespace().skip(11);
    let utime: f64 = f.next()?.parse().ok()?;
    let stime: f64 = f.next()?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// Runs one online pass over `data` in order and scores the first days
/// (dev) and the last `HELD_OUT_DAYS` days (held-out) separately. The pass
/// itself is continuous: held-out days see the state built on dev days,
/// exactly as a live node would.
pub fn evaluate(data: &[Labelled], config: Config) -> Report {
    let mut c = Clusterer::new(config);
    let mut stories = Vec::with_capacity(data.len());
    let mut threads = Vec::with_capacity(data.len());
    let mut near_duplicates = 0;
    let mut new_stories = 0;
    let mut new_threads = 0;
    let start = Instant::now();
    let cpu_start = thread_cpu_seconds();
    for l in data {
        let a = c.add(l.item.clone());
        near_duplicates += usize::from(a.near_duplicate_of.is_some());
        new_stories += usize::from(a.new_story);
        new_threads += usize::from(a.new_thread);
        stories.push(a.story);
        threads.push(a.thread);
    }
    let clustering_time = start.elapsed();
    let clustering_cpu_seconds = thread_cpu_seconds().zip(cpu_start).map(|(b, a)| b - a);
    let mut days: Vec<String> = data.iter().map(|l| l.day.clone()).collect();
    days.dedup();
    days.sort();
    days.dedup();
    let split = days.len().saturating_sub(HELD_OUT_DAYS);
    let (dev_days, held_out_days) = (days[..split].to_vec(), days[split..].to_vec());
    let pick = |ids: &[u64], set: Option<&[String]>| -> BCubed {
        let pairs: Vec<(u64, &str)> = data
            .iter()
            .zip(ids)
            .filter(|(l, _)| set.is_none_or(|set| set.binary_search(&l.day).is_ok()))
            .map(|(l, &s)| (s, l.gold.as_str()))
            .collect();
        bcubed(&pairs)
    };
    Report {
        dev: pick(&stories, Some(&dev_days)),
        held_out: pick(&stories, Some(&held_out_days)),
        all: pick(&stories, None),
        threads_dev: pick(&threads, Some(&dev_days)),
        threads_held_out: pick(&threads, Some(&held_out_days)),
        threads_all: pick(&threads, None),
        threads: new_threads,
        answers: stories
            .iter()
            .copied()
            .zip(threads.iter().copied())
            .collect(),
        dev_days,
        held_out_days,
        clustering_time,
        clustering_cpu_seconds,
        items: data.len(),
        stories: new_stories,
        near_duplicates,
    }
}
