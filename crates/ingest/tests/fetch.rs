//! The fetcher against a real HTTP server on 127.0.0.1 (reached through the one switch,
//! `allow_private_networks`), playing every fault of the test kit.

use newsroom_ingest::testkit::{Resource, TestServer};
use newsroom_ingest::{
    FetchConfig, FetchErrorClass, FetchOutcome, FetchRequest, Fetcher, Validators,
};
use std::time::{Duration, Instant};

fn local_fetcher() -> Fetcher {
    Fetcher::new(FetchConfig {
        allow_private_networks: true,
        user_agent: newsroom_ingest::fetch::user_agent("Test Site", Some("https://news.test")),
        total_timeout: Duration::from_secs(2),
        connect_timeout: Duration::from_secs(1),
        per_host_rate: 1000.0,
        per_host_burst: 1000.0,
        per_host_concurrency: 16,
        jitter: Duration::ZERO,
        ..FetchConfig::default()
    })
    .unwrap()
}

async fn class_of(f: &Fetcher, url: String) -> newsroom_ingest::FetchError {
    match f.fetch(&FetchRequest::feed(url.clone())).await {
        Err(e) => e,
        Ok(o) => panic!("{url}: expected an error, got {o:?}"),
    }
}

#[tokio::test]
async fn conditional_get_sends_no_body_again() {
    let s = TestServer::start().await;
    s.set(
        "/etag.xml",
        Resource::ok(
            "application/rss+xml",
            "<rss version=\"2.0\"><channel/></rss>",
        )
        .with_etag("\"v1\""),
    );
    s.set(
        "/lm.xml",
        Resource::ok(
            "application/rss+xml",
            "<rss version=\"2.0\"><channel/></rss>",
        )
        .with_last_modified("Wed, 01 May 2024 10:00:00 GMT"),
    );
    let f = local_fetcher();
    for path in ["/etag.xml", "/lm.xml"] {
        let first = match f.fetch(&FetchRequest::feed(s.url(path))).await.unwrap() {
            FetchOutcome::Fetched(x) => x,
            other => panic!("{other:?}"),
        };
        assert!(!first.body.is_empty());
        let v = first.validators.clone();
        assert!(v.etag.is_some() || v.last_modified.is_some());
        let again = f
            .fetch(&FetchRequest::feed(s.url(path)).with_validators(v))
            .await
            .unwrap();
        assert!(
            matches!(again, FetchOutcome::NotModified { .. }),
            "{path}: {again:?}"
        );
    }
    let seen = s.seen();
    assert_eq!(seen.len(), 4);
    assert!(seen[0].sent_body && !seen[1].sent_body && seen[2].sent_body && !seen[3].sent_body);
    assert_eq!(seen[1].if_none_match.as_deref(), Some("\"v1\""));
    assert_eq!(
        seen[3].if_modified_since.as_deref(),
        Some("Wed, 01 May 2024 10:00:00 GMT")
    );
    // A changed resource is fetched in full again.
    s.set(
        "/etag.xml",
        Resource::ok(
            "application/rss+xml",
            "<rss version=\"2.0\"><channel><title>2</title></channel></rss>",
        )
        .with_etag("\"v2\""),
    );
    let v1 = Validators {
        etag: Some("\"v1\"".into()),
        last_modified: None,
    };
    assert!(matches!(
        f.fetch(&FetchRequest::feed(s.url("/etag.xml")).with_validators(v1))
            .await
            .unwrap(),
        FetchOutcome::Fetched(_)
    ));
}

#[tokio::test]
async fn user_agent_names_the_site() {
    let s = TestServer::start().await;
    s.set("/x", Resource::ok("text/plain", "x"));
    local_fetcher()
        .fetch(&FetchRequest::page(s.url("/x")))
        .await
        .unwrap();
    let ua = s.seen()[0].user_agent.clone().unwrap();
    assert!(
        ua.starts_with("newsroom/") && ua.contains("https://news.test") && ua.contains("Test Site"),
        "{ua}"
    );
}

