//! Operators: Prometheus metrics on a listener of their own, JSON logs, and
//! `/healthz`'s ingest freshness, through the real binary polling fixture
//! feeds on 127.0.0.1.
//!
//! The metrics text is read by a strict parser of the exposition format
//! written here (`exposition`: every line, the order of families, histogram
//! buckets), and also by Python's `prometheus_client` when it is installed
//! (`.ci/tools.sh` installs it; `NEWSROOM_TEST_PROMETHEUS_REQUIRED=1`, set
//! by `.ci/run`, makes its absence a failure), which must read the same
//! samples. The counts asserted are those of the requests this test made.

mod common;
mod exposition;

use common::*;
use exposition::{Sample, parse};
use newsroom_ingest::testkit::{Resource, TestServer, sample_rss};
use serde_json::Value;
use std::process::Command;
use std::time::{Duration, Instant};

const ALLOW: (&str, &str) = ("NEWSROOM_FETCH__ALLOW_PRIVATE_NETWORKS", "true");
const CURL: &str = "curl/8.5.0";
const SECRET: &str = "hunter2-in-the-logs";

fn article_page(i: usize) -> String {
    let para = "The council met on Tuesday evening to settle the budget for the coming year, \
        and after a long debate the members agreed to fund the new library and the repairs \
        to the old bridge over the river, which had been closed since the spring floods. ";
    format!(
        "<!doctype html><html lang=\"en\"><head><title>Gazette item {i}</title></head><body>\
         <article><h1>Gazette item {i}</h1><p>{para}</p><p>{para}</p><p>{para}</p></article></body></html>"
    )
}

/// A fixture site: `/g.xml` with three short items whose pages are served
/// (so each is fetched and extracted), and `/down.xml`, which answers 500
/// once added (`site_with_sources`).
async fn feeds() -> TestServer {
    let feeds = TestServer::start().await;
    let base = feeds.url("/g");
    feeds.set(
        "/g.xml",
        Resource::ok("application/rss+xml", sample_rss("Gazette", &base, 3)),
    );
    for i in 0..3 {
        feeds.set(
            &format!("/g/article/{i}"),
            Resource::ok("text/html; charset=utf-8", article_page(i)),
        );
    }
    // A feed when it is added, then down.
    feeds.set(
        "/down.xml",
        Resource::ok(
            "application/rss+xml",
            sample_rss("Down", &feeds.url("/d"), 0),
        ),
    );
    feeds
}

/// The fixture feeds, and a site database in a new folder with both as sources.
async fn site() -> (TestServer, tempfile::TempDir, String) {
    let feeds = feeds().await;
    let dir = tempfile::tempdir().unwrap();
    let db = site_with_sources(dir.path(), &feeds);
    (feeds, dir, db)
}

/// A site database in `dir` with both fixture feeds as sources.
fn site_with_sources(dir: &std::path::Path, feeds: &TestServer) -> String {
    let db = format!("sqlite://{}", dir.join("site.db").display());
    for path in ["/g.xml", "/down.xml"] {
        run(dir, &["--database", &db, "source", "add", &feeds.url(path)]);
    }
    feeds.set("/down.xml", Resource::status(500));
    db
}

fn run(dir: &std::path::Path, args: &[&str]) {
    run_ok(dir, args, &[ALLOW]);
}

/// The sum of the samples named `name` whose labels include `labels`.
fn sum(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .filter(|s| s.name == name)
        .filter(|s| {
            labels
                .iter()
                .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|s| s.value)
        .sum()
}

/// Reads the metrics, with both parsers when the Python one is there.
async fn scrape(url: &str) -> Vec<Sample> {
    let r = client().get(url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let ct = r.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ct.starts_with("text/plain; version=0.0.4"), "{ct}");
    let text = r.text().await.unwrap();
    let samples = parse(&text).unwrap_or_else(|e| panic!("{e}\n---\n{text}"));
    if let Some(python) = prometheus_python() {
        let theirs = exposition::parse_with_python(&python, &text);
        let mut ours: Vec<String> = samples.iter().map(Sample::key).collect();
        let mut theirs: Vec<String> = theirs.iter().map(Sample::key).collect();
        ours.sort();
        theirs.sort();
        assert_eq!(ours, theirs, "prometheus_client reads other samples");
    }
    samples
}

/// Python with `prometheus_client`, from the CI tools' virtualenv.
fn prometheus_python() -> Option<std::path::PathBuf> {
    let python = outside_tool(
        "prometheus",
        "NEWSROOM_TEST_PROMETHEUS_PYTHON",
        "venv/bin/python",
    )?;
    let ok = Command::new(&python)
        .args(["-c", "import prometheus_client"])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some(python);
    }
    if std::env::var_os("NEWSROOM_TEST_PROMETHEUS_REQUIRED")
        .is_some_and(|v| !v.is_empty() && v != "0")
    {
        panic!(
            "NEWSROOM_TEST_PROMETHEUS_REQUIRED is set but {} has no prometheus_client (run .ci/tools.sh)",
            python.display()
        );
    }
    println!(
        "skipped: prometheus_client check not run (not installed in {})",
        python.display()
    );
    None
}

