//! Security suite, stored XSS: script in every feed field and every page
//! metadata field never runs on the site, and no `javascript:`, `data:` or
//! `vbscript:` address reaches an `href` or `src`.
//!
//! A fixture server on 127.0.0.1 serves an RSS feed, an Atom feed whose
//! entries' pages are fetched for full text, and a JSON Feed, all carrying
//! payloads in titles, summaries, content, links, enclosures, media:content,
//! media:thumbnail, og:image, og:video, og:video:url, JSON-LD
//! contentUrl/image/author url, authors, and the feeds' own site links. The
//! real binary ingests them (`source add`, `fetch --once`); then one stored
//! row is rewritten straight in the database to hold `javascript:` URLs and
//! a hostile body, as an old or copied database might. The site is opened in
//! headless Chromium: home, a section page, search results, every article
//! page (its links clicked), every story page, the admin's dashboard,
//! article and source lists, the JSON API (with each article's `body_html`
//! put into a live page, as an API client would), the three feeds out and
//! the sitemaps. Every document served is also read as text: no
//! `javascript:`, `vbscript:` or `data:` address is in it.
//!
//! Every payload, if it ever ran, would call back to a listener on
//! 127.0.0.1 and set a marker on the page. The test asserts both stayed
//! silent, after first showing (with a control page) that a payload that
//! does run, on load or on a click, is seen by both.

#[path = "common/chrome.rs"]
mod chrome;
mod common;

use chrome::{Driver, browser, js, missing, run_then_close};
use common::*;
use fantoccini::Locator;
use newsroom_cluster::worker::{WorkerConfig, cluster_pass};
use newsroom_ingest::testkit::{Resource, TestServer};
use newsroom_store::{PoolConfig, SqliteStore};
use serde_json::{Value, json};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

const ALLOW: (&str, &str) = ("NEWSROOM_FETCH__ALLOW_PRIVATE_NETWORKS", "true");

/// What each payload runs: a request to the listener and a page marker.
struct Payloads {
    listener: u16,
}

impl Payloads {
    fn call(&self, n: u32) -> String {
        format!(
            "fetch('//127.0.0.1:{}/x{n}');document.documentElement.dataset.xss='{n}'",
            self.listener
        )
    }

    fn js_url(&self, n: u32) -> String {
        // `void 0`: a javascript: URL whose value is a string replaces the
        // document, which could cancel the call-back and drop the marker.
        format!("javascript:{};void 0", self.call(n))
    }

    /// An SVG that runs the payload when opened as a document.
    fn svg_data_url(&self, n: u32) -> String {
        format!(
            "data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' onload=\"{}\"/>",
            self.call(n)
        )
    }

    /// HTML with every trick a body can carry.
    fn hostile_html(&self, n: u32) -> String {
        let c = |i: u32| self.call(n * 100 + i);
        let j = |i: u32| self.js_url(n * 100 + i);
        format!(
            r#"<p>Hostile body {n} has enough words in it to be an article body for the extractor, which wants a paragraph or two of real text before it believes it found the story.</p>
<p>Second paragraph of the hostile body, again long enough to count as text that a reader would want to read on the site.</p>
<script>{c1}</script>
<img src="x" onerror="{c2}">
<a href="{j3}">plain javascript link</a>
<a href="&#106;avascript:{c4}">entity javascript link</a>
<a href=" JaVaScRiPt:{c5}">spaced mixed-case link</a>
<a href="java&#x09;script:{c6}">tab-split link</a>
<a href="data:text/html,&lt;script&gt;{c7}&lt;/script&gt;">data link</a>
<a href="vbscript:msgbox(1)">vbscript link</a>
<iframe src="{j8}"></iframe>
<iframe srcdoc="&lt;script&gt;{c9}&lt;/script&gt;"></iframe>
<svg onload="{c10}"><a xlink:href="{j11}"><text>svg</text></a></svg>
<math><a href="{j12}">math</a></math>
<object data="{j13}"></object><embed src="{j14}">
<form action="{j15}"><button formaction="{j16}">go</button></form>
<video src="{j17}" poster="{j18}"><source src="{j19}"></video>
<img src="{svg20}">
<img srcset="{j21} 1x">
<div style="background:url({j22})" onmouseover="{c23}">hover</div>
<details open ontoggle="{c24}"><summary>s</summary></details>
<base href="{j25}">
<meta http-equiv="refresh" content="0;url={j26}">
<p>A safe link: <a href="https://example.com/ok">example</a>.</p>"#,
            c1 = c(1),
            c2 = c(2),
            j3 = j(3),
            c4 = c(4),
            c5 = c(5),
            c6 = c(6),
            c7 = c(7),
            j8 = j(8),
            c9 = c(9),
            c10 = c(10),
            j11 = j(11),
            j12 = j(12),
            j13 = j(13),
            j14 = j(14),
            j15 = j(15),
            j16 = j(16),
            j17 = j(17),
            j18 = j(18),
            j19 = j(19),
            svg20 = self.svg_data_url(n * 100 + 20),
            j21 = j(21),
            j22 = j(22),
            c23 = c(23),
            c24 = c(24),
            j25 = j(25),
            j26 = j(26),
        )
    }