#[tokio::test]
async fn status_faults_are_classified_with_retry_after() {
    let s = TestServer::with_faults().await;
    let f = local_fetcher();
    let now = newsroom_ingest::now();
    let e = class_of(&f, s.url("/fault/500")).await;
    assert_eq!((e.class, e.status), (FetchErrorClass::Http5xx, Some(500)));
    let e = class_of(&f, s.url("/fault/429")).await;
    assert_eq!(e.class, FetchErrorClass::RateLimited);
    let nb = e.not_before.unwrap();
    assert!((now + 119..=now + 125).contains(&nb), "{nb} vs {now}");
    let e = class_of(&f, s.url("/fault/503")).await;
    assert_eq!(e.class, FetchErrorClass::Http5xx);
    assert!(e.not_before.unwrap() >= now + 59);
    assert_eq!(
        class_of(&f, s.url("/fault/gone")).await.class,
        FetchErrorClass::Gone
    );
    assert_eq!(
        class_of(&f, s.url("/fault/404")).await.class,
        FetchErrorClass::Gone
    );
    assert_eq!(
        class_of(&f, s.url("/nothing-here")).await.class,
        FetchErrorClass::Gone
    );
    assert_eq!(
        class_of(&f, s.url("/fault/bot-wall")).await.class,
        FetchErrorClass::BotWall
    );
    assert_eq!(
        class_of(&f, s.url("/fault/challenge-page")).await.class,
        FetchErrorClass::BotWall
    );
}

#[tokio::test]
async fn body_faults_are_bounded() {
    let s = TestServer::with_faults().await;
    let f = local_fetcher();
    // Slow but within the total timeout: fine.
    assert!(matches!(
        f.fetch(&FetchRequest::feed(s.url("/fault/slow")))
            .await
            .unwrap(),
        FetchOutcome::Fetched(_)
    ));
    // Stalled: the total timeout ends it.
    let start = Instant::now();
    assert_eq!(
        class_of(&f, s.url("/fault/stall")).await.class,
        FetchErrorClass::Timeout
    );
    assert!(start.elapsed() < Duration::from_secs(4));
    assert_eq!(
        class_of(&f, s.url("/fault/truncated-gzip")).await.class,
        FetchErrorClass::Parse
    );
    assert_eq!(
        class_of(&f, s.url("/fault/huge")).await.class,
        FetchErrorClass::TooLarge
    );
    // 64 MB inflated from a few kilobytes: the cap applies to the decompressed size.
    assert_eq!(
        class_of(&f, s.url("/fault/gzip-bomb")).await.class,
        FetchErrorClass::TooLarge
    );
    // Content-Length over the cap fails before the body.
    s.set(
        "/big",
        Resource::ok("application/rss+xml", vec![b' '; 2 << 20]),
    );
    let small = Fetcher::new(FetchConfig {
        allow_private_networks: true,
        max_body_bytes: 1 << 20,
        ..FetchConfig::default()
    })
    .unwrap();
    assert_eq!(
        small
            .fetch(&FetchRequest::feed(s.url("/big")))
            .await
            .unwrap_err()
            .class,
        FetchErrorClass::TooLarge
    );
}

#[tokio::test]
async fn redirects_are_followed_one_checked_hop_at_a_time() {
    let s = TestServer::with_faults().await;
    let f = local_fetcher();
    assert_eq!(
        class_of(&f, s.url("/fault/redirect-loop")).await.class,
        FetchErrorClass::RedirectLoop
    );
    assert_eq!(
        class_of(&f, s.url("/fault/redirect-chain/0")).await.class,
        FetchErrorClass::RedirectLoop
    );
    s.set("/fault/redirect-chain/3", Resource::ok("text/plain", "end"));
    match f
        .fetch(&FetchRequest::feed(s.url("/fault/redirect-chain/0")))
        .await
        .unwrap()
    {
        FetchOutcome::Fetched(x) => {
            assert_eq!(x.url, s.url("/fault/redirect-chain/3"));
            assert_eq!(x.moved_permanently_to, None, "302s are temporary");
        }
        other => panic!("{other:?}"),
    }
    s.set("/old", Resource::redirect(301, "/new"));
    s.set("/new", Resource::ok("text/plain", "moved"));
    match f.fetch(&FetchRequest::feed(s.url("/old"))).await.unwrap() {
        FetchOutcome::Fetched(x) => assert_eq!(x.moved_permanently_to, Some(s.url("/new"))),
        other => panic!("{other:?}"),
    }
    // Even with private networks allowed, a redirect to a link-local metadata address is
    // refused only by the guard when the setting is off; here the setting is on, so the
    // redirect-private route is exercised with the setting off below.
    let guarded = Fetcher::new(FetchConfig::default()).unwrap();
    assert_eq!(
        guarded
            .fetch(&FetchRequest::feed(s.url("/fault/redirect-private")))
            .await
            .unwrap_err()
            .class,
        FetchErrorClass::SsrfBlocked
    );
}

