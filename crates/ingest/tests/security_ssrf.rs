//! Security suite, SSRF: every spelling of a loopback, private or metadata
//! address a feed or an operator could hand the fetcher is refused with an
//! `ssrf_blocked` error naming the address, before any connection is made;
//! and so is every redirect to one of them and every host name that resolves
//! to one.
//!
//! Fixtures: 127.0.0.9 plays a public site (the guard is told to treat that
//! one address as public, see `testkit::fetcher_with_public_test_hosts`);
//! 127.0.0.1 (and ::1 when the machine has IPv6) play the private host
//! under attack. They count every request and must see none.

use newsroom_ingest::testkit::{Resource, TestServer, fetcher_with_public_test_hosts};
use newsroom_ingest::{FetchConfig, FetchErrorClass, FetchRequest, Fetcher};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

const PUBLIC: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 9));

/// Address forms of the private host, `{p}` being its port. Each names
/// (after the URL parser's normalisation) a loopback, unspecified, private,
/// link-local or otherwise non-global address.
fn literal_forms(p: u16, p6: u16) -> Vec<String> {
    [
        "http://127.0.0.1:{p}/",
        "http://127.1:{p}/",                  // short dotted: 127.0.0.1
        "http://127.0.1:{p}/",                // three parts
        "http://2130706433:{p}/",             // decimal
        "http://017700000001:{p}/",           // octal, one number
        "http://0177.0.0.1:{p}/",             // octal, dotted
        "http://0177.0000.0000.0001:{p}/",    // octal with padding
        "http://0x7f000001:{p}/",             // hex, one number
        "http://0x7f.0x0.0x0.0x1:{p}/",       // hex, dotted
        "http://0x7F.1:{p}/",                 // hex, short
        "http://127.000.000.001:{p}/",        // zero padding
        "http://%31%32%37.0.0.1:{p}/",        // percent-encoded host
        "http://１２７.０.０.１:{p}/",        // full-width digits (IDNA maps them)
        "http://127.0.0.1.:{p}/",             // trailing dot
        "http://evil.example@127.0.0.1:{p}/", // credentials in front
        "http://0:{p}/",                      // 0.0.0.0, which connects to this machine
        "http://0.0.0.0:{p}/",
        "http://[::1]:{p6}/",
        "http://[0:0:0:0:0:0:0:1]:{p6}/",
        "http://[::]:{p6}/",
        "http://[::ffff:127.0.0.1]:{p}/", // IPv4-mapped IPv6
        "http://[::ffff:7f00:1]:{p}/",    // the same in hex
        "http://[::127.0.0.1]:{p}/",      // IPv4-compatible IPv6
        "http://[64:ff9b::7f00:1]:{p}/",  // NAT64
        "http://[2002:7f00:1::1]:{p}/",   // 6to4
        "http://[fe80::1]:{p}/",          // link-local
        "http://[fd00::1]:{p}/",          // unique local
        "http://169.254.169.254/latest/meta-data/", // cloud metadata
        "http://[::ffff:169.254.169.254]/latest/meta-data/",
        "http://0xa9fea9fe/latest/meta-data/", // metadata in hex
        "http://10.0.0.1/",
        "http://172.16.0.1/",
        "http://192.168.0.1/",
        "http://100.64.0.1/",      // carrier-grade NAT
        "http://224.0.0.1/",       // multicast
        "http://255.255.255.255/", // broadcast
    ]
    .iter()
    .map(|f| {
        f.replace("{p6}", &p6.to_string())
            .replace("{p}", &p.to_string())
    })
    .collect()
}

/// Host names that resolve (through the system resolver or the fetcher's
/// fixed answers, which pass the same filter) only to non-global addresses.
fn name_forms(p: u16) -> Vec<String> {
    [
        "http://localhost:{p}/",
        "http://LOCALHOST:{p}/",
        "http://localhost.:{p}/",
        "http://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ:{p}/", // IDNA maps these to "localhost"
        "http://loopback.test:{p}/",
        "http://127.0.0.1.nip.test:{p}/",
        "http://rebind.test:{p}/",
        "http://metadata.test/",
        "http://six.test:{p}/",
    ]
    .iter()
    .map(|f| f.replace("{p}", &p.to_string()))
    .collect()
}

fn overrides() -> HashMap<String, Vec<IpAddr>> {
    let lo = IpAddr::V4(Ipv4Addr::LOCALHOST);
    HashMap::from([
        ("loopback.test".to_string(), vec![lo]),
        ("127.0.0.1.nip.test".to_string(), vec![lo]),
        // several answers, none of them public
        (
            "rebind.test".to_string(),
            vec![
                IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
                lo,
                IpAddr::V6(Ipv6Addr::LOCALHOST),
            ],
        ),
        (
            "metadata.test".to_string(),
            vec![IpAddr::V4(Ipv4Addr::new(169, 254, 169, 254))],
        ),
        (
            "six.test".to_string(),
            vec![IpAddr::V6(Ipv6Addr::LOCALHOST)],
        ),
    ])
}

fn config() -> FetchConfig {
    FetchConfig {
        resolve_overrides: overrides(),
        jitter: Duration::ZERO,
        per_host_rate: 1000.0,
        per_host_burst: 1000.0,
        connect_timeout: Duration::from_secs(2),
        total_timeout: Duration::from_secs(5),
        ..FetchConfig::default()
    }
}

