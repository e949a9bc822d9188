//! The admin's hourly charts through the real binary, on SQLite and, when
//! NEWSROOM_TEST_POSTGRES_URL is set, PostgreSQL: the test writes articles,
//! views and clustering lag samples into the store at known hours, and
//! each chart (an article's and a story's views over a week, the site's
//! ingest and clustering lag over two days) has an inline SVG with a bar
//! an hour whose values are those the test wrote, in time order.

#[macro_use]
mod common;

use common::desk_kit::{stored_article, story_of};
use common::*;
use newsroom_store::{PoolConfig, Store, ViewDelta};

const PASSWORD: &str = "a chart reader's passphrase";

/// (bars, the values of the `part-{kind}` rectangles in order) of the
/// chart `id` on the page.
fn bars(html: &str, id: &str, kind: &str) -> (usize, Vec<i64>) {
    let doc = scraper::Html::parse_document(html);
    let n = select(&doc, &format!("svg#{id} g.bar")).len();
    assert!(
        !select(&doc, &format!("svg#{id}[role=img] > title")).is_empty(),
        "{id}: a named chart"
    );
    let values = select(&doc, &format!("svg#{id} rect.part-{kind}"))
        .iter()
        .map(|r| r.value().attr("data-value").unwrap().parse().unwrap())
        .collect();
    (n, values)
}

/// The bar titles of the chart `id`.
fn labels(html: &str, id: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    select(&doc, &format!("svg#{id} g.bar > title"))
        .iter()
        .map(text)
        .collect()
}

on_every_backend!(hourly_charts_show_what_the_store_holds => hourly_charts_on);

async fn hourly_charts_on(db: &Backend) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    let url = db.demo_url(dir.path());
    let store: std::sync::Arc<dyn Store> = newsroom_store::open(&url, &PoolConfig::default())
        .await
        .unwrap();
    // Hours counted back from now; nothing near the charts' first hour, so
    // an hour turning during the test moves no value out of a chart.
    let now = jiff::Timestamp::now().as_second();
    let hour = now / 3600;
    let at = |back: i64| (hour - back) * 3600 + 60;
    // Ingest: three new articles three hours ago, one an hour ago, and an
    // update of the first an hour ago too.
    let a = stored_article(&*store, "north", "Ferry service resumes after storm", at(3)).await;
    let b = stored_article(
        &*store,
        "south",
        "Ferries sail again as storm passes",
        at(3),
    )
    .await;
    let c = stored_article(&*store, "east", "Storm closes mountain roads", at(3)).await;
    let d = stored_article(&*store, "west", "Harbour reopens to ferries", at(1)).await;
    let mut edit = store.get_article(a).await.unwrap().unwrap();
    edit.title = "Ferry service resumes after the storm".into();
    let again = newsroom_core::NewArticle {
        source_id: edit.source_id,
        guid: edit.guid.clone(),
        canonical_url: edit.canonical_url.clone(),
        original_url: edit.original_url.clone(),
        title: edit.title.clone(),
        summary: edit.summary.clone(),
        published_at: edit.published_at,
        fetched_at: at(1),
        ..Default::default()
    };
    let out = store.upsert_article(&again, at(1)).await.unwrap();
    assert_eq!(out.kind, newsroom_store::UpsertKind::Updated);
    let story = story_of(&*store, &[a, b, d], at(3)).await;
    story_of(&*store, &[c], at(3)).await;
    // Views: a week-old hour (out of the article's and story's charts),
    // then recent hours.
    let view = |article, back: i64, n| ViewDelta {
        article,
        hour: hour - back,
        n,
    };
    store
        .add_views(&[
            view(a, 200, 1000),
            view(a, 5, 7),
            view(a, 1, 2),
            view(b, 5, 3),
            view(d, 0, 4),
            view(c, 1, 50),
        ])
        .await
        .unwrap();
    // Clustering lag: two samples five hours ago, one now.
    store.record_cluster_lag(at(5), 40).await.unwrap();
    store.record_cluster_lag(at(5) + 5, 10).await.unwrap();
    store.record_cluster_lag(at(0), 3).await.unwrap();
    drop(store);

    // The web role runs no clusterer: no sample but the test's.
    let server = Server::start(dir.path(), &["--role", "web", "--database", &url], &[]);
    let (ok, out) = user_cmd(
        db,
        &server,
        &["add", "viewer", "--role", "editor"],
        &format!("{PASSWORD}\n"),
    );
    assert!(ok, "{out}");
    let client = cookie_client();
    assert_eq!(
        sign_in(&client, &server, "viewer", PASSWORD).await.status(),
        303
    );

    let (status, html) = page(&client, &server.url(&format!("/admin/articles/{a}"))).await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(bars(&html, "article-views", "views"), (7 * 24, vec![7, 2]));
    assert!(html.contains("Ferry service resumes after the storm"));
    let (_, list) = page(&client, &server.url("/admin/articles")).await;
    assert!(
        list.contains(&format!("href=\"/admin/articles/{a}\"")),
        "the list links the article's page"
    );
    assert_eq!(
        page(&client, &server.url("/admin/articles/999999")).await.0,
        404
    );

    let (status, html) = page(&client, &server.url(&format!("/admin/stories/{story}"))).await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(
        bars(&html, "story-views", "views"),
        (7 * 24, vec![7 + 3, 2, 4]),
        "summed over its articles, not the other story's"
    );

    let (status, html) = page(&client, &server.url("/admin/")).await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(bars(&html, "ingest", "new"), (48, vec![3, 1]));
    assert_eq!(bars(&html, "ingest", "updated"), (48, vec![1]));
    let ingest = labels(&html, "ingest");
    assert_eq!(
        ingest
            .iter()
            .filter(|l| l.ends_with(": 3 new, 0 updated"))
            .count(),
        1
    );
    assert_eq!(
        ingest
            .iter()
            .filter(|l| l.ends_with(": 1 new, 1 updated"))
            .count(),
        1
    );
    assert_eq!(bars(&html, "lag", "lag"), (48, vec![40, 3]));
    let lag = labels(&html, "lag");
    assert!(
        lag.iter()
            .any(|l| l.ends_with(": 40 s at most, 25 s on average over 2 samples")),
        "{lag:?}"
    );
    assert_eq!(
        lag.iter().filter(|l| l.contains("no sample")).count(),
        46,
        "hours without a sample say so"
    );
    assert_eq!(bars(&html, "views", "views"), (48, vec![7 + 3, 2 + 50, 4]));
    assert!(server.stop().success());
}
