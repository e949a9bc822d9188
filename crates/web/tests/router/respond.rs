//! Revalidation and compression (`respond`), on the fixture site: every
//! compressible answer decompresses to the identity bytes in brotli and
//! gzip, counts stay live in all three, conditional requests get 304 until
//! what they name changes, and odd headers break nothing.

use super::*;
use axum::http::HeaderMap;
use std::io::Read;

const BROWSER: &str = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0";
/// Counted as no reader, so fetching a page changes no count.
const BOT: &str = "curl/8.5";

struct Raw {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Raw {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The body with its Content-Encoding undone.
    fn decoded(&self) -> Vec<u8> {
        let mut out = Vec::new();
        match self.header("content-encoding") {
            "br" => {
                brotli::Decompressor::new(&self.body[..], 4096)
                    .read_to_end(&mut out)
                    .unwrap();
            }
            "gzip" => {
                flate2::read::GzDecoder::new(&self.body[..])
                    .read_to_end(&mut out)
                    .unwrap();
            }
            "" => out = self.body.clone(),
            other => panic!("unexpected coding {other}"),
        }
        out
    }
}

async fn raw(app: &Router, method: Method, path: &str, headers: &[(&str, &str)]) -> Raw {
    let mut req = Request::builder().method(method).uri(path);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut req = req.body(Body::empty()).unwrap();
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 9], 40_000))));
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = axum::body::to_bytes(resp.into_body(), 64 << 20)
        .await
        .unwrap()
        .to_vec();
    Raw {
        status,
        headers,
        body,
    }
}

async fn fetch(app: &Router, path: &str, coding: &str, ua: &str) -> Raw {
    raw(
        app,
        Method::GET,
        path,
        &[("accept-encoding", coding), ("user-agent", ua)],
    )
    .await
}

fn paths(site: &Site) -> Vec<String> {
    let (id, title) = &site.articles[0];
    vec![
        "/".into(),
        slug_path(*id, title),
        format!("/story/{}", site.story),
        "/section/world".into(),
        "/search?q=rafah".into(),
        "/feed.xml".into(),
        "/atom.xml".into(),
        "/feed.json".into(),
        "/sitemap.xml".into(),
        "/sitemaps/articles-1.xml".into(),
        "/api/v1/articles".into(),
        format!("/api/v1/articles/{id}"),
        "/api/v1/most-read".into(),
        "/api/openapi.json".into(),
        "/static/site.css".into(),
        "/static/site.js".into(),
        "/favicon.svg".into(),
        "/robots.txt".into(),
    ]
}

#[tokio::test]
async fn every_compressible_answer_decompresses_to_the_identity_bytes() {
    let site = site().await;
    for path in paths(&site) {
        let plain = fetch(&site.app, &path, "identity", BOT).await;
        assert_eq!(plain.status, StatusCode::OK, "{path}");
        assert_eq!(plain.header("content-encoding"), "", "{path}");
        assert!(!plain.header("etag").is_empty(), "{path} has an ETag");
        assert!(
            !plain.header("last-modified").is_empty(),
            "{path} has Last-Modified"
        );
        if plain.body.len() < 256 {
            // Too small to be worth it (robots.txt, the sitemap index).
            let r = fetch(&site.app, &path, "br, gzip", BOT).await;
            assert_eq!(r.header("content-encoding"), "", "{path}");
            assert_eq!(r.body, plain.body, "{path}");
            continue;
        }
        // Pages (HTML with counts) take gzip on a tie, everything else brotli.
        let page = plain.header("content-type").starts_with("text/html");
        let tie = if page { "gzip" } else { "br" };
        for (accept, coding) in [("br, gzip", tie), ("br", "br"), ("gzip, deflate", "gzip")] {
            let packed = fetch(&site.app, &path, accept, BOT).await;
            assert_eq!(packed.status, StatusCode::OK, "{path}");
            assert_eq!(packed.header("content-encoding"), coding, "{path} {accept}");
            assert!(
                packed.body.len() < plain.body.len(),
                "{path} {coding} is smaller"
            );
            assert_eq!(packed.decoded(), plain.body, "{path} in {coding}");
            assert!(packed.header("vary").contains("accept-encoding"), "{path}");
            // Each representation has its own tag, of the same content.
            assert_ne!(packed.header("etag"), plain.header("etag"), "{path}");
        }
    }
}

