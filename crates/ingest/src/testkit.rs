//! A test kit (feature `testkit`): a real HTTP server on 127.0.0.1 that serves fixture feeds
//! and pages, answers conditional GETs, and plays the faults of the real web. Other crates'
//! integration tests use it too.
//!
//! ```no_run
//! # async fn demo() {
//! use newsroom_ingest::testkit::{Resource, TestServer};
//! let server = TestServer::start().await;
//! server.set("/feed.xml", Resource::ok("application/rss+xml", "<rss version=\"2.0\"/>").with_etag("\"v1\""));
//! let url = server.url("/feed.xml");
//! # }
//! ```

use axum::body::Body;
pub use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A misbehaviour to play instead of (or around) a normal answer.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Trickle the body in `chunks` pieces, `delay` apart.
    Slow { chunks: usize, delay: Duration },
    /// Send the first bytes of the body, then hang for an hour.
    Stall,
    /// A gzip-encoded body cut in half.
    TruncatedGzip,
    /// `bytes` of generated body, streamed without a Content-Length.
    Huge { bytes: usize },
    /// A small gzip body that inflates to `bytes`.
    GzipBomb { bytes: usize },
}

/// One fixture: what a path answers.
#[derive(Debug, Clone)]
pub struct Resource {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// Shared, so that thousands of routes can serve one page without copies.
    pub body: Bytes,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub fault: Option<Fault>,
}

impl Resource {
    pub fn ok(content_type: &str, body: impl Into<Bytes>) -> Self {
        Self {
            status: 200,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
            etag: None,
            last_modified: None,
            fault: None,
        }
    }

    pub fn status(status: u16) -> Self {
        Self {
            status,
            headers: vec![],
            body: Bytes::from(format!("status {status}")),
            etag: None,
            last_modified: None,
            fault: None,
        }
    }

    pub fn redirect(status: u16, location: &str) -> Self {
        Self::status(status).with_header("location", location)
    }

    pub fn with_header(mut self, k: &str, v: &str) -> Self {
        self.headers.push((k.to_string(), v.to_string()));
        self
    }

    pub fn with_etag(mut self, etag: &str) -> Self {
        self.etag = Some(etag.to_string());
        self
    }

    pub fn with_last_modified(mut self, lm: &str) -> Self {
        self.last_modified = Some(lm.to_string());
        self
    }

    pub fn with_fault(mut self, f: Fault) -> Self {
        self.fault = Some(f);
        self
    }
}

/// What the server saw of one request.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub user_agent: Option<String>,
    pub if_none_match: Option<String>,
    pub if_modified_since: Option<String>,
    /// False for 304s and faults that send no body.
    pub sent_body: bool,
}

#[derive(Default)]
struct Shared {
    routes: Mutex<HashMap<String, Resource>>,
    seen: Mutex<Vec<Seen>>,
}

/// The server; it stops when dropped.
pub struct TestServer {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TestServer {
    /// Bind 127.0.0.1 on a free port.
    pub async fn start() -> Self {
        Self::start_on(IpAddr::V4(Ipv4Addr::LOCALHOST)).await
    }

    /// Bind another loopback address (127.0.0.2 plays "a private host" in SSRF tests).
    pub async fn start_on(ip: IpAddr) -> Self {
        assert!(
            ip.is_loopback(),
            "the test kit only ever binds loopback addresses"
        );
        let listener = tokio::net::TcpListener::bind((ip, 0))
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared::default());
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { addr, shared, task }
    }

    /// A server with the standard fault routes under `/fault/...` (see [`Self::add_faults`]).
    pub async fn with_faults() -> Self {
        let s = Self::start().await;
        s.add_faults();
        s
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Add or replace what `path` (with its query, if any) answers.
    pub fn set(&self, path: &str, r: Resource) {
        self.shared
            .routes
            .lock()
            .unwrap()
            .insert(path.to_string(), r);
    }

    pub fn remove(&self, path: &str) {
        self.shared.routes.lock().unwrap().remove(path);
    }

    /// Every request so far, in order.
    pub fn seen(&self) -> Vec<Seen> {
        self.shared.seen.lock().unwrap().clone()
    }

    pub fn hits(&self, path: &str) -> usize {
        self.shared
            .seen
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.path == path)
            .count()
    }

    pub fn total_hits(&self) -> usize {
        self.shared.seen.lock().unwrap().len()
    }

