//! The site in a real browser: Debian's Chromium, headless, driven through
//! chromedriver. It starts the real binary with `serve --demo`, loads the home
//! page and the seed article, checks what a reader sees once the page script
//! has run, and saves screenshots to `<target>/screenshots/`.
//!
//! With `NEWSROOM_DOC_SCREENSHOTS=1` it also refreshes `docs/screenshots/`.
//! That is opt-in because every run has other counts and time labels, and a
//! plain `cargo test` must not leave committed files changed.
//!
//! When `/usr/bin/chromium` or `/usr/bin/chromedriver` is missing, the test
//! says so and passes: `apt-get install -y chromium chromium-driver`.

#[path = "common/chrome.rs"]
mod chrome;

use chrome::*;
use fantoccini::Client;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SEED_TITLE: &str = "Ukraine war: Russians slowly take ground around Bakhmut";
const SEED_LONG_DATE: &str = "Monday, 13 February, 2023, 14:42";
const SEED_BODY: &str = "Stay close to the wall. Move fast.";

/// Waits until the page script's requests have finished: the beacon on an
/// article page, and the count refresh on every page.
async fn wait_for_script(c: &Client, beacon: bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let done = js(
            c,
            r#"const names = performance.getEntriesByType("resource").map(e => e.name);
               return [document.readyState === "complete",
                       names.some(n => /\/api\/v1\/views\/\d+$/.test(n)),
                       names.some(n => n.includes("/api/v1/views?ids="))];"#,
        )
        .await;
        let done: Vec<bool> = serde_json::from_value(done).unwrap();
        if done[0] && (done[1] || !beacon) && done[2] {
            // The response handlers run just after the entry appears.
            tokio::time::sleep(Duration::from_millis(300)).await;
            return;
        }
        assert!(
            Instant::now() < deadline,
            "page script requests did not finish (loaded, beacon, refresh): {done:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The visible latest-news list in the aside, as (text, time label, has video mark).
async fn aside_items(c: &Client) -> Vec<(String, String, bool)> {
    let v = js(
        c,
        r#"return [...document.querySelectorAll("aside .news-item")].map(li => {
             const r = li.getBoundingClientRect();
             const t = li.querySelector("time");
             return [r.width > 0 && r.height > 0 ? li.innerText : "",
                     t ? t.innerText.trim() : "",
                     !!li.querySelector(".video-mark")];
           });"#,
    )
    .await;
    serde_json::from_value(v).unwrap()
}

fn is_hhmm(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 5 && b[2] == b':' && [0, 1, 3, 4].iter().all(|&i| b[i].is_ascii_digit())
}

fn is_yesterday(s: &str) -> bool {
    s.strip_prefix("Yesterday, ").is_some_and(is_hhmm)
}

fn is_dated(s: &str) -> bool {
    let Some((date, time)) = s.split_once(", ") else {
        return false;
    };
    let b = date.as_bytes();
    is_hhmm(time)
        && b.len() == 10
        && b[2] == b'.'
        && b[5] == b'.'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 2 || i == 5 || c.is_ascii_digit())
}

fn check_latest(items: &[(String, String, bool)], page: &str) {
    assert!(
        items.len() >= 8,
        "{page}: latest list has {} items",
        items.len()
    );
    for (text, _, _) in items {
        assert!(
            !text.trim().is_empty(),
            "{page}: a latest item is not visible"
        );
    }
    let labels: Vec<&str> = items.iter().map(|i| i.1.as_str()).collect();
    assert!(
        labels.iter().any(|l| is_hhmm(l)),
        "{page}: no HH:MM label in {labels:?}"
    );
    assert!(
        labels.iter().any(|l| is_yesterday(l)),
        "{page}: no Yesterday label in {labels:?}"
    );
    assert!(
        labels.iter().any(|l| is_dated(l)),
        "{page}: no DD.MM.YYYY label in {labels:?}"
    );
    assert!(
        labels
            .iter()
            .all(|l| is_hhmm(l) || is_yesterday(l) || is_dated(l)),
        "{page}: odd time label in {labels:?}"
    );
    let video: Vec<&String> = items.iter().filter(|i| i.2).map(|i| &i.0).collect();
    assert!(
        video.iter().any(|t| t.contains("(video)")),
        "{page}: no visible \"(video)\" marker in the latest list"
    );
}

