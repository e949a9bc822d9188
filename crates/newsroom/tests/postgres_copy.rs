//! `newsroom copy` and `newsroom migrate` through the real binary: the demo
//! site copied from SQLite to PostgreSQL serves the same pages as the
//! original. Needs NEWSROOM_TEST_POSTGRES_URL; without it the tests say they
//! were skipped and pass.

mod common;

use common::{BROWSER_UA, Server, bin, get, select};
use newsroom_store::testdb;
use std::path::Path;
use std::process::{Command, Output};

const SUITE: &str = "PostgreSQL copy/migrate tests";

fn newsroom(dir: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .current_dir(dir)
        .args(args)
        .env("NEWSROOM_LOG", "warn")
        .output()
        .unwrap()
}

/// postgres://user:pass@host/db with another password.
fn with_password(url: &str, password: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (auth, host) = rest.split_once('@').unwrap();
    let user = auth.split(':').next().unwrap();
    format!("{scheme}://{user}:{password}@{host}")
}

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

/// The site's own pages that the home page links to, and the home page.
fn pages(home: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(home);
    let mut out: Vec<String> = select(&doc, "a[href]")
        .iter()
        .filter_map(|a| a.value().attr("href"))
        .filter(|h| h.starts_with("/news/") || h.starts_with("/section/"))
        .map(str::to_string)
        .collect();
    out.sort();
    out.dedup();
    out.insert(0, "/".into());
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_site_copied_to_postgres_serves_the_same_pages() {
    let Some(pg) = testdb::fresh_postgres_url(SUITE).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // The demo site on its SQLite file in the data folder, stopped before copying.
    let demo = Server::start(dir.path(), &["--demo"], &[]);
    // One answered request: the server is past installing its signal handlers.
    assert_eq!(get(&demo.url("/healthz"), BROWSER_UA).await.0, 200);
    assert!(demo.stop().success());
    let db = dir.path().join("data").join("demo.db");
    assert!(db.exists());
    let sqlite = format!("sqlite://{}", db.display());

    let out = newsroom(dir.path(), &["copy", "--from", &sqlite, "--to", &pg]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.contains("row counts verified"), "{said}");
    assert!(
        !said.contains(":newsroom@"),
        "the password is never printed: {said}"
    );

    let again = newsroom(dir.path(), &["copy", "--from", &sqlite, "--to", &pg]);
    assert!(!again.status.success());
    let err = text(&again.stderr);
    assert!(
        err.contains("not empty") && err.contains("--force"),
        "{err}"
    );
    let forced = newsroom(
        dir.path(),
        &["copy", "--from", &sqlite, "--to", &pg, "--force"],
    );
    assert!(forced.status.success(), "{}", text(&forced.stderr));
    // Each copy is one audit row in the target, by the CLI's user. The
    // audit log travels with the site, so a forced copy replaces the
    // target's log (the first copy's row with it) by the source's, then
    // records itself.
    let target = newsroom_store::open(&pg, &Default::default())
        .await
        .unwrap();
    let rows = target
        .list_audit(&newsroom_store::AuditQuery {
            action: Some("site.copy".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].actor.starts_with("cli:"));
    let after = rows[0].after.as_ref().unwrap();
    assert_eq!(after["forced"], true);
    assert!(after["rows"]["articles"].as_i64().unwrap() >= 5, "{after}");
    assert!(
        !after.to_string().contains(":newsroom@"),
        "no password: {after}"
    );

    // One public address for both: without it each page's absolute
    // addresses would be its own server's port.
    let site = [("NEWSROOM_SITE__BASE_URL", "https://news.example")];
    let on_sqlite = Server::start(dir.path(), &["--database", &sqlite], &site);
    let on_pg = Server::start(dir.path(), &["--database", &pg], &site);
    let (_, home) = get(&on_sqlite.url("/"), BROWSER_UA).await;
    let paths = pages(&home);
    assert!(
        paths.iter().filter(|p| p.starts_with("/news/")).count() >= 5,
        "{paths:?}"
    );
    for path in &paths {
        // Page labels count minutes from now; a minute may turn between two
        // fetches, so a difference is looked at once more.
        let mut same = false;
        for _ in 0..2 {
            let (s1, b1) = get(&on_sqlite.url(path), BROWSER_UA).await;
            let (s2, b2) = get(&on_pg.url(path), BROWSER_UA).await;
            assert_eq!(s1, s2, "{path}");
            if b1 == b2 {
                same = true;
                break;
            }
            if b1.lines().zip(b2.lines()).filter(|(x, y)| x != y).count() > 3 {
                panic!(
                    "{path} differs:\n{}",
                    b1.lines()
                        .zip(b2.lines())
                        .filter(|(x, y)| x != y)
                        .map(|(x, y)| format!("sqlite: {x}\npg:     {y}"))
                        .take(5)
                        .collect::<Vec<_>>()
                        .join("\n")
                );
            }
        }
        assert!(same, "{path} differs between SQLite and PostgreSQL");
    }
    assert!(on_sqlite.stop().success());
    assert!(on_pg.stop().success());
}

#[tokio::test]
async fn migrate_runs_and_stops_and_names_a_bad_password_redacted() {
    let Some(pg) = testdb::fresh_postgres_url(SUITE).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = newsroom(dir.path(), &["migrate", "--database", &pg]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("schema is up to date"));
    let store = newsroom_store::open(&pg, &Default::default())
        .await
        .unwrap();
    assert!(store.table_counts().await.unwrap().is_empty_site());

    let bad = with_password(&pg, "wrong-secret");
    let out = newsroom(dir.path(), &["migrate", "--database", &bad]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("password authentication failed"), "{err}");
    assert!(err.contains(":***@"), "{err}");
    assert!(!err.contains("wrong-secret"), "{err}");
}

#[test]
fn copy_from_a_missing_sqlite_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = newsroom(
        dir.path(),
        &[
            "copy",
            "--from",
            "sqlite:///nonexistent-folder-xyz/site.db",
            "--to",
            &format!("sqlite://{}/copy.db", dir.path().display()),
        ],
    );
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("does not exist"));
}