    /// The fault routes:
    /// `/fault/500`, `/fault/503` (Retry-After: 60), `/fault/429` (Retry-After: 120),
    /// `/fault/gone` (410), `/fault/404`, `/fault/slow`, `/fault/stall`,
    /// `/fault/truncated-gzip`, `/fault/huge` (20 MB), `/fault/gzip-bomb` (64 MB inflated),
    /// `/fault/redirect-loop`, `/fault/redirect-chain/{0..9}`, `/fault/redirect-private`
    /// (to 169.254.169.254), `/fault/wrong-charset` (windows-1251 labelled UTF-8),
    /// `/fault/entity-bomb`, `/fault/html` (a page where a feed should be),
    /// `/fault/bot-wall` (403 with `cf-mitigated: challenge`), `/fault/challenge-page`
    /// (503 Cloudflare-style interstitial without the header).
    pub fn add_faults(&self) {
        let small = sample_rss("Fault feed", &self.url(""), 3);
        self.set("/fault/500", Resource::status(500));
        self.set(
            "/fault/503",
            Resource::status(503).with_header("retry-after", "60"),
        );
        self.set(
            "/fault/429",
            Resource::status(429).with_header("retry-after", "120"),
        );
        self.set("/fault/gone", Resource::status(410));
        self.set("/fault/404", Resource::status(404));
        self.set(
            "/fault/slow",
            Resource::ok("application/rss+xml", small.clone()).with_fault(Fault::Slow {
                chunks: 10,
                delay: Duration::from_millis(100),
            }),
        );
        self.set(
            "/fault/stall",
            Resource::ok("application/rss+xml", small.clone()).with_fault(Fault::Stall),
        );
        self.set(
            "/fault/truncated-gzip",
            Resource::ok("application/rss+xml", small.clone()).with_fault(Fault::TruncatedGzip),
        );
        self.set(
            "/fault/huge",
            Resource::ok("application/rss+xml", Vec::new())
                .with_fault(Fault::Huge { bytes: 20 << 20 }),
        );
        self.set(
            "/fault/gzip-bomb",
            Resource::ok("application/rss+xml", Vec::new())
                .with_fault(Fault::GzipBomb { bytes: 64 << 20 }),
        );
        self.set(
            "/fault/redirect-loop",
            Resource::redirect(302, "/fault/redirect-loop-b"),
        );
        self.set(
            "/fault/redirect-loop-b",
            Resource::redirect(302, "/fault/redirect-loop"),
        );
        for i in 0..10 {
            self.set(
                &format!("/fault/redirect-chain/{i}"),
                Resource::redirect(302, &format!("/fault/redirect-chain/{}", i + 1)),
            );
        }
        self.set(
            "/fault/redirect-private",
            Resource::redirect(302, "http://169.254.169.254/latest/meta-data/"),
        );
        let cp1251_text = sample_rss_with_prolog("windows-1251", "Новости", &self.url(""), 2);
        let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode(&cp1251_text);
        self.set(
            "/fault/wrong-charset",
            Resource::ok("application/rss+xml; charset=utf-8", cp1251.into_owned()),
        );
        self.set(
            "/fault/entity-bomb",
            Resource::ok("application/rss+xml", ENTITY_BOMB),
        );
        self.set(
            "/fault/html",
            Resource::ok("text/html; charset=utf-8", "<!DOCTYPE html><html><head><title>Home</title></head><body><h1>Welcome</h1></body></html>"),
        );
        self.set(
            "/fault/bot-wall",
            Resource {
                status: 403,
                ..Resource::ok("text/html", CHALLENGE_PAGE)
            }
            .with_header("cf-mitigated", "challenge"),
        );
        self.set(
            "/fault/challenge-page",
            Resource {
                status: 503,
                ..Resource::ok("text/html", CHALLENGE_PAGE)
            },
        );
    }
}

/// The "billion laughs" document.
pub const ENTITY_BOMB: &str = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title></item></channel></rss>"#;

pub const CHALLENGE_PAGE: &str = r#"<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="refresh" content="390"></head><body><noscript>Enable JavaScript and cookies to continue</noscript>
<script src="/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray=1"></script></body></html>"#;

/// A small RSS 2.0 feed with `n` items linking to `{base}/article/{i}`.
/// An RSS feed of `n` items published `gap` seconds apart, the newest at `newest` (UTC
/// seconds): a feed with a rhythm, for the scheduler and the charts. Item `i` is at
/// `{base}/{i}`, counting from the newest.
pub fn rss_every(base: &str, n: i64, gap: i64, newest: i64) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title><link>http://x/</link>",
    );
    for i in 0..n {
        let date = jiff::Timestamp::from_second(newest - i * gap)
            .map(|t| t.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string())
            .unwrap_or_default();
        s.push_str(&format!(
            "<item><guid>{base}/{i}</guid><title>Item {i}</title><link>{base}/{i}</link><pubDate>{date}</pubDate><description>Text {i}</description></item>"
        ));
    }
    s.push_str("</channel></rss>");
    s
}

