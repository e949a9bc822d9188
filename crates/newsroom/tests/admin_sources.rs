//! The admin's sources through the real binary, on SQLite and, when
//! NEWSROOM_TEST_POSTGRES_URL is set, PostgreSQL: a source's fetch history
//! as passes of `newsroom fetch --once` write it against an outlet on
//! 127.0.0.1 that answers 200, 500, 304 and 200 again; its settings; OPML
//! export and import, between two sites and with hostile files.

#[macro_use]
mod common;

use common::*;
use newsroom_ingest::testkit::{Resource, TestServer, rss_every, sample_rss};
use std::path::Path;

const ADMIN_PW: &str = "correct horse battery staple";
const ALLOW_LOOPBACK: (&str, &str) = ("NEWSROOM_FETCH__ALLOW_PRIVATE_NETWORKS", "true");

/// A site without demo content, serving only (`--role web`): the test runs
/// every ingest pass itself, as `newsroom fetch --once`.
fn start(db: &Backend, dir: &Path) -> Server {
    start_with(db, dir, &[ALLOW_LOOPBACK])
}

fn start_with(db: &Backend, dir: &Path, env: &[(&str, &str)]) -> Server {
    std::fs::create_dir_all(dir.join("data")).unwrap();
    let url = db.demo_url(dir);
    Server::start(dir, &["--role", "web", "--database", &url], env)
}

fn pass(db: &Backend, server: &Server) {
    run_ok(
        &server.dir,
        &["--database", &db.demo_url(&server.dir), "fetch", "--once"],
        &[ALLOW_LOOPBACK],
    );
}

