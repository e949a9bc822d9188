//! The public site, against the real binary on 127.0.0.1 with demo content,
//! on SQLite and, when NEWSROOM_TEST_POSTGRES_URL is set, on PostgreSQL.

#[macro_use]
mod common;

use common::*;
use regex::Regex;

const SEED_PATH: &str = "/news/1-ukraine-war-russians-slowly-take-ground-around-bakhmut";

on_every_backend!(article_page_has_every_element_of_the_seed => article_page_has_every_element_of_the_seed_on);

async fn article_page_has_every_element_of_the_seed_on(db: &Backend) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &db.args(&["--demo"]), &[]);
    let (status, html) = get(&server.url(SEED_PATH), BROWSER_UA).await;
    assert_eq!(status, 200);
    let doc = scraper::Html::parse_document(&html);
    assert_eq!(select(&doc, "html")[0].value().attr("lang"), Some("en"));
    let h1 = select(&doc, "main h1");
    assert_eq!(
        text(&h1[0]),
        "Ukraine war: Russians slowly take ground around Bakhmut"
    );
    let img = select(&doc, "main figure img");
    assert!(!img.is_empty(), "lead image");
    assert!(
        img[0].value().attr("alt").is_some_and(|a| !a.is_empty()),
        "alt text"
    );
    let views = select(&doc, "main .views[data-views]");
    assert_eq!(
        views[0].value().attr("data-views"),
        Some("1367"),
        "seed count, including this view"
    );
    assert_eq!(text(&views[0]), "1367");
    let time = select(&doc, "main time.published");
    assert_eq!(text(&time[0]), "Monday, 13 February, 2023, 14:42");
    assert_eq!(
        time[0].value().attr("datetime"),
        Some("2023-02-13T12:42:00Z")
    );
    let body = text(&select(&doc, "main .body")[0]);
    assert!(body.starts_with("\"Stay close to the wall."), "{body}");
    assert!(body.contains("dwindling ammunition."));
    let source = select(&doc, "main .source a");
    assert_eq!(text(&source[0]), "BBC News");
    assert!(
        source[0]
            .value()
            .attr("href")
            .unwrap()
            .starts_with("https://")
    );
    let latest = select(&doc, "aside .news-item");
    assert!(latest.len() >= 8, "latest list beside the article");
    for landmark in ["header", "nav", "main", "aside", "footer"] {
        assert!(!select(&doc, landmark).is_empty(), "landmark {landmark}");
    }
    server.stop();
}

on_every_backend!(latest_list_shows_three_time_forms_and_video => latest_list_shows_three_time_forms_and_video_on);

async fn latest_list_shows_three_time_forms_and_video_on(db: &Backend) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &db.args(&["--demo"]), &[]);
    let (_, html) = get(&server.url("/"), BROWSER_UA).await;
    let doc = scraper::Html::parse_document(&html);
    let items = select(&doc, "aside .news-item");
    let today = Regex::new(r"^\d{2}:\d{2}$").unwrap();
    let yesterday = Regex::new(r"^Yesterday, \d{2}:\d{2}$").unwrap();
    let older = Regex::new(r"^\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}$").unwrap();
    let labels: Vec<String> = select(&doc, "time[datetime]").iter().map(text).collect();
    assert!(labels.iter().any(|l| today.is_match(l)), "{labels:?}");
    assert!(labels.iter().any(|l| yesterday.is_match(l)), "{labels:?}");
    assert!(labels.iter().any(|l| older.is_match(l)), "{labels:?}");
    let rafah = items
        .iter()
        .find(|i| text(i).contains("Rafah crossing reopens"))
        .expect("seed video item");
    assert!(
        text(rafah)
            .contains("Gaza’s Rafah crossing reopens, first medical evacuees enter Egypt (video)"),
        "{}",
        text(rafah)
    );
    for it in &items {
        assert!(select(&scraper::Html::parse_fragment(&it.html()), "[data-views]").len() == 1);
        let t = select(&scraper::Html::parse_fragment(&it.html()), "time")[0]
            .value()
            .attr("datetime")
            .unwrap()
            .to_string();
        assert!(t.ends_with('Z'), "{t}");
    }
    assert!(
        !select(&doc, ".most-read .news-item").is_empty(),
        "most read"
    );
    assert!(
        select(&doc, "nav a[href^='/section/']").len() >= 3,
        "section links"
    );
    server.stop();
}

