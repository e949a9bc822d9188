//! Passes are fair between hosts: work is queued per host, so a host at its rate limit never
//! holds a slot another host could use, and what sources are called does not decide who
//! waits. Hosts are separate loopback addresses (127.0.0.x), each with its own server.

use newsroom_core::{FullTextMode, NewSource, SourceId};
use newsroom_ingest::testkit::{Resource, TestServer, sample_rss};
use newsroom_ingest::{Event, FetchConfig, Fetcher, IngestConfig, PassOptions, run_pass};
use newsroom_store::{SqliteStore, Store};
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

/// The busy outlet: many feeds on one host.
const BUSY_FEEDS: usize = 3;
/// Other outlets: one feed each, on hosts of their own.
const OTHER_HOSTS: u8 = 3;

/// One pass over the busy host's feeds and the others' at 1 request a second per host
/// (burst 1) and 2 sources at a time; `busy_first` names the busy outlet's sources so
/// that they sort before the others ("A ...") or after them ("Z ..."). Returns the order
/// in which sources finished, as "busy" or "other".
async fn pass(busy_first: bool) -> Vec<&'static str> {
    let busy = TestServer::start_on(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2))).await;
    let mut others = Vec::new();
    for k in 0..OTHER_HOSTS {
        others.push(TestServer::start_on(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 3 + k))).await);
    }
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(
        &format!("sqlite://{}", dir.path().join("site.db").display()),
        &Default::default(),
    )
    .await
    .unwrap();
    let (busy_prefix, other_prefix) = if busy_first { ("A", "Z") } else { ("Z", "A") };
    let mut kinds = std::collections::HashMap::new();
    let add = |name: String, url: String, kind: &'static str| {
        let store = &store;
        let src = NewSource {
            name,
            feed_url: url,
            site_url: None,
            section_id: None,
            full_text: FullTextMode::Never,
        };
        async move { (store.add_source(&src, 0).await.unwrap().id, kind) }
    };
    // Added interleaved, so that the names alone set the busy outlet first or last.
    for i in 0..BUSY_FEEDS {
        let path = format!("/desk{i}.xml");
        busy.set(
            &path,
            Resource::ok(
                "application/rss+xml",
                sample_rss("Busy", &busy.url(&format!("/desk{i}")), 1),
            ),
        );
        let (id, kind) = add(
            format!("{busy_prefix} busy outlet - desk {i}"),
            busy.url(&path),
            "busy",
        )
        .await;
        kinds.insert(id, kind);
        if let Some(o) = others.get(i) {
            o.set(
                "/feed.xml",
                Resource::ok(
                    "application/rss+xml",
                    sample_rss("Other", &o.url("/story"), 1),
                ),
            );
            let (id, kind) = add(
                format!("{other_prefix} outlet {i}"),
                o.url("/feed.xml"),
                "other",
            )
            .await;
            kinds.insert(id, kind);
        }
    }
    let fetcher = Fetcher::new(FetchConfig {
        allow_private_networks: true,
        per_host_rate: 1.0,
        per_host_burst: 1.0,
        per_host_concurrency: 2,
        jitter: Duration::ZERO,
        ..FetchConfig::default()
    })
    .unwrap();
    let cfg = IngestConfig {
        source_concurrency: 2,
        ..IngestConfig::default()
    };
    let mut order: Vec<SourceId> = Vec::new();
    let sum = run_pass(
        &store,
        &fetcher,
        &cfg,
        &PassOptions {
            source: None,
            ignore_schedule: true,
        },
        |e| {
            if let Event::SourceDone { source, report, .. } = e {
                assert!(report.error.is_none(), "{:?}", report.error);
                order.push(source);
            }
        },
    )
    .await
    .unwrap();
    assert_eq!(sum.ok, BUSY_FEEDS + OTHER_HOSTS as usize);
    // Every feed was fetched once, from its own host.
    for i in 0..BUSY_FEEDS {
        assert_eq!(busy.hits(&format!("/desk{i}.xml")), 1);
    }
    for o in &others {
        assert_eq!(o.hits("/feed.xml"), 1);
    }
    order.iter().map(|id| kinds[id]).collect()
}

/// Position of the n-th (1-based) "busy" source to finish.
fn nth_busy(order: &[&str], n: usize) -> usize {
    order
        .iter()
        .enumerate()
        .filter(|(_, k)| **k == "busy")
        .nth(n - 1)
        .unwrap()
        .0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limited_host_does_not_delay_the_others_whatever_the_names() {
    for busy_first in [true, false] {
        let order = pass(busy_first).await;
        // The busy host may serve one request at once and then one a second; the other
        // hosts are served in the meantime, all of them before the busy host's second
        // request is even allowed, whether its sources sort first or last. Taken in name
        // order, 2 at a time, the busy outlet's feeds would hold both slots and the others
        // would wait seconds behind its rate limit.
        let second = nth_busy(&order, 2);
        let others_before = order[..second].iter().filter(|k| **k == "other").count();
        assert_eq!(
            others_before, OTHER_HOSTS as usize,
            "busy sources named first: {busy_first}; finishing order: {order:?}"
        );
    }
}