    /// Markup for a plain-text field (title, author): it must show as text.
    fn tag_text(&self, n: u32) -> String {
        format!(
            "<img src=x onerror=\"{}\"><script>{}</script>",
            self.call(n),
            self.call(n + 1)
        )
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn now_rfc822() -> String {
    jiff::Timestamp::now()
        .strftime("%a, %d %b %Y %H:%M:%S +0000")
        .to_string()
}

fn rss(p: &Payloads, base: &str) -> String {
    let x = |s: &str| xml_escape(s);
    let date = now_rfc822();
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
<title>Hostile RSS {t0}</title>
<link>{site}</link>
<description>{t0}</description>
<item>
  <title>RSS one {t1}</title>
  <link>{base}/a/rss-1</link>
  <guid isPermaLink="false">rss-1</guid>
  <pubDate>{date}</pubDate>
  <description>{t2}</description>
  <content:encoded><![CDATA[{body1}]]></content:encoded>
  <dc:creator>{t3}</dc:creator>
  <enclosure url="{j4}" type="video/mp4" length="1"/>
  <media:content url="{j5}" type="video/mp4" medium="video"/>
  <media:content url="{svg6}" type="image/svg+xml" medium="image"/>
  <media:thumbnail url="{j7}"/>
</item>
<item>
  <title>RSS two</title>
  <link>{base}/a/rss-2</link>
  <guid isPermaLink="false">rss-2</guid>
  <pubDate>{date}</pubDate>
  <description>Second item: disguised enclosure and media addresses.</description>
  <enclosure url="{j8sp}" type="video/mp4" length="1"/>
  <media:content url="vbscript:msgbox(1)" type="video/mp4"/>
  <media:content url="{j9ent}" medium="image" type="image/jpeg"/>
  <media:thumbnail url="data:image/png;base64,iVBORw0KGgo="/>
</item>
<item>
  <title>RSS three: a javascript link, never stored</title>
  <link>{j10}</link>
  <guid isPermaLink="false">rss-3</guid>
  <pubDate>{date}</pubDate>
  <description>An item whose only link is script.</description>
</item>
<item>
  <title>RSS four: a data link, never stored</title>
  <link>{svg11}</link>
  <guid isPermaLink="false">rss-4</guid>
  <pubDate>{date}</pubDate>
</item>
<item>
  <title>RSS five: safe media stay</title>
  <link>{base}/a/rss-5</link>
  <guid isPermaLink="false">rss-5</guid>
  <pubDate>{date}</pubDate>
  <description>Control: a safe image and video must survive the checks.</description>
  <enclosure url="{base}/media/ok.mp4" type="video/mp4" length="1"/>
  <media:content url="{base}/media/ok.png" type="image/png" medium="image"/>
</item>
<item>
  <title>RSS six: rewritten in the database</title>
  <link>{base}/a/rss-6</link>
  <guid isPermaLink="false">rss-6</guid>
  <pubDate>{date}</pubDate>
  <description>A plain item; the test gives its row script addresses afterwards.</description>
</item>
</channel>
</rss>"#,
        t0 = x(&p.tag_text(1)),
        site = x(&p.js_url(2)),
        t1 = x(&p.tag_text(3)),
        t2 = x(&p.hostile_html(1)),
        body1 = p.hostile_html(2),
        t3 = x(&p.tag_text(5)),
        j4 = x(&p.js_url(7)),
        j5 = x(&p.js_url(8)),
        svg6 = x(&p.svg_data_url(9)),
        j7 = x(&p.js_url(10)),
        j8sp = x(&format!(
            "  \t{}",
            p.js_url(11).replacen("javascript", "JaVaScRiPt", 1)
        )),
        j9ent = x(&p.js_url(12).replacen('j', "&#106;", 1)),
        j10 = x(&p.js_url(13)),
        svg11 = x(&p.svg_data_url(14)),
    )
}

fn atom(p: &Payloads, base: &str) -> String {
    let x = |s: &str| xml_escape(s);
    let date = jiff::Timestamp::now().to_string();
    let entry = |n: u32| {
        format!(
            r#"<entry>
  <id>urn:hostile:atom-{n}</id>
  <title type="html">{title}</title>
  <link rel="alternate" type="text/html" href="{base}/pages/p{n}.html"/>
  <link rel="enclosure" type="video/mp4" href="{enc}"/>
  <updated>{date}</updated>
  <published>{date}</published>
  <author><name>{author}</name><uri>{uri}</uri></author>
  <summary type="html">{summary}</summary>
</entry>"#,
            title = x(&format!("Atom page {n} {}", p.tag_text(20 + n * 10))),
            enc = x(&p.js_url(22 + n * 10)),
            author = x(&p.tag_text(23 + n * 10)),
            uri = x(&p.js_url(25 + n * 10)),
            summary = x(&p.tag_text(26 + n * 10)),
        )
    };
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>Hostile Atom</title>
<id>urn:hostile:atom</id>
<link rel="alternate" href="{site}"/>
<updated>{date}</updated>
{e1}
{e2}
</feed>"#,
        site = x(&p.svg_data_url(19)),
        e1 = entry(1),
        e2 = entry(2),
    )
}

