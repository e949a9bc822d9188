//! The lease-based worker: two workers share the sources without polling one twice, a
//! disabled or removed source drops out, and retention deletes by section age.

use newsroom_core::{FullTextMode, NewSection, NewSource};
use newsroom_ingest::testkit::{Resource, TestServer, sample_rss};
use newsroom_ingest::worker::{WorkerConfig, retention, sync_jobs, work_once};
use newsroom_ingest::{FetchConfig, Fetcher, IngestConfig};
use newsroom_store::{ListQuery, SqliteStore, Store};
use std::sync::Arc;
use std::time::Duration;

fn fetcher() -> Fetcher {
    Fetcher::new(FetchConfig {
        allow_private_networks: true,
        per_host_rate: 1000.0,
        per_host_burst: 1000.0,
        per_host_concurrency: 32,
        jitter: Duration::ZERO,
        ..FetchConfig::default()
    })
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_share_sources_through_leases() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("site.db").display());
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open(&url, &Default::default()).await.unwrap());
    let s = TestServer::start().await;
    let n = 12;
    for i in 0..n {
        let path = format!("/feed/{i}.xml");
        s.set(
            &path,
            Resource::ok(
                "application/rss+xml",
                sample_rss(&format!("Feed {i}"), &format!("http://site{i}.test"), 3),
            )
            .with_fault(newsroom_ingest::testkit::Fault::Slow {
                chunks: 2,
                delay: Duration::from_millis(30),
            }),
        );
        store
            .add_source(
                &NewSource {
                    name: format!("f{i}"),
                    feed_url: s.url(&path),
                    site_url: None,
                    section_id: None,
                    full_text: FullTextMode::Never,
                },
                newsroom_ingest::now(),
            )
            .await
            .unwrap();
    }
    assert_eq!(sync_jobs(store.as_ref()).await.unwrap(), n);
    let f = fetcher();
    let cfg = IngestConfig::default();
    let run = |name: &'static str| {
        let store = store.clone();
        let f = f.clone();
        let cfg = cfg.clone();
        tokio::spawn(async move {
            let w = WorkerConfig {
                worker_id: name.into(),
                batch: 3,
                ..WorkerConfig::default()
            };
            let mut total = 0;
            loop {
                let k = work_once(store.as_ref(), &f, &cfg, &w, &mut |_| {})
                    .await
                    .unwrap();
                if k == 0 {
                    return total;
                }
                total += k;
            }
        })
    };
    let (a, b) = (run("worker-a"), run("worker-b"));
    let (a, b) = (a.await.unwrap(), b.await.unwrap());
    assert_eq!(a + b, n, "every source polled exactly once ({a} + {b})");
    assert!(a > 0 && b > 0, "both workers took a share ({a}, {b})");
    for i in 0..n {
        assert_eq!(
            s.hits(&format!("/feed/{i}.xml")),
            1,
            "feed {i} fetched once"
        );
    }
    assert_eq!(
        store
            .count_articles(&ListQuery {
                limit: 1000,
                ..Default::default()
            })
            .await
            .unwrap(),
        (n * 3) as i64
    );
    // Every job is rescheduled in the future with its lease freed.
    for src in store.list_sources().await.unwrap() {
        let job = store
            .get_job(&newsroom_ingest::worker::source_job_key(src.source.id))
            .await
            .unwrap()
            .unwrap();
        assert!(job.due_at > newsroom_ingest::now());
        assert_eq!(job.lease_owner, None);
        assert_eq!(job.due_at, src.source.health.next_poll_at);
    }
}

#[tokio::test]
async fn disabled_sources_leave_the_queue_and_retention_removes_old_articles() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("site.db").display());
    let store = SqliteStore::open(&url, &Default::default()).await.unwrap();
    let s = TestServer::start().await;
    s.set(
        "/a.xml",
        Resource::ok("application/rss+xml", sample_rss("A", "http://a.test", 2)),
    );
    let section = store
        .upsert_section(&NewSection {
            slug: "old".into(),
            name: "Old".into(),
            position: 1,
            max_age_days: Some(30),
        })
        .await
        .unwrap();
    let src = store
        .add_source(
            &NewSource {
                name: "a".into(),
                feed_url: s.url("/a.xml"),
                site_url: None,
                section_id: Some(section.id),
                full_text: FullTextMode::Never,
            },
            newsroom_ingest::now(),
        )
        .await
        .unwrap();
    store.set_source_enabled(src.id, false).await.unwrap();
    sync_jobs(&store).await.unwrap();
    let w = WorkerConfig {
        worker_id: "w".into(),
        ..WorkerConfig::default()
    };
    assert_eq!(
        work_once(
            &store,
            &fetcher(),
            &IngestConfig::default(),
            &w,
            &mut |_| {}
        )
        .await
        .unwrap(),
        0
    );
    assert_eq!(s.total_hits(), 0);

    store.set_source_enabled(src.id, true).await.unwrap();
    sync_jobs(&store).await.unwrap();
    assert_eq!(
        work_once(
            &store,
            &fetcher(),
            &IngestConfig::default(),
            &w,
            &mut |_| {}
        )
        .await
        .unwrap(),
        1
    );
    // The sample items are dated 1 May 2024: far older than the section's 30 days.
    assert_eq!(
        store
            .count_articles(&ListQuery {
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap(),
        2
    );
    assert_eq!(retention(&store, newsroom_ingest::now()).await.unwrap(), 2);
    assert_eq!(
        store
            .count_articles(&ListQuery {
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap(),
        0
    );
}
