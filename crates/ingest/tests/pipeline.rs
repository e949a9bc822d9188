//! The whole path on a real SQLite store and real HTTP on 127.0.0.1: sources, passes,
//! faults, identity and updates, conditional GET, Retry-After, the SSRF guard, OPML.

use newsroom_core::{ArticleStatus, FullTextMode, NewSource, Source};
use newsroom_ingest::commands;
use newsroom_ingest::seal::SealKey;
use newsroom_ingest::testkit::{
    Resource, TestServer, rss_every, sample_rss, serve_dataset_site, serve_teaser_feed,
};
use newsroom_ingest::{FetchConfig, Fetcher, IngestConfig, PassOptions, run_pass};
use newsroom_store::{ListQuery, SqliteStore, Store};
use std::time::Duration;

struct Site {
    _dir: tempfile::TempDir,
    store: SqliteStore,
}

async fn site() -> Site {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("site.db").display());
    let store = SqliteStore::open(&url, &Default::default()).await.unwrap();
    Site { _dir: dir, store }
}

fn fetcher() -> Fetcher {
    Fetcher::new(FetchConfig {
        allow_private_networks: true,
        total_timeout: Duration::from_secs(3),
        per_host_rate: 1000.0,
        per_host_burst: 1000.0,
        per_host_concurrency: 16,
        jitter: Duration::ZERO,
        ..FetchConfig::default()
    })
    .unwrap()
}

fn cfg() -> IngestConfig {
    IngestConfig::default()
}

async fn add(store: &dyn Store, name: &str, url: String, full_text: FullTextMode) -> Source {
    store
        .add_source(
            &NewSource {
                name: name.into(),
                feed_url: url,
                site_url: None,
                section_id: None,
                full_text,
            },
            newsroom_ingest::now(),
        )
        .await
        .unwrap()
}

async fn count(store: &dyn Store) -> i64 {
    store
        .count_articles(&ListQuery {
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
}

const ONCE: PassOptions = PassOptions {
    source: None,
    ignore_schedule: true,
};

fn rss(items: &[(&str, &str, &str)]) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title><link>http://x/</link>",
    );
    for (guid, title, body) in items {
        s.push_str(&format!(
            "<item><guid>{guid}</guid><title>{title}</title><link>http://news.test/{guid}</link><pubDate>Wed, 01 May 2024 10:00:00 GMT</pubDate><description>{body}</description></item>"
        ));
    }
    s.push_str("</channel></rss>");
    s
}

