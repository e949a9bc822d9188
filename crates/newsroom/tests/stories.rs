//! Stories end to end: articles from several outlets about one event are
//! clustered into one story, which the site shows as one line with "+N
//! sources" and as a full-coverage page.
//!
//! - `story_page_and_latest_line`: a real SQLite store filled directly, one
//!   clustering pass, and the site served in-process on 127.0.0.1.
//! - `three_feeds_one_story`: three fixture feeds on 127.0.0.1, the real
//!   binary's `source add` and `fetch`, then `serve` (role all) whose
//!   clusterer files the articles; the site shows one story with three sources.
//! - `a_story_continued_the_next_day_is_one_developing_thread`: feeds on
//!   127.0.0.1 polled over four days of a clock the test moves, clustered
//!   after each day by the clustering job; the next day's story joins the
//!   first one's thread, and the site shows it.

mod common;
// The launch and the next day's reaction, as the clusterer's own thread tests tell them.
#[path = "../../cluster/tests/events/mod.rs"]
mod events;

use common::*;
use events::{EVERYDAY, LAUNCH, REACTION};
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
    add_feed(
        store,
        name,
        format!("http://127.0.0.1:9/{}.xml", name.replace(' ', "-")),
    )
    .await
}

async fn add_feed(store: &dyn Store, name: &str, feed_url: String) -> SourceId {
    store
        .add_source(
            &NewSource {
                name: name.into(),
                feed_url,
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

/// A fresh SQLite store in a folder of its own (kept while the folder lives).
async fn sqlite_site() -> (tempfile::TempDir, Arc<dyn Store>) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("site.db").display());
    let store = SqliteStore::open(&url, &PoolConfig::default())
        .await
        .unwrap();
    (dir, Arc::new(store))
}

/// The site in process on 127.0.0.1: its address, the sender that stops
/// it, and the server's task.
async fn serve_site(
    store: &Arc<dyn Store>,
    site: newsroom_web::SiteConfig,
) -> (
    String,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<Result<(), newsroom_web::StartError>>,
) {
    let state = newsroom_web::build_state(store.clone(), site, None)
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(newsroom_web::serve(listener, state, async move {
        let _ = stop_rx.await;
    }));
    (base, stop_tx, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn story_page_and_latest_line() {
    let (_dir, store) = sqlite_site().await;
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

    let (base, stop_tx, server) = serve_site(&store, newsroom_web::SiteConfig::default()).await;

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

/// An RSS feed of `(slug, title, description, time)` items.
fn feed(outlet: &str, base: &str, items: &[(String, String, String, i64)]) -> String {
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>{outlet}</title>\
         <link>{base}/</link><description>news</description>"
    );
    for (slug, title, text, t) in items {
        let when = jiff::Timestamp::from_second(*t)
            .unwrap()
            .strftime("%a, %d %b %Y %H:%M:%S +0000");
        s.push_str(&format!(
            "<item><title>{title}</title><link>{base}/{slug}</link><guid>{base}/{slug}</guid>\
             <pubDate>{when}</pubDate><description>{text}</description></item>"
        ));
    }
    s.push_str("</channel></rss>");
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_story_continued_the_next_day_is_one_developing_thread() {
    use newsroom_ingest::{Clock, FetchConfig, Fetcher, IngestConfig, PassOptions, run_pass};
    const DAY: i64 = 86_400;
    let server = TestServer::start().await;
    let (_dir, store) = sqlite_site().await;
    let outlets = ["Daily Ledger", "Pacific Wire", "Harbour Post"];
    for o in outlets {
        let slug = o.replace(' ', "-").to_lowercase();
        let feed_url = server.url(&format!("/{slug}/feed.xml"));
        server.set(
            &format!("/{slug}/feed.xml"),
            Resource::ok(
                "application/rss+xml",
                feed(o, &server.url(&format!("/{slug}")), &[]),
            ),
        );
        add_feed(&*store, o, feed_url).await;
    }
    let publish = |o: &str, items: Vec<(String, String, String, i64)>| {
        let slug = o.replace(' ', "-").to_lowercase();
        server.set(
            &format!("/{slug}/feed.xml"),
            Resource::ok(
                "application/rss+xml",
                feed(o, &server.url(&format!("/{slug}")), &items),
            ),
        );
    };
    // Four days ago on the test's clock; every poll and every article's
    // time reads it.
    let clock = Clock::adjustable();
    clock.advance(-4 * DAY);
    let cfg = IngestConfig {
        clock: clock.clone(),
        ..IngestConfig::default()
    };
    let fetcher = Fetcher::new(FetchConfig {
        allow_private_networks: true,
        per_host_rate: 1000.0,
        per_host_burst: 1000.0,
        jitter: Duration::ZERO,
        ..FetchConfig::default()
    })
    .unwrap();
    let once = PassOptions {
        source: None,
        ignore_schedule: true,
    };
    let store_ref: &dyn Store = &*store;
    let day_pass = async |expect_new: usize| {
        let sum = run_pass(store_ref, &fetcher, &cfg, &once, |_| {})
            .await
            .unwrap();
        assert_eq!(sum.inserted, expect_new, "{sum:?}");
        let pass = cluster_pass(store_ref, "test-node", &WorkerConfig::default(), || false)
            .await
            .unwrap();
        assert_eq!(pass, Pass::Assigned(expect_new));
    };
    // Three days of everyday news from one outlet.
    for d in 0..3 {
        let t = clock.now() - 3600;
        publish(
            outlets[0],
            EVERYDAY
                .iter()
                .enumerate()
                .map(|(i, (title, text))| {
                    (
                        format!("d{d}-{i}"),
                        format!("{title} ({d})"),
                        text.to_string(),
                        t + 60 * i as i64,
                    )
                })
                .collect(),
        );
        day_pass(4).await;
        clock.advance(DAY);
    }
    // The launch, from two outlets.
    let t = clock.now() - 1800;
    publish(
        outlets[1],
        vec![(
            "launch".into(),
            "North Korea fires missile over Japan".into(),
            LAUNCH.into(),
            t,
        )],
    );
    publish(
        outlets[2],
        vec![(
            "missile".into(),
            "Missile flies over Hokkaido as Abe condemns Pyongyang".into(),
            LAUNCH.into(),
            t + 600,
        )],
    );
    day_pass(2).await;
    // A day and a half later: the Security Council, from both.
    clock.advance(36 * 3600);
    let t = clock.now() - 1800;
    publish(
        outlets[1],
        vec![(
            "un".into(),
            "UN Security Council condemns Hwasong-12 launch".into(),
            REACTION.into(),
            t,
        )],
    );
    publish(
        outlets[2],
        vec![(
            "council".into(),
            "Security Council condemns North Korean launch over Hokkaido".into(),
            REACTION.into(),
            t + 600,
        )],
    );
    day_pass(2).await;

    let id_of = async |slug: &str, o: usize| {
        let base = server.url(&format!("/{}", outlets[o].replace(' ', "-").to_lowercase()));
        let a = store
            .article_by_canonical_url(&format!("{base}/{slug}"))
            .await
            .unwrap()
            .unwrap();
        store.article_story(a.id).await.unwrap().unwrap()
    };
    let launch = id_of("launch", 1).await;
    assert_eq!(
        id_of("missile", 2).await,
        launch,
        "same day, same event: one story"
    );
    let reaction = id_of("un", 1).await;
    assert_eq!(id_of("council", 2).await, reaction);
    assert_ne!(launch, reaction, "stories stay day-level");
    let thread = store.get_story(reaction).await.unwrap().unwrap().thread;
    assert_eq!(
        thread, launch,
        "the next day's story continues the launch's thread"
    );
    let everyday = id_of("d2-0", 0).await;
    assert_ne!(
        store.get_story(everyday).await.unwrap().unwrap().thread,
        launch
    );

    // The site, at the test clock's time.
    let site = newsroom_web::SiteConfig {
        fixed_now: Some(clock.now()),
        ..newsroom_web::SiteConfig::default()
    };
    let (base, stop_tx, web) = serve_site(&store, site).await;
    let (status, html) = get(&format!("{base}/story/{reaction}"), BROWSER_UA).await;
    assert_eq!(status, 200, "{html}");
    let doc = scraper::Html::parse_document(&html);
    assert_eq!(
        text(&select(&doc, "main h1")[0]),
        "UN Security Council condemns Hwasong-12 launch"
    );
    let earlier = select(&doc, "main .thread .thread-story");
    assert_eq!(earlier.len(), 1, "one earlier story in the thread: {html}");
    assert_eq!(
        earlier[0].value().attr("data-story-id"),
        Some(launch.to_string().as_str())
    );
    let line = text(&earlier[0]);
    assert!(
        line.contains("North Korea fires missile over Japan"),
        "{line}"
    );
    assert!(
        line.contains("Pacific Wire, Harbour Post"),
        "its outlets: {line}"
    );
    // The latest list: the two stories are one line, marked developing.
    let (_, home) = get(&format!("{base}/"), BROWSER_UA).await;
    let doc = scraper::Html::parse_document(&home);
    let lines = select(&doc, "aside .news-item");
    let event: Vec<_> = lines
        .iter()
        .filter(|l| {
            let t = text(l);
            t.contains("Hwasong") || t.contains("North Korea") || t.contains("Hokkaido")
        })
        .collect();
    assert_eq!(event.len(), 1, "one line for the thread: {home}");
    let mark = event[0]
        .select(&scraper::Selector::parse("a.developing").unwrap())
        .next()
        .expect("marked developing");
    assert_eq!(
        mark.value().attr("href"),
        Some(format!("/story/{reaction}").as_str())
    );
    assert!(text(event[0]).contains("+1 source"), "{}", text(event[0]));
    // It shows the lead's headline at the time of the thread's newest
    // article, which placed it: not the lead's own, older time.
    let newest = store
        .list_articles(&newsroom_store::ListQuery {
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.story_id.is_some_and(|s| s == reaction || s == launch))
        .unwrap();
    let shown = event[0]
        .select(&scraper::Selector::parse("time").unwrap())
        .next()
        .unwrap();
    assert_eq!(
        shown.value().attr("datetime"),
        Some(newsroom_core::time::rfc3339(newest.published_at).as_str()),
        "{}",
        text(event[0])
    );
    // The thread in the API: both stories, newest first.
    let (status, json) = get(&format!("{base}/api/v1/threads/{launch}"), BROWSER_UA).await;
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let ids: Vec<i64> = v["stories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [reaction.0, launch.0]);
    let _ = stop_tx.send(());
    web.await.unwrap().unwrap();
}
