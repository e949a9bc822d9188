//! Stories end to end: articles from several outlets about one event are
//! clustered into one story, which the site shows as one line with "+N
//! sources" and as a full-coverage page.
//!
//! - `story_page_and_latest_line`: a real SQLite store filled directly, one
//!   clustering pass, and the site served in-process on 127.0.0.1.
//! - `three_feeds_one_story`: three fixture feeds on 127.0.0.1, the real
//!   binary's `source add` and `fetch`, then `serve` (role all) whose
//!   clusterer files the articles; the site shows one story with three sources.

mod common;

use common::*;
use newsroom_cluster::worker::{Pass, WorkerConfig, cluster_pass};
use newsroom_core::{FullTextMode, NewArticle, NewSource, SourceId};
use newsroom_ingest::testkit::{Resource, TestServer};
use newsroom_store::{PoolConfig, SqliteStore, Store};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One event as three outlets headline it, and an unrelated story.
const EVENT: [(&str, &str, &str); 3] = [
    (
        "Harbour Post",
        "Cargo ship runs aground in Suez Canal, blocking traffic",
        "suez-canal-cargo-ship-aground",
    ),
    (
        "Daily Ledger",
        "Suez Canal blocked after cargo ship runs aground",
        "suez-canal-blocked-cargo-ship",
    ),
    (
        "Coast Wire",
        "Giant cargo ship aground in Suez Canal blocks shipping traffic",
        "giant-cargo-ship-aground-suez-canal",
    ),
];
const OTHER: &str = "Local council approves new budget for public libraries";

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

async fn add_source(store: &dyn Store, name: &str) -> SourceId {
    store
        .add_source(
            &NewSource {
                name: name.into(),
                feed_url: format!("http://127.0.0.1:9/{}.xml", name.replace(' ', "-")),
                site_url: None,
                section_id: None,
                full_text: FullTextMode::Never,
            },
            now(),
        )
        .await
        .unwrap()
        .id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn story_page_and_latest_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("site.db").display());
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(&url, &PoolConfig::default())
            .await
            .unwrap(),
    );
    let t0 = now() - 3600;
    let mut ids = Vec::new();
    for (i, (outlet, title, slug)) in EVENT.iter().enumerate() {
        let src = add_source(&*store, outlet).await;
        let t = t0 + 300 * i as i64;
        let a = NewArticle {
            source_id: src,
            guid: Some(slug.to_string()),
            canonical_url: format!("https://{}.test/world/{slug}", outlet.replace(' ', "")),
            original_url: format!("https://{}.test/world/{slug}", outlet.replace(' ', "")),
            title: title.to_string(),
            summary: format!("{outlet} reports on the blocked canal."),
            published_at: t,
            fetched_at: t,
            ..NewArticle::default()
        };
        ids.push(store.upsert_article(&a, t).await.unwrap().id.unwrap());
    }
    let src = add_source(&*store, "Town Crier").await;
    let other = NewArticle {
        source_id: src,
        canonical_url: "https://towncrier.test/libraries-budget".into(),
        original_url: "https://towncrier.test/libraries-budget".into(),
        title: OTHER.into(),
        published_at: t0 + 1200,
        fetched_at: t0 + 1200,
        ..NewArticle::default()
    };
    let lone = store
        .upsert_article(&other, t0 + 1200)
        .await
        .unwrap()
        .id
        .unwrap();

    let pass = cluster_pass(&*store, "test-node", &WorkerConfig::default(), || false)
        .await
        .unwrap();
    assert_eq!(pass, Pass::Assigned(4));
    let story = store.article_story(ids[0]).await.unwrap().expect("a story");
    for id in &ids {
        assert_eq!(store.article_story(*id).await.unwrap(), Some(story));
    }
    assert_ne!(store.article_story(lone).await.unwrap(), Some(story));
    // Nothing new: the next pass assigns nothing.
    assert_eq!(
        cluster_pass(&*store, "test-node", &WorkerConfig::default(), || false)
            .await
            .unwrap(),
        Pass::Assigned(0)
    );

    let state = newsroom_web::build_state(store.clone(), newsroom_web::SiteConfig::default(), None)
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(newsroom_web::serve(listener, state, async move {
        let _ = stop_rx.await;
    }));

    let (status, html) = get(&format!("{base}/story/{story}"), BROWSER_UA).await;
    assert_eq!(status, 200, "{html}");
    check_story_page(&html, &EVENT.map(|e| e.0), EVENT[0].1);

    let (status, html) = get(&format!("{base}/"), BROWSER_UA).await;
    assert_eq!(status, 200);
    check_latest(&html, story, true);

    // The article page links to the whole coverage.
    let (status, html) = get(&format!("{base}/news/{}", ids[1]), BROWSER_UA).await;
    assert!(status == 301 || status == 200, "{status}");
    let (_, html) = if status == 301 {
        let r = client()
            .get(format!("{base}/news/{}", ids[1]))
            .send()
            .await
            .unwrap();
        let loc = r.headers()["location"].to_str().unwrap().to_string();
        get(&format!("{base}{loc}"), BROWSER_UA).await
    } else {
        (status, html)
    };
    let doc = scraper::Html::parse_document(&html);
    let link = select(&doc, "main .story-link a");
    assert_eq!(link.len(), 1, "{html}");
    assert_eq!(
        link[0].value().attr("href"),
        Some(format!("/story/{story}").as_str())
    );
    assert!(text(&link[0]).contains("3 sources"), "{}", text(&link[0]));

    for bad in ["/story/999999", "/story/abc", "/story/-1", "/story/1x"] {
        let (status, _) = get(&format!("{base}{bad}"), BROWSER_UA).await;
        assert_eq!(status, 404, "{bad}");
    }
    let _ = stop_tx.send(());
    server.await.unwrap().unwrap();
}