/// Scrapes until `done` holds (the worker and the flush run on their own time).
async fn scrape_until(url: &str, what: &str, done: impl Fn(&[Sample]) -> bool) -> Vec<Sample> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let s = scrape(url).await;
        if done(&s) {
            return s;
        }
        assert!(Instant::now() < deadline, "no {what} after 60 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_what_the_test_did() {
    let (_feeds, dir, db) = site().await;
    let server = Server::start(
        dir.path(),
        &["--database", &db],
        &[
            ALLOW,
            ("NEWSROOM_METRICS__LISTEN", "127.0.0.1:0"),
            ("NEWSROOM_SERVER__FLUSH_INTERVAL_SECS", "1"),
        ],
    );
    let metrics = server
        .startup
        .iter()
        .find_map(|l| address_after(l, "metrics on "))
        .expect("the metrics address is logged");
    assert!(metrics.ends_with("/metrics"), "{metrics}");

    // Ingest and clustering, seen through the metrics.
    // The live-story gauge is set once a clustering batch is written, after
    // its articles were counted: wait for both.
    let s = scrape_until(&metrics, "polls and clustering", |s| {
        sum(s, "newsroom_cluster_articles_total", &[]) >= 3.0
            && sum(s, "newsroom_cluster_live_stories", &[]) >= 1.0
            && sum(s, "newsroom_fetch_errors_total", &[]) >= 1.0
    })
    .await;
    assert_eq!(
        sum(&s, "newsroom_articles_total", &[("result", "inserted")]),
        3.0
    );
    assert!(
        sum(
            &s,
            "newsroom_fetches_total",
            &[("kind", "feed"), ("outcome", "ok")]
        ) >= 1.0
    );
    assert!(
        sum(
            &s,
            "newsroom_fetch_errors_total",
            &[("kind", "feed"), ("class", "http_5xx")]
        ) >= 1.0,
        "the source answering 500"
    );
    assert_eq!(
        sum(
            &s,
            "newsroom_fetches_total",
            &[("kind", "feed"), ("outcome", "error")]
        ),
        sum(&s, "newsroom_fetch_errors_total", &[("kind", "feed")])
    );
    assert_eq!(
        sum(
            &s,
            "newsroom_fetches_total",
            &[("kind", "page"), ("outcome", "ok")]
        ),
        3.0
    );
    assert_eq!(
        sum(&s, "newsroom_extraction_duration_seconds_count", &[]),
        3.0
    );
    assert_eq!(
        sum(
            &s,
            "newsroom_fetch_duration_seconds_count",
            &[("kind", "page")]
        ),
        3.0,
        "one timed fetch per page"
    );
    assert_eq!(sum(&s, "newsroom_cluster_articles_total", &[]), 3.0);
    assert_eq!(sum(&s, "newsroom_cluster_lag_seconds_count", &[]), 3.0);
    assert!(sum(&s, "newsroom_cluster_live_stories", &[]) >= 1.0);
    assert!(
        sum(
            &s,
            "newsroom_lease_claims_total",
            &[("kind", "cluster"), ("result", "claimed")]
        ) >= 1.0
    );
    assert!(
        sum(
            &s,
            "newsroom_lease_claims_total",
            &[("kind", "ingest.source"), ("result", "claimed")]
        ) >= 2.0
    );
    assert_eq!(sum(&s, "newsroom_db_pool_max_connections", &[]), 8.0);
    assert_eq!(
        s.iter()
            .filter(|x| x.name == "newsroom_db_pool_connections")
            .count(),
        2,
        "in_use and idle"
    );
    assert!(s.iter().any(|x| x.name == "newsroom_db_pool_waiting"));

    // Readers' traffic on the public listener.
    let http = client();
    let mut asked = std::collections::BTreeMap::<(&str, u16), f64>::new();
    let mut count = |route, status| *asked.entry((route, status)).or_default() += 1.0;
    let list = get_json(&server.url("/api/v1/articles")).await;
    count("/api/v1/articles", 200);
    let id = list["articles"][0]["id"].as_i64().unwrap();
    let r = http
        .get(server.url(&format!("/news/{id}-x")))
        .header("user-agent", BROWSER_UA)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 301);
    count("/news/{id_slug}", 301);
    let path = r.headers()["location"].to_str().unwrap().to_string();
    for (ua, n) in [
        (BROWSER_UA, 4),
        (CURL, 2),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
            1,
        ),
    ] {
        for _ in 0..n {
            assert_eq!(get(&server.url(&path), ua).await.0, 200);
            count("/news/{id_slug}", 200);
        }
    }
    for _ in 0..2 {
        assert_eq!(get(&server.url("/"), BROWSER_UA).await.0, 200);
        count("/", 200);
        assert_eq!(get(&server.url("/no/such/page"), BROWSER_UA).await.0, 404);
        count("unmatched", 404);
    }
    // Never on the public listener.
    assert_eq!(get(&server.url("/metrics"), BROWSER_UA).await.0, 404);
    count("unmatched", 404);

    // The views reach the database with the next flush.
    let s = scrape_until(&metrics, "view flush", |s| {
        sum(s, "newsroom_view_flushes_total", &[("outcome", "ok")]) >= 1.0
            && sum(s, "newsroom_views_pending", &[]) == 0.0
            && sum(s, "newsroom_views_total", &[("result", "counted")]) >= 2.0
    })
    .await;
    for ((route, status), n) in &asked {
        assert_eq!(
            sum(
                &s,
                "newsroom_http_requests_total",
                &[("route", route), ("status", &status.to_string())]
            ),
            *n,
            "{route} {status}"
        );
    }
    assert_eq!(
        sum(
            &s,
            "newsroom_http_request_duration_seconds_count",
            &[("route", "/news/{id_slug}")]
        ),
        8.0,
        "every article request timed"
    );
    assert!(
        !s.iter().any(|x| x
            .labels
            .get("route")
            .is_some_and(|r| r.contains(&format!("/{id}")))),
        "routes are templates, never paths"
    );
    assert_eq!(
        sum(&s, "newsroom_views_total", &[("result", "counted")]),
        2.0,
        "two readers"
    );
    assert_eq!(
        sum(&s, "newsroom_views_total", &[("result", "duplicate")]),
        3.0,
        "one reader three times again"
    );
    assert_eq!(
        sum(&s, "newsroom_views_total", &[("result", "bot")]),
        2.0,
        "curl"
    );
    assert_eq!(
        sum(
            &s,
            "newsroom_views_total",
            &[("result", "duplicate_across_nodes")]
        ),
        0.0
    );
    assert_eq!(
        sum(&s, "newsroom_view_flush_duration_seconds_count", &[]),
        sum(&s, "newsroom_view_flushes_total", &[]),
    );
    let article = get_json(&server.url(&format!("/api/v1/articles/{id}"))).await;
    assert_eq!(
        article["views"], 2,
        "what the metrics say was counted is stored"
    );
    // 8 article requests and 2 home pages asked the page cache.
    let pages = |result| {
        sum(
            &s,
            "newsroom_page_cache_lookups_total",
            &[("cache", "pages"), ("result", result)],
        )
    };
    assert_eq!(pages("hit") + pages("miss"), 10.0);
    assert!(
        pages("hit") >= 1.0 && pages("miss") >= 2.0,
        "hits {} misses {}",
        pages("hit"),
        pages("miss")
    );
    assert!(sum(&s, "newsroom_page_cache_bytes", &[("cache", "pages")]) > 0.0);

    // /healthz: the last successful fetch, and the failing source.
    let h = get_json(&server.url("/healthz")).await;
    assert_eq!(h["status"], "ok");
    let ingest = &h["ingest"];
    assert!(ingest["last_success_at"].as_i64().is_some(), "{h}");
    assert!(
        ingest["secs_since_last_success"].as_i64().unwrap() <= 120,
        "{h}"
    );
    assert_eq!(
        (
            ingest["failing_sources"].as_i64(),
            ingest["enabled_sources"].as_i64()
        ),
        (Some(1), Some(2)),
        "{h}"
    );
    assert!(server.stop().success());
}

