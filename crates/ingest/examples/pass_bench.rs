//! The unchanged-feeds benchmark: 2,000 feeds on 200 hosts (10 each, the desks of one
//! outlet), every feed answering 304, polled with the default politeness (2 requests a
//! second per host, burst 4, 2 at once) and 32 sources at a time. Each host name resolves
//! to 127.0.0.1 through the fetcher's override table, so per-host limits apply as across
//! real outlets; the feeds are served by the test kit in the same process.
//!
//! ```text
//! cargo run --release -p newsroom-ingest --features testkit --example pass_bench -- [HOSTS] [FEEDS_PER_HOST]
//! ```
//!
//! It times one pass with desk-first names ("Desk 3 - outlet 017") and one with
//! outlet-first names ("Outlet 017 - desk 3"), and, as the reference in the same run, the
//! previous scheduling (sources in name order, 32 at a time, each waiting for its host's
//! budget inside its slot) on both. Wall time and the process's CPU time are printed.

use futures::StreamExt;
use newsroom_core::{FullTextMode, NewSource, Source};
use newsroom_ingest::testkit::{Resource, TestServer};
use newsroom_ingest::{FetchConfig, Fetcher, IngestConfig, PassOptions, poll_source, run_pass};
use newsroom_store::{SqliteStore, Store};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;

/// User plus system CPU seconds of this process so far.
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the file, 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

#[derive(Clone, Copy, PartialEq)]
enum Names {
    DeskFirst,
    OutletFirst,
}

#[derive(Clone, Copy, PartialEq)]
enum Scheduling {
    /// `run_pass`: queued per host.
    PerHost,
    /// The reference: name order, `buffer_unordered(32)`.
    NameOrder,
}

#[tokio::main]
async fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let hosts = args.first().copied().unwrap_or(200);
    let per_host = args.get(1).copied().unwrap_or(10);
    let server = TestServer::start().await;
    let port = server.addr.port();
    let mut overrides = HashMap::new();
    for h in 0..hosts {
        overrides.insert(
            format!("outlet{h:03}.bench.test"),
            vec![IpAddr::V4(Ipv4Addr::LOCALHOST)],
        );
        for d in 0..per_host {
            server.set(
                &format!("/o{h}/d{d}.xml"),
                Resource::ok(
                    "application/rss+xml",
                    "<rss version=\"2.0\"><channel><title>x</title></channel></rss>",
                )
                .with_etag("\"v1\""),
            );
        }
    }
    println!(
        "{} feeds on {hosts} hosts; default politeness: {} req/s per host, burst {}, {} at once; {} sources at a time",
        hosts * per_host,
        FetchConfig::default().per_host_rate,
        FetchConfig::default().per_host_burst,
        FetchConfig::default().per_host_concurrency,
        IngestConfig::default().source_concurrency
    );
    for scheduling in [Scheduling::PerHost, Scheduling::NameOrder] {
        for names in [Names::DeskFirst, Names::OutletFirst] {
            let dir = tempfile::tempdir().unwrap();
            let store = SqliteStore::open(
                &format!("sqlite://{}", dir.path().join("bench.db").display()),
                &Default::default(),
            )
            .await
            .unwrap();
            for h in 0..hosts {
                for d in 0..per_host {
                    let name = match names {
                        Names::DeskFirst => format!("Desk {d} - outlet {h:03}"),
                        Names::OutletFirst => format!("Outlet {h:03} - desk {d}"),
                    };
                    let s = store
                        .add_source(
                            &NewSource {
                                name,
                                feed_url: format!(
                                    "http://outlet{h:03}.bench.test:{port}/o{h}/d{d}.xml"
                                ),
                                site_url: None,
                                section_id: None,
                                full_text: FullTextMode::Never,
                            },
                            0,
                        )
                        .await
                        .unwrap();
                    // Already polled once: the pass sends the ETag and gets a 304.
                    let mut health = s.health.clone();
                    health.etag = Some("\"v1\"".into());
                    store.update_source_health(s.id, &health).await.unwrap();
                }
            }
            // A fresh fetcher each time: every run starts with full host budgets.
            let fetcher = Fetcher::new(FetchConfig {
                allow_private_networks: true,
                resolve_overrides: overrides.clone(),
                ..FetchConfig::default()
            })
            .unwrap();
            let cfg = IngestConfig::default();
            let (cpu0, t) = (cpu_secs(), Instant::now());
            let not_modified = match scheduling {
                Scheduling::PerHost => {
                    run_pass(
                        &store,
                        &fetcher,
                        &cfg,
                        &PassOptions {
                            source: None,
                            ignore_schedule: true,
                        },
                        |_| {},
                    )
                    .await
                    .unwrap()
                    .not_modified
                }
                Scheduling::NameOrder => name_order_pass(&store, &fetcher, &cfg).await,
            };
            let (secs, cpu) = (t.elapsed().as_secs_f64(), cpu_secs() - cpu0);
            println!(
                "{:<28} {:<20} {not_modified} not modified in {secs:.2} s, CPU {cpu:.2} s",
                match scheduling {
                    Scheduling::PerHost => "queued per host (run_pass)",
                    Scheduling::NameOrder => "reference: name order",
                },
                match names {
                    Names::DeskFirst => "\"Desk 3 - outlet 017\"",
                    Names::OutletFirst => "\"Outlet 017 - desk 3\"",
                },
            );
        }
    }
}

/// The scheduling this crate had before per-host queues: sources in name order, 32 at a
/// time, each poll waiting for its host's budget while holding its slot.
async fn name_order_pass(store: &dyn Store, fetcher: &Fetcher, cfg: &IngestConfig) -> usize {
    let mut sources: Vec<Source> = store
        .list_sources()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.source)
        .collect();
    sources.sort_by(|a, b| a.name.cmp(&b.name));
    futures::stream::iter(sources)
        .map(|s| async move { poll_source(store, fetcher, cfg, &s).await })
        .buffer_unordered(cfg.source_concurrency)
        .filter(|r| std::future::ready(r.not_modified))
        .count()
        .await
}
