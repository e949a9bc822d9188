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

/// The settings form's current values on a source's page: (section id,
/// full text, shortest, longest, enabled).
async fn settings_of(c: &reqwest::Client, server: &Server, id: i64) -> (String, String, String, String, bool) {
    let (status, html) = page(c, &server.url(&format!("/admin/sources/{id}"))).await;
    assert_eq!(status, 200);
    let doc = scraper::Html::parse_document(&html);
    let value = |css: &str| {
        select(&doc, css)
            .first()
            .and_then(|e| e.value().attr("value"))
            .unwrap_or("")
            .to_string()
    };
    (
        value("#section option[selected]"),
        value("#full_text option[selected]"),
        value("#poll_min"),
        value("#poll_max"),
        !select(&doc, "#enabled[checked]").is_empty(),
    )
}

async fn post_settings(
    c: &reqwest::Client,
    server: &Server,
    id: i64,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let r = c
        .post(server.url(&format!("/admin/sources/{id}/settings")))
        .form(fields)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let to = location(&r);
    (status, to, r.text().await.unwrap())
}

on_every_backend!(a_sources_settings_are_checked_saved_and_honoured => a_sources_settings_are_checked_saved_and_honoured_on);

async fn a_sources_settings_are_checked_saved_and_honoured_on(db: &Backend) {
    let dir = tempfile::tempdir().unwrap();
    let outlet = TestServer::start().await;
    outlet_site(&outlet);
    outlet.set(
        "/news.xml",
        Resource::ok("application/rss+xml", sample_rss("Set Outlet", &outlet.url(""), 2)),
    );
    outlet.set(
        "/other.xml",
        Resource::ok("application/rss+xml", sample_rss("Other Outlet", &outlet.url("/o"), 1)),
    );
    let server = start(db, dir.path());
    let (c, csrf) = admin(db, &server).await;
    // A source added on the command line makes the section "World".
    run_ok(
        dir.path(),
        &["--database", &db.demo_url(dir.path()), "source", "add", &outlet.url("/other.xml"), "--section", "World"],
        &[ALLOW_LOOPBACK],
    );
    let id = add_source(&c, &server, &csrf, &outlet.url("/")).await;
    let (_, html) = page(&c, &server.url(&format!("/admin/sources/{id}"))).await;
    let doc = scraper::Html::parse_document(&html);
    let world = select(&doc, "#section option")
        .iter()
        .find(|o| text(o) == "World")
        .and_then(|o| o.value().attr("value"))
        .expect("the World section")
        .to_string();
    assert_eq!(
        settings_of(&c, &server, id).await,
        (String::new(), "never".into(), String::new(), String::new(), true),
        "as added"
    );

    // Saved, and shown again as saved.
    let good = [
        ("csrf", csrf.as_str()),
        ("section", world.as_str()),
        ("full_text", "always"),
        ("poll_min", "30"),
        ("poll_max", "120"),
    ];
    let (status, to, _) = post_settings(&c, &server, id, &good).await;
    assert_eq!((status, to.as_str()), (303, format!("/admin/sources/{id}?done=saved").as_str()));
    let saved = (world.clone(), "always".to_string(), "30".to_string(), "120".to_string(), false);
    assert_eq!(settings_of(&c, &server, id).await, saved, "no checkbox: disabled");
    let (_, html) = page(&c, &server.url(&format!("/admin/sources/{id}?done=saved"))).await;
    assert!(html.contains("Settings saved"), "{html}");
    let (_, list) = page(&c, &server.url("/admin/sources")).await;
    let doc = scraper::Html::parse_document(&list);
    let row = &select(&doc, &format!("tr[data-id='{id}']"))[0];
    assert!(text(row).contains("World") && text(row).contains("disabled"), "{}", text(row));

    // A disabled source is not fetched.
    let before = outlet.hits("/news.xml");
    pass(db, &server);
    assert_eq!(outlet.hits("/news.xml"), before, "fetched while disabled");

    // Bad values are refused with the reason, and change nothing.
    let refusals: &[(&str, &str, &str)] = &[
        ("poll_min", "0", "The shortest interval must be at least 1 minute."),
        ("poll_min", "ten", "The shortest interval must be a whole number of minutes."),
        ("poll_max", "-5", "The longest interval must be a whole number of minutes."),
        ("poll_max", "20000", "The longest interval may be at most 7 days (10080 minutes)."),
        ("poll_min", "240", "The shortest interval may not be longer than the longest."),
        ("section", "999999", "There is no such section."),
        ("full_text", "sometimes", "Full text must be auto, always or never."),
    ];
    for (field, value, why) in refusals {
        let fields: Vec<(&str, &str)> = good
            .iter()
            .map(|(k, v)| if k == field { (*k, *value) } else { (*k, *v) })
            .collect();
        let (status, _, html) = post_settings(&c, &server, id, &fields).await;
        assert_eq!(status, 400, "{field}={value}");
        let doc = scraper::Html::parse_document(&html);
        let error = select(&doc, "p.error").first().map(text).unwrap_or_default();
        assert_eq!(error, *why, "{field}={value}");
        // The form shows what was sent, to be corrected.
        if *field == "poll_min" || *field == "poll_max" {
            assert_eq!(select(&doc, &format!("#{field}"))[0].value().attr("value"), Some(*value));
        }
        assert_eq!(settings_of(&c, &server, id).await, saved, "{field}={value} changed something");
    }

    // Without the form's token, or as an editor, nothing is saved.
    let (status, _, _) = post_settings(&c, &server, id, &good[1..]).await;
    assert_eq!(status, 403);
    let (ok, out) = user_cmd(db, &server, &["add", "ed"], "another long passphrase\n");
    assert!(ok, "{out}");
    let editor = cookie_client();
    assert_eq!(sign_in(&editor, &server, "ed", "another long passphrase").await.status(), 303);
    let (status, html) = page(&editor, &server.url(&format!("/admin/sources/{id}"))).await;
    assert_eq!(status, 200, "editors see the page");
    assert!(!html.contains("/settings\""), "but not the settings form");
    let ed_csrf = csrf_of(&html);
    let mut enable = good.to_vec();
    enable[0].1 = &ed_csrf;
    enable.push(("enabled", "on"));
    assert_eq!(post_settings(&editor, &server, id, &enable).await.0, 403);
    assert_eq!(settings_of(&c, &server, id).await, saved);

    // Enabled again by the admin: fetched by the next pass, and its next
    // fetch waits at least its shortest interval (the rest is
    // ingest's a_sources_poll_bounds_steer_the_schedule).
    enable[0].1 = &csrf;
    assert_eq!(post_settings(&c, &server, id, &enable).await.0, 303);
    assert!(settings_of(&c, &server, id).await.4);
    pass(db, &server);
    assert_eq!(outlet.hits("/news.xml"), before + 1);
    let store = newsroom_store::open(&db.demo_url(dir.path()), &Default::default())
        .await
        .unwrap();
    let src = store.get_source(newsroom_core::SourceId(id)).await.unwrap().unwrap();
    let wait = src.health.next_poll_at - src.health.last_attempt_at.unwrap();
    assert!((1800..=7200).contains(&wait), "next fetch in {wait} s");
    assert_eq!((src.poll.min_secs, src.poll.max_secs), (Some(1800), Some(7200)));
    server.stop();
}
