//! A source's charts, from what the store keeps: fetches per hour by how
//! they ended and their time (the hourly roll-up), and articles per day.

use super::Admin;
use super::charts::{self, Bar, Chart, Part};
use crate::error::WebResult;
use newsroom_core::SourceId;
use newsroom_store::{FetchHour, hour_of};
use std::collections::BTreeMap;

/// Hours of fetches shown, and days of articles.
pub const FETCH_HOURS: i64 = 7 * 24;
pub const ARTICLE_DAYS: i64 = 14;

pub struct SourceCharts {
    pub fetches: String,
    pub latency: String,
    pub articles: String,
    /// Failures in the charts' hours by error class, most first.
    pub errors: Vec<(String, i64)>,
}

/// Per hour: (read, not modified, failed, total ms, longest ms, failures by class).
#[derive(Default)]
struct Hour {
    ok: i64,
    not_modified: i64,
    failed: i64,
    total_ms: i64,
    max_ms: i64,
    classes: BTreeMap<String, i64>,
}

fn by_hour(rows: &[FetchHour]) -> BTreeMap<i64, Hour> {
    let mut out: BTreeMap<i64, Hour> = BTreeMap::new();
    for r in rows {
        let h = out.entry(r.hour).or_default();
        match r.result.as_str() {
            "ok" => h.ok += r.fetches,
            "not_modified" => h.not_modified += r.fetches,
            class => {
                h.failed += r.fetches;
                *h.classes.entry(class.to_string()).or_default() += r.fetches;
            }
        }
        h.total_ms += r.total_ms;
        h.max_ms = h.max_ms.max(r.max_ms);
    }
    out
}

pub async fn source_charts(st: &Admin, id: SourceId, now: i64) -> WebResult<SourceCharts> {
    let store = &st.site.store;
    let last_hour = hour_of(now);
    let first_hour = last_hour - (FETCH_HOURS - 1) * 3600;
    let hours = by_hour(&store.source_fetch_hours(id, first_hour).await?);
    let empty = Hour::default();
    let mut fetch_bars = Vec::new();
    let mut latency_bars = Vec::new();
    let mut errors: BTreeMap<String, i64> = BTreeMap::new();
    for i in 0..FETCH_HOURS {
        let at = first_hour + i * 3600;
        let h = hours.get(&at).unwrap_or(&empty);
        let when = st.time(at);
        let classes: Vec<String> = h.classes.iter().map(|(c, n)| format!("{c} {n}")).collect();
        for (c, n) in &h.classes {
            *errors.entry(c.clone()).or_default() += n;
        }
        fetch_bars.push(Bar {
            label: format!(
                "{when}: {} read, {} not modified, {} failed{}",
                h.ok,
                h.not_modified,
                h.failed,
                if classes.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", classes.join(", "))
                }
            ),
            parts: vec![
                Part {
                    kind: "ok",
                    value: h.ok,
                },
                Part {
                    kind: "not-modified",
                    value: h.not_modified,
                },
                Part {
                    kind: "failed",
                    value: h.failed,
                },
            ],
        });
        let n = h.ok + h.not_modified + h.failed;
        let avg = if n > 0 { h.total_ms / n } else { 0 };
        latency_bars.push(Bar {
            label: format!(
                "{when}: {avg} ms on average, {} ms at most, over {n} fetches",
                h.max_ms
            ),
            parts: vec![Part {
                kind: "latency",
                value: avg,
            }],
        });
    }
    let first = st.time(first_hour);
    let last = st.time(last_hour);
    let fetches = Chart {
        title: format!(
            "Fetches per hour over {} days, by how they ended",
            FETCH_HOURS / 24
        ),
        id: "fetches",
        bars: fetch_bars,
        first_label: first.clone(),
        last_label: last.clone(),
        unit: "",
    };
    let latency = Chart {
        title: "Average time of a fetch per hour".into(),
        id: "latency",
        bars: latency_bars,
        first_label: first,
        last_label: last,
        unit: "ms",
    };
    let first_day = now - now.rem_euclid(86_400) - (ARTICLE_DAYS - 1) * 86_400;
    let per_day: BTreeMap<i64, i64> = store
        .source_articles_per_day(id, first_day)
        .await?
        .into_iter()
        .map(|c| (c.at, c.n))
        .collect();
    let day = |at: i64| {
        jiff::Timestamp::from_second(at)
            .map(|t| t.strftime("%Y-%m-%d").to_string())
            .unwrap_or_default()
    };
    let articles = Chart {
        title: format!("Articles per day (by publication, UTC) over {ARTICLE_DAYS} days"),
        id: "articles",
        bars: (0..ARTICLE_DAYS)
            .map(|i| {
                let at = first_day + i * 86_400;
                let n = per_day.get(&at).copied().unwrap_or(0);
                Bar {
                    label: format!("{}: {n} articles", day(at)),
                    parts: vec![Part {
                        kind: "articles",
                        value: n,
                    }],
                }
            })
            .collect(),
        first_label: day(first_day),
        last_label: day(first_day + (ARTICLE_DAYS - 1) * 86_400),
        unit: "",
    };
    let mut errors: Vec<(String, i64)> = errors.into_iter().collect();
    errors.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(SourceCharts {
        fetches: charts::svg(&fetches),
        latency: charts::svg(&latency),
        articles: charts::svg(&articles),
        errors,
    })
}