/// `/healthz` before any fetch, after a pass with a failing source, and
/// after that source recovers; `newsroom fetch --once` does the polling
/// while `serve --role web` answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_reports_ingest_freshness() {
    let (feeds, dir, db) = site().await;
    let server = Server::start(dir.path(), &["--database", &db, "--role", "web"], &[ALLOW]);
    let ingest = || async { get_json(&server.url("/healthz")).await["ingest"].clone() };
    let fields = |i: &Value| {
        (
            i["last_success_at"].as_i64(),
            i["failing_sources"].as_i64().unwrap(),
            i["enabled_sources"].as_i64().unwrap(),
        )
    };
    let before = ingest().await;
    assert_eq!(fields(&before), (None, 0, 2), "{before}");
    assert!(before["secs_since_last_success"].is_null());

    let start = newsroom_ingest::now();
    run(dir.path(), &["--database", &db, "fetch", "--once"]);
    let after = ingest().await;
    let (last, failing, enabled) = fields(&after);
    assert!(
        last.is_some_and(|t| t >= start && t <= newsroom_ingest::now()),
        "{after}"
    );
    assert_eq!(
        (failing, enabled),
        (1, 2),
        "the source answering 500: {after}"
    );
    assert!(after["secs_since_last_success"].as_i64().unwrap() <= 60);

    feeds.set(
        "/down.xml",
        Resource::ok(
            "application/rss+xml",
            sample_rss("Back", &feeds.url("/b"), 1),
        ),
    );
    run(dir.path(), &["--database", &db, "fetch", "--once"]);
    let recovered = ingest().await;
    assert_eq!(fields(&recovered).1, 0, "recovered: {recovered}");
    assert!(server.stop().success());
}