/// The story page: a heading, every outlet once with the lead on top, each
/// entry with its time, count, our page and the original.
fn check_story_page(html: &str, outlets: &[&str], lead_title: &str) {
    let doc = scraper::Html::parse_document(html);
    assert_eq!(text(&select(&doc, "main h1")[0]), lead_title);
    let entries = select(&doc, "main .coverage-item");
    assert_eq!(entries.len(), outlets.len(), "{html}");
    let mut names: Vec<String> = entries
        .iter()
        .map(|e| {
            text(
                &e.select(&scraper::Selector::parse(".source-name").unwrap())
                    .next()
                    .unwrap(),
            )
        })
        .collect();
    assert_eq!(names[0], outlets[0], "the lead (earliest) is on top");
    names.sort();
    let mut want: Vec<String> = outlets.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(names, want);
    for e in &entries {
        let one = |css: &str| {
            e.select(&scraper::Selector::parse(css).unwrap())
                .next()
                .unwrap_or_else(|| panic!("{css} in {}", e.html()))
        };
        assert!(one("time").value().attr("datetime").unwrap().ends_with('Z'));
        let views = one(".views").value().attr("data-views").unwrap();
        assert!(views.parse::<i64>().is_ok(), "{views}");
        assert!(
            one("a.headline")
                .value()
                .attr("href")
                .unwrap()
                .starts_with("/news/")
        );
        assert!(
            one("a.original")
                .value()
                .attr("href")
                .unwrap()
                .starts_with("https://")
        );
    }
    assert!(
        text(&select(&doc, "main .story-sources")[0])
            .contains(&format!("{} sources", outlets.len())),
        "{html}"
    );
}

