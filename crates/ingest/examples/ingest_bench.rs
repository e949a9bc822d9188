//! The ingest benchmark: N local feeds of M items each, every item's page fetched and run
//! through the extractor, into a fresh SQLite site; then a second pass where every feed
//! answers 304. Everything runs on 127.0.0.1 (the test kit), each feed on its own host name
//! (resolved to 127.0.0.1 by the fetcher's overrides), so per-host politeness applies as it
//! would across real outlets.
//!
//! ```text
//! cargo run --release -p newsroom-ingest --features testkit --example ingest_bench -- [FEEDS] [ITEMS]
//! ```
//! Defaults: 2000 feeds × 20 items. Pages are the real news pages of
//! `../shared/datasets/extraction-dev` (cycled); without them a generated page is used.

use newsroom_core::{FullTextMode, NewSource};
use newsroom_ingest::testkit::{Bytes, Resource, TestServer, dataset_pages};
use newsroom_ingest::{FetchConfig, Fetcher, IngestConfig, PassOptions, run_pass};
use newsroom_store::{ListQuery, SqliteStore, Store};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

#[tokio::main]
async fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let feeds = args.first().copied().unwrap_or(2000);
    let items = args.get(1).copied().unwrap_or(20);

    let server = TestServer::start().await;
    let port = server.addr.port();
    let pages: Vec<Bytes> = match dataset_pages() {
        // The pages name their original URL as canonical, which would fold every copy of a
        // page into one article; the benchmark wants each item to be its own article.
        Some(p) => p
            .into_iter()
            .map(|(_, _, html)| Bytes::from(uncanonical(&html)))
            .collect(),
        None => vec![Bytes::from(generated_page())],
    };
    let now = newsroom_ingest::now();
    let mut overrides = HashMap::new();
    for f in 0..feeds {
        let host = format!("feed{f}.bench.test");
        overrides.insert(host.clone(), vec![IpAddr::V4(Ipv4Addr::LOCALHOST)]);
        let mut rss = format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Bench feed {f}</title><link>http://{host}:{port}/</link>"
        );
        for i in 0..items {
            let path = format!("/f/{f}/{i}.html");
            rss.push_str(&format!(
                "<item><title>Feed {f} story {i}</title><link>http://{host}:{port}{path}</link><guid isPermaLink=\"false\">{f}-{i}</guid>\
                 <pubDate>{}</pubDate><description>Short summary of story {i}.</description></item>",
                jiff::Timestamp::from_second(now - (i as i64) * 900).unwrap().strftime("%a, %d %b %Y %H:%M:%S +0000")
            ));
            server.set(
                &path,
                Resource::ok(
                    "text/html; charset=utf-8",
                    pages[(f * items + i) % pages.len()].clone(),
                ),
            );
        }
        rss.push_str("</channel></rss>");
        server.set(
            &format!("/f/{f}.xml"),
            Resource::ok("application/rss+xml", rss).with_etag(&format!("\"f{f}\"")),
        );
    }

    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(
        &format!("sqlite://{}", dir.path().join("bench.db").display()),
        &Default::default(),
    )
    .await
    .unwrap();
    for f in 0..feeds {
        store
            .add_source(
                &NewSource {
                    name: format!("Bench feed {f}"),
                    feed_url: format!("http://feed{f}.bench.test:{port}/f/{f}.xml"),
                    site_url: None,
                    section_id: None,
                    full_text: FullTextMode::Auto,
                },
                now,
            )
            .await
            .unwrap();
    }
    let fetcher = Fetcher::new(FetchConfig {
        allow_private_networks: true,
        resolve_overrides: overrides,
        per_host_concurrency: 4,
        per_host_rate: 50.0,
        per_host_burst: 20.0,
        jitter: Duration::from_millis(10),
        total_timeout: Duration::from_secs(60),
        ..FetchConfig::default()
    })
    .unwrap();
    let cfg = IngestConfig {
        source_concurrency: 64,
        full_text_concurrency: 4,
        ..IngestConfig::default()
    };
    let opts = PassOptions {
        source: None,
        ignore_schedule: true,
    };

    eprintln!(
        "pages: {} distinct; feeds: {feeds}; items per feed: {items}",
        pages.len()
    );
    let t = Instant::now();
    let first = run_pass(&store, &fetcher, &cfg, &opts, |_| {})
        .await
        .unwrap();
    let first_secs = t.elapsed().as_secs_f64();
    let stored = store
        .count_articles(&ListQuery {
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    println!(
        "new-content pass: {} sources ({} failed), {} items, {} inserted, {} pages fetched+extracted in {:.1} s = {:.0} new articles/s",
        first.sources,
        first.failed,
        first.items,
        first.inserted,
        first.pages_fetched,
        first_secs,
        first.inserted as f64 / first_secs
    );
    println!("articles stored: {stored}");

    let t = Instant::now();
    let second = run_pass(&store, &fetcher, &cfg, &opts, |_| {})
        .await
        .unwrap();
    let second_secs = t.elapsed().as_secs_f64();
    println!(
        "unchanged pass: {} sources, {} not modified (304), {} failed, {} inserted in {:.2} s ({:.2} ms per feed)",
        second.sources,
        second.not_modified,
        second.failed,
        second.inserted,
        second_secs,
        second_secs * 1000.0 / feeds as f64
    );
    println!(
        "peak RSS (benchmark process, test server included): {:.0} MB",
        peak_rss_mb()
    );
}

fn uncanonical(html: &[u8]) -> Vec<u8> {
    let re = regex::bytes::Regex::new(r#"(?i)rel\s*=\s*["']?canonical"#).unwrap();
    re.replace_all(html, &b"rel=\"x-bench\""[..]).into_owned()
}

fn generated_page() -> String {
    let paras: String = (0..15)
        .map(|i| format!("<p>Paragraph {i}: the council met on Tuesday to discuss the budget, the new tram line and the school year, and residents asked many questions about item {i}.</p>"))
        .collect();
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><title>Story</title><meta property=\"og:image\" content=\"/img/a.jpg\"></head><body><nav>Home News Sport</nav><article><h1>Story</h1>{paras}</article><footer>Copyright</footer></body></html>"
    )
}