struct Fixture {
    public: TestServer,
    private: TestServer,
    private6: Option<TestServer>,
    fetcher: Fetcher,
}

impl Fixture {
    async fn new() -> Self {
        let public = TestServer::start_on(PUBLIC).await;
        public.set(
            "/feed",
            Resource::ok(
                "application/rss+xml",
                "<rss version=\"2.0\"><channel/></rss>",
            ),
        );
        let private = TestServer::start().await;
        private.set("/", Resource::ok("text/plain", "internal"));
        // IPv6 may be off in a container; the v6 forms then aim at the v4 port.
        let private6 = match tokio::net::TcpListener::bind((Ipv6Addr::LOCALHOST, 0)).await {
            Ok(probe) => {
                drop(probe);
                Some(TestServer::start_on(IpAddr::V6(Ipv6Addr::LOCALHOST)).await)
            }
            Err(_) => None,
        };
        let fetcher = fetcher_with_public_test_hosts(&[PUBLIC], config());
        Self {
            public,
            private,
            private6,
            fetcher,
        }
    }

    fn forms(&self) -> Vec<String> {
        let p = self.private.addr.port();
        let p6 = self.private6.as_ref().map_or(p, |s| s.addr.port());
        let mut all = literal_forms(p, p6);
        all.extend(name_forms(p));
        all
    }

    fn private_hits(&self) -> usize {
        self.private.total_hits() + self.private6.as_ref().map_or(0, |s| s.total_hits())
    }

    /// Fetches `url` and wants an SSRF refusal that names what was refused.
    async fn refused(&self, url: &str, why: &str) -> String {
        self.refused_as(url, why, FetchErrorClass::SsrfBlocked)
            .await
    }

    async fn refused_as(&self, url: &str, why: &str, class: FetchErrorClass) -> String {
        let err = match self
            .fetcher
            .fetch(&FetchRequest::feed(url.to_string()))
            .await
        {
            Ok(o) => panic!("{why}: {url} was fetched: {o:?}"),
            Err(e) => e,
        };
        assert_eq!(err.class, class, "{why}: {url}: {err}");
        let text = err.to_string();
        assert!(
            text.contains("refused") || text.contains("not fetched"),
            "{why}: {url}: the error says what happened: {text}"
        );
        text
    }
}

#[tokio::test]
async fn security_ssrf_every_address_form_is_refused() {
    let fx = Fixture::new().await;
    // The fixture is sound: the public site is reachable.
    assert!(
        fx.fetcher
            .fetch(&FetchRequest::feed(fx.public.url("/feed")))
            .await
            .is_ok()
    );
    let forms = fx.forms();
    assert!(forms.len() >= 45, "{} forms", forms.len());
    for url in &forms {
        let text = fx.refused(url, "direct").await;
        // Names the address it refused, so an operator can see why.
        assert!(
            text.contains("address") || text.contains("scheme"),
            "{url}: {text}"
        );
    }
    assert_eq!(
        fx.private_hits(),
        0,
        "no connection reached the private host"
    );
}

#[tokio::test]
async fn security_ssrf_redirects_to_every_form_are_refused() {
    let fx = Fixture::new().await;
    let mut forms: Vec<(String, FetchErrorClass)> = fx
        .forms()
        .into_iter()
        .map(|f| (f, FetchErrorClass::SsrfBlocked))
        .collect();
    // Not a network at all: named as the scheme it is, never fetched either.
    for other in [
        "file:///etc/passwd",
        "gopher://127.0.0.1:70/",
        "ftp://127.0.0.1/",
    ] {
        forms.push((other.into(), FetchErrorClass::UnsupportedScheme));
    }
    for (i, (target, class)) in forms.iter().enumerate() {
        let path = format!("/hop/{i}");
        let status = [301, 302, 303, 307, 308][i % 5];
        // A Location header is ASCII: a form spelled otherwise (full-width
        // digits) goes out as its URL serialisation, as a server sends it.
        let location = if target.is_ascii() {
            target.clone()
        } else {
            url::Url::parse(target).map_or_else(|_| target.clone(), String::from)
        };
        fx.public.set(&path, Resource::redirect(status, &location));
        fx.refused_as(&fx.public.url(&path), "redirect", *class)
            .await;
        assert_eq!(
            fx.public.hits(&path),
            1,
            "{target}: the public hop is made once"
        );
        // A chain of two public hops before the private one changes nothing.
        let chain = format!("/chain/{i}");
        fx.public
            .set(&chain, Resource::redirect(302, &fx.public.url(&path)));
        fx.refused_as(&fx.public.url(&chain), "redirect chain", *class)
            .await;
    }
    assert_eq!(
        fx.private_hits(),
        0,
        "no connection reached the private host"
    );
}

#[tokio::test]
async fn security_ssrf_the_setting_is_the_only_way_in() {
    let fx = Fixture::new().await;
    let open = Fetcher::new(FetchConfig {
        allow_private_networks: true,
        ..config()
    })
    .unwrap();
    let url = format!("http://2130706433:{}/", fx.private.addr.port());
    fx.refused(&url, "guarded").await;
    assert_eq!(fx.private_hits(), 0);
    assert!(open.fetch(&FetchRequest::feed(url)).await.is_ok());
    assert_eq!(
        fx.private.total_hits(),
        1,
        "with the setting on, it is reached"
    );
}
