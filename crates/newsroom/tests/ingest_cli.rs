//! The ingest commands end to end: a feed served on 127.0.0.1, added, fetched
//! and shown on the site; the SSRF guard refusing it without the setting;
//! OPML round trip.

mod common;

use common::*;
use newsroom_ingest::testkit::{Resource, TestServer, sample_rss};
use std::process::Command;

const ALLOW: (&str, &str) = ("NEWSROOM_FETCH__ALLOW_PRIVATE_NETWORKS", "true");

fn run(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let mut cmd = Command::new(bin());
    cmd.current_dir(dir).args(args).env("NEWSROOM_LOG", "warn");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_fetch_list_and_serve() {
    let feeds = TestServer::start().await;
    let rss = sample_rss("Local Gazette", &feeds.url(""), 5);
    feeds.set("/feed.xml", Resource::ok("application/rss+xml", rss));
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("site.db").display());
    let feed_url = feeds.url("/feed.xml");

    // Without the setting, the SSRF guard refuses a loopback feed.
    let (ok, _, err) = run(
        dir.path(),
        &[
            "--database",
            &db,
            "source",
            "add",
            &feed_url,
            "--full-text",
            "never",
        ],
        &[],
    );
    assert!(!ok, "loopback must be refused by default");
    assert!(
        err.to_lowercase().contains("private")
            || err.to_lowercase().contains("not allowed")
            || err.contains("ssrf"),
        "{err}"
    );
    assert_eq!(feeds.total_hits(), 0, "the refused fetch was never made");

    let (ok, out, err) = run(
        dir.path(),
        &[
            "--database",
            &db,
            "source",
            "add",
            &feed_url,
            "--section",
            "World",
            "--full-text",
            "never",
        ],
        &[ALLOW],
    );
    assert!(ok, "{out}{err}");
    assert!(out.contains("added source 1"), "{out}");

    let (ok, out, err) = run(
        dir.path(),
        &["--database", &db, "fetch", "--once"],
        &[ALLOW],
    );
    assert!(ok, "{out}{err}");
    assert!(out.contains("5 new"), "{out}");
    // A second pass stores nothing twice.
    let (ok, out, _) = run(
        dir.path(),
        &["--database", &db, "fetch", "--once"],
        &[ALLOW],
    );
    assert!(ok);
    assert!(out.contains("0 new"), "{out}");

    let (ok, out, _) = run(dir.path(), &["--database", &db, "source", "list"], &[]);
    assert!(ok);
    assert!(
        out.contains("Local Gazette") && out.contains(" ok "),
        "{out}"
    );
    assert!(
        out.lines().any(|l| l.trim_end().contains("       5  ")) || out.contains(" 5  Local"),
        "article count: {out}"
    );

    let server = Server::start(dir.path(), &["--database", &db, "--role", "web"], &[]);
    let (status, html) = get(&server.url("/section/world"), BROWSER_UA).await;
    assert_eq!(status, 200);
    let doc = scraper::Html::parse_document(&html);
    assert_eq!(select(&doc, "main .news-item").len(), 5, "{html}");
    server.stop();

    // OPML round trip.
    let (ok, opml, _) = run(dir.path(), &["--database", &db, "export-opml"], &[]);
    assert!(ok);
    assert!(
        opml.contains(&feed_url) && opml.contains("Local Gazette"),
        "{opml}"
    );
    let path = dir.path().join("subs.opml");
    std::fs::write(&path, &opml).unwrap();
    let db2 = format!("sqlite://{}", dir.path().join("other.db").display());
    // A feed on a private address is refused unless private networks are allowed.
    let (ok, out, err) = run(
        dir.path(),
        &["--database", &db2, "import-opml", path.to_str().unwrap()],
        &[],
    );
    assert!(ok, "{err}");
    assert!(
        out.contains("added 0 sources") && out.contains("private or local network (127.0.0.1)"),
        "{out}"
    );
    let (ok, out, err) = run(
        dir.path(),
        &["--database", &db2, "import-opml", path.to_str().unwrap()],
        &[("NEWSROOM_FETCH__ALLOW_PRIVATE_NETWORKS", "true")],
    );
    assert!(ok, "{err}");
    assert!(out.contains("added 1 sources"), "{out}");
    let (_, again, _) = run(dir.path(), &["--database", &db2, "export-opml"], &[]);
    assert!(
        again.contains(&feed_url) && again.contains("World"),
        "{again}"
    );

    for switch in ["disable", "enable", "disable"] {
        let (ok, _, err) = run(
            dir.path(),
            &["--database", &db, "--as", "ops", "source", switch, "1"],
            &[],
        );
        assert!(ok, "{switch}: {err}");
    }
    let (_, out, _) = run(dir.path(), &["--database", &db, "source", "list"], &[]);
    assert!(out.contains("disabled"), "{out}");
    let (ok, _, _) = run(
        dir.path(),
        &["--database", &db, "--as", "ops", "source", "remove", "1"],
        &[],
    );
    assert!(ok);
    let (ok, _, err) = run(
        dir.path(),
        &["--database", &db, "--as", "ops", "source", "remove", "1"],
        &[],
    );
    assert!(!ok && err.contains("no source 1"), "{err}");

    // Each change is one audit row, with who and the source before and after.
    let store = newsroom_store::open(&db, &Default::default())
        .await
        .unwrap();
    let rows = store
        .list_audit(&newsroom_store::AuditQuery {
            object_kind: Some("source".into()),
            object_id: Some(1),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    let got: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r.action.as_str(), r.actor.as_str()))
        .collect();
    let cli_user = rows.last().unwrap().actor.clone();
    assert!(cli_user.starts_with("cli:"), "{cli_user}");
    assert_eq!(
        got,
        [
            ("source.remove", "ops"),
            ("source.disable", "ops"),
            ("source.enable", "ops"),
            ("source.disable", "ops"),
            ("source.add", cli_user.as_str()),
        ],
        "newest first; the refused removal left none"
    );
    let enabled = |v: &Option<serde_json::Value>| v.as_ref().map(|v| v["enabled"].clone());
    assert_eq!(
        (enabled(&rows[2].before), enabled(&rows[2].after)),
        (Some(false.into()), Some(true.into()))
    );
    assert_eq!(rows[0].after, None, "a removal has no after");
    assert_eq!(rows[4].before, None, "an addition has no before");
    assert_eq!(
        rows[4].after.as_ref().unwrap()["feed_url"],
        feed_url.as_str()
    );
}