/// An article page whose metadata carries payloads; `n` picks the spelling.
fn page(p: &Payloads, n: u32) -> String {
    let a = |s: &str| xml_escape(s);
    let k = 100 + n * 20;
    let (image, video) = if n == 1 {
        (p.js_url(k), p.js_url(k + 1))
    } else {
        // `&#106;` written as such in the HTML (escaped below, then put back), so
        // the page's parser reads `javascript:`, as a browser would.
        (p.svg_data_url(k), p.js_url(k + 1))
    };
    let jsonld = json!({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": format!("Atom page {n} headline {}", p.tag_text(k + 2)),
        "image": [p.js_url(k + 4), {"@type": "ImageObject", "url": p.svg_data_url(k + 5)}],
        "video": {"@type": "VideoObject", "contentUrl": p.js_url(k + 6), "embedUrl": p.js_url(k + 7), "thumbnailUrl": p.js_url(k + 8)},
        "author": {"@type": "Person", "name": p.tag_text(k + 9), "url": p.js_url(k + 11)},
        "publisher": {"@type": "Organization", "name": "Hostile", "url": p.js_url(k + 12), "logo": p.js_url(k + 13)},
        "mainEntityOfPage": p.js_url(k + 14),
    })
    .to_string()
    .replace("</", "<\\/");
    format!(
        r#"<!doctype html><html><head><meta charset="utf-8">
<title>Atom page {n} {title}</title>
<meta property="og:title" content="{ogtitle}">
<meta property="og:description" content="{desc}">
<meta name="description" content="{desc}">
<meta property="og:image" content="{image}">
<meta property="og:image:secure_url" content="{image}">
<meta name="twitter:image" content="{image}">
<meta property="og:video" content="{video}">
<meta property="og:video:url" content="{video}">
<meta property="og:video:secure_url" content="{video}">
<meta property="og:url" content="{ogurl}">
<meta name="author" content="{author}">
<link rel="canonical" href="{ogurl}">
<script type="application/ld+json">{jsonld}</script>
</head><body><article><h1>Atom page {n}</h1>
{body}
</article></body></html>"#,
        title = a(&p.tag_text(k + 15)),
        ogtitle = a(&format!("\"><script>{}</script>", p.call(k + 16))),
        desc = a(&format!("\"><img src=x onerror=\"{}\">", p.call(k + 17))),
        image = a(&image),
        video = if n == 1 {
            a(&video)
        } else {
            a(&video).replacen('j', "&#106;", 1)
        },
        ogurl = a(&p.js_url(k + 18)),
        author = a(&p.tag_text(k + 19)),
        body = p.hostile_html(10 + n),
    )
}