#[tokio::test]
async fn one_failing_source_never_stops_the_others() {
    let site = site().await;
    let s = TestServer::with_faults().await;
    s.set(
        "/good.xml",
        Resource::ok(
            "application/rss+xml",
            sample_rss("Good", "http://good.test", 5),
        ),
    );
    let store: &dyn Store = &site.store;
    let good = add(store, "good", s.url("/good.xml"), FullTextMode::Never).await;
    for p in [
        "/fault/500",
        "/fault/stall",
        "/fault/html",
        "/fault/entity-bomb",
        "/fault/huge",
        "/fault/redirect-loop",
        "/fault/bot-wall",
        "/fault/truncated-gzip",
    ] {
        add(store, p, s.url(p), FullTextMode::Never).await;
    }
    let start = std::time::Instant::now();
    let sum = run_pass(store, &fetcher(), &cfg(), &ONCE, |_| {})
        .await
        .unwrap();
    // The stalled source costs its own timeout, concurrently, not a serial delay for the rest.
    assert!(
        start.elapsed() < Duration::from_secs(8),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(
        (sum.sources, sum.ok, sum.failed, sum.outage),
        (9, 1, 8, false)
    );
    assert_eq!(count(store).await, 5);
    let rows = commands::list_sources(store).await.unwrap();
    let by_name = |n: &str| rows.iter().find(|r| r.name == n).unwrap().clone();
    assert_eq!(by_name("good").health, "ok");
    assert_eq!(by_name("good").articles, 5);
    for (n, class) in [
        ("/fault/500", "http_5xx"),
        ("/fault/stall", "timeout"),
        ("/fault/html", "not_a_feed"),
        ("/fault/entity-bomb", "parse"),
        ("/fault/huge", "too_large"),
        ("/fault/redirect-loop", "redirect_loop"),
        ("/fault/bot-wall", "bot_wall"),
        ("/fault/truncated-gzip", "parse"),
    ] {
        let r = by_name(n);
        assert_eq!(
            (r.health, r.last_error_class.as_deref()),
            ("failing", Some(class)),
            "{n}"
        );
        assert!(
            r.next_poll_at > newsroom_ingest::now(),
            "{n} is re-probed later, never dropped"
        );
    }
    let g = store.get_source(good.id).await.unwrap().unwrap();
    assert!(g.health.last_success_at.is_some() && g.health.consecutive_failures == 0);
}

#[tokio::test]
async fn conditional_get_and_nothing_stored_twice() {
    let site = site().await;
    let s = TestServer::start().await;
    s.set(
        "/feed.xml",
        Resource::ok(
            "application/rss+xml",
            rss(&[("a", "A", "one"), ("b", "B", "two")]),
        )
        .with_etag("\"e1\""),
    );
    let store: &dyn Store = &site.store;
    let src = add(store, "etag", s.url("/feed.xml"), FullTextMode::Never).await;
    let f = fetcher();
    let first = run_pass(store, &f, &cfg(), &ONCE, |_| {}).await.unwrap();
    assert_eq!(first.inserted, 2);
    let stored = store.get_source(src.id).await.unwrap().unwrap();
    assert_eq!(stored.health.etag.as_deref(), Some("\"e1\""));
    let second = run_pass(store, &f, &cfg(), &ONCE, |_| {}).await.unwrap();
    assert_eq!((second.not_modified, second.inserted), (1, 0));
    let seen = s.seen();
    assert_eq!(seen.len(), 2);
    assert!(
        seen[0].sent_body && !seen[1].sent_body,
        "the second poll got a 304 and no body"
    );
    assert_eq!(seen[1].if_none_match.as_deref(), Some("\"e1\""));
    // Same content under a new ETag: re-parsed, nothing stored twice.
    s.set(
        "/feed.xml",
        Resource::ok(
            "application/rss+xml",
            rss(&[("a", "A", "one"), ("b", "B", "two")]),
        )
        .with_etag("\"e2\""),
    );
    let third = run_pass(store, &f, &cfg(), &ONCE, |_| {}).await.unwrap();
    assert_eq!((third.inserted, third.updated), (0, 0));
    assert_eq!(count(store).await, 2);
}

#[tokio::test]
async fn an_edited_item_updates_in_place_and_hidden_items_stay_hidden() {
    let site = site().await;
    let s = TestServer::start().await;
    s.set(
        "/feed.xml",
        Resource::ok(
            "application/rss+xml",
            rss(&[("a", "First title", "body one"), ("b", "B", "two")]),
        ),
    );
    let store: &dyn Store = &site.store;
    add(store, "edits", s.url("/feed.xml"), FullTextMode::Never).await;
    let f = fetcher();
    run_pass(store, &f, &cfg(), &ONCE, |_| {}).await.unwrap();
    let before = store
        .article_by_canonical_url("http://news.test/a")
        .await
        .unwrap()
        .unwrap();
    let b = store
        .article_by_canonical_url("http://news.test/b")
        .await
        .unwrap()
        .unwrap();
    store
        .set_article_status(b.id, ArticleStatus::Hidden, newsroom_ingest::now())
        .await
        .unwrap();

    tokio::time::sleep(Duration::from_millis(1100)).await;
    s.set(
        "/feed.xml",
        Resource::ok(
            "application/rss+xml",
            rss(&[
                ("a", "Corrected title", "body one, corrected"),
                ("b", "B edited", "two"),
            ]),
        ),
    );
    let sum = run_pass(store, &f, &cfg(), &ONCE, |_| {}).await.unwrap();
    assert_eq!((sum.inserted, sum.updated), (0, 1));
    let after = store
        .article_by_canonical_url("http://news.test/a")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.id, before.id, "same article, not a duplicate");
    assert_eq!(after.title, "Corrected title");
    assert!(after.updated_at > before.updated_at);
    let b_after = store.get_article(b.id).await.unwrap().unwrap();
    assert_eq!(
        (b_after.status, b_after.title.as_str()),
        (ArticleStatus::Hidden, "B"),
        "hidden items never come back"
    );
    assert_eq!(count(store).await, 1, "only the published one is listed");
}

#[tokio::test]
async fn deleted_items_do_not_come_back() {
    let site = site().await;
    let s = TestServer::start().await;
    s.set(
        "/feed.xml",
        Resource::ok("application/rss+xml", rss(&[("a", "A", "one")])),
    );
    let store: &dyn Store = &site.store;
    add(store, "del", s.url("/feed.xml"), FullTextMode::Never).await;
    let f = fetcher();
    run_pass(store, &f, &cfg(), &ONCE, |_| {}).await.unwrap();
    let a = store
        .article_by_canonical_url("http://news.test/a")
        .await
        .unwrap()
        .unwrap();
    store
        .delete_article(a.id, newsroom_ingest::now())
        .await
        .unwrap();
    let sum = run_pass(store, &f, &cfg(), &ONCE, |_| {}).await.unwrap();
    assert_eq!(sum.inserted, 0);
    assert_eq!(count(store).await, 0);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let site = site().await;
    let s = TestServer::with_faults().await;
    let store: &dyn Store = &site.store;
    let src = add(store, "busy", s.url("/fault/429"), FullTextMode::Never).await;
    let now = newsroom_ingest::now();
    run_pass(store, &fetcher(), &cfg(), &ONCE, |_| {})
        .await
        .unwrap();
    let h = store.get_source(src.id).await.unwrap().unwrap().health;
    assert_eq!(h.last_error_class.as_deref(), Some("rate_limited"));
    assert!(
        h.next_poll_at >= now + 120,
        "Retry-After: 120 pushes the next poll"
    );
    // A scheduled pass (not --once) leaves it alone until then.
    let sum = run_pass(store, &fetcher(), &cfg(), &PassOptions::default(), |_| {})
        .await
        .unwrap();
    assert_eq!(sum.sources, 0);
    assert_eq!(s.hits("/fault/429"), 1);
}