/// A redirect (or a source) to a scheme that is not http(s) is refused with
/// its own class, not as "a private or local network": `file://` is no
/// network address at all, and the operator must read what went wrong.
#[tokio::test]
async fn non_http_redirects_are_named_for_their_scheme() {
    let s = TestServer::start().await;
    for (path, target) in [
        ("/to-file", "file:///etc/passwd"),
        ("/to-ftp", "ftp://ftp.example/feed.xml"),
        ("/to-data", "data:text/xml,<rss/>"),
    ] {
        s.set(path, Resource::redirect(302, target));
        for f in [
            local_fetcher(),
            Fetcher::new(FetchConfig::default()).unwrap(),
        ] {
            let url = if f.config().allow_private_networks {
                s.url(path)
            } else {
                target.to_string()
            };
            let e = class_of(&f, url.clone()).await;
            assert_eq!(e.class, FetchErrorClass::UnsupportedScheme, "{url}: {e}");
            let human = e.human();
            assert!(
                !human.contains("private") && human.contains("not http or https"),
                "{url}: {human}"
            );
        }
    }
    assert_eq!(s.hits("/to-file"), 1, "the redirecting hop was made once");
}

#[tokio::test]
async fn caching_headers_give_a_not_before() {
    let s = TestServer::start().await;
    s.set(
        "/cached",
        Resource::ok("application/rss+xml", "<rss/>")
            .with_header("cache-control", "public, max-age=900"),
    );
    let now = newsroom_ingest::now();
    match local_fetcher()
        .fetch(&FetchRequest::feed(s.url("/cached")))
        .await
        .unwrap()
    {
        FetchOutcome::Fetched(x) => {
            assert!((now + 899..=now + 905).contains(&x.fresh_until.unwrap()))
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn ssrf_guard_refuses_local_addresses_without_the_setting() {
    let s = TestServer::start().await;
    s.set("/feed", Resource::ok("application/rss+xml", "<rss/>"));
    let port = s.addr.port();
    let guarded = Fetcher::new(FetchConfig::default()).unwrap();
    for url in [
        s.url("/feed"),
        format!("http://localhost:{port}/feed"),
        format!("http://[::1]:{port}/feed"),
        format!("http://2130706433:{port}/feed"),
        format!("http://0x7f.0.0.1:{port}/feed"),
        "http://169.254.169.254/latest/meta-data/".to_string(),
        "http://10.0.0.1/feed".to_string(),
        "http://192.168.1.1/feed".to_string(),
        "http://100.64.0.1/feed".to_string(),
        "http://[fd00::1]/feed".to_string(),
    ] {
        let e = guarded
            .fetch(&FetchRequest::feed(url.clone()))
            .await
            .unwrap_err();
        assert_eq!(e.class, FetchErrorClass::SsrfBlocked, "{url}: {e}");
    }
    assert_eq!(s.total_hits(), 0, "refused connections are never made");
    // The one switch opens it.
    assert!(
        local_fetcher()
            .fetch(&FetchRequest::feed(s.url("/feed")))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn per_host_concurrency_holds_under_load() {
    let s = TestServer::start().await;
    s.set(
        "/slow",
        Resource::ok("text/plain", vec![b'x'; 1000]).with_fault(
            newsroom_ingest::testkit::Fault::Slow {
                chunks: 2,
                delay: Duration::from_millis(100),
            },
        ),
    );
    let f = Fetcher::new(FetchConfig {
        allow_private_networks: true,
        per_host_concurrency: 2,
        per_host_rate: 1000.0,
        per_host_burst: 1000.0,
        jitter: Duration::ZERO,
        ..FetchConfig::default()
    })
    .unwrap();
    let start = Instant::now();
    let jobs: Vec<_> = (0..6)
        .map(|_| {
            let f = f.clone();
            let u = s.url("/slow");
            tokio::spawn(async move { f.fetch(&FetchRequest::page(u)).await.map(|_| ()) })
        })
        .collect();
    for j in jobs {
        j.await.unwrap().unwrap();
    }
    // Six 200 ms requests, two at a time: at least three rounds.
    assert!(
        start.elapsed() >= Duration::from_millis(550),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn dns_and_connect_failures_are_told_apart() {
    // A name with no addresses (through the override table, so no DNS query leaves the machine).
    let mut overrides = std::collections::HashMap::new();
    overrides.insert("nowhere.test".to_string(), vec![]);
    let f = Fetcher::new(FetchConfig {
        allow_private_networks: true,
        resolve_overrides: overrides,
        ..FetchConfig::default()
    })
    .unwrap();
    assert_eq!(
        f.fetch(&FetchRequest::feed("http://nowhere.test/feed"))
            .await
            .unwrap_err()
            .class,
        FetchErrorClass::Dns
    );
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let e = f
        .fetch(&FetchRequest::feed(format!("http://127.0.0.1:{port}/feed")))
        .await
        .unwrap_err();
    assert_eq!(e.class, FetchErrorClass::Connect, "{e}");
    assert!(e.class.is_network_level());
}