fn json_feed(p: &Payloads, base: &str) -> String {
    let date = jiff::Timestamp::now().to_string();
    json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": format!("Hostile JSON {}", p.tag_text(200)),
        "home_page_url": p.js_url(202),
        "feed_url": p.js_url(203),
        "icon": p.svg_data_url(204),
        "authors": [{"name": p.tag_text(205), "url": p.js_url(207)}],
        "items": [{
            "id": "json-1",
            "url": format!("{base}/a/json-1"),
            "external_url": p.js_url(208),
            "title": format!("JSON one {}", p.tag_text(209)),
            "content_html": p.hostile_html(20),
            "summary": p.tag_text(211),
            "image": p.js_url(213),
            "banner_image": p.svg_data_url(214),
            "date_published": date,
            "authors": [{"name": p.tag_text(215), "url": p.js_url(217), "avatar": p.js_url(218)}],
            "attachments": [
                {"url": p.js_url(219), "mime_type": "video/mp4"},
                {"url": p.svg_data_url(220), "mime_type": "image/svg+xml"}
            ]
        }, {
            "id": "json-2",
            "url": p.js_url(221),
            "title": "JSON two: a javascript url, never stored",
            "content_text": "x",
            "date_published": date
        }]
    })
    .to_string()
}

fn run(dir: &std::path::Path, args: &[&str]) -> String {
    run_with_input(dir, args, "")
}

fn run_with_input(dir: &std::path::Path, args: &[&str], input: &str) -> String {
    let mut child = Command::new(bin())
        .current_dir(dir)
        .args(args)
        .env("NEWSROOM_LOG", "warn")
        .env(ALLOW.0, ALLOW.1)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "newsroom {args:?}: {text}");
    text
}

/// One clustering pass, so every article has a story page.
async fn file_into_stories(db: &str) {
    let store = SqliteStore::open(db, &PoolConfig::default()).await.unwrap();
    cluster_pass(&store, "xss-test", &WorkerConfig::default(), || false)
        .await
        .unwrap();
}

/// A row as an older version, a copied database or a hand edit may have
/// left it: script addresses and a hostile body, never checked.
async fn poison_a_row(db: &str, p: &Payloads) -> i64 {
    let pool = sqlx::SqlitePool::connect(db).await.unwrap();
    let id: i64 = sqlx::query_scalar("SELECT id FROM articles WHERE guid = 'rss-6'")
        .fetch_one(&pool)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE articles SET image_url = ?, video_url = ?, original_url = ?, body_html = ? WHERE id = ?",
    )
    .bind(p.js_url(300))
    .bind(format!(" JaVaScRiPt:{}", p.call(301)))
    .bind(p.svg_data_url(302))
    .bind(p.hostile_html(30))
    .bind(id)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    id
}

/// Runs in the page: URL attributes with a script or data scheme, event
/// handler attributes, scripts that are not the site's own, and the marker.
const INSPECT: &str = r#"
const bad = [];
const schemes = /^(javascript|data|vbscript):/;
const urlAttrs = ["href", "src", "poster", "action", "formaction", "data", "srcset",
                  "xlink:href", "cite", "background", "url", "srcdoc"];
for (const el of document.querySelectorAll("*")) {
  for (const a of el.attributes) {
    const n = a.name.toLowerCase();
    const v = a.value.replace(/[\u0000-\u0020]/g, "").toLowerCase();
    if (n.startsWith("on")) bad.push(el.tagName + " " + n);
    if (urlAttrs.includes(n) && schemes.test(v)) bad.push(el.tagName + " " + n + "=" + v.slice(0, 60));
    if (n === "content" && /image|video|url|refresh/i.test(el.getAttribute("property") + el.getAttribute("name") + el.getAttribute("http-equiv"))
        && (schemes.test(v) || /url=(javascript|data|vbscript):/.test(v))) bad.push("META content=" + v.slice(0, 60));
  }
}
const foreign = [...document.querySelectorAll("script, iframe, object, embed, base, form")]
  .filter(s => !(s.tagName === "SCRIPT" && (s.type === "application/ld+json" || s.src.startsWith(location.origin + "/static/"))))
  .filter(s => !(s.tagName === "FORM" && /^\/(search$|admin\/)/.test(s.getAttribute("action") || "")))
  .filter(s => !(s.tagName === "IFRAME" && /^https:\/\/(www\.youtube|player\.vimeo)/.test(s.src)))
  .map(s => s.outerHTML.slice(0, 100));
return { bad, foreign, marker: document.documentElement.dataset.xss || null, title: document.title };
"#;