/// Every line `serve` writes with `NEWSROOM_LOG_FORMAT=json` is one JSON
/// object (split on "\n" only), with the fields the text form carries; so
/// is the last line of a failed start, which shows no secret.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_parse_line_by_line() {
    let (_feeds, dir, db) = site().await;
    let json = ("NEWSROOM_LOG_FORMAT", "json");
    let server = Server::start(dir.path(), &["--database", &db], &[ALLOW, json]);
    let mut lines = server.startup.clone();
    // The failing source is reported with its source and error as fields.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !lines.iter().any(|l| l.contains("poll failed")) {
        let left = deadline.saturating_duration_since(Instant::now());
        lines.push(
            server
                .log
                .recv_timeout(left)
                .expect("a failed poll is logged"),
        );
    }
    assert_eq!(get(&server.url("/"), BROWSER_UA).await.0, 200);
    let (status, rest) = server.stop_and_drain();
    assert!(status.success());
    let all: Vec<String> = lines.into_iter().chain(rest).collect();
    let events: Vec<Value> = all.iter().map(|l| json_line(l)).collect();
    let failed = events
        .iter()
        .find(|e| e["fields"]["message"] == "poll failed")
        .expect("the failed poll");
    assert_eq!(failed["level"], "INFO");
    assert!(
        failed["fields"]["source"].is_string()
            && failed["fields"]["error"].as_str().unwrap().contains("500"),
        "{failed}"
    );
    let listening = events
        .iter()
        .find(|e| {
            e["fields"]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("listening on"))
        })
        .expect("the listening line");
    assert_eq!(
        listening["fields"]["database"],
        db.as_str(),
        "the same fields as the text form"
    );
    assert!(
        events.iter().any(|e| e["fields"]["message"] == "stopped"),
        "the last words"
    );

    // A start that fails: its error is a JSON line too, and shows no password.
    let bad = format!("postgres://newsroom:{SECRET}@127.0.0.1:1/site?sslpassword={SECRET}");
    let out = Command::new(bin())
        .current_dir(dir.path())
        .args(["serve", "--listen", "127.0.0.1:0", "--database", &bad])
        .env(json.0, json.1)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stderr.contains(SECRET), "{stderr}");
    let events: Vec<Value> = stderr
        .split('\n')
        .filter(|l| !l.is_empty())
        .map(json_line)
        .collect();
    let last = events.last().expect("the error is logged");
    assert_eq!(last["level"], "ERROR");
    assert!(
        last["fields"]["error"]
            .as_str()
            .unwrap()
            .contains("unknown connection parameter"),
        "{last}"
    );
}

/// One log line as a JSON object with the fields every event has.
fn json_line(line: &str) -> Value {
    let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
    for key in ["timestamp", "level", "target"] {
        assert!(v[key].is_string(), "no {key}: {line}");
    }
    assert!(v["fields"]["message"].is_string(), "no message: {line}");
    v
}
