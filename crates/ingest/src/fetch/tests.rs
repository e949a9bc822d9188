//! SSRF tests that need a "public" server: a unit-test-only guard treats 127.0.0.1 as public,
//! so a loopback server can play a public site that redirects into a private network.
//! 127.0.0.2 plays the private host; it counts hits, and must see none.

use super::*;
use crate::testkit::{Resource, TestServer};
use std::net::Ipv4Addr;

fn pretend_public_fetcher(overrides: HashMap<String, Vec<IpAddr>>) -> Fetcher {
    let mut guard = SsrfGuard::new(false);
    guard.pretend_public = vec![IpAddr::V4(Ipv4Addr::LOCALHOST)];
    let cfg = FetchConfig {
        resolve_overrides: overrides,
        jitter: Duration::ZERO,
        per_host_rate: 1000.0,
        ..FetchConfig::default()
    };
    Fetcher::with_guard(guard, cfg).unwrap()
}

#[tokio::test]
async fn public_looking_redirects_into_private_networks_are_refused() {
    let public = TestServer::start().await;
    let private = TestServer::start_on(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2))).await;
    private.set("/admin", Resource::ok("text/plain", "secret"));
    let port = private.addr.port();
    public.set(
        "/to-literal",
        Resource::redirect(302, &format!("http://127.0.0.2:{port}/admin")),
    );
    public.set(
        "/to-metadata",
        Resource::redirect(301, "http://169.254.169.254/latest/meta-data/"),
    );
    public.set(
        "/to-v6",
        Resource::redirect(302, &format!("http://[::1]:{port}/admin")),
    );
    public.set(
        "/to-mapped",
        Resource::redirect(302, &format!("http://[::ffff:127.0.0.2]:{port}/admin")),
    );
    public.set(
        "/to-name",
        Resource::redirect(307, &format!("http://intranet.test:{port}/admin")),
    );
    public.set(
        "/to-decimal",
        Resource::redirect(302, &format!("http://2130706434:{port}/admin")),
    );
    public.set(
        "/feed",
        Resource::ok(
            "application/rss+xml",
            "<rss version=\"2.0\"><channel/></rss>",
        ),
    );

    let mut overrides = HashMap::new();
    overrides.insert(
        "intranet.test".to_string(),
        vec![IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2))],
    );
    let f = pretend_public_fetcher(overrides);

    // The "public" server itself is reachable.
    assert!(matches!(
        f.fetch(&FetchRequest::feed(public.url("/feed"))).await,
        Ok(FetchOutcome::Fetched(_))
    ));
    for path in [
        "/to-literal",
        "/to-metadata",
        "/to-v6",
        "/to-mapped",
        "/to-name",
        "/to-decimal",
    ] {
        let err = f
            .fetch(&FetchRequest::feed(public.url(path)))
            .await
            .unwrap_err();
        assert_eq!(err.class, FetchErrorClass::SsrfBlocked, "{path}: {err}");
        assert_eq!(public.hits(path), 1, "{path}: the public hop is made once");
    }
    assert_eq!(
        private.total_hits(),
        0,
        "no connection ever reached the private host"
    );
}

#[tokio::test]
async fn the_setting_allows_private_hops() {
    let public = TestServer::start().await;
    let private = TestServer::start_on(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2))).await;
    private.set(
        "/feed",
        Resource::ok(
            "application/rss+xml",
            "<rss version=\"2.0\"><channel/></rss>",
        ),
    );
    public.set("/hop", Resource::redirect(302, &private.url("/feed")));
    let f = Fetcher::new(FetchConfig {
        allow_private_networks: true,
        ..FetchConfig::default()
    })
    .unwrap();
    match f
        .fetch(&FetchRequest::feed(public.url("/hop")))
        .await
        .unwrap()
    {
        FetchOutcome::Fetched(x) => assert_eq!(x.url, private.url("/feed")),
        other => panic!("{other:?}"),
    }
    assert_eq!(private.hits("/feed"), 1);
}