/// The latest list has one line for the story, with "+N sources" linking to it.
fn check_latest(html: &str, story: impl std::fmt::Display, with_other: bool) {
    let doc = scraper::Html::parse_document(html);
    let lines = select(&doc, "aside .news-item");
    let href = format!("/story/{story}");
    let story_lines: Vec<_> = lines
        .iter()
        .filter(|l| {
            l.select(&scraper::Selector::parse("a.more-sources").unwrap())
                .any(|a| a.value().attr("href") == Some(href.as_str()))
        })
        .collect();
    assert_eq!(story_lines.len(), 1, "one line for the story: {html}");
    let more = story_lines[0]
        .select(&scraper::Selector::parse("a.more-sources").unwrap())
        .next()
        .unwrap();
    assert_eq!(text(&more), "+2 sources");
    let titles: Vec<String> = lines
        .iter()
        .map(|l| {
            text(
                &l.select(&scraper::Selector::parse("a.headline").unwrap())
                    .next()
                    .unwrap(),
            )
        })
        .collect();
    let event_lines = titles
        .iter()
        .filter(|t| EVENT.iter().any(|e| e.1 == t.as_str()))
        .count();
    assert_eq!(event_lines, 1, "three outlets, one line: {titles:?}");
    if with_other {
        assert!(titles.iter().any(|t| t == OTHER), "{titles:?}");
    }
}

fn rss(outlet: &str, title: &str, link: &str, when: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>{outlet}</title><link>http://127.0.0.1/</link><description>news</description>
<item><title>{title}</title><link>{link}</link><guid>{link}</guid><pubDate>{when}</pubDate>
<description>{outlet} reports that the canal is blocked and ships are waiting.</description></item>
</channel></rss>"#
    )
}

fn run(dir: &std::path::Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(bin())
        .current_dir(dir)
        .args(args)
        .env("NEWSROOM_LOG", "warn")
        .env("NEWSROOM_FETCH__ALLOW_PRIVATE_NETWORKS", "true")
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_feeds_one_story() {
    let feeds = TestServer::start().await;
    let when = jiff::Timestamp::from_second(now() - 1800)
        .unwrap()
        .strftime("%a, %d %b %Y %H:%M:%S +0000")
        .to_string();
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("site.db").display());
    for (outlet, title, slug) in EVENT {
        let path = format!("/{}/feed.xml", outlet.replace(' ', "-").to_lowercase());
        let link = feeds.url(&format!(
            "/{}/{slug}",
            outlet.replace(' ', "-").to_lowercase()
        ));
        feeds.set(
            &path,
            Resource::ok("application/rss+xml", rss(outlet, title, &link, &when)),
        );
        let (ok, out) = run(
            dir.path(),
            &[
                "--database",
                &db,
                "source",
                "add",
                &feeds.url(&path),
                "--full-text",
                "never",
            ],
        );
        assert!(ok, "{out}");
    }
    let (ok, out) = run(dir.path(), &["--database", &db, "fetch", "--once"]);
    assert!(ok, "{out}");
    assert!(out.contains("3 new"), "{out}");

    // Role all: the node's clusterer files the fetched articles into a story.
    let server = Server::start(
        dir.path(),
        &["--database", &db, "--role", "all"],
        &[("NEWSROOM_FETCH__ALLOW_PRIVATE_NETWORKS", "true")],
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    let story = loop {
        let (status, html) = get(&server.url("/"), BROWSER_UA).await;
        assert_eq!(status, 200);
        let doc = scraper::Html::parse_document(&html);
        let found = select(&doc, "aside a.more-sources")
            .first()
            .and_then(|a| a.value().attr("href"))
            .and_then(|h| h.strip_prefix("/story/"))
            .map(str::to_string);
        if let Some(id) = found {
            check_latest(&html, &id, false);
            break id;
        }
        assert!(Instant::now() < deadline, "no story line appeared: {html}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let (status, html) = get(&server.url(&format!("/story/{story}")), BROWSER_UA).await;
    assert_eq!(status, 200);
    let doc = scraper::Html::parse_document(&html);
    assert_eq!(select(&doc, "main .coverage-item").len(), 3, "{html}");
    assert!(text(&select(&doc, "main .story-sources")[0]).contains("3 sources"));
    assert!(server.stop().success());
}