/// The audit rows of `action`, newest first, read from the store.
async fn audit_of(db: &Backend, dir: &Path, action: &str) -> Vec<newsroom_store::AuditEntry> {
    let store = newsroom_store::open(&db.demo_url(dir), &Default::default())
        .await
        .unwrap();
    store
        .list_audit(&newsroom_store::AuditQuery {
            action: Some(action.into()),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap()
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
    // Items an hour old and older, ten minutes apart: they count in the
    // source's articles per day.
    let newest = jiff::Timestamp::now().as_second() - 3600;
    let feed = |n| {
        Resource::ok(
            "application/rss+xml",
            rss_every(&outlet.url("/item"), n, 600, newest),
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

    // The charts add up to the same passes: fetches by how they ended, the
    // failure's class, the three articles; and the site's views per hour.
    let (_, html) = page(&c, &server.url(&format!("/admin/sources/{id}"))).await;
    assert_eq!(
        chart_sums(&html, "fetches"),
        [
            ("part-failed".to_string(), 1),
            ("part-not-modified".into(), 21),
            ("part-ok".into(), 2)
        ]
    );
    assert_eq!(
        chart_sums(&html, "articles"),
        [("part-articles".to_string(), 3)]
    );
    let doc = scraper::Html::parse_document(&html);
    assert_eq!(
        select(&doc, "svg#latency g.bar").len(),
        7 * 24,
        "an hour a bar"
    );
    assert!(text(&select(&doc, "#error-classes")[0]).contains("http_5xx 1"));
    let store = newsroom_store::open(&db.demo_url(&server.dir), &Default::default())
        .await
        .unwrap();
    let query = newsroom_store::ListQuery {
        limit: 10,
        ..Default::default()
    };
    let article = store.list_articles(&query).await.unwrap()[0].id;
    let hour = jiff::Timestamp::now().as_second() / 3600;
    store
        .add_views(&[
            newsroom_store::ViewDelta {
                article,
                hour: hour - 1,
                n: 7,
            },
            newsroom_store::ViewDelta {
                article,
                hour,
                n: 5,
            },
            newsroom_store::ViewDelta {
                article,
                hour: hour - 60,
                n: 1000,
            },
        ])
        .await
        .unwrap();
    let (_, html) = page(&c, &server.url("/admin/")).await;
    let doc = scraper::Html::parse_document(&html);
    let views: Vec<String> = select(&doc, "svg#views rect")
        .iter()
        .map(|r| r.value().attr("data-value").unwrap().to_string())
        .collect();
    assert_eq!(views, ["7", "5"], "the last two days only");

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
async fn settings_of(
    c: &reqwest::Client,
    server: &Server,
    id: i64,
) -> (String, String, String, String, bool) {
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
        Resource::ok(
            "application/rss+xml",
            sample_rss("Set Outlet", &outlet.url(""), 2),
        ),
    );
    outlet.set(
        "/other.xml",
        Resource::ok(
            "application/rss+xml",
            sample_rss("Other Outlet", &outlet.url("/o"), 1),
        ),
    );
    let server = start(db, dir.path());
    let (c, csrf) = admin(db, &server).await;
    // A source added on the command line makes the section "World".
    run_ok(
        dir.path(),
        &[
            "--database",
            &db.demo_url(dir.path()),
            "source",
            "add",
            &outlet.url("/other.xml"),
            "--section",
            "World",
        ],
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
        (
            String::new(),
            "never".into(),
            String::new(),
            String::new(),
            true
        ),
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
    assert_eq!(
        (status, to.as_str()),
        (303, format!("/admin/sources/{id}?done=saved").as_str())
    );
    let saved = (
        world.clone(),
        "always".to_string(),
        "30".to_string(),
        "120".to_string(),
        false,
    );
    assert_eq!(
        settings_of(&c, &server, id).await,
        saved,
        "no checkbox: disabled"
    );
    let (_, html) = page(&c, &server.url(&format!("/admin/sources/{id}?done=saved"))).await;
    assert!(html.contains("Settings saved"), "{html}");
    // One audit row: who, which source, before and after.
    let rows = audit_of(db, dir.path(), "source.settings").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let row = &rows[0];
    assert_eq!(
        (row.actor.as_str(), row.object_kind.as_str(), row.object_id),
        ("root", "source", id)
    );
    let (before, after) = (row.before.as_ref().unwrap(), row.after.as_ref().unwrap());
    assert_eq!(
        (&before["full_text"], &after["full_text"]),
        (&"never".into(), &"always".into())
    );
    assert_eq!(
        (&before["enabled"], &after["enabled"]),
        (&true.into(), &false.into())
    );
    assert_eq!(after["poll"]["min_secs"], 1800);
    let (_, list) = page(&c, &server.url("/admin/sources")).await;
    let doc = scraper::Html::parse_document(&list);
    let row = &select(&doc, &format!("tr[data-id='{id}']"))[0];
    assert!(
        text(row).contains("World") && text(row).contains("disabled"),
        "{}",
        text(row)
    );

    // A disabled source is not fetched.
    let before = outlet.hits("/news.xml");
    pass(db, &server);
    assert_eq!(outlet.hits("/news.xml"), before, "fetched while disabled");

    // Bad values are refused with the reason, and change nothing.
    let refusals: &[(&str, &str, &str)] = &[
        (
            "poll_min",
            "0",
            "The shortest interval must be at least 1 minute.",
        ),
        (
            "poll_min",
            "ten",
            "The shortest interval must be a whole number of minutes.",
        ),
        (
            "poll_max",
            "-5",
            "The longest interval must be a whole number of minutes.",
        ),
        (
            "poll_max",
            "20000",
            "The longest interval may be at most 7 days (10080 minutes).",
        ),
        (
            "poll_min",
            "240",
            "The shortest interval may not be longer than the longest.",
        ),
        ("section", "999999", "There is no such section."),
        (
            "full_text",
            "sometimes",
            "Full text must be auto, always or never.",
        ),
    ];
    for (field, value, why) in refusals {
        let fields: Vec<(&str, &str)> = good
            .iter()
            .map(|(k, v)| if k == field { (*k, *value) } else { (*k, *v) })
            .collect();
        let (status, _, html) = post_settings(&c, &server, id, &fields).await;
        assert_eq!(status, 400, "{field}={value}");
        let doc = scraper::Html::parse_document(&html);
        let error = select(&doc, "p.error")
            .first()
            .map(text)
            .unwrap_or_default();
        assert_eq!(error, *why, "{field}={value}");
        // The form shows what was sent, to be corrected.
        if *field == "poll_min" || *field == "poll_max" {
            assert_eq!(
                select(&doc, &format!("#{field}"))[0].value().attr("value"),
                Some(*value)
            );
        }
        assert_eq!(
            settings_of(&c, &server, id).await,
            saved,
            "{field}={value} changed something"
        );
    }

    // Without the form's token, or as an editor, nothing is saved.
    let (status, _, _) = post_settings(&c, &server, id, &good[1..]).await;
    assert_eq!(status, 403);
    let (ok, out) = user_cmd(db, &server, &["add", "ed"], "another long passphrase\n");
    assert!(ok, "{out}");
    let editor = cookie_client();
    assert_eq!(
        sign_in(&editor, &server, "ed", "another long passphrase")
            .await
            .status(),
        303
    );
    let (status, html) = page(&editor, &server.url(&format!("/admin/sources/{id}"))).await;
    assert_eq!(status, 200, "editors see the page");
    assert!(!html.contains("/settings\""), "but not the settings form");
    let ed_csrf = csrf_of(&html);
    let mut enable = good.to_vec();
    enable[0].1 = &ed_csrf;
    enable.push(("enabled", "on"));
    assert_eq!(post_settings(&editor, &server, id, &enable).await.0, 403);
    assert_eq!(settings_of(&c, &server, id).await, saved);
    assert_eq!(
        audit_of(db, dir.path(), "source.settings").await.len(),
        1,
        "refusals write no row"
    );

    // Enabled again by the admin: fetched by the next pass, and its next
    // fetch waits at least its shortest interval (the rest is
    // ingest's a_sources_poll_bounds_steer_the_schedule).
    enable[0].1 = &csrf;
    assert_eq!(post_settings(&c, &server, id, &enable).await.0, 303);
    assert!(settings_of(&c, &server, id).await.4);
    let rows = audit_of(db, dir.path(), "source.settings").await;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].after.as_ref().unwrap()["enabled"], true);
    pass(db, &server);
    assert_eq!(outlet.hits("/news.xml"), before + 1);
    let store = newsroom_store::open(&db.demo_url(dir.path()), &Default::default())
        .await
        .unwrap();
    let src = store
        .get_source(newsroom_core::SourceId(id))
        .await
        .unwrap()
        .unwrap();
    let wait = src.health.next_poll_at - src.health.last_attempt_at.unwrap();
    assert!((1800..=7200).contains(&wait), "next fetch in {wait} s");
    assert_eq!(
        (src.poll.min_secs, src.poll.max_secs),
        (Some(1800), Some(7200))
    );
    server.stop();
}

/// A multipart/form-data body of `(name, file name, bytes)` parts (no file
/// name: a plain field), and its content type.
fn multipart(parts: &[(&str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----newsroom-test-boundary-7MA4YWxk";
    let mut body = Vec::new();
    for (name, file, data) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        if file.is_empty() {
            body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            );
        } else {
            body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: text/x-opml\r\n\r\n")
                    .as_bytes(),
            );
        }
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Uploads `opml` to the import form; the status and the page.
async fn import(
    c: &reqwest::Client,
    server: &Server,
    csrf: Option<&str>,
    opml: &[u8],
) -> (u16, String) {
    let mut parts: Vec<(&str, &str, &[u8])> = Vec::new();
    if let Some(t) = csrf {
        parts.push(("csrf", "", t.as_bytes()));
    }
    parts.push(("full_text", "", b"never"));
    parts.push(("opml", "feeds.opml", opml));
    let (content_type, body) = multipart(&parts);
    let r = c
        .post(server.url("/admin/sources/import"))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The feeds of an OPML file, sorted: what a round trip must keep.
fn feeds_of(opml: &str) -> Vec<newsroom_ingest::opml::OpmlFeed> {
    let mut feeds = newsroom_ingest::opml::parse_opml(opml.as_bytes())
        .unwrap()
        .feeds;
    feeds.sort_by(|a, b| a.xml_url.cmp(&b.xml_url));
    feeds
}

fn summary(html: &str) -> String {
    let doc = scraper::Html::parse_document(html);
    select(&doc, "#import-summary")
        .first()
        .map(text)
        .unwrap_or_default()
}

fn error_line(html: &str) -> String {
    let doc = scraper::Html::parse_document(html);
    select(&doc, "p.error")
        .first()
        .map(text)
        .unwrap_or_default()
}

const SITE_A: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>Reading list</title></head><body>
  <outline text="Loose &amp; Free" xmlUrl="https://loose.example/feed.xml"/>
  <outline text="World">
    <outline type="rss" text="Daily &quot;World&quot;" xmlUrl="https://daily.example/world.rss" htmlUrl="https://daily.example/"/>
    <outline type="rss" text="Wire" xmlUrl="https://wire.example/atom.xml" htmlUrl="https://wire.example/"/>
  </outline>
  <outline text="Technology">
    <outline type="rss" text="Bytes" xmlUrl="https://bytes.example/feed?format=rss&amp;lang=en"/>
  </outline>
</body></opml>"#;

on_every_backend!(opml_round_trips_between_sites_and_refuses_what_it_must => opml_round_trips_between_sites_and_refuses_what_it_must_on);

async fn opml_round_trips_between_sites_and_refuses_what_it_must_on(db: &Backend) {
    // Site A, filled on the command line (`newsroom source import`).
    let dir_a = tempfile::tempdir().unwrap();
    std::fs::write(dir_a.path().join("a.opml"), SITE_A).unwrap();
    let server_a = start_with(db, dir_a.path(), &[]);
    run_ok(
        dir_a.path(),
        &[
            "--database",
            &db.demo_url(dir_a.path()),
            "source",
            "import",
            "a.opml",
        ],
        &[],
    );
    let rows = audit_of(db, dir_a.path(), "source.import").await;
    assert_eq!(rows.len(), 1, "one row for the import: {rows:?}");
    assert!(rows[0].actor.starts_with("cli:"), "{}", rows[0].actor);
    let after = rows[0].after.as_ref().unwrap();
    assert_eq!(after["added"].as_array().unwrap().len(), 4);
    assert!(rows[0].before.is_none());
    let (c, _) = admin(db, &server_a).await;
    let r = c
        .get(server_a.url("/admin/sources.opml"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/x-opml; charset=utf-8");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let export_a = r.text().await.unwrap();
    let feeds_a = feeds_of(&export_a);
    assert_eq!(
        feeds_a,
        feeds_of(SITE_A),
        "the site keeps what the file said"
    );
    // The command line writes the same file.
    run_ok(
        dir_a.path(),
        &[
            "--database",
            &db.demo_url(dir_a.path()),
            "source",
            "export",
            "--output",
            "cli.opml",
        ],
        &[],
    );
    assert_eq!(
        std::fs::read_to_string(dir_a.path().join("cli.opml")).unwrap(),
        export_a
    );

    // Site B, fresh, on its own database, without private networks.
    let db_b = backends()
        .await
        .into_iter()
        .find(|b| b.name == db.name)
        .unwrap();
    let dir_b = tempfile::tempdir().unwrap();
    let server_b = start_with(&db_b, dir_b.path(), &[]);
    let (cb, csrf) = admin(&db_b, &server_b).await;
    let (status, html) = import(&cb, &server_b, Some(&csrf), export_a.as_bytes()).await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(
        summary(&html),
        "4 added, 0 already there (skipped), 0 refused."
    );
    let export_b = page(&cb, &server_b.url("/admin/sources.opml")).await.1;
    assert_eq!(
        feeds_of(&export_b),
        feeds_a,
        "the same sources, names, sites and sections"
    );
    let (_, html) = import(&cb, &server_b, Some(&csrf), export_a.as_bytes()).await;
    assert_eq!(
        summary(&html),
        "0 added, 4 already there (skipped), 0 refused."
    );
    let rows = audit_of(&db_b, dir_b.path(), "source.import").await;
    assert_eq!(
        rows.len(),
        1,
        "the import that added nothing changed nothing: {rows:?}"
    );
    assert_eq!(rows[0].actor, "root");
    let added = rows[0].after.as_ref().unwrap()["added"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(added.len(), 4);
    assert!(
        added
            .iter()
            .any(|s| s["feed_url"] == "https://wire.example/atom.xml"),
        "{added:?}"
    );

    // One file with every kind of bad outline: each refused with its reason.
    let hostile = r#"<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>
      <outline text="script" xmlUrl="javascript:alert(1)"/>
      <outline text="ftp" xmlUrl="ftp://files.example/feed.xml"/>
      <outline text="file" xmlUrl="file:///etc/passwd"/>
      <outline text="creds" xmlUrl="https://user:secret@creds.example/feed"/>
      <outline text="loopback" xmlUrl="http://127.0.0.1:9/feed"/>
      <outline text="v6 loopback" xmlUrl="http://[::1]/feed"/>
      <outline text="metadata" xmlUrl="http://169.254.169.254/latest/meta-data"/>
      <outline text="private" xmlUrl="http://10.1.2.3/feed"/>
      <outline text="Good &lt;b&gt;one&lt;/b&gt;" xmlUrl="https://good.example/feed" htmlUrl="javascript:alert(2)"/>
      <outline text="Wire again" xmlUrl="https://wire.example/atom.xml"/>
    </body></opml>"#;
    let (status, html) = import(&cb, &server_b, Some(&csrf), hostile.as_bytes()).await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(
        summary(&html),
        "1 added, 1 already there (skipped), 8 refused."
    );
    let doc = scraper::Html::parse_document(&html);
    let refused: Vec<(String, String)> = select(&doc, "table.refused tbody tr")
        .iter()
        .map(|tr| {
            let cells: Vec<String> = tr
                .select(&scraper::Selector::parse("td").unwrap())
                .map(|td| text(&td))
                .collect();
            (cells[0].clone(), cells[1].clone())
        })
        .collect();
    let scheme = "The address must start with http:// or https:// and name a host.";
    let private = |addr: &str| {
        format!("The address is on a private or local network ({addr}), which is not fetched.")
    };
    assert_eq!(
        refused,
        [
            ("javascript:alert(1)".to_string(), scheme.to_string()),
            ("ftp://files.example/feed.xml".into(), scheme.into()),
            ("file:///etc/passwd".into(), scheme.into()),
            (
                "https://user:secret@creds.example/feed".into(),
                "The address may not carry a user name or password.".into()
            ),
            ("http://127.0.0.1:9/feed".into(), private("127.0.0.1")),
            ("http://[::1]/feed".into(), private("::1")),
            (
                "http://169.254.169.254/latest/meta-data".into(),
                private("169.254.169.254")
            ),
            ("http://10.1.2.3/feed".into(), private("10.1.2.3")),
        ]
    );
    let export = page(&cb, &server_b.url("/admin/sources.opml")).await.1;
    let good = feeds_of(&export)
        .into_iter()
        .find(|f| f.xml_url == "https://good.example/feed")
        .unwrap();
    assert_eq!(good.title, "Good <b>one</b>");
    assert_eq!(
        good.html_url, None,
        "a javascript: site address is not kept"
    );
    let count = feeds_of(&export).len();
    assert_eq!(count, 5);

    // Whole files refused, with the reason, adding nothing.
    let bomb = r#"<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>
      <opml version="2.0"><body><outline text="&c;" xmlUrl="https://bomb.example/feed"/></body></opml>"#;
    let (status, html) = import(&cb, &server_b, Some(&csrf), bomb.as_bytes()).await;
    assert_eq!(status, 400);
    assert_eq!(
        error_line(&html),
        "This file cannot be imported: OPML with a DOCTYPE entity declaration refused."
    );
    let (status, html) = import(
        &cb,
        &server_b,
        Some(&csrf),
        b"<html><body>not a list</body></html>",
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        error_line(&html).starts_with("This file cannot be imported: not an OPML file"),
        "{html}"
    );
    let (status, html) = import(&cb, &server_b, Some(&csrf), b"").await;
    assert_eq!(
        (status, error_line(&html).as_str()),
        (400, "Choose an OPML file to import.")
    );
    let mut huge = SITE_A.as_bytes().to_vec();
    huge.resize(1024 * 1024 + 1, b' ');
    let (status, html) = import(&cb, &server_b, Some(&csrf), &huge).await;
    assert_eq!(status, 413, "{html}");
    assert!(
        html.contains("An upload may be at most 1024 KiB."),
        "{html}"
    );
    // Far larger: cut off where the connection's reading stops.
    huge.resize(4 * 1024 * 1024, b' ');
    let r = cb
        .post(server_b.url("/admin/sources/import"))
        .header("content-type", "multipart/form-data; boundary=x")
        .body(huge)
        .send()
        .await;
    assert!(
        r.is_err() || r.unwrap().status() == 413,
        "a 4 MiB upload was taken"
    );
    // Without the form's token, or as an editor: refused before anything is read.
    assert_eq!(import(&cb, &server_b, None, SITE_A.as_bytes()).await.0, 403);
    let (ok, out) = user_cmd(
        &db_b,
        &server_b,
        &["add", "ed"],
        "another long passphrase\n",
    );
    assert!(ok, "{out}");
    let editor = cookie_client();
    assert_eq!(
        sign_in(&editor, &server_b, "ed", "another long passphrase")
            .await
            .status(),
        303
    );
    let (status, html) = page(&editor, &server_b.url("/admin/sources")).await;
    assert_eq!(status, 200);
    assert!(
        !html.contains("/admin/sources/import"),
        "no import form for editors"
    );
    let ed_csrf = csrf_of(&html);
    assert_eq!(
        import(&editor, &server_b, Some(&ed_csrf), hostile.as_bytes())
            .await
            .0,
        403
    );
    assert_eq!(
        page(&editor, &server_b.url("/admin/sources.opml")).await.0,
        200,
        "editors may download"
    );
    let export = page(&cb, &server_b.url("/admin/sources.opml")).await.1;
    assert_eq!(
        feeds_of(&export).len(),
        count,
        "nothing was added by the refused uploads"
    );
    server_a.stop();
    server_b.stop();
}

/// The sum of each kind of part in the chart `id` of a page, by class.
fn chart_sums(html: &str, id: &str) -> Vec<(String, i64)> {
    let doc = scraper::Html::parse_document(html);
    let mut sums = std::collections::BTreeMap::new();
    for r in select(&doc, &format!("svg#{id} rect")) {
        let class = r.value().attr("class").unwrap_or("").to_string();
        let v: i64 = r.value().attr("data-value").unwrap().parse().unwrap();
        *sums.entry(class).or_insert(0) += v;
    }
    sums.into_iter().collect()
}
