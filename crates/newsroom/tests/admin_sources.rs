//! The admin's sources through the real binary, on SQLite and, when
//! NEWSROOM_TEST_POSTGRES_URL is set, PostgreSQL: a source's fetch history
//! as passes of `newsroom fetch --once` write it against an outlet on
//! 127.0.0.1 that answers 200, 500, 304 and 200 again.

#[macro_use]
mod common;

use common::*;
use newsroom_ingest::testkit::{Resource, TestServer, sample_rss};
use std::path::Path;

const ADMIN_PW: &str = "correct horse battery staple";
const ALLOW_LOOPBACK: (&str, &str) = ("NEWSROOM_FETCH__ALLOW_PRIVATE_NETWORKS", "true");

/// A site without demo content, serving only (`--role web`): the test runs
/// every ingest pass itself, as `newsroom fetch --once`.
fn start(db: &Backend, dir: &Path) -> Server {
    std::fs::create_dir_all(dir.join("data")).unwrap();
    let url = db.demo_url(dir);
    Server::start(
        dir,
        &["--role", "web", "--database", &url],
        &[ALLOW_LOOPBACK],
    )
}

fn pass(db: &Backend, server: &Server) {
    run_ok(
        &server.dir,
        &["--database", &db.demo_url(&server.dir), "fetch", "--once"],
        &[ALLOW_LOOPBACK],
    );
}

/// A signed-in admin's client and the form token of its session.
async fn admin(db: &Backend, server: &Server) -> (reqwest::Client, String) {
    let (ok, out) = user_cmd(
        db,
        server,
        &["add", "root", "--role", "admin"],
        &format!("{ADMIN_PW}\n"),
    );
    assert!(ok, "{out}");
    let c = cookie_client();
    assert_eq!(sign_in(&c, server, "root", ADMIN_PW).await.status(), 303);
    let (status, html) = page(&c, &server.url("/admin/sources")).await;
    assert_eq!(status, 200);
    let csrf = csrf_of(&html);
    (c, csrf)
}

/// Adds a source through the admin's form (discovery from the site's home
/// page); returns its id.
async fn add_source(c: &reqwest::Client, server: &Server, csrf: &str, site: &str) -> i64 {
    let r = c
        .post(server.url("/admin/sources"))
        .form(&[
            ("csrf", csrf),
            ("url", site),
            ("name", ""),
            ("section", ""),
            ("full_text", "never"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let (_, html) = page(c, &server.url("/admin/sources")).await;
    let doc = scraper::Html::parse_document(&html);
    select(&doc, "tr[data-id]")
        .last()
        .and_then(|tr| tr.value().attr("data-id"))
        .expect("the new source's row")
        .parse()
        .unwrap()
}

/// An outlet whose home page links to its feed.
fn outlet_site(outlet: &TestServer) {
    outlet.set(
        "/",
        Resource::ok(
            "text/html",
            format!(
                "<html><head><link rel=\"alternate\" type=\"application/rss+xml\" href=\"{}\"></head><body>home</body></html>",
                outlet.url("/news.xml")
            ),
        ),
    );
}

/// The rows of a source page's fetch table: (result class, HTTP status, stored, error).
async fn fetches(
    c: &reqwest::Client,
    server: &Server,
    id: i64,
) -> Vec<(String, String, String, String)> {
    let (status, html) = page(c, &server.url(&format!("/admin/sources/{id}"))).await;
    assert_eq!(status, 200, "{html}");
    let doc = scraper::Html::parse_document(&html);
    select(&doc, "table.fetches tbody tr")
        .iter()
        .map(|tr| {
            let cells: Vec<String> = tr
                .select(&scraper::Selector::parse("td").unwrap())
                .map(|td| text(&td))
                .collect();
            (
                tr.value().attr("class").unwrap_or("").to_string(),
                cells[2].clone(),
                cells[4].clone(),
                cells[5].clone(),
            )
        })
        .collect()
}

on_every_backend!(a_sources_page_shows_its_last_fetches => a_sources_page_shows_its_last_fetches_on);

async fn a_sources_page_shows_its_last_fetches_on(db: &Backend) {
    let dir = tempfile::tempdir().unwrap();
    let outlet = TestServer::start().await;
    outlet_site(&outlet);
    let feed = |n| {
        Resource::ok(
            "application/rss+xml",
            sample_rss("Loop Outlet", &outlet.url(""), n),
        )
        .with_etag(&format!("\"v{n}\""))
    };
    outlet.set("/news.xml", feed(2));
    let server = start(db, dir.path());
    let (c, csrf) = admin(db, &server).await;
    let id = add_source(&c, &server, &csrf, &outlet.url("/")).await;
    let (_, html) = page(&c, &server.url(&format!("/admin/sources/{id}"))).await;
    assert!(html.contains("Not fetched yet."), "{html}");
    assert!(
        html.contains(&outlet.url("/news.xml")),
        "the discovered feed"
    );

    // 200: read, two new articles.
    pass(db, &server);
    let rows = fetches(&c, &server, id).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        (rows[0].0.as_str(), rows[0].1.as_str()),
        ("fetch-ok", "200")
    );
    assert!(rows[0].2.contains("2 new"), "{rows:?}");
    assert_eq!(rows[0].3, "");

    // 500: failed, with its class and reason, newest first.
    outlet.set("/news.xml", Resource::status(500));
    pass(db, &server);
    let rows = fetches(&c, &server, id).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(
        (rows[0].0.as_str(), rows[0].1.as_str()),
        ("fetch-failed", "500")
    );
    assert!(rows[0].3.starts_with("http_5xx: "), "{rows:?}");
    assert_eq!(rows[1].0, "fetch-ok");

    // Back with the same ETag: the conditional GET answers 304.
    outlet.set("/news.xml", feed(2));
    pass(db, &server);
    let rows = fetches(&c, &server, id).await;
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(
        (rows[0].0.as_str(), rows[0].1.as_str()),
        ("fetch-not_modified", "304")
    );
    assert_eq!(rows[0].3, "", "a 304 is no error");

    // A new item: 200 again, one new.
    outlet.set("/news.xml", feed(3));
    pass(db, &server);
    let rows = fetches(&c, &server, id).await;
    assert_eq!(rows.len(), 4);
    assert_eq!(
        (rows[0].0.as_str(), rows[0].1.as_str()),
        ("fetch-ok", "200")
    );
    assert!(rows[0].2.contains("1 new"), "{rows:?}");
    let results: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(
        results,
        ["fetch-ok", "fetch-not_modified", "fetch-failed", "fetch-ok"]
    );

    // Pass after pass, the page shows the last 20.
    for _ in 0..20 {
        pass(db, &server);
    }
    let rows = fetches(&c, &server, id).await;
    assert_eq!(rows.len(), 20);
    assert!(
        rows.iter().all(|r| r.0 == "fetch-not_modified"),
        "the 20 newest: {rows:?}"
    );

    // Unknown sources are not found; signed out, the page sends to the login.
    assert_eq!(
        page(&c, &server.url(&format!("/admin/sources/{}", id + 100)))
            .await
            .0,
        404
    );
    assert_eq!(
        page(
            &cookie_client(),
            &server.url(&format!("/admin/sources/{id}"))
        )
        .await
        .0,
        303
    );
    server.stop();
}