pub fn sample_rss(title: &str, base: &str, n: usize) -> String {
    sample_rss_with_prolog("utf-8", title, base, n)
}

fn sample_rss_with_prolog(encoding: &str, title: &str, base: &str, n: usize) -> String {
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"{encoding}\"?>\n<rss version=\"2.0\"><channel><title>{title}</title><link>{base}/</link>\n"
    );
    for i in 0..n {
        s.push_str(&format!(
            "<item><title>{title} item {i}</title><link>{base}/article/{i}</link><guid>{base}/article/{i}</guid>\
             <pubDate>Wed, 01 May 2024 {:02}:00:00 GMT</pubDate><description>Summary {i}</description></item>\n",
            i % 24
        ));
    }
    s.push_str("</channel></rss>\n");
    s
}

/// The real news pages of `shared/datasets/extraction-dev`, as (id, original URL, HTML), or
/// `None` (with a line on stderr) when the datasets are not beside the checkout.
pub fn dataset_pages() -> Option<Vec<(String, String, Vec<u8>)>> {
    let root =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets/extraction-dev");
    let truth = match std::fs::read(root.join("ground-truth.json")) {
        Ok(b) => b,
        Err(_) => {
            eprintln!(
                "SKIP: {} is absent; dataset-backed fixtures are not served",
                root.display()
            );
            return None;
        }
    };
    let truth: serde_json::Value = serde_json::from_slice(&truth).ok()?;
    let mut out = Vec::new();
    let mut ids: Vec<&String> = truth.as_object()?.keys().collect();
    ids.sort();
    for id in ids {
        let Ok(gz) = std::fs::read(root.join("html").join(format!("{id}.html.gz"))) else {
            continue;
        };
        let mut html = Vec::new();
        if flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut html)
            .is_err()
        {
            continue;
        }
        let url = truth[id]["url"].as_str().unwrap_or_default().to_string();
        out.push((id.clone(), url, html));
    }
    Some(out)
}

/// Serve the dataset pages at `/pages/{id}.html` behind an RSS feed at `/pages/feed.xml` (first
/// `n` pages, summaries only, so full-text fetching has work to do). Returns the page ids, or
/// `None` when the datasets are absent.
pub fn serve_dataset_site(server: &TestServer, n: usize) -> Option<Vec<String>> {
    let pages = dataset_pages()?;
    let mut feed = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>Dataset news</title><link>{}</link>\n",
        server.url("/pages/")
    );
    let mut ids = Vec::new();
    for (i, (id, original, html)) in pages.into_iter().take(n).enumerate() {
        let path = format!("/pages/{id}.html");
        let title = page_title(&html).unwrap_or_else(|| format!("Article {i}"));
        feed.push_str(&format!(
            "<item><title>{}</title><link>{}</link><guid isPermaLink=\"false\">{id}</guid><pubDate>{}</pubDate>\
             <description>From {}</description></item>\n",
            crate::feed::escape_html(&title),
            server.url(&path),
            jiff::Timestamp::from_second(1_714_557_600 + i as i64 * 600).unwrap().strftime("%a, %d %b %Y %H:%M:%S +0000"),
            crate::feed::escape_html(&original),
        ));
        server.set(&path, Resource::ok("text/html", html));
        ids.push(id);
    }
    feed.push_str("</channel></rss>\n");
    server.set("/pages/feed.xml", Resource::ok("application/rss+xml", feed));
    Some(ids)
}

/// Issue 10's reproduction: an RSS feed at `/feed.xml` of `n` items whose description is
/// "teaser", linking to the first `n` dataset pages at `/p/{i}.html`. `None` (after a line
/// on stderr) when the datasets are absent.
pub fn serve_teaser_feed(server: &TestServer, n: usize) -> Option<()> {
    let pages = dataset_pages()?;
    let mut feed = String::from(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Teasers</title><link>http://x/</link>",
    );
    for (i, (_, _, html)) in pages.into_iter().take(n).enumerate() {
        let path = format!("/p/{i}.html");
        feed.push_str(&format!(
            "<item><guid>item-{i}</guid><title>Item {i}</title><link>{}</link><pubDate>Wed, 01 May 2024 10:00:00 GMT</pubDate><description>teaser</description></item>",
            server.url(&path)
        ));
        server.set(&path, Resource::ok("text/html", html));
    }
    feed.push_str("</channel></rss>");
    server.set("/feed.xml", Resource::ok("application/rss+xml", feed));
    Some(())
}

fn page_title(html: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(&html[..html.len().min(200_000)]);
    let start = text.find("<title")?;
    let open_end = start + text[start..].find('>')? + 1;
    let end = open_end + text[open_end..].find("</title>")?;
    let t = crate::feed::text_of(&text[open_end..end]);
    (!t.is_empty()).then_some(t)
}

