//! Article pages rendered from the database in process: the CPU an
//! uncached page costs beyond a cached one, without the kernel's TCP work
//! or hyper, which make the figures of `bench/uncached.sh` move by a third
//! on a shared machine. A measurement, not a check; run it by hand, in
//! release, on a synthetic site, for two builds:
//!
//!   (cd /tmp/site && newsroom demo --articles 20000)
//!   UNCACHED_DB=/tmp/site/data/demo.db \
//!     cargo test --release -p newsroom-web --test router -- --ignored --nocapture uncached
//!
//! The database is copied first, so the site is left as it was. Every
//! request is a new visitor on the next article of the sitemap's order, as
//! in `bench/uncached.sh`, and the views are flushed four times a second.
//! `UNCACHED_N` caps the pages (default: all); `UNCACHED_SHUFFLE=1` asks
//! for them in a fixed random order, as the whole site's readers do, not in
//! the sitemap's, whose neighbours share the file's pages;
//! `UNCACHED_CODING=gzip` asks for the pages compressed.

use super::*;
use std::time::Duration;

/// CPU time of the whole process so far, in nanoseconds: this thread's and
/// sqlx's connection threads' (the view flush), at the clock tick's grain.
fn process_cpu_ns() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(") ").map_or("", |(_, rest)| rest);
    let ticks: u64 = after
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|v| v.parse::<u64>().ok())
        .sum();
    ticks * 10_000_000
}

/// Fisher-Yates with a fixed linear congruential sequence: the same order
/// for every build.
fn shuffle<T>(items: &mut [T]) {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for i in (1..items.len()).rev() {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        items.swap(i, (x >> 33) as usize % (i + 1));
    }
}

#[tokio::test(flavor = "current_thread")]
#[ignore = "a measurement, run by hand"]
async fn uncached_page_cpu_per_request() {
    let Ok(source) = std::env::var("UNCACHED_DB") else {
        println!("SKIP: UNCACHED_DB names no demo database (see the module's comment)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("site.db");
    std::fs::copy(&source, &db).unwrap();
    for side in ["-wal", "-shm"] {
        let _ = std::fs::copy(format!("{source}{side}"), format!("{}{side}", db.display()));
    }
    let url = format!("sqlite://{}", db.display());
    let store: Arc<dyn Store> = newsroom_store::open(&url, &Default::default())
        .await
        .unwrap();
    let limit: usize = std::env::var("UNCACHED_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(usize::MAX);
    let coding = std::env::var("UNCACHED_CODING").unwrap_or_default();
    for round in 1..=2 {
        for (label, ttl) in [("uncached", 0), ("cached, all hits", 600)] {
            let cfg = SiteConfig {
                base_url: "https://news.example".into(),
                page_cache_ttl: Duration::from_secs(ttl),
                page_cache_bytes: 2048 << 20,
                max_visitors_per_ip: 0,
                // Views are written, and every reader's page cache reset by
                // the commit, as often as on a busy site.
                flush_interval: Duration::from_millis(250),
                ..SiteConfig::default()
            };
            let state = build_state(store.clone(), cfg, None).await.unwrap();
            let app = router(state.clone());
            let sitemap = get(&app, "/sitemaps/articles-1.xml").await.body;
            let mut paths: Vec<&str> = sitemap
                .split("<loc>https://news.example")
                .skip(1)
                .filter_map(|s| s.split_once("</loc>").map(|(p, _)| p))
                .collect();
            if std::env::var_os("UNCACHED_SHUFFLE").is_some() {
                shuffle(&mut paths);
            }
            paths.truncate(limit);
            assert!(paths.len() > 100, "{} articles in the sitemap", paths.len());
            // The shared fragments (menu, latest news), and for the cached
            // case every page, made before the clock starts.
            let warm = if ttl == 0 { &paths[..50] } else { &paths[..] };
            for p in warm {
                served_bytes(&app, p, "Mozilla/5.0 bench warm", &coding).await;
            }
            // As the server runs: the view flush and the change watcher
            // beside the requests (`keep_views`), each flush a commit that
            // resets every reader's page cache.
            let walk = async {
                let (t0, p0) = (thread_cpu_ns(), process_cpu_ns());
                let mut bytes = 0;
                for (i, p) in paths.iter().enumerate() {
                    bytes += served_bytes(
                        &app,
                        p,
                        &format!("Mozilla/5.0 bench {round}-{ttl}-{i}"),
                        &coding,
                    )
                    .await;
                    if i % 64 == 0 {
                        // The flush's timer runs on this thread too.
                        tokio::task::yield_now().await;
                    }
                }
                let (t1, p1) = (thread_cpu_ns(), process_cpu_ns());
                let n = paths.len() as f64;
                println!(
                    "round {round}, {label}: {} pages, {:.1} µs of this thread's CPU a request, \
                     {:.1} µs of the process's, {} bytes each",
                    paths.len(),
                    (t1 - t0) as f64 / n / 1000.0,
                    (p1 - p0) as f64 / n / 1000.0,
                    bytes / paths.len()
                );
                Ok(())
            };
            newsroom_web::keep_views(state, walk).await.unwrap();
        }
    }
}