#[tokio::test]
async fn ssrf_guard_refuses_sources_and_redirects_into_private_networks() {
    let site = site().await;
    let s = TestServer::with_faults().await;
    let store: &dyn Store = &site.store;
    // Without the setting, the loopback server itself is off limits...
    let guarded = Fetcher::new(FetchConfig::default()).unwrap();
    add(store, "loopback", s.url("/fault/500"), FullTextMode::Never).await;
    add(
        store,
        "metadata",
        "http://169.254.169.254/latest/meta-data/".into(),
        FullTextMode::Never,
    )
    .await;
    run_pass(store, &guarded, &cfg(), &ONCE, |_| {})
        .await
        .unwrap();
    assert_eq!(s.total_hits(), 0);
    for r in commands::list_sources(store).await.unwrap() {
        assert_eq!(
            r.last_error_class.as_deref(),
            Some("ssrf_blocked"),
            "{}",
            r.name
        );
    }
    // ...and with it on, a redirect to the metadata address is still refused before any
    // connection (a literal link-local address).
    let site2 = self::site().await;
    let store2: &dyn Store = &site2.store;
    add(
        store2,
        "redirect",
        s.url("/fault/redirect-private"),
        FullTextMode::Never,
    )
    .await;
    run_pass(store2, &guarded, &cfg(), &ONCE, |_| {})
        .await
        .unwrap();
    let r = &commands::list_sources(store2).await.unwrap()[0];
    assert_eq!(r.last_error_class.as_deref(), Some("ssrf_blocked"));
}

#[tokio::test]
async fn outage_does_not_penalise_sources() {
    let site = site().await;
    let store: &dyn Store = &site.store;
    // Nothing listens on these ports: every fetch fails to connect.
    let dead: Vec<u16> = {
        let mut v = Vec::new();
        for _ in 0..3 {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            v.push(l.local_addr().unwrap().port());
        }
        v
    };
    for p in &dead {
        add(
            store,
            &format!("dead{p}"),
            format!("http://127.0.0.1:{p}/feed"),
            FullTextMode::Never,
        )
        .await;
    }
    let mut saw_outage = false;
    let sum = run_pass(store, &fetcher(), &cfg(), &ONCE, |e| {
        saw_outage |= matches!(e, newsroom_ingest::Event::Outage)
    })
    .await
    .unwrap();
    assert!(sum.outage && saw_outage);
    for r in store.list_sources().await.unwrap() {
        assert_eq!(
            r.source.health.consecutive_failures, 0,
            "an outage is nobody's failure"
        );
        assert_eq!(r.source.health.last_error_class.as_deref(), Some("connect"));
    }
}