/// A view of `id` by beacon, from a new visitor named `who`.
async fn view(app: &Router, id: ArticleId, who: &str) {
    let ua = format!("{BROWSER} {who}");
    let b = raw(
        app,
        Method::POST,
        &format!("/api/v1/views/{id}"),
        &[("user-agent", ua.as_str())],
    )
    .await;
    assert_eq!(b.status, StatusCode::OK);
}

/// The article's own count, read from the page the way the page script does.
fn count_of(html: &[u8]) -> i64 {
    let html = String::from_utf8(html.to_vec()).unwrap();
    let at = html.find("data-views=\"").expect("a count") + "data-views=\"".len();
    html[at..].split('"').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn counts_stay_live_in_every_coding_and_tags_follow_them() {
    let site = site().await;
    let (id, title) = &site.articles[0];
    let path = slug_path(*id, title);
    let before = fetch(&site.app, &path, "identity", BOT).await;
    let shown = count_of(&before.body);
    for n in 1..=3 {
        view(&site.app, *id, &format!("visitor/{n}")).await;
        for accept in ["identity", "br", "gzip"] {
            let page = fetch(&site.app, &path, accept, BOT).await;
            assert_eq!(
                count_of(&page.decoded()),
                shown + n,
                "{accept} after {n} views"
            );
        }
    }
    // The old tag no longer matches: 200 with the new bytes.
    let again = raw(
        &site.app,
        Method::GET,
        &path,
        &[
            ("if-none-match", before.header("etag")),
            ("user-agent", BOT),
        ],
    )
    .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(count_of(&again.body), shown + 3);
}

/// A page's gzip pieces hold counts of the lengths they were made for: a
/// count that gains a digit has them made again, and a page read often has
/// them made again at the better level, under a new tag of the same content.
#[tokio::test]
async fn gzip_pages_follow_counts_across_digits_and_turn_hot() {
    let site = site().await;
    // An article a few views short of 100, so its count gains a digit.
    let mut shown = Vec::new();
    for (id, title) in &site.articles {
        let path = slug_path(*id, title);
        shown.push((
            count_of(&fetch(&site.app, &path, "identity", BOT).await.body),
            *id,
            path,
        ));
    }
    let (_, id, path) = shown
        .iter()
        .filter(|(n, _, _)| (90..100).contains(n))
        .max_by_key(|(n, _, _)| *n)
        .unwrap_or_else(|| panic!("an article with 90-99 views: {shown:?}"))
        .clone();
    let mut lengths = std::collections::BTreeSet::new();
    let mut levels = Vec::new();
    for n in 0..24 {
        let plain = fetch(&site.app, &path, "identity", BOT).await;
        let packed = fetch(&site.app, &path, "gzip", BOT).await;
        assert_eq!(packed.header("content-encoding"), "gzip");
        assert_eq!(packed.decoded(), plain.body, "after {n} views");
        lengths.insert(count_of(&plain.body).to_string().len());
        // The page's level is the first digit after "-gz".
        let tag = packed.header("etag");
        let at = tag.find("-gz").expect("a gzip tag") + 3;
        levels.push(tag.as_bytes()[at]);
        view(&site.app, id, &format!("digits/{n}")).await;
    }
    let last = count_of(&fetch(&site.app, &path, "identity", BOT).await.body);
    assert!(
        lengths.len() >= 2,
        "the count crossed a power of ten: {lengths:?}, now {last}"
    );
    // Made fast first, at the better level once read a few times, and kept
    // there when a longer count had them made again.
    assert_eq!(levels[0], b'1', "{levels:?}");
    let hot = levels.iter().position(|l| *l == b'6').expect("made again");
    assert!(levels[hot..].iter().all(|l| *l == b'6'), "{levels:?}");

    // Counts unchanged: the same bytes and tag each time, and a tag from
    // the fast pieces still revalidates, the content being the same.
    let plain = fetch(&site.app, &path, "identity", BOT).await;
    let a = fetch(&site.app, &path, "gzip", BOT).await;
    let b = fetch(&site.app, &path, "gzip", BOT).await;
    assert_eq!(a.decoded(), plain.body);
    assert_eq!(
        (a.body.clone(), a.header("etag")),
        (b.body.clone(), b.header("etag"))
    );
    let fast_tag = a.header("etag").replacen("-gz6", "-gz1", 1);
    let r = raw(
        &site.app,
        Method::GET,
        &path,
        &[
            ("if-none-match", fast_tag.as_str()),
            ("accept-encoding", "gzip"),
            ("user-agent", BOT),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn conditional_requests_get_304_until_the_answer_changes() {
    let site = site().await;
    let (id, title) = &site.articles[0];
    for path in [
        slug_path(*id, title),
        "/feed.xml".into(),
        "/api/v1/sections".into(),
        "/static/site.css".into(),
    ] {
        let first = fetch(&site.app, &path, "br", BOT).await;
        let etag = first.header("etag").to_string();
        let lm = first.header("last-modified").to_string();
        let many: Vec<String> = (0..1000).map(|i| format!("\"other-{i}\"")).collect();
        let list = format!("{}, {etag}", many.join(", "));
        for (name, value) in [
            ("if-none-match", etag.as_str()),
            ("if-none-match", "*"),
            ("if-none-match", list.as_str()),
            ("if-modified-since", lm.as_str()),
        ] {
            for accept in ["br", "gzip", "identity"] {
                let r = raw(
                    &site.app,
                    Method::GET,
                    &path,
                    &[
                        (name, value),
                        ("accept-encoding", accept),
                        ("user-agent", BOT),
                    ],
                )
                .await;
                assert_eq!(
                    r.status,
                    StatusCode::NOT_MODIFIED,
                    "{path} {name}: {value:.40} ({accept})"
                );
                assert!(r.body.is_empty());
                assert!(!r.header("etag").is_empty());
            }
        }
        let none = many.join(",");
        let miss = raw(
            &site.app,
            Method::GET,
            &path,
            &[("if-none-match", none.as_str()), ("user-agent", BOT)],
        )
        .await;
        assert_eq!(
            miss.status,
            StatusCode::OK,
            "{path}: none of 1,000 tags match"
        );
        let old = raw(
            &site.app,
            Method::GET,
            &path,
            &[
                ("if-modified-since", "Thu, 01 Jan 1970 00:00:00 GMT"),
                ("user-agent", BOT),
            ],
        )
        .await;
        assert_eq!(old.status, StatusCode::OK, "{path}: modified since 1970");
    }
}

#[tokio::test]
async fn odd_headers_and_ranges_break_nothing() {
    let site = site().await;
    let (id, title) = &site.articles[0];
    let path = slug_path(*id, title);
    let plain = fetch(&site.app, &path, "identity", BOT).await;
    let thousand: Vec<String> = (0..1000).map(|i| format!("c{i};q=0.{}", i % 9)).collect();
    let thousand = thousand.join(",");
    for accept in [
        "br;q=2, gzip;q=-1",
        "identity;q=0",
        "*;q=0",
        "gzip;q=0.0001, br;q=nan",
        ";;;,,, =",
        thousand.as_str(),
    ] {
        let r = fetch(&site.app, &path, accept, BOT).await;
        assert_eq!(r.status, StatusCode::OK, "{accept:.40}");
        assert_eq!(r.decoded(), plain.body, "{accept:.40}");
    }
    for range in [
        "bytes=0-10",
        "bytes=-5",
        "bytes=99999999-",
        "lines=1-2",
        "bytes=5-1",
    ] {
        for accept in ["identity", "gzip", "br"] {
            let r = raw(
                &site.app,
                Method::GET,
                &path,
                &[
                    ("range", range),
                    ("accept-encoding", accept),
                    ("user-agent", BOT),
                ],
            )
            .await;
            assert_eq!(r.status, StatusCode::OK, "Range is ignored: the whole page");
            assert_eq!(r.decoded(), plain.body, "{range} {accept}");
        }
    }
}

#[tokio::test]
async fn static_files_are_immutable_only_at_their_current_version() {
    let site = site().await;
    let home = String::from_utf8(fetch(&site.app, "/", "identity", BOT).await.body).unwrap();
    let at = home.find("/static/site.css?v=").unwrap();
    let current = home[at..].split('"').next().unwrap().to_string();
    let r = fetch(&site.app, &current, "br", BOT).await;
    assert!(r.header("cache-control").contains("immutable"), "{current}");
    for other in [
        "/static/site.css",
        "/static/site.css?v=old",
        "/static/site.js?v=1&v=2",
        "/static/site.js?v=%ff",
    ] {
        let r = fetch(&site.app, other, "br", BOT).await;
        assert_eq!(r.status, StatusCode::OK, "{other}");
        let cc = r.header("cache-control");
        assert!(
            !cc.contains("immutable") && !cc.contains("31536000"),
            "{other}: {cc}"
        );
    }
}