async fn inspect(c: &fantoccini::Client, url: &str) -> Value {
    c.goto(url).await.unwrap();
    // Time for onload, onerror and timers to run if anything got through.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let v = js(c, INSPECT).await;
    assert_eq!(
        v["bad"],
        json!([]),
        "{url}: script or data URLs, or handlers: {v}"
    );
    assert_eq!(
        v["foreign"],
        json!([]),
        "{url}: elements that are not the site's: {v}"
    );
    assert_eq!(v["marker"], Value::Null, "{url}: a payload ran: {v}");
    v
}

/// Puts an API client's `body_html` into the live page, as a client that
/// trusts "sanitised HTML" would, and reports whether anything ran.
async fn insert_body(c: &fantoccini::Client, html: &str) -> Value {
    c.execute(
        "const d = document.createElement('div'); d.id = 'api-body'; d.innerHTML = arguments[0]; document.body.append(d); return true;",
        vec![json!(html)],
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    js(c, INSPECT).await
}

/// Every string in an API or JSON Feed answer under a key that names an
/// address must be an absolute http(s) URL.
fn check_json_urls(v: &Value, at: &str, bad: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let here = format!("{at}.{k}");
                if let Value::String(s) = x
                    && (k.contains("url")
                        || matches!(
                            k.as_str(),
                            "image" | "banner_image" | "icon" | "favicon" | "next"
                        ))
                    && !(s.starts_with("http://") || s.starts_with("https://"))
                {
                    bad.push(format!("{here} = {s:?}"));
                }
                check_json_urls(x, &here, bad);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                check_json_urls(x, &format!("{at}[{i}]"), bad);
            }
        }
        _ => {}
    }
}

/// What no document the site serves may hold, in any case: an address with
/// a script or data scheme. (Payload text itself, `fetch(...)`, may show as
/// escaped text; a scheme may not.)
fn assert_no_script_scheme(what: &str, body: &str) {
    let lower = body.to_ascii_lowercase();
    for scheme in [
        "javascript:",
        "vbscript:",
        "data:text",
        "data:image",
        "data:application",
    ] {
        if let Some(at) = lower.find(scheme) {
            let from = body[..at]
                .char_indices()
                .rev()
                .nth(80)
                .map_or(0, |(i, _)| i);
            panic!(
                "{what} holds {scheme}: …{}…",
                &body[from..(at + 60).min(body.len())]
            );
        }
    }
}

async fn get_text(http: &reqwest::Client, url: &str) -> String {
    let r = http.get(url).send().await.unwrap();
    assert_eq!(r.status(), 200, "{url}");
    let body = r.text().await.unwrap();
    assert_no_script_scheme(url, &body);
    body
}