/// No horizontal scrolling: nothing is wider than the viewport.
async fn assert_no_horizontal_scroll(c: &Client, page: &str) {
    let v = js(
        c,
        r#"const d = document.documentElement;
           const wide = [...document.querySelectorAll("body *")]
             .filter(e => e.getBoundingClientRect().right > d.clientWidth + 1)
             .slice(0, 5).map(e => e.tagName + "." + e.className);
           return [window.innerWidth, d.clientWidth, d.scrollWidth, document.body.scrollWidth, wide];"#,
    )
    .await;
    let inner = v[0].as_i64().unwrap();
    let client = v[1].as_i64().unwrap();
    let scroll = v[2].as_i64().unwrap().max(v[3].as_i64().unwrap());
    assert_eq!(inner, 375, "{page}: phone viewport is {inner} px wide");
    assert!(
        scroll <= client,
        "{page}: horizontal scroll at {inner} px: content {scroll} px > viewport {client} px; too wide: {}",
        v[4]
    );
}

/// Every image on the page loaded (none broken), and each has alt text.
async fn assert_images_loaded(c: &Client, page: &str) {
    let v = js(
        c,
        r#"return [...document.images].filter(i => !i.complete || i.naturalWidth === 0 || !i.hasAttribute("alt"))
                     .map(i => i.src);"#,
    )
    .await;
    assert_eq!(v, json!([]), "{page}: images not loaded or without alt");
}

fn save_png(png: &[u8], name: &str, dirs: &[PathBuf]) {
    assert!(png.starts_with(b"\x89PNG"), "{name}: not a PNG");
    for dir in dirs {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join(name), png).unwrap();
    }
}

