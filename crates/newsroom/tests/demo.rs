//! `newsroom demo --articles N`, run as the real binary on SQLite and, when
//! NEWSROOM_TEST_POSTGRES_URL is set, on PostgreSQL: what it writes, that it
//! refuses a database with content unless --force, and that the site serves
//! what it wrote.

#[macro_use]
mod common;

use common::*;
use newsroom_store::Table;
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

/// Every row of `table`.
async fn rows(store: &dyn newsroom_store::Store, table: Table) -> Vec<serde_json::Value> {
    store.export_rows(table, None, 1_000_000).await.unwrap()
}

async fn demo_fills_refuses_and_serves_on(db: &Backend) {
    let dir = tempfile::tempdir().unwrap();
    // More than a page of the fill (a thousand articles), so the last is a
    // short one.
    let out = demo(dir.path(), db, &["--articles", "1100"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let c = counts(db, dir.path()).await;
    assert_eq!(c.articles, 1100);
    assert_eq!(c.sections, 8);
    assert!(c.sources >= 8, "{c:?}");
    assert!(c.stories > 20, "stories of several articles: {c:?}");
    assert!(c.article_views_hourly > 1100, "view history: {c:?}");
    assert!(c.total_views > 0);
    {
        let store = newsroom_store::open(&db.demo_url(dir.path()), &Default::default())
            .await
            .unwrap();
        let articles = rows(&*store, Table::Articles).await;
        let ids: Vec<i64> = articles.iter().map(|a| a["id"].as_i64().unwrap()).collect();
        assert_eq!(
            ids,
            (1..=1100).collect::<Vec<_>>(),
            "every article, ids in order"
        );
        // Each story's size and lead are its members'.
        let mut members: std::collections::BTreeMap<i64, Vec<i64>> = Default::default();
        for a in &articles {
            if let Some(s) = a["story_id"].as_i64() {
                members
                    .entry(s)
                    .or_default()
                    .push(a["id"].as_i64().unwrap());
            }
        }
        let stories = rows(&*store, Table::Stories).await;
        assert_eq!(stories.len(), members.len(), "no story without members");
        for s in &stories {
            let m = &members[&s["id"].as_i64().unwrap()];
            assert_eq!(s["size"].as_i64(), Some(m.len() as i64), "{s}");
            assert!(m.contains(&s["lead_article_id"].as_i64().unwrap()), "{s}");
        }
        // View history adds up to the totals, article by article.
        let mut hourly: std::collections::BTreeMap<i64, i64> = Default::default();
        for h in rows(&*store, Table::ArticleViewsHourly).await {
            *hourly.entry(h["article_id"].as_i64().unwrap()).or_default() +=
                h["views"].as_i64().unwrap();
        }
        let mut totals: std::collections::BTreeMap<i64, i64> = Default::default();
        for t in rows(&*store, Table::ArticleViews).await {
            totals.insert(
                t["article_id"].as_i64().unwrap(),
                t["views"].as_i64().unwrap(),
            );
        }
        assert!(totals.len() > articles.len() / 2, "most articles were read");
        for a in &articles {
            let id = a["id"].as_i64().unwrap();
            assert_eq!(
                hourly.get(&id).copied().unwrap_or(0),
                totals.get(&id).copied().unwrap_or(0),
                "article {id}"
            );
        }
        // Search finds articles of the first and the last page by their
        // address's words (the title's slug).
        for id in [1i64, 1000, 1100] {
            let a = &articles[id as usize - 1];
            if a["status"] != "published" {
                continue;
            }
            let title = a["title"].as_str().unwrap();
            let found = store
                .search_articles(
                    &newsroom_store::SearchTerms::parse(&format!("\"{title}\"")),
                    None,
                    100,
                    0,
                )
                .await
                .unwrap();
            assert!(
                found.cards.iter().any(|c| c.id.0 == id),
                "{title:?} finds article {id}"
            );
        }
    }

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