on_every_backend!(views_are_deduplicated_bots_skipped_and_survive_restart => views_are_deduplicated_bots_skipped_and_survive_restart_on);

async fn views_are_deduplicated_bots_skipped_and_survive_restart_on(db: &Backend) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &db.args(&["--demo"]), &[]);
    let url = server.url(SEED_PATH);
    let first = main_views(&get(&url, "Mozilla/5.0 visitor-a").await.1);
    assert_eq!(
        main_views(&get(&url, "Mozilla/5.0 visitor-a").await.1),
        first,
        "same visitor within 30 min"
    );
    assert_eq!(
        main_views(&get(&url, "Mozilla/5.0 visitor-b").await.1),
        first + 1
    );
    for bot in [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "facebookexternalhit/1.1",
        "",
    ] {
        assert_eq!(
            main_views(&get(&url, bot).await.1),
            first + 1,
            "bot {bot:?} not counted"
        );
    }
    // A beacon from a visitor the render already counted counts nothing more.
    let beacon = client()
        .post(server.url("/api/v1/views/1"))
        .header("user-agent", "Mozilla/5.0 visitor-b")
        .send()
        .await
        .unwrap();
    let j: serde_json::Value = beacon.json().await.unwrap();
    assert_eq!(j["counted"], false);
    assert_eq!(j["views"], first + 1);
    // A beacon alone (the page came from a cache) counts.
    let j: serde_json::Value = client()
        .post(server.url("/api/v1/views/1"))
        .header("user-agent", "Mozilla/5.0 visitor-c")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (j["counted"].as_bool(), j["views"].as_i64()),
        (Some(true), Some(first + 2))
    );
    let status = client()
        .post(server.url("/api/v1/views/99999"))
        .header("user-agent", "Mozilla/5.0 x")
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 404);
    let counts: serde_json::Value = client()
        .get(server.url("/api/v1/views?ids=1,2"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(counts["views"]["1"], first + 2);

    // Graceful restart: nothing buffered is lost.
    assert!(server.stop().success());
    let server = Server::start(dir.path(), &db.args(&["--demo"]), &[]);
    let counts: serde_json::Value = client()
        .get(server.url("/api/v1/views?ids=1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        counts["views"]["1"],
        first + 2,
        "counts survive a graceful restart"
    );
    assert_eq!(
        main_views(
            &get(
                &url.replace(&url[..url.find("/news").unwrap()], &server.base),
                "Mozilla/5.0 visitor-d"
            )
            .await
            .1
        ),
        first + 3
    );
    server.stop();
}

on_every_backend!(bad_paths_get_404_or_a_redirect => bad_paths_get_404_or_a_redirect_on);

async fn bad_paths_get_404_or_a_redirect_on(db: &Backend) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &db.args(&["--demo"]), &[]);
    let c = client();
    let r = c
        .get(server.url("/news/1-wrong-slug"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 301);
    assert_eq!(r.headers()["location"], SEED_PATH);
    let r = c.get(server.url("/news/1")).send().await.unwrap();
    assert_eq!(r.status(), 301);
    for path in [
        "/news/99999-nothing",
        "/news/abc",
        "/news/-1",
        "/section/nope",
        "/section/world?page=999",
        "/section/world?page=x",
        "/no/such/page",
    ] {
        let r = c.get(server.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
        let body = r.text().await.unwrap();
        assert!(
            body.contains("<h1>Not found</h1>"),
            "{path}: a real 404 page"
        );
    }
    let r = c
        .get(server.url("/section/world?page=2"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("rel=\"prev\""));
    for (path, ctype) in [
        ("/robots.txt", "text/plain"),
        ("/favicon.ico", "image/x-icon"),
        ("/healthz", "application/json"),
        ("/static/site.css", "text/css"),
    ] {
        let r = c.get(server.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with(ctype),
            "{path}"
        );
    }
    let health: serde_json::Value = c
        .get(server.url("/healthz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["database"], "ok");
    server.stop();
}

on_every_backend!(odd_and_oversized_headers_never_crash => odd_and_oversized_headers_never_crash_on);

async fn odd_and_oversized_headers_never_crash_on(db: &Backend) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &db.args(&["--demo"]), &[]);
    let addr = server.base.trim_start_matches("http://").to_string();
    let requests: Vec<Vec<u8>> = vec![
        format!(
            "GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
            "a".repeat(1 << 20)
        )
        .into_bytes(),
        format!(
            "GET /news/1 HTTP/1.1\r\nHost: x\r\nUser-Agent: {}\r\n\r\n",
            "u".repeat(60_000)
        )
        .into_bytes(),
        b"GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: \xff\xfe\x00bad\r\n\r\n".to_vec(),
        b"GET /news/1-\xd0 HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
        b"BREW /coffee HTCPCP/1.0\r\n\r\n".to_vec(),
        b"GET / HTTP/1.1\r\nX-Forwarded-For: ,,,,\r\nHost: x\r\n\r\n".to_vec(),
    ];
    for req in requests {
        if let Ok(mut s) = tokio::net::TcpStream::connect(&addr).await {
            let _ = s.write_all(&req).await;
            let mut buf = vec![0u8; 4096];
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), s.read(&mut buf)).await;
        }
    }
    let (status, _) = get(&server.url("/healthz"), BROWSER_UA).await;
    assert_eq!(status, 200, "still serving");
    assert!(server.stop().success());
}

#[test]
fn malformed_config_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("bad.toml");
    std::fs::write(&cfg, "[site]\ntime_zone = \"Nowhere/Atlantis\"\n").unwrap();
    let out = std::process::Command::new(bin())
        .current_dir(dir.path())
        .args(["serve", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("site.time_zone"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn missing_database_folder_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(bin())
        .current_dir(dir.path())
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database",
            "sqlite:///no/such/folder/site.db",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("does not exist"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn help_lists_every_command() {
    let out = std::process::Command::new(bin())
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for cmd in ["serve", "extract", "cluster"] {
        assert!(help.contains(cmd), "{help}");
    }
    let out = std::process::Command::new(bin())
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in ["--config", "--listen", "--database", "--demo", "--role"] {
        assert!(help.contains(flag), "{help}");
    }
}

on_every_backend!(the_site_speaks_its_locale => the_site_speaks_its_locale_on);

async fn the_site_speaks_its_locale_on(db: &Backend) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        &db.args(&["--demo"]),
        &[("NEWSROOM_SITE__LOCALE", "de")],
    );
    let (_, html) = get(&server.url(SEED_PATH), BROWSER_UA).await;
    let doc = scraper::Html::parse_document(&html);
    assert_eq!(select(&doc, "html")[0].value().attr("lang"), Some("de"));
    let long = text(&select(&doc, "main time.published")[0]);
    assert!(long.starts_with("Montag, 13. Februar 2023"), "{long}");
    let labels: Vec<String> = select(&doc, "aside time").iter().map(text).collect();
    assert!(
        labels.iter().any(|l| l.starts_with("Gestern, ")),
        "{labels:?}"
    );
    assert!(
        text(&select(&doc, "aside h2")[0]).contains("Neueste"),
        "German chrome strings"
    );
    server.stop();
}

/// A worker node answers only its health check: put in a load balancer's
/// pool by mistake, it serves no pages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_node_serves_only_its_health_check() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--demo", "--role", "worker"], &[]);
    assert_eq!(get(&server.url("/healthz"), BROWSER_UA).await.0, 200);
    for path in [
        SEED_PATH,
        "/",
        "/api/v1/articles",
        "/feed.xml",
        "/admin/login",
    ] {
        assert_eq!(get(&server.url(path), BROWSER_UA).await.0, 404, "{path}");
    }
    assert!(server.stop().success());
    // The same database on a web node serves the site.
    let server = Server::start(dir.path(), &["--demo", "--role", "web"], &[]);
    assert_eq!(get(&server.url(SEED_PATH), BROWSER_UA).await.0, 200);
    server.stop();
}
