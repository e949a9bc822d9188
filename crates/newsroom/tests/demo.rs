//! `newsroom demo --articles N`, run as the real binary on SQLite and, when
//! NEWSROOM_TEST_POSTGRES_URL is set, on PostgreSQL: what it writes, that it
//! refuses a database with content unless --force, and that the site serves
//! what it wrote.

#[macro_use]
mod common;

use common::*;
use std::path::Path;
use std::process::{Command, Output};

fn demo(dir: &Path, db: &Backend, extra: &[&str]) -> Output {
    let mut args = db.args(&["demo"]);
    args.extend(extra);
    Command::new(bin())
        .current_dir(dir)
        .args(&args)
        .output()
        .expect("run newsroom demo")
}

async fn counts(db: &Backend, dir: &Path) -> newsroom_store::TableCounts {
    let store = newsroom_store::open(&db.demo_url(dir), &Default::default())
        .await
        .unwrap();
    store.table_counts().await.unwrap()
}

on_every_backend!(demo_fills_refuses_and_serves => demo_fills_refuses_and_serves_on);

async fn demo_fills_refuses_and_serves_on(db: &Backend) {
    let dir = tempfile::tempdir().unwrap();
    let out = demo(dir.path(), db, &["--articles", "400"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let c = counts(db, dir.path()).await;
    assert_eq!(c.articles, 400);
    assert_eq!(c.sections, 8);
    assert!(c.sources >= 8, "{c:?}");
    assert!(c.stories > 5, "stories of several articles: {c:?}");
    assert!(c.article_views_hourly > 400, "view history: {c:?}");
    assert!(c.total_views > 0);

    // A second run without --force loses nothing and says why.
    let again = demo(dir.path(), db, &["--articles", "50"]);
    assert!(!again.status.success());
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(
        err.contains("already has content") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(counts(db, dir.path()).await, c);

    // --force replaces the site.
    let forced = demo(
        dir.path(),
        db,
        &["--articles", "120", "--force", "--seed", "9"],
    );
    assert!(
        forced.status.success(),
        "{}",
        String::from_utf8_lossy(&forced.stderr)
    );
    assert_eq!(counts(db, dir.path()).await.articles, 120);

    // `serve --demo` serves it as it is (no seed content added).
    let server = Server::start(dir.path(), &db.args(&["--demo"]), &[]);
    let (status, home) = get(&server.url("/"), BROWSER_UA).await;
    assert_eq!(status, 200);
    let doc = scraper::Html::parse_document(&home);
    let link = select(&doc, "main a[href^='/news/']")
        .first()
        .and_then(|a| a.value().attr("href"))
        .expect("an article on the home page")
        .to_string();
    assert!(!home.contains("Bakhmut"), "no seed content was added");
    let (status, page) = get(&server.url(&link), BROWSER_UA).await;
    assert_eq!(status, 200, "{link}");
    let doc = scraper::Html::parse_document(&page);
    let paragraphs = select(&doc, "main .body p").len();
    assert!(
        paragraphs >= 3,
        "a body of several paragraphs: {paragraphs}"
    );
    let (status, _) = get(&server.url("/section/world"), BROWSER_UA).await;
    assert_eq!(status, 200);
    let (status, story) = get(&server.url("/story/1"), BROWSER_UA).await;
    assert_eq!(status, 200, "the first story: {story}");
    let (status, sitemap) = get(&server.url("/sitemaps/articles-1.xml"), BROWSER_UA).await;
    assert_eq!(status, 200);
    assert!(sitemap.matches("<loc>").count() > 100, "{sitemap}");
    server.stop();
}
