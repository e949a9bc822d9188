//! Security suite, counts that mean readers: HTTP clients and headless
//! browsers are not counted; one address adds a bounded number of visitors
//! to an article however many User-Agents it rotates through; and one
//! visitor alternating between two nodes of one PostgreSQL site counts once.
//! Against the real binary on 127.0.0.1 (a second address is 127.0.0.2).

mod common;

use common::*;
use newsroom_store::{ListQuery, PoolConfig};
use std::net::{IpAddr, Ipv4Addr};

async fn first_article(server: &Server) -> i64 {
    let body: serde_json::Value = client()
        .get(server.url("/api/v1/articles?per_page=1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["articles"][0]["id"].as_i64().expect("an article")
}

async fn beacon(c: &reqwest::Client, server: &Server, id: i64, ua: &str) -> (bool, i64) {
    let r = c
        .post(server.url(&format!("/api/v1/views/{id}")))
        .header("user-agent", ua)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    (
        body["counted"].as_bool().unwrap(),
        body["views"].as_i64().unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_clients_and_headless_browsers_are_not_readers() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--demo"], &[]);
    let id = first_article(&server).await;
    let http = client();
    let (_, before) = beacon(&http, &server, id, "curl/8.5.0").await;
    for ua in [
        "curl/8.5.0",
        "python-requests/2.32.3",
        "Wget/1.21.4",
        "Go-http-client/1.1",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36",
        "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)",
        "axios/1.6.8",
        "okhttp/4.12.0",
        "-",
        "CURL/7.0",
    ] {
        let (counted, views) = beacon(&http, &server, id, ua).await;
        assert!(!counted, "{ua} was counted");
        assert_eq!(views, before, "{ua}");
        // A page view by the same client is not counted either (redirects
        // to the article's full address are followed).
        let page = reqwest::Client::new()
            .get(server.url(&format!("/news/{id}")))
            .header("user-agent", ua)
            .send()
            .await
            .unwrap();
        assert_eq!(page.status().as_u16(), 200, "{ua}");
    }
    let (_, after_pages) = beacon(&http, &server, id, "curl/8.5.0").await;
    assert_eq!(after_pages, before, "page views by clients were counted");
    let (counted, views) = beacon(&http, &server, id, BROWSER_UA).await;
    assert!(
        counted && views == before + 1,
        "a reader's browser is counted"
    );
    assert!(server.stop().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_adds_at_most_its_share_of_visitors() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--demo"], &[]);
    let id = first_article(&server).await;
    let http = client();
    let mut counted = 0;
    for i in 0..1000 {
        if beacon(&http, &server, id, &format!("{BROWSER_UA} rotating/{i}"))
            .await
            .0
        {
            counted += 1;
        }
    }
    assert_eq!(counted, 20, "1,000 rotating User-Agents from one address");
    // Another address has a share of its own; another article too.
    let other = reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)))
        .build()
        .unwrap();
    assert!(beacon(&other, &server, id, BROWSER_UA).await.0);
    let second: serde_json::Value = http
        .get(server.url("/api/v1/articles?per_page=2"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id2 = second["articles"][1]["id"].as_i64().unwrap();
    assert!(
        beacon(&http, &server, id2, &format!("{BROWSER_UA} rotating/1"))
            .await
            .0
    );
    assert!(server.stop().success());

    // The share is a setting.
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        &["--demo"],
        &[("NEWSROOM_SERVER__MAX_VISITORS_PER_IP", "3")],
    );
    let id = first_article(&server).await;
    let mut counted = 0;
    for i in 0..50 {
        counted += usize::from(
            beacon(&http, &server, id, &format!("{BROWSER_UA} rotating/{i}"))
                .await
                .0,
        );
    }
    assert_eq!(counted, 3);
    assert!(server.stop().success());
}

/// Each node counts what its own memory has not seen; the store counts a
/// visitor once across both. Visitors are told apart by X-Forwarded-For
/// (the nodes trust it here), so the per-address share plays no part.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visitors_alternating_between_two_nodes_count_once() {
    let Some(url) = newsroom_store::testdb::fresh_postgres_url("two-node view dedup").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let env = [
        ("NEWSROOM_SERVER__TRUST_FORWARDED_FOR", "true"),
        ("NEWSROOM_SERVER__FLUSH_INTERVAL_SECS", "1"),
    ];
    let a = Server::start(dir.path(), &["--demo", "--database", &url], &env);
    let b = Server::start(dir.path(), &["--database", &url, "--role", "web"], &env);
    let store = newsroom_store::open(&url, &PoolConfig::default())
        .await
        .unwrap();
    let before = store.table_counts().await.unwrap().total_views;
    let cards = store
        .list_articles(&ListQuery {
            limit: 3,
            ..Default::default()
        })
        .await
        .unwrap();
    let http = client();
    let visit = |node: &Server, article: i64, visitor: usize| {
        http.post(node.url(&format!("/api/v1/views/{article}")))
            .header("user-agent", BROWSER_UA)
            .header("x-forwarded-for", format!("198.51.100.{visitor}"))
            .send()
    };
    // 30 visitors, each reading three articles, every read alternating
    // between the nodes, with flushes in between.
    let visitors = 30;
    for round in 0..4 {
        for v in 0..visitors {
            for c in &cards {
                let node = if (v + round) % 2 == 0 { &a } else { &b };
                let r = visit(node, c.id.0, v).await.unwrap();
                assert_eq!(r.status().as_u16(), 200);
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    }
    let (sa, sb) = std::thread::scope(|s| {
        let ha = s.spawn(|| a.stop());
        let hb = s.spawn(|| b.stop());
        (ha.join().unwrap(), hb.join().unwrap())
    });
    assert!(sa.success() && sb.success());
    let added = store.table_counts().await.unwrap().total_views - before;
    assert_eq!(
        added,
        (visitors * cards.len()) as i64,
        "each visitor counted once per article across both nodes"
    );
    let per_article = store
        .article_views(&cards.iter().map(|c| c.id).collect::<Vec<_>>())
        .await
        .unwrap();
    for (id, v) in per_article {
        let was = cards.iter().find(|c| c.id == id).unwrap().views;
        assert_eq!(v - was, visitors as i64, "article {id}");
    }
}