async fn handle(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| req.uri().path().to_string());
    let h = req.headers();
    let get = |k: header::HeaderName| h.get(k).and_then(|v| v.to_str().ok()).map(str::to_string);
    let mut seen = Seen {
        path: path.clone(),
        user_agent: get(header::USER_AGENT),
        if_none_match: get(header::IF_NONE_MATCH),
        if_modified_since: get(header::IF_MODIFIED_SINCE),
        sent_body: false,
    };
    let route = {
        let routes = shared.routes.lock().unwrap();
        routes
            .get(&path)
            .or_else(|| routes.get(req.uri().path()))
            .cloned()
    };
    let resp = match route {
        None => plain(404, "not found"),
        Some(r) => respond(r, &seen),
    };
    seen.sent_body = resp.status() != StatusCode::NOT_MODIFIED && resp.status().is_success();
    shared.seen.lock().unwrap().push(seen);
    resp
}

fn plain(status: u16, body: &str) -> Response {
    let mut r = Response::new(Body::from(body.to_string()));
    *r.status_mut() = StatusCode::from_u16(status).unwrap();
    r
}

fn respond(r: Resource, seen: &Seen) -> Response {
    let mut headers = HeaderMap::new();
    for (k, v) in &r.headers {
        if let (Ok(k), Ok(v)) = (
            header::HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            headers.append(k, v);
        }
    }
    if let Some(e) = &r.etag {
        headers.insert(header::ETAG, HeaderValue::from_str(e).unwrap());
    }
    if let Some(lm) = &r.last_modified {
        headers.insert(header::LAST_MODIFIED, HeaderValue::from_str(lm).unwrap());
    }
    let etag_match =
        r.etag.is_some() && seen.if_none_match.is_some() && seen.if_none_match == r.etag;
    let lm_match =
        r.etag.is_none() && r.last_modified.is_some() && seen.if_modified_since == r.last_modified;
    if r.status == 200 && (etag_match || lm_match) {
        let mut resp = Response::new(Body::empty());
        *resp.status_mut() = StatusCode::NOT_MODIFIED;
        headers.remove(header::CONTENT_TYPE);
        *resp.headers_mut() = headers;
        return resp;
    }
    let body = match r.fault {
        None => Body::from(r.body),
        Some(Fault::Slow { chunks, delay }) => {
            let size = r.body.len().div_ceil(chunks.max(1)).max(1);
            let parts: Vec<Bytes> = (0..r.body.len())
                .step_by(size)
                .map(|i| r.body.slice(i..(i + size).min(r.body.len())))
                .collect();
            Body::from_stream(futures::stream::unfold(
                parts.into_iter(),
                move |mut it| async move {
                    let next = it.next()?;
                    tokio::time::sleep(delay).await;
                    Some((Ok::<_, std::io::Error>(next), it))
                },
            ))
        }
        Some(Fault::Stall) => {
            let head = r.body.slice(..r.body.len() / 3);
            Body::from_stream(futures::stream::unfold(0u8, move |state| {
                let head = head.clone();
                async move {
                    match state {
                        0 => Some((Ok::<_, std::io::Error>(head), 1)),
                        _ => {
                            tokio::time::sleep(Duration::from_secs(3600)).await;
                            None
                        }
                    }
                }
            }))
        }
        Some(Fault::TruncatedGzip) => {
            let gz = gzip(&r.body);
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            Body::from(gz[..gz.len() / 2].to_vec())
        }
        Some(Fault::Huge { bytes }) => {
            let chunk = Bytes::from(vec![b' '; 64 * 1024]);
            let n = bytes.div_ceil(chunk.len());
            Body::from_stream(futures::stream::iter(
                (0..n).map(move |_| Ok::<_, std::io::Error>(chunk.clone())),
            ))
        }
        Some(Fault::GzipBomb { bytes }) => {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            Body::from(gzip(&vec![b' '; bytes]))
        }
    };
    let mut resp = Response::new(body);
    *resp.status_mut() = StatusCode::from_u16(r.status).unwrap();
    *resp.headers_mut() = headers;
    resp
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// A fetcher with the SSRF guard on, except that `public` addresses count as public: a
/// loopback [`TestServer`] on one of them plays a public site (that redirects, or links, into
/// private networks) while every other loopback and private address stays refused.
pub fn fetcher_with_public_test_hosts(
    public: &[IpAddr],
    config: crate::fetch::FetchConfig,
) -> crate::fetch::Fetcher {
    let mut guard = crate::ssrf::SsrfGuard::new(false);
    guard.pretend_public = public.to_vec();
    crate::fetch::Fetcher::with_guard(guard, config).expect("build the fetcher")
}