#[tokio::test]
async fn full_text_from_real_news_pages() {
    let s = TestServer::start().await;
    let Some(ids) = serve_dataset_site(&s, 8) else {
        return;
    };
    let site = site().await;
    let store: &dyn Store = &site.store;
    add(
        store,
        "dataset",
        s.url("/pages/feed.xml"),
        FullTextMode::Auto,
    )
    .await;
    let sum = run_pass(store, &fetcher(), &cfg(), &ONCE, |_| {})
        .await
        .unwrap();
    assert_eq!(sum.inserted, ids.len());
    assert_eq!(
        sum.pages_fetched,
        ids.len(),
        "summaries only in the feed: every page fetched"
    );
    let cards = store
        .list_articles(&ListQuery {
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    let mut with_body = 0;
    let key = SealKey::of_site(store).await.unwrap();
    for c in &cards {
        let a = store.get_article(c.id).await.unwrap().unwrap();
        if a.body_text.chars().count() > 500 {
            with_body += 1;
        }
        assert!(!a.body_html.contains("<script"), "bodies are sanitised");
        // The web layer serves a sealed body as stored: it must be exactly
        // what sanitising it again would serve.
        assert!(
            key.verifies(&a.body_html, a.body_seal.as_deref()),
            "article {} is sealed",
            a.id
        );
        assert_eq!(
            newsroom_ingest::cpu::sanitize(&a.body_html, None, &a.body_text),
            a.body_html,
            "article {}: the sanitiser changes its own output",
            a.id
        );
        assert!(
            a.published_at <= newsroom_ingest::now() + 600,
            "no future times"
        );
    }
    assert!(
        with_body * 4 >= ids.len() * 3,
        "most pages give a full body: {with_body}/{}",
        ids.len()
    );
    // These pages name their original site as canonical; the second pass still knows them
    // by the feed's link, so it neither fetches them again nor stores anything twice.
    let again = run_pass(store, &fetcher(), &cfg(), &ONCE, |_| {})
        .await
        .unwrap();
    assert_eq!(
        (again.inserted, again.updated, again.pages_fetched),
        (0, 0, 0)
    );
    assert_eq!(count(store).await as usize, ids.len());
}

#[tokio::test]
async fn known_articles_are_not_fetched_again() {
    let s = TestServer::start().await;
    let body: String = (0..12)
        .map(|i| format!("<p>Paragraph {i} of the article, long enough to count as a body: the council met on Tuesday and voted on item {i}, which residents had asked about for months.</p>"))
        .collect();
    for i in 0..3 {
        let url = s.url(&format!("/article/{i}"));
        s.set(
            &format!("/article/{i}"),
            Resource::ok("text/html", format!("<html><head><title>T{i}</title><link rel=\"canonical\" href=\"{url}\"></head><body><article><h1>T{i}</h1>{body}</article></body></html>")),
        );
    }
    s.set(
        "/feed.xml",
        Resource::ok("application/rss+xml", sample_rss("Short", &s.url(""), 3)),
    );
    let site = site().await;
    let store: &dyn Store = &site.store;
    add(store, "short", s.url("/feed.xml"), FullTextMode::Always).await;
    let first = run_pass(store, &fetcher(), &cfg(), &ONCE, |_| {})
        .await
        .unwrap();
    assert_eq!((first.inserted, first.pages_fetched), (3, 3));
    let a = store
        .article_by_canonical_url(&s.url("/article/0"))
        .await
        .unwrap()
        .unwrap();
    assert!(
        a.body_text.contains("long enough to count as a body"),
        "{}",
        a.body_text
    );
    let again = run_pass(store, &fetcher(), &cfg(), &ONCE, |_| {})
        .await
        .unwrap();
    assert_eq!((again.inserted, again.pages_fetched), (0, 0));
    assert_eq!(
        (again.updated, again.unchanged),
        (0, 3),
        "nothing changed, so nothing counts as updated"
    );
    // The feed's short description must not replace the page's text on the second pass.
    for i in 0..3 {
        let b = store
            .article_by_canonical_url(&s.url(&format!("/article/{i}")))
            .await
            .unwrap()
            .unwrap();
        assert!(
            b.body_text.contains("long enough to count as a body"),
            "body of article {i} after the second pass: {}",
            b.body_text
        );
    }
    for i in 0..3 {
        assert_eq!(s.hits(&format!("/article/{i}")), 1, "page {i} fetched once");
    }
    // The kept body keeps the seal it was stored with.
    let key = SealKey::of_site(store).await.unwrap();
    for i in 0..3 {
        let b = store
            .article_by_canonical_url(&s.url(&format!("/article/{i}")))
            .await
            .unwrap()
            .unwrap();
        assert!(
            key.verifies(&b.body_html, b.body_seal.as_deref()),
            "article {i} sealed"
        );
    }
}

/// Issue 10's reproduction: five items whose description is "teaser", linking to real
/// news pages, polled twice. The bodies stay the pages' full text.
#[tokio::test]
async fn a_teaser_feed_polled_twice_keeps_the_full_text() {
    let s = TestServer::start().await;
    if serve_teaser_feed(&s, 5).is_none() {
        return;
    }
    let site = site().await;
    let store: &dyn Store = &site.store;
    add(store, "teasers", s.url("/feed.xml"), FullTextMode::Auto).await;
    let first = run_pass(store, &fetcher(), &cfg(), &ONCE, |_| {})
        .await
        .unwrap();
    assert_eq!((first.inserted, first.pages_fetched), (5, 5));
    let read = async || {
        let mut out = Vec::new();
        for c in store
            .list_articles(&ListQuery {
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap()
        {
            let a = store.get_article(c.id).await.unwrap().unwrap();
            out.push((a.id, a.body_text, a.updated_at));
        }
        out.sort();
        out
    };
    let before = read().await;
    assert_eq!(before.len(), 5);
    // The pages' text, not the feed's "teaser" (how much text is the extractor's business).
    for (id, text, _) in &before {
        assert!(
            text.chars().count() > 200,
            "article {id} has the page's body: {text}"
        );
    }
    let again = run_pass(store, &fetcher(), &cfg(), &ONCE, |_| {})
        .await
        .unwrap();
    assert_eq!(
        (
            again.inserted,
            again.updated,
            again.unchanged,
            again.pages_fetched
        ),
        (0, 0, 5, 0),
        "an identical feed changes nothing and fetches no page"
    );
    assert_eq!(read().await, before, "bodies and updated_at unchanged");
}

#[tokio::test]
async fn a_bot_wall_instead_of_the_page_is_not_extracted() {
    let s = TestServer::start().await;
    let item = |guid: &str, path: &str| {
        format!(
            "<item><guid>{guid}</guid><title>{guid}</title><link>{}</link>\
             <description>The feed's own words about {guid}.</description></item>",
            s.url(path)
        )
    };
    let feed = format!(
        "<rss version=\"2.0\"><channel><title>W</title>{}{}</channel></rss>",
        item("walled", "/walled"),
        item("through", "/through")
    );
    s.set("/feed.xml", Resource::ok("application/rss+xml", feed));
    s.set(
        "/walled",
        Resource::ok("text/html", newsroom_ingest::testkit::CHALLENGE_PAGE),
    );
    // A page let through carries a wall's script; its article is no wall.
    let paragraphs: String = (1..=20)
        .map(|i| {
            format!(
                "<p>On day {i} the council met again and agreed, after a long debate about \
                 part {i} of the budget, that the new bridge would be built next spring, with \
                 the work paid for by the region and the city in equal parts.</p>"
            )
        })
        .collect();
    let through = format!(
        "<html><head><title>Through</title>\
         <script src=\"/cdn-cgi/challenge-platform/scripts/jsd/main.js\"></script></head>\
         <body><article><h1>Through</h1>{paragraphs}</article></body></html>"
    );
    s.set("/through", Resource::ok("text/html", through));
    let site = site().await;
    let store: &dyn Store = &site.store;
    add(store, "walled", s.url("/feed.xml"), FullTextMode::Always).await;
    let sum = run_pass(store, &fetcher(), &cfg(), &ONCE, |_| {})
        .await
        .unwrap();
    assert_eq!((sum.inserted, sum.pages_fetched), (2, 1), "{sum:?}");
    assert!(
        s.seen().iter().any(|r| r.path == "/walled"),
        "the page was asked for"
    );
    let body = async |link: &str| {
        let a = store
            .article_by_canonical_url(&s.url(link))
            .await
            .unwrap()
            .unwrap();
        a.body_text
    };
    assert_eq!(body("/walled").await, "The feed's own words about walled.");
    assert!(
        body("/through")
            .await
            .contains("the new bridge would be built")
    );
}

#[tokio::test]
async fn commands_add_list_disable_remove_and_opml_round_trip() {
    let site = site().await;
    let s = TestServer::start().await;
    s.set(
        "/feed.xml",
        Resource::ok(
            "application/rss+xml",
            sample_rss("Site News", &s.url(""), 2),
        ),
    );
    s.set("/", Resource::ok("text/html", format!("<html><head><link rel=\"alternate\" type=\"application/rss+xml\" href=\"{}\"></head></html>", s.url("/feed.xml"))));
    let store: &dyn Store = &site.store;
    let f = fetcher();
    // A site URL: its feed is discovered.
    let src = commands::add_source(
        store,
        &f,
        &cfg(),
        &s.url("/"),
        Some("World"),
        FullTextMode::Auto,
    )
    .await
    .unwrap();
    assert_eq!(src.feed_url, s.url("/feed.xml"));
    assert_eq!(src.name, "Site News");
    assert!(src.section_id.is_some());
    assert!(
        commands::add_source(
            store,
            &f,
            &cfg(),
            &s.url("/feed.xml"),
            None,
            FullTextMode::Auto
        )
        .await
        .is_err(),
        "no duplicates"
    );
    // Common paths: a site with no <link> but a /rss.xml.
    let other = TestServer::start().await;
    other.set(
        "/",
        Resource::ok("text/html", "<html><head></head><body>home</body></html>"),
    );
    other.set(
        "/rss.xml",
        Resource::ok(
            "application/rss+xml",
            sample_rss("Other", &other.url(""), 1),
        ),
    );
    let o = commands::add_source(
        store,
        &f,
        &cfg(),
        &other.url("/"),
        None,
        FullTextMode::Never,
    )
    .await
    .unwrap();
    assert_eq!(o.feed_url, other.url("/rss.xml"));
    // An HTML page with no feed anywhere.
    let none = TestServer::start().await;
    none.set(
        "/",
        Resource::ok("text/html", "<html><body>no feed</body></html>"),
    );
    let e = commands::add_source(store, &f, &cfg(), &none.url("/"), None, FullTextMode::Never)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("not_a_feed"), "{e}");

    let rows = commands::list_sources(store).await.unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.health == "new"));
    commands::set_source_enabled(store, o.id, false, "ann", 1_700_000_000)
        .await
        .unwrap();
    assert_eq!(
        commands::list_sources(store)
            .await
            .unwrap()
            .iter()
            .find(|r| r.id == o.id)
            .unwrap()
            .health,
        "disabled"
    );
    let sum = run_pass(store, &f, &cfg(), &PassOptions::default(), |_| {})
        .await
        .unwrap();
    assert_eq!(sum.sources, 1, "disabled sources are not polled");

    let opml = commands::export_opml(store, "Test site").await.unwrap();
    let site2 = self::site().await;
    let store2: &dyn Store = &site2.store;
    let import = || {
        commands::import_opml(
            store2,
            opml.as_bytes(),
            FullTextMode::Auto,
            f.ssrf_guard(),
            "test",
        )
    };
    let rep = import().await.unwrap();
    assert_eq!(rep.added, 2);
    let opml2 = commands::export_opml(store2, "Test site").await.unwrap();
    assert_eq!(opml, opml2, "export → import → export is stable");
    let again = import().await.unwrap();
    assert_eq!((again.added, again.already_there), (0, 2));

    assert!(
        commands::remove_source(store, o.id, "ann", 1_700_000_060)
            .await
            .unwrap()
    );
    assert_eq!(commands::list_sources(store).await.unwrap().len(), 1);
    assert!(
        !commands::remove_source(store, o.id, "ann", 1_700_000_061)
            .await
            .unwrap(),
        "a second removal finds nothing"
    );
    // Both changes are in the audit log, newest first, with what changed.
    let audit = store
        .list_audit(&newsroom_store::AuditQuery {
            actor: Some("ann".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    let seen: Vec<_> = audit
        .iter()
        .map(|e| (e.action.as_str(), e.object_id, e.at))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("source.remove", o.id.0, 1_700_000_060),
            ("source.disable", o.id.0, 1_700_000_000)
        ]
    );
    assert_eq!(audit[1].before.as_ref().unwrap()["enabled"], true);
    assert_eq!(audit[1].after.as_ref().unwrap()["enabled"], false);
    assert_eq!(
        audit[0].before.as_ref().unwrap()["feed_url"],
        o.feed_url.as_str()
    );
    assert!(audit[0].after.is_none());
}

#[tokio::test]
async fn future_times_are_clamped_and_store_stays_consistent_after_faults() {
    let site = site().await;
    let s = TestServer::with_faults().await;
    let future = "<rss version=\"2.0\"><channel><title>F</title><item><guid>f1</guid><title>From the future</title>\
        <link>http://news.test/future</link><pubDate>Fri, 01 Jan 2100 00:00:00 GMT</pubDate><description>x</description></item></channel></rss>";
    s.set("/future.xml", Resource::ok("application/rss+xml", future));
    let store: &dyn Store = &site.store;
    add(store, "future", s.url("/future.xml"), FullTextMode::Never).await;
    // Faulty sources next to it, polled twice so that failures repeat.
    for p in [
        "/fault/500",
        "/fault/truncated-gzip",
        "/fault/gzip-bomb",
        "/fault/wrong-charset",
        "/fault/challenge-page",
    ] {
        add(store, p, s.url(p), FullTextMode::Always).await;
    }
    let before = newsroom_ingest::now();
    for _ in 0..2 {
        run_pass(store, &fetcher(), &cfg(), &ONCE, |_| {})
            .await
            .unwrap();
    }
    let a = store
        .article_by_canonical_url("http://news.test/future")
        .await
        .unwrap()
        .unwrap();
    assert!(
        a.published_at >= before && a.published_at <= newsroom_ingest::now(),
        "clamped to now"
    );
    // Consistency: per-source counts add up to the total, and nothing is stored twice.
    let rows = commands::list_sources(store).await.unwrap();
    let per_source: i64 = rows.iter().map(|r| r.articles).sum();
    let counts = store.table_counts().await.unwrap();
    assert_eq!(per_source, counts.articles);
    // The wrong-charset feed (2 items, article pages absent → feed content kept) and the future item.
    assert_eq!(counts.articles, 3);
    let failing: Vec<_> = rows
        .iter()
        .filter(|r| r.health == "failing")
        .map(|r| (r.name.clone(), r.last_error_class.clone().unwrap()))
        .collect();
    assert_eq!(failing.len(), 4, "{failing:?}");
    for r in rows.iter().filter(|r| r.health == "failing") {
        let src = store.get_source(r.id).await.unwrap().unwrap();
        assert_eq!(src.health.consecutive_failures, 2, "{}", r.name);
    }
}

#[tokio::test]
async fn a_feed_that_moved_permanently_is_followed_and_a_temporary_move_is_not() {
    let site = site().await;
    let s = TestServer::start().await;
    let body = rss(&[("a", "A", "one")]);
    s.set("/old.xml", Resource::redirect(301, "/new.xml"));
    s.set(
        "/new.xml",
        Resource::ok("application/rss+xml", body.clone()),
    );
    s.set("/away.xml", Resource::redirect(302, "/elsewhere.xml"));
    s.set(
        "/elsewhere.xml",
        Resource::ok("application/rss+xml", rss(&[("b", "B", "two")])),
    );
    // Another source already polls /taken.xml: a move there is not followed.
    s.set("/to-taken.xml", Resource::redirect(308, "/taken.xml"));
    s.set(
        "/taken.xml",
        Resource::ok("application/rss+xml", rss(&[("c", "C", "three")])),
    );
    let store: &dyn Store = &site.store;
    let moved = add(store, "moved", s.url("/old.xml"), FullTextMode::Never).await;
    let away = add(store, "away", s.url("/away.xml"), FullTextMode::Never).await;
    let clash = add(store, "clash", s.url("/to-taken.xml"), FullTextMode::Never).await;
    add(store, "taken", s.url("/taken.xml"), FullTextMode::Never).await;
    let f = fetcher();
    let first = run_pass(store, &f, &cfg(), &ONCE, |_| {}).await.unwrap();
    assert_eq!(first.failed, 0);
    let feed_url = |id| async move { store.get_source(id).await.unwrap().unwrap().feed_url };
    assert_eq!(feed_url(moved.id).await, s.url("/new.xml"), "301: followed");
    assert_eq!(feed_url(away.id).await, s.url("/away.xml"), "302: kept");
    assert_eq!(
        feed_url(clash.id).await,
        s.url("/to-taken.xml"),
        "taken: kept"
    );
    // The next pass asks the new address directly.
    run_pass(store, &f, &cfg(), &ONCE, |_| {}).await.unwrap();
    assert_eq!(s.hits("/old.xml"), 1);
    assert_eq!(s.hits("/new.xml"), 2);
    assert_eq!(s.hits("/away.xml"), 2);
}

fn article_page(title: &str, marker: &str, extra_head: &str) -> String {
    let body: String = (0..10)
        .map(|i| format!("<p>Paragraph {i} of the report, long enough to be a body: the council met on Tuesday and voted on item {i}, which residents had asked about for months.</p>"))
        .collect();
    format!(
        "<html><head><title>{title}</title>{extra_head}</head><body><article><h1>{title}</h1>{body}<p>{marker}</p></article></body></html>"
    )
}

fn atom_entry_feed(base: &str, updated: &str, summary: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>E</title><id>urn:e</id><updated>{updated}</updated>\
         <entry><id>urn:e:1</id><title>Edited story</title><link href=\"{base}/e/1\"/><published>2024-05-01T10:00:00Z</published>\
         <updated>{updated}</updated><summary>{summary}</summary></entry></feed>"
    )
}

/// Edits made on the page arrive when the feed's updated time advances, when the item's
/// content in the feed changes, and on the re-check schedule (conditionally: an unchanged
/// page costs a 304). A known item with none of these costs no request.
#[tokio::test]
async fn page_edits_arrive_by_feed_update_content_change_and_recheck() {
    let s = TestServer::start().await;
    let set_page = |v: u32| {
        s.set(
            "/e/1",
            Resource::ok(
                "text/html",
                article_page("Edited story", &format!("Marker version {v}."), ""),
            )
            .with_etag(&format!("\"v{v}\"")),
        );
    };
    let set_feed = |updated: &str, summary: &str| {
        s.set(
            "/feed.xml",
            Resource::ok(
                "application/atom+xml",
                atom_entry_feed(&s.url(""), updated, summary),
            ),
        );
    };
    set_page(1);
    set_feed("2024-05-01T10:00:00Z", "Short summary.");
    let site = site().await;
    let store: &dyn Store = &site.store;
    add(store, "edits", s.url("/feed.xml"), FullTextMode::Auto).await;
    let clock = newsroom_ingest::Clock::adjustable();
    let cfg = IngestConfig {
        clock: clock.clone(),
        ..cfg()
    };
    let body = async || {
        store
            .article_by_canonical_url(&s.url("/e/1"))
            .await
            .unwrap()
            .unwrap()
            .body_text
    };
    let pass = async || {
        run_pass(store, &fetcher(), &cfg, &ONCE, |_| {})
            .await
            .unwrap()
    };

    let p = pass().await;
    assert_eq!((p.inserted, p.pages_fetched), (1, 1));
    assert!(body().await.contains("Marker version 1."));

    // Edited on the page only, nothing in the feed moved, no re-check due: no request.
    set_page(2);
    let p = pass().await;
    assert_eq!((p.pages_fetched, p.updated, p.unchanged), (0, 0, 1));
    assert_eq!(s.hits("/e/1"), 1);
    assert!(body().await.contains("Marker version 1."));

    // The feed's updated time advances: the page is read again.
    set_feed("2024-05-01T11:00:00Z", "Short summary.");
    let p = pass().await;
    assert_eq!((p.pages_fetched, p.updated), (1, 1));
    assert!(body().await.contains("Marker version 2."));

    // The item's content in the feed changes without an updated time.
    set_page(3);
    set_feed("2024-05-01T11:00:00Z", "A new short summary.");
    let p = pass().await;
    assert_eq!((p.pages_fetched, p.updated), (1, 1));
    assert!(body().await.contains("Marker version 3."));

    // Edited on the page only: it arrives at the first re-check (1 h), not before.
    set_page(4);
    clock.advance(30 * 60);
    let p = pass().await;
    assert_eq!(p.pages_fetched, 0);
    assert!(body().await.contains("Marker version 3."));
    clock.advance(31 * 60);
    let p = pass().await;
    assert_eq!((p.pages_fetched, p.updated), (1, 1));
    assert!(body().await.contains("Marker version 4."));
    // The re-check was conditional on what the page said last time.
    let last = s
        .seen()
        .into_iter()
        .filter(|x| x.path == "/e/1")
        .last()
        .unwrap();
    assert_eq!(last.if_none_match.as_deref(), Some("\"v3\""));

    // Unchanged at the 6 h and 24 h re-checks: a 304 each, nothing updated.
    for hours in [6, 24] {
        clock.advance(hours * 3600);
        let before = s.hits("/e/1");
        let p = pass().await;
        assert_eq!(s.hits("/e/1"), before + 1, "re-check at {hours} h");
        assert_eq!((p.pages_not_modified, p.updated, p.unchanged), (1, 0, 1));
    }
    // The schedule is done: later polls cost nothing.
    clock.advance(7 * 24 * 3600);
    let before = s.hits("/e/1");
    pass().await;
    assert_eq!(s.hits("/e/1"), before);
    assert!(body().await.contains("Marker version 4."));
}

/// A page's placeholder date (JSON-LD 0001-01-01) never wins: the feed's real date does, and
/// with no other date the time first seen stands in.
#[tokio::test]
async fn placeholder_dates_never_win() {
    let s = TestServer::start().await;
    let ld = r#"<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle","headline":"P","datePublished":"0001-01-01T00:00:00Z"}</script>"#;
    for i in 0..2 {
        s.set(
            &format!("/p/{i}"),
            Resource::ok("text/html", article_page("Placeholder", "", ld)),
        );
    }
    s.set(
        "/feed.xml",
        Resource::ok(
            "application/rss+xml",
            format!(
                "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>P</title><link>http://x/</link>\
                 <item><guid>p0</guid><title>Dated</title><link>{}</link><pubDate>Wed, 01 May 2024 10:00:00 GMT</pubDate><description>x</description></item>\
                 <item><guid>p1</guid><title>Undated</title><link>{}</link><description>x</description></item></channel></rss>",
                s.url("/p/0"),
                s.url("/p/1")
            ),
        ),
    );
    let site = site().await;
    let store: &dyn Store = &site.store;
    add(
        store,
        "placeholders",
        s.url("/feed.xml"),
        FullTextMode::Auto,
    )
    .await;
    let start = newsroom_ingest::now();
    run_pass(store, &fetcher(), &cfg(), &ONCE, |_| {})
        .await
        .unwrap();
    let dated = store
        .article_by_canonical_url(&s.url("/p/0"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        dated.published_at, 1_714_557_600,
        "the feed's date, not year 1"
    );
    let undated = store
        .article_by_canonical_url(&s.url("/p/1"))
        .await
        .unwrap()
        .unwrap();
    assert!(
        undated.published_at >= start && undated.published_at <= newsroom_ingest::now(),
        "first seen stands in: {}",
        undated.published_at
    );
    // It stays put on later polls instead of moving to each poll's time.
    let again = run_pass(store, &fetcher(), &cfg(), &ONCE, |_| {})
        .await
        .unwrap();
    assert_eq!(again.updated, 0);
}

#[tokio::test]
async fn a_sources_poll_bounds_steer_the_schedule() {
    use newsroom_core::{PollBounds, SourceSettings};
    let s = TestServer::start().await;
    let now = newsroom_ingest::now();
    // Busy feeds (an item every 2 minutes) and a quiet one (one a week).
    s.set(
        "/busy-a.xml",
        Resource::ok("application/rss+xml", rss_every(&s.url("/a"), 30, 120, now)),
    );
    s.set(
        "/busy-b.xml",
        Resource::ok("application/rss+xml", rss_every(&s.url("/b"), 30, 120, now)),
    );
    s.set(
        "/quiet.xml",
        Resource::ok(
            "application/rss+xml",
            rss_every(&s.url("/q"), 2, 7 * 86_400, now - 86_400),
        ),
    );
    let site = site().await;
    let store: &dyn Store = &site.store;
    let held = add(store, "held", s.url("/busy-a.xml"), FullTextMode::Never).await;
    let free = add(store, "free", s.url("/busy-b.xml"), FullTextMode::Never).await;
    let quiet = add(store, "quiet", s.url("/quiet.xml"), FullTextMode::Never).await;
    let bounds = |src: &Source, min, max| SourceSettings {
        section_id: None,
        full_text: src.full_text,
        poll: PollBounds::new(min, max).unwrap(),
        enabled: true,
    };
    // At most every two hours for one busy feed; at least every 20 minutes for the quiet one.
    assert!(
        store
            .update_source_settings(held.id, &bounds(&held, Some(7200), None))
            .await
            .unwrap()
    );
    assert!(
        store
            .update_source_settings(quiet.id, &bounds(&quiet, None, Some(1200)))
            .await
            .unwrap()
    );
    let clock = newsroom_ingest::Clock::adjustable();
    let cfg = IngestConfig {
        clock: clock.clone(),
        ..cfg()
    };
    let due_only = PassOptions::default();
    let sched = cfg.schedule;
    let next = async |id| {
        store
            .get_source(id)
            .await
            .unwrap()
            .unwrap()
            .health
            .next_poll_at
    };

    // Waits are measured from before the pass; a few seconds of slack above
    // for the time the pass itself takes.
    let t0 = clock.now();
    let first = run_pass(store, &fetcher(), &cfg, &due_only, |_| {})
        .await
        .unwrap();
    assert_eq!(first.sources, 3, "new sources are due at once");
    let wait = |n: i64| n - t0;
    let held_wait = wait(next(held.id).await);
    assert!((7200..=7925).contains(&held_wait), "{held_wait}");
    let free_wait = wait(next(free.id).await);
    assert!(
        (sched.min_interval..=sched.min_interval * 11 / 10 + 5).contains(&free_wait),
        "without bounds a busy feed is polled at the site's minimum: {free_wait}"
    );
    let quiet_wait = wait(next(quiet.id).await);
    assert!(
        (sched.min_interval..=1205).contains(&quiet_wait),
        "{quiet_wait}"
    );

    // The scheduler's own passes over the next two hours, on the test clock:
    // the held feed is not asked for again before its two hours are up.
    let hits = |path: &str| s.hits(path);
    let (held_before, free_before) = (hits("/busy-a.xml"), hits("/busy-b.xml"));
    for _ in 0..23 {
        clock.advance(300);
        run_pass(store, &fetcher(), &cfg, &due_only, |_| {})
            .await
            .unwrap();
    }
    assert!(clock.now() - t0 < 7200);
    assert_eq!(
        hits("/busy-a.xml"),
        held_before,
        "polled before its shortest interval"
    );
    assert!(
        hits("/busy-b.xml") >= free_before + 10,
        "the free feed kept its pace"
    );
    assert!(
        hits("/quiet.xml") >= 5,
        "the quiet feed polled at least every 20 minutes"
    );
    clock.advance(7930 - (clock.now() - t0));
    run_pass(store, &fetcher(), &cfg, &due_only, |_| {})
        .await
        .unwrap();
    assert_eq!(hits("/busy-a.xml"), held_before + 1, "due after two hours");
}
