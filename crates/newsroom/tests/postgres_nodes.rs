//! Two `newsroom serve` processes on one PostgreSQL: view beacons split
//! across both add up exactly once both have stopped gracefully.
//! Needs NEWSROOM_TEST_POSTGRES_URL; without it the test says it was skipped and passes.

mod common;

use common::{BROWSER_UA, Server, client};
use newsroom_store::{ListQuery, PoolConfig, testdb};

const SUITE: &str = "PostgreSQL multi-node test";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_count_every_beacon_exactly_once() {
    let Some(url) = testdb::fresh_postgres_url(SUITE).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // Node a writes the demo content before it listens; node b finds it there.
    // Its 600 visitors all come from 127.0.0.1: no per-address cap here.
    let uncapped = [("NEWSROOM_SERVER__MAX_VISITORS_PER_IP", "0")];
    let a = Server::start(dir.path(), &["--demo", "--database", &url], &uncapped);
    let b = Server::start(
        dir.path(),
        &["--database", &url, "--role", "web"],
        &uncapped,
    );

    let store = newsroom_store::open(&url, &PoolConfig::default())
        .await
        .unwrap();
    let before = store.table_counts().await.unwrap();
    let cards = store
        .list_articles(&ListQuery {
            limit: 12,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(cards.len() >= 4, "demo content is there");

    let n = 600usize;
    let http = client();
    let mut tasks = tokio::task::JoinSet::new();
    let sem = std::sync::Arc::new(tokio::sync::Semaphore::new(16));
    for i in 0..n {
        let node = if i % 2 == 0 { &a } else { &b };
        let id = cards[i % cards.len()].id.0;
        let target = node.url(&format!("/api/v1/views/{id}"));
        let (http, sem) = (http.clone(), sem.clone());
        tasks.spawn(async move {
            let _permit = sem.acquire().await.unwrap();
            // A visitor of its own for every beacon, so none is deduplicated.
            let r = http
                .post(&target)
                .header("user-agent", format!("{BROWSER_UA} visitor/{i}"))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 200, "{target}");
            let body: serde_json::Value = r.json().await.unwrap();
            assert_eq!(body["counted"], true, "{target}: {body}");
        });
    }
    while let Some(t) = tasks.join_next().await {
        t.unwrap();
    }

    // Both nodes get SIGTERM at the same moment, so their last flushes race.
    let (sa, sb) = std::thread::scope(|s| {
        let ha = s.spawn(|| a.stop());
        let hb = s.spawn(|| b.stop());
        (ha.join().unwrap(), hb.join().unwrap())
    });
    assert!(sa.success() && sb.success(), "graceful exits: {sa} {sb}");

    let after = store.table_counts().await.unwrap();
    assert_eq!(
        after.total_views - before.total_views,
        n as i64,
        "every beacon stored exactly once"
    );
    let per_article = store
        .article_views(&cards.iter().map(|c| c.id).collect::<Vec<_>>())
        .await
        .unwrap();
    let added: i64 = per_article
        .iter()
        .map(|(id, v)| v - cards.iter().find(|c| c.id == *id).unwrap().views)
        .sum();
    assert_eq!(added, n as i64);
}
