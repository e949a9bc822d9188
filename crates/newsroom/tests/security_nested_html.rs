//! Security suite, nested HTML: a feed item whose content:encoded is
//! 100,000 nested `<div>`s (1.1 MB) does not stall the process. While the
//! real binary polls it beside three ordinary feeds on 127.0.0.1, `/healthz`
//! keeps answering quickly, the other feeds are polled and stored on time,
//! and the hostile item is stored as text (too deep to parse as HTML).
//!
//! Latency is asserted with a wide margin over what is measured (the
//! measured figure is printed): the machine running the tests is shared.

mod common;

use common::*;
use newsroom_ingest::testkit::{Resource, TestServer, sample_rss};
use newsroom_store::{ListQuery, PoolConfig};
use std::time::{Duration, Instant};

const ALLOW: (&str, &str) = ("NEWSROOM_FETCH__ALLOW_PRIVATE_NETWORKS", "true");
const DEPTH: usize = 100_000;

fn nested_feed(base: &str) -> String {
    let body = format!(
        "{}The deep story{}",
        "<div>".repeat(DEPTH),
        "</div>".repeat(DEPTH)
    );
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">\
         <channel><title>Deep</title><link>{base}/</link>\
         <item><title>Nested all the way down</title><link>{base}/deep/1</link>\
         <guid>{base}/deep/1</guid><pubDate>Wed, 01 May 2024 10:00:00 GMT</pubDate>\
         <content:encoded><![CDATA[{body}]]></content:encoded></item>\
         </channel></rss>\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deeply_nested_item_stalls_nothing() {
    let feeds = TestServer::start().await;
    let deep = nested_feed(&feeds.url(""));
    assert!(deep.len() > 1_100_000, "{}", deep.len());
    feeds.set("/deep.xml", Resource::ok("application/rss+xml", deep));
    for i in 0..3 {
        let rss = sample_rss(&format!("Gazette {i}"), &feeds.url(&format!("/g{i}")), 5);
        feeds.set(
            &format!("/g{i}.xml"),
            Resource::ok("application/rss+xml", rss),
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("site.db").display());
    // The deep feed first, so it is being worked on while the others are due.
    for path in ["/deep.xml", "/g0.xml", "/g1.xml", "/g2.xml"] {
        run_ok(
            dir.path(),
            &[
                "--database",
                &db,
                "source",
                "add",
                &feeds.url(path),
                "--full-text",
                "never",
            ],
            &[ALLOW],
        );
    }

    let started = Instant::now();
    let server = Server::start(dir.path(), &["--database", &db], &[ALLOW]);
    let store = newsroom_store::open(&db, &PoolConfig::default())
        .await
        .unwrap();
    let http = client();
    let mut worst = Duration::ZERO;
    let mut probes = 0;
    let deadline = Instant::now() + Duration::from_secs(60);
    // 3 feeds of 5 items, and the deep one.
    let all_in = loop {
        let t = Instant::now();
        let r = http.get(server.url("/healthz")).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let _ = r.bytes().await;
        worst = worst.max(t.elapsed());
        probes += 1;
        let n = store.count_articles(&ListQuery::default()).await.unwrap();
        if n >= 16 {
            break started.elapsed();
        }
        assert!(
            Instant::now() < deadline,
            "only {n} of 16 articles stored after 60 s; feeds hit: {:?}",
            ["/deep.xml", "/g0.xml", "/g1.xml", "/g2.xml"].map(|p| feeds.hits(p))
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    eprintln!(
        "all four feeds stored {all_in:?} after start; /healthz {probes} times, slowest {worst:?}"
    );
    // 100 ms is the promise on an idle machine; a shared test machine gets
    // ten times that before this counts as a stall.
    assert!(worst < Duration::from_secs(1), "/healthz took {worst:?}");
    for i in 0..3 {
        assert!(feeds.hits(&format!("/g{i}.xml")) >= 1);
    }

    // The hostile item is kept, as its text: no markup survives from it.
    let cards = store
        .list_articles(&ListQuery {
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    let card = cards
        .iter()
        .find(|c| c.title == "Nested all the way down")
        .expect("the deep item is stored");
    let article = store.get_article(card.id).await.unwrap().unwrap();
    assert_eq!(article.body_html, "<p>The deep story</p>");
    assert_eq!(article.body_text, "The deep story");
    assert!(server.stop().success());
}