async fn api_views(http: &reqwest::Client, base: &str, id: i64) -> i64 {
    let v: Value = http
        .get(format!("{base}/api/v1/views?ids={id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["views"][id.to_string()]
        .as_i64()
        .unwrap_or_else(|| panic!("no count for {id} in {v}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn site_in_headless_chromium() {
    if let Some(tool) = missing() {
        println!("skipped: headless Chromium test not run ({tool} not found)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = Proc(
        Command::new(env!("CARGO_BIN_EXE_newsroom"))
            .current_dir(tmp.path())
            .args(["serve", "--demo", "--listen", &format!("127.0.0.1:{port}")])
            .env("NEWSROOM_SITE__TIME_ZONE", "Europe/Kyiv")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start newsroom"),
    );
    wait_ok(&http, &format!("{base}/healthz"), "newsroom", &mut server).await;

    let driver = Driver::start(&http).await;
    let driver_url = driver.url.clone();

    let target = Path::new(env!("CARGO_BIN_EXE_newsroom"))
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .to_path_buf();
    let mut shots = vec![target.join("screenshots")];
    if std::env::var_os("NEWSROOM_DOC_SCREENSHOTS").is_some_and(|v| v == "1") {
        shots.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots"));
    }

    let before = api_views(&http, &base, 1).await;

    let c = browser(
        &driver_url,
        &tmp.path().join("profile-desktop"),
        &["--window-size=1280,1000"],
        json!({}),
    )
    .await;
    let s = Session {
        c: c.clone(),
        base: base.clone(),
        http: http.clone(),
        shots: shots.clone(),
    };
    run_then_close(c, desktop(s, before)).await;

    let c = browser(
        &driver_url,
        &tmp.path().join("profile-phone"),
        &[],
        json!({ "mobileEmulation": { "deviceMetrics": { "width": 375, "height": 812, "pixelRatio": 1.0 } } }),
    )
    .await;
    let s = Session {
        c: c.clone(),
        base: base.clone(),
        http: http.clone(),
        shots: shots.clone(),
    };
    run_then_close(c, phone(s)).await;

    let c = browser(
        &driver_url,
        &tmp.path().join("profile-dark"),
        &[
            "--window-size=1280,1000",
            "--force-dark-mode",
            "--blink-settings=preferredColorScheme=0",
        ],
        json!({}),
    )
    .await;
    let s = Session {
        c: c.clone(),
        base: base.clone(),
        http: http.clone(),
        shots: shots.clone(),
    };
    run_then_close(c, dark(s)).await;

    // Every visit came from one visitor (one IP, one User-Agent).
    assert_eq!(
        api_views(&http, &base, 1).await,
        before + 1,
        "three browser sessions of one visitor should count one view"
    );
    let list: Vec<String> = shots.iter().map(|p| p.display().to_string()).collect();
    println!("screenshots in {}", list.join(", "));
    drop(driver);
    drop(server);
}

struct Session {
    c: Client,
    base: String,
    http: reqwest::Client,
    shots: Vec<PathBuf>,
}

/// Desktop width, light: the home page and the seed article.
async fn desktop(s: Session, before: i64) {
    let Session {
        c,
        base,
        http,
        shots,
    } = s;
    c.goto(&format!("{base}/")).await.unwrap();
    wait_for_script(&c, false).await;
    let home = js(
        &c,
        r#"const lead = document.querySelector(".lead-story");
           const img = lead && lead.querySelector("img");
           return [lead ? lead.innerText : "", img ? [img.complete, img.naturalWidth, img.alt] : null,
                   document.querySelectorAll(".most-read .news-item").length,
                   document.querySelectorAll(".section-block").length];"#,
    )
    .await;
    assert!(
        !home[0].as_str().unwrap().trim().is_empty(),
        "home: no lead story"
    );
    assert!(
        home[1].is_null() || home[1][1].as_i64().unwrap_or(0) > 0,
        "home: lead image not loaded: {home}"
    );
    assert_images_loaded(&c, "home").await;
    assert!(home[2].as_i64().unwrap() > 0, "home: most read is empty");
    assert!(home[3].as_i64().unwrap() > 0, "home: no section blocks");
    check_latest(&aside_items(&c).await, "home");
    save_png(&c.screenshot().await.unwrap(), "home.png", &shots);

    c.goto(&format!("{base}/news/1")).await.unwrap();
    wait_for_script(&c, true).await;
    let url = c.current_url().await.unwrap();
    assert!(
        url.path().starts_with("/news/1-ukraine-war"),
        "/news/1 should redirect to the canonical slug, got {url}"
    );
    let a = js(
        &c,
        r#"const vis = e => { if (!e) return false; const r = e.getBoundingClientRect();
             const s = getComputedStyle(e);
             return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none"; };
           const h1 = document.querySelector("main h1");
           const img = document.querySelector("main .lead-image img");
           const v = document.querySelector("main [data-views][data-article='1']");
           const t = document.querySelector("main time.published");
           const body = document.querySelector("main .body");
           const src = document.querySelector("main .source a");
           return {
             h1: vis(h1) ? h1.innerText : null,
             img: img && vis(img) ? { complete: img.complete, w: img.naturalWidth, alt: img.alt } : null,
             views: v && vis(v) ? { attr: v.getAttribute("data-views"), text: v.innerText } : null,
             time: t && vis(t) ? { text: t.innerText, datetime: t.getAttribute("datetime") } : null,
             body: body && vis(body) ? body.innerText : null,
             source: src && vis(src) ? { text: src.innerText, href: src.href } : null,
           };"#,
    )
    .await;
    assert_eq!(
        a["h1"].as_str(),
        Some(SEED_TITLE),
        "article: visible h1: {a}"
    );
    let img = &a["img"];
    assert!(
        img["complete"].as_bool() == Some(true) && img["w"].as_i64().unwrap_or(0) > 0,
        "article: lead image not loaded: {a}"
    );
    assert!(
        !img["alt"].as_str().unwrap_or("").trim().is_empty(),
        "article: lead image has no alt text"
    );
    let shown: i64 = a["views"]["attr"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("article: no visible view count: {a}"));
    assert_eq!(
        a["views"]["text"].as_str().map(str::trim),
        Some(shown.to_string().as_str()),
        "article: count text and data-views differ"
    );
    assert_eq!(
        a["time"]["text"].as_str(),
        Some(SEED_LONG_DATE),
        "article: long date: {a}"
    );
    assert!(
        a["time"]["datetime"]
            .as_str()
            .is_some_and(|d| d.starts_with("2023-02-13T")),
        "article: <time datetime>: {a}"
    );
    assert!(
        a["body"]
            .as_str()
            .is_some_and(|b| b.contains(SEED_BODY) && b.len() > 800),
        "article: body text not visible: {a}"
    );
    assert!(
        a["source"]["href"]
            .as_str()
            .is_some_and(|h| h.starts_with("http")),
        "article: source link: {a}"
    );
    assert_images_loaded(&c, "article").await;
    check_latest(&aside_items(&c).await, "article");

    // After the beacon and the refresh, the page shows what the API reports,
    // and the visit counted once: page render and beacon are one visitor.
    let api = api_views(&http, &base, 1).await;
    assert_eq!(
        shown, api,
        "data-views after the page script vs /api/v1/views?ids=1"
    );
    assert_eq!(api, before + 1, "one browser visit should count one view");
    save_png(&c.screenshot().await.unwrap(), "article.png", &shots);
}

/// 375 CSS px wide, as a small phone: nothing may scroll sideways.
async fn phone(s: Session) {
    let Session { c, base, shots, .. } = s;
    c.goto(&format!("{base}/")).await.unwrap();
    wait_for_script(&c, false).await;
    assert_no_horizontal_scroll(&c, "home").await;
    save_png(&c.screenshot().await.unwrap(), "home-phone.png", &shots);
    c.goto(&format!("{base}/news/1")).await.unwrap();
    wait_for_script(&c, true).await;
    assert_no_horizontal_scroll(&c, "article").await;
    let h1 = js(&c, "return document.querySelector('main h1').innerText;").await;
    assert_eq!(h1.as_str(), Some(SEED_TITLE));
    save_png(&c.screenshot().await.unwrap(), "article-phone.png", &shots);
}

/// The browser prefers a dark colour scheme; the stylesheet follows it.
async fn dark(s: Session) {
    let Session { c, base, shots, .. } = s;
    c.goto(&format!("{base}/news/1")).await.unwrap();
    wait_for_script(&c, true).await;
    let v = js(
        &c,
        r#"return [matchMedia("(prefers-color-scheme: dark)").matches,
                   getComputedStyle(document.body).backgroundColor,
                   getComputedStyle(document.querySelector("main h1")).color];"#,
    )
    .await;
    if v[0].as_bool() == Some(true) {
        assert_ne!(
            v[1].as_str(),
            Some("rgb(255, 255, 255)"),
            "dark mode: body is still white: {v}"
        );
        save_png(&c.screenshot().await.unwrap(), "article-dark.png", &shots);
    } else {
        println!("note: this Chromium ignored the dark colour-scheme flags; no dark screenshot");
    }
}

#[test]
fn time_label_shapes() {
    assert!(is_hhmm("09:05"));
    assert!(!is_hhmm("9:05"));
    assert!(is_yesterday("Yesterday, 22:08"));
    assert!(is_dated("12.02.2023, 18:30"));
    assert!(!is_dated("Yesterday, 22:08"));
    assert!(!is_dated("12.02.23, 18:30"));
}