/// Clicks, for real, every link of the page that stays on this machine (the
/// video link, the outlet link, body links to 127.0.0.1) or that has no
/// http(s) address at all (there should be none), coming back after each.
/// Links to other hosts are not followed: tests never leave 127.0.0.1.
/// Nor the hostile fixture pages (`/pages/`): they are the outlet's own
/// pages, whose scripts run on the outlet's origin by design.
async fn click_links(c: &fantoccini::Client, url: &str) -> usize {
    c.goto(url).await.unwrap();
    let targets = js(
        c,
        r#"return [...document.querySelectorAll("a[href]")].map((a, i) => [i, a.href])
             .filter(([, h]) => !/^https?:/i.test(h)
                 || (/^https?:\/\/127\.0\.0\.1[:\/]/i.test(h) && !h.startsWith(location.origin + "/")
                     && !/\/pages\//.test(h)))
             .map(([i]) => i);"#,
    )
    .await;
    let mut clicked = 0;
    for i in targets.as_array().unwrap() {
        let i = i.as_u64().unwrap() as usize;
        c.goto(url).await.unwrap();
        let links = c.find_all(Locator::Css("a[href]")).await.unwrap();
        let Some(link) = links.get(i) else { continue };
        // Off-screen or hidden links cannot be clicked by a reader either.
        if link.is_displayed().await.unwrap_or(false) && link.click().await.is_ok() {
            clicked += 1;
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }
    clicked
}

async fn sign_in(c: &fantoccini::Client, site: &str, name: &str, password: &str) {
    c.goto(&format!("{site}/admin/login")).await.unwrap();
    for (field, value) in [("name", name), ("password", password)] {
        let input = c.find(Locator::Id(field)).await.unwrap();
        input.send_keys(value).await.unwrap();
    }
    c.find(Locator::Css("form.login button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while c.current_url().await.unwrap().path().ends_with("/login") {
        assert!(
            std::time::Instant::now() < deadline,
            "signing in to the admin failed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn get_json(http: &reqwest::Client, url: &str) -> Value {
    let r = http.get(url).send().await.unwrap();
    assert_eq!(r.status(), 200, "{url}");
    r.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_xss_nothing_from_feeds_or_pages_runs() {
    if let Some(tool) = missing() {
        println!("skipped: headless Chromium test not run ({tool} not found)");
        return;
    }
    let listener = TestServer::start().await;
    let p = Payloads {
        listener: listener.addr.port(),
    };
    let fixtures = std::sync::Arc::new(TestServer::start().await);
    let base = fixtures.url("");
    fixtures.set(
        "/rss.xml",
        Resource::ok("application/rss+xml", rss(&p, &base)),
    );
    fixtures.set(
        "/atom.xml",
        Resource::ok("application/atom+xml", atom(&p, &base)),
    );
    fixtures.set(
        "/feed.json",
        Resource::ok("application/feed+json", json_feed(&p, &base)),
    );
    for n in [1, 2] {
        fixtures.set(
            &format!("/pages/p{n}.html"),
            Resource::ok("text/html; charset=utf-8", page(&p, n)),
        );
    }
    fixtures.set(
        "/control.html",
        Resource::ok(
            "text/html",
            format!(
                "<!doctype html><title>control</title><img src=x onerror=\"{}\"><p><a id=go href=\"{}\">go</a>",
                p.call(1),
                p.js_url(2)
            ),
        ),
    );

    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("site.db").display());
    for (feed, full_text) in [
        ("/rss.xml", "never"),
        ("/atom.xml", "always"),
        ("/feed.json", "never"),
    ] {
        run(
            dir.path(),
            &[
                "--database",
                &db,
                "source",
                "add",
                &fixtures.url(feed),
                "--full-text",
                full_text,
                "--section",
                "World",
            ],
        );
    }
    let password = "correct horse battery staple";
    run_with_input(
        dir.path(),
        &["--database", &db, "user", "add", "alice", "--role", "admin"],
        &format!("{password}\n"),
    );
    run(dir.path(), &["--database", &db, "fetch", "--once"]);
    for n in [1, 2] {
        assert_eq!(
            fixtures.hits(&format!("/pages/p{n}.html")),
            1,
            "page {n} was fetched for full text"
        );
    }
    file_into_stories(&db).await;
    let poisoned = poison_a_row(&db, &p).await;

    let server = Server::start(
        dir.path(),
        &["--database", &db, "--role", "web"],
        &[("NEWSROOM_SITE__BASE_URL", "http://127.0.0.1:1")],
    );
    let http = reqwest::Client::builder().no_proxy().build().unwrap();

    // What was stored: the items with http links, and none of the others.
    let list = get_json(&http, &server.url("/api/v1/articles?per_page=100")).await;
    let articles = list["articles"].as_array().unwrap().clone();
    let titles: Vec<&str> = articles
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    for want in [
        "RSS one",
        "RSS two",
        "RSS five",
        "RSS six",
        "Atom page 1",
        "Atom page 2",
        "JSON one",
    ] {
        assert!(
            titles.iter().any(|t| t.starts_with(want)),
            "{want} missing from {titles:?}"
        );
    }
    assert_eq!(
        articles.len(),
        7,
        "items with script or data links are not stored: {titles:?}"
    );
    let mut bad = Vec::new();
    check_json_urls(&list, "list", &mut bad);

    // The API: every address is http(s); hostile media were dropped, safe ones kept.
    let mut details = Vec::new();
    for a in &articles {
        let id = a["id"].as_i64().unwrap();
        let d = get_json(&http, &server.url(&format!("/api/v1/articles/{id}"))).await;
        check_json_urls(&d, &format!("article {id}"), &mut bad);
        let title = d["title"].as_str().unwrap();
        // Every video address these carried was script or data.
        if !title.starts_with("RSS five") {
            assert_eq!(d["video"], Value::Null, "{title}: {}", d["video"]);
        }
        if title.starts_with("RSS one")
            || title.starts_with("RSS two")
            || title.starts_with("JSON one")
        {
            assert_eq!(d["image"], Value::Null, "{title}: {}", d["image"]);
        }
        if id == poisoned {
            assert_eq!(
                d["image"],
                Value::Null,
                "stored javascript: image is dropped at render"
            );
            assert_eq!(
                d["video"],
                Value::Null,
                "stored javascript: video is dropped at render"
            );
            assert_eq!(
                d["original_url"],
                Value::Null,
                "stored data: link is dropped at render"
            );
        }
        details.push(d);
    }
    assert!(
        bad.is_empty(),
        "addresses that are not http(s):\n{}",
        bad.join("\n")
    );
    // The checks drop what is hostile, not everything: safe media stay.
    let five = details
        .iter()
        .find(|d| d["title"] == "RSS five: safe media stay")
        .unwrap();
    assert_eq!(
        five["image"]["url"],
        json!(format!("{base}/media/ok.png")),
        "{five}"
    );
    assert_eq!(
        five["video"]["url"],
        json!(format!("{base}/media/ok.mp4")),
        "{five}"
    );

    // Feeds out: every address in them is http(s).
    for path in ["/feed.xml", "/atom.xml"] {
        let body = http
            .get(server.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let feed =
            feed_rs::parser::parse(body.as_bytes()).unwrap_or_else(|e| panic!("{path}: {e}"));
        for e in &feed.entries {
            for l in &e.links {
                assert!(
                    l.href.starts_with("http://") || l.href.starts_with("https://"),
                    "{path}: {}",
                    l.href
                );
            }
            for m in &e.media {
                for c in &m.content {
                    let u = c.url.as_ref().map(|u| u.to_string()).unwrap_or_default();
                    assert!(
                        u.starts_with("http://") || u.starts_with("https://"),
                        "{path}: {u}"
                    );
                }
            }
        }
        let lower = body.to_ascii_lowercase();
        for scheme in [
            "\"javascript:",
            "\"data:",
            "\"vbscript:",
            ">javascript:",
            ">data:",
        ] {
            assert!(!lower.contains(scheme), "{path} holds {scheme}");
        }
    }
    let jf = get_json(&http, &server.url("/feed.json")).await;
    let mut bad = Vec::new();
    check_json_urls(&jf, "feed.json", &mut bad);
    // The rest of the JSON API: stories, most read, search.
    let mut stories: Vec<i64> = details
        .iter()
        .filter_map(|d| d["story_id"].as_i64())
        .collect();
    stories.sort();
    stories.dedup();
    assert!(!stories.is_empty(), "the articles were filed into stories");
    for s in &stories {
        let v = get_json(&http, &server.url(&format!("/api/v1/stories/{s}"))).await;
        check_json_urls(&v, &format!("story {s}"), &mut bad);
    }
    for path in [
        "/api/v1/most-read?hours=48",
        "/api/v1/search?q=RSS",
        "/api/v1/search?q=hostile",
        "/api/v1/articles?section=world",
    ] {
        let v = get_json(&http, &server.url(path)).await;
        check_json_urls(&v, path, &mut bad);
    }
    assert!(bad.is_empty(), "{bad:?}");
    // Every document, read as text: feeds, sitemaps and API answers included.
    let mut documents = vec![
        "/".to_string(),
        "/section/world".into(),
        "/section/world/feed.xml".into(),
        "/section/world/atom.xml".into(),
        "/section/world/feed.json".into(),
        "/search?q=RSS".into(),
        "/search?q=hostile".into(),
        "/search?q=Atom".into(),
        "/feed.xml".into(),
        "/atom.xml".into(),
        "/feed.json".into(),
        "/sitemap.xml".into(),
        "/sitemap-news.xml".into(),
        "/sitemaps/sections.xml".into(),
        "/api/v1/articles?per_page=100".into(),
        "/api/v1/most-read?hours=48".into(),
        "/api/v1/search?q=RSS".into(),
    ];
    let index = get_text(&http, &server.url("/sitemap.xml")).await;
    for loc in index.split("<loc>").skip(1) {
        let loc = loc.split("</loc>").next().unwrap();
        documents.push(loc.replace("http://127.0.0.1:1", ""));
    }
    for d in &details {
        documents.push(format!("/api/v1/articles/{}", d["id"]));
        documents.push(d["url"].as_str().unwrap().replace("http://127.0.0.1:1", ""));
    }
    for s in &stories {
        documents.push(format!("/story/{s}"));
        documents.push(format!("/api/v1/stories/{s}"));
    }
    for path in &documents {
        get_text(&http, &server.url(path)).await;
    }

    // The browser.
    let tmp = tempfile::tempdir().unwrap();
    let driver = Driver::start(&http).await;
    let c = browser(
        &driver.url,
        &tmp.path().join("profile"),
        &["--window-size=1280,1000"],
        json!({}),
    )
    .await;
    let site = server.base.clone();
    let fixture_base = base.clone();
    let listener = std::sync::Arc::new(listener);
    let listener_paths = {
        let l = listener.clone();
        move || l.seen().into_iter().map(|s| s.path).collect::<Vec<_>>()
    };
    let listener_hits = move || listener.total_hits();
    let fixture_hits = {
        let f = fixtures.clone();
        move |path: &str| f.hits(path)
    };
    let phase = {
        let c = c.clone();
        async move {
            // Control: a payload that runs is seen by the marker and the listener.
            c.goto(&format!("{fixture_base}/control.html"))
                .await
                .unwrap();
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            while listener_hits() == 0 {
                assert!(
                    std::time::Instant::now() < deadline,
                    "the control payload did not call back"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            assert_eq!(
                js(&c, "return document.documentElement.dataset.xss || null").await,
                json!("1")
            );
            // Clicking a script link runs it, and is seen.
            let before = listener_hits();
            c.find(Locator::Id("go"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            while listener_hits() == before {
                assert!(
                    std::time::Instant::now() < deadline,
                    "the clicked control payload did not call back"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let after_control = listener_hits();

            let mut pages = vec![format!("{site}/")];
            let mut clickable = Vec::new();
            for d in &details {
                let article = d["url"]
                    .as_str()
                    .unwrap()
                    .replace("http://127.0.0.1:1", &site);
                pages.push(article.clone());
                clickable.push(article);
                if let Some(s) = d["story_id"].as_i64() {
                    pages.push(format!("{site}/story/{s}"));
                    clickable.push(format!("{site}/story/{s}"));
                }
            }
            for path in [
                "/section/world",
                "/search?q=RSS",
                "/search?q=hostile",
                "/feed.xml",
                "/atom.xml",
                "/feed.json",
                "/api/v1/articles",
                "/sitemap-news.xml",
            ] {
                pages.push(format!("{site}{path}"));
            }
            pages.sort();
            pages.dedup();
            for url in &pages {
                inspect(&c, url).await;
            }
            clickable.sort();
            clickable.dedup();
            let mut clicked = 0;
            for url in &clickable {
                clicked += click_links(&c, url).await;
            }
            // The safe item's video link and the outlets' links were followed.
            assert!(clicked > 0, "no link was clicked");
            assert!(
                fixture_hits("/media/ok.mp4") > 0,
                "the safe video link was clicked"
            );
            // The admin: dashboard, articles, sources.
            sign_in(&c, &site, "alice", password).await;
            for path in ["/admin/", "/admin/articles", "/admin/sources"] {
                let v = inspect(&c, &format!("{site}{path}")).await;
                assert!(
                    !v["title"].as_str().unwrap_or("").contains("Sign in"),
                    "{path}: {v}"
                );
            }
            // The safe control's media are on its page.
            let five = details
                .iter()
                .find(|d| d["title"] == "RSS five: safe media stay")
                .unwrap();
            c.goto(
                &five["url"]
                    .as_str()
                    .unwrap()
                    .replace("http://127.0.0.1:1", &site),
            )
            .await
            .unwrap();
            let media = js(&c, r#"return [document.querySelector("main .lead-image img")?.getAttribute("src"),
                                         document.querySelector("main .video-link a")?.getAttribute("href")];"#).await;
            assert_eq!(
                media,
                json!([
                    format!("{fixture_base}/media/ok.png"),
                    format!("{fixture_base}/media/ok.mp4")
                ])
            );

            // An API client inserting body_html into its page runs nothing.
            c.goto(&format!("{site}/")).await.unwrap();
            for d in &details {
                let v = insert_body(&c, d["body_html"].as_str().unwrap()).await;
                assert_eq!(v["bad"], json!([]), "article {}: body_html: {v}", d["id"]);
                assert_eq!(
                    v["foreign"],
                    json!([]),
                    "article {}: body_html: {v}",
                    d["id"]
                );
                assert_eq!(
                    v["marker"],
                    Value::Null,
                    "article {}: body_html ran: {v}",
                    d["id"]
                );
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
            assert_eq!(
                listener_hits(),
                after_control,
                "a payload called the listener: {:?}",
                listener_paths()
            );
        }
    };
    run_then_close(c, phase).await;
    drop(driver);
}
