//! `copy_site` between real databases: SQLite to SQLite always, SQLite to
//! PostgreSQL and back when NEWSROOM_TEST_POSTGRES_URL names a server.

use newsroom_core::{
    ArticleId, FullTextMode, LeadImage, NewArticle, NewSection, NewSource, SourceId, Video,
};
use newsroom_store::{
    AuditQuery, CopyProgress, FetchRecord, FetchResult, ListQuery, NewAudit, PgStore, PoolConfig,
    SqliteStore, Store, StoreError, ViewDelta, copy_site, testdb,
};
use std::sync::Arc;

const SUITE: &str = "PostgreSQL copy tests";
const T0: i64 = 1_700_000_000;
/// More than two export pages (500 rows each).
const ARTICLES: i64 = 1_100;

async fn sqlite() -> Arc<dyn Store> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("site.db").display());
    std::mem::forget(dir);
    Arc::new(
        SqliteStore::open(&url, &PoolConfig::default())
            .await
            .unwrap(),
    )
}

async fn postgres() -> Option<Arc<dyn Store>> {
    let url = testdb::fresh_postgres_url(SUITE).await?;
    Some(Arc::new(
        PgStore::open(&url, &PoolConfig::default()).await.unwrap(),
    ))
}

/// A site with something in every table.
async fn fill(store: &dyn Store) -> Vec<ArticleId> {
    let world = store
        .upsert_section(&NewSection {
            slug: "world".into(),
            name: "World".into(),
            position: 1,
            max_age_days: None,
        })
        .await
        .unwrap();
    let mut sources: Vec<SourceId> = Vec::new();
    for name in ["alpha", "beta", "gamma"] {
        sources.push(
            store
                .add_source(
                    &NewSource {
                        name: name.into(),
                        feed_url: format!("https://{name}.example/feed"),
                        site_url: None,
                        section_id: Some(world.id),
                        full_text: FullTextMode::Auto,
                    },
                    T0,
                )
                .await
                .unwrap()
                .id,
        );
    }
    let mut ids = Vec::new();
    for n in 0..ARTICLES {
        let a = NewArticle {
            source_id: sources[(n % 3) as usize],
            section_id: (n % 2 == 0).then_some(world.id),
            guid: Some(format!("g{n}")),
            canonical_url: format!("https://news.example/{n}"),
            original_url: format!("https://news.example/{n}?ref=rss"),
            title: format!("Headline «{n}» — ünïcödé"),
            summary: format!("Summary {n}"),
            body_html: format!("<p>Body {n}</p>"),
            body_text: format!("Body {n}"),
            body_seal: None,
            image: (n % 5 == 0).then(|| LeadImage {
                url: newsroom_core::PublicUrl::parse(&format!("https://img.example/{n}.jpg"))
                    .unwrap(),
                alt: format!("Alt {n}"),
                width: Some(1200),
                height: Some(675),
            }),
            video: (n % 50 == 0).then(|| Video {
                url: newsroom_core::PublicUrl::parse(&format!("https://video.example/{n}"))
                    .unwrap(),
            }),
            author: Some("Desk".into()),
            language: Some("en".into()),
            published_at: T0 + n * 60,
            fetched_at: T0 + n * 60 + 3,
        };
        ids.push(
            store
                .upsert_article(&a, a.fetched_at)
                .await
                .unwrap()
                .id
                .unwrap(),
        );
    }
    let story = store.create_story(ids[10], T0).await.unwrap();
    store.assign_story(ids[11], story, T0).await.unwrap();
    let hour = (T0 + ARTICLES * 60) / 3600;
    let batch: Vec<ViewDelta> = ids
        .iter()
        .enumerate()
        .flat_map(|(i, id)| {
            [
                ViewDelta {
                    article: *id,
                    hour,
                    n: i as i64 % 7 + 1,
                },
                ViewDelta {
                    article: *id,
                    hour: hour - 30,
                    n: 2,
                },
            ]
        })
        .collect();
    store.add_views(&batch).await.unwrap();
    store.delete_article(ids[5], T0 + 10).await.unwrap();
    store.ensure_job("poll:1", "poll", T0, None).await.unwrap();
    store.set_meta("salt", "abc").await.unwrap();
    // The admin's history: fetches (more than the 50 kept one by one, over
    // two hours), audit rows, and the clustering lag.
    for (i, src) in sources.iter().enumerate() {
        for n in 0..60 {
            let failed = n % 7 == 3;
            store
                .record_fetch(&FetchRecord {
                    source_id: *src,
                    fetched_at: T0 + n * 120 + i as i64,
                    status: (!failed).then_some(200),
                    result: if failed {
                        FetchResult::Failed
                    } else {
                        FetchResult::Ok
                    },
                    duration_ms: 40 + n,
                    error_class: failed.then(|| "http_5xx".to_string()),
                    error: failed.then(|| format!("HTTP 503 «{n}»")),
                    items: 20,
                    inserted: n % 2,
                    updated: 0,
                })
                .await
                .unwrap();
        }
    }
    for n in 0..30 {
        store
            .append_audit(&NewAudit {
                at: T0 + n,
                actor: if n % 2 == 0 { "ann" } else { "cli:root" },
                action: "story.retitle",
                object_kind: "story",
                object_id: story.0,
                before: Some(serde_json::json!({ "title": format!("old «{n}»") })),
                after: Some(serde_json::json!({ "title": format!("new {n}") })),
            })
            .await
            .unwrap();
    }
    store.record_cluster_lag(T0 + 5, 42).await.unwrap();
    ids
}

/// Everything the admin's history pages read.
async fn history(store: &dyn Store) -> serde_json::Value {
    let mut fetches = Vec::new();
    for s in store.list_sources().await.unwrap() {
        fetches.push(serde_json::json!({
            "last": store.source_fetches(s.source.id, 100).await.unwrap(),
            "hours": store.source_fetch_hours(s.source.id, 0).await.unwrap(),
        }));
    }
    let audit = store
        .list_audit(&AuditQuery {
            limit: 1000,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    serde_json::json!({
        "fetches": fetches,
        "audit": audit,
        "site": store.site_hours(0).await.unwrap(),
    })
}

async fn same_site(a: &dyn Store, b: &dyn Store, ids: &[ArticleId]) {
    assert_eq!(
        a.table_counts().await.unwrap(),
        b.table_counts().await.unwrap()
    );
    for id in ids.iter().step_by(97) {
        assert_eq!(
            a.get_article(*id).await.unwrap(),
            b.get_article(*id).await.unwrap()
        );
    }
    let q = ListQuery {
        limit: 50,
        offset: 20,
        ..Default::default()
    };
    assert_eq!(
        a.list_articles(&q).await.unwrap(),
        b.list_articles(&q).await.unwrap()
    );
    let since = T0 + ARTICLES * 60 - 24 * 3600;
    assert_eq!(
        a.most_read(since, 10).await.unwrap(),
        b.most_read(since, 10).await.unwrap()
    );
    assert_eq!(
        a.list_sections().await.unwrap(),
        b.list_sections().await.unwrap()
    );
    assert_eq!(
        a.get_meta("salt").await.unwrap(),
        b.get_meta("salt").await.unwrap()
    );
    assert_eq!(
        a.get_job("poll:1").await.unwrap(),
        b.get_job("poll:1").await.unwrap()
    );
    let (ha, hb) = (history(a).await, history(b).await);
    assert_eq!(ha["audit"].as_array().unwrap().len(), 30);
    assert_eq!(ha["fetches"][0]["last"].as_array().unwrap().len(), 50);
    assert!(!ha["site"].as_array().unwrap().is_empty());
    assert_eq!(ha, hb, "fetch history, audit log and site activity");
}

async fn copy_and_check(from: Arc<dyn Store>, to: Arc<dyn Store>) {
    let ids = fill(&*from).await;
    let mut seen: Vec<CopyProgress> = Vec::new();
    let counts = copy_site(&*from, &*to, false, |p| seen.push(p))
        .await
        .unwrap();
    assert_eq!(counts, from.table_counts().await.unwrap());
    let last = seen.last().unwrap();
    assert_eq!(last.done, last.total);
    assert!(seen.windows(2).all(|w| w[0].done <= w[1].done));
    assert!(
        seen.iter()
            .filter(|p| p.table == newsroom_store::Table::Articles)
            .count()
            >= 4,
        "articles come in several pages"
    );
    same_site(&*from, &*to, &ids).await;

    // The copy is a working site: new rows get fresh ids.
    let fresh = to
        .upsert_article(
            &NewArticle {
                source_id: to.list_sources().await.unwrap()[0].source.id,
                section_id: None,
                guid: None,
                canonical_url: "https://news.example/after-copy".into(),
                original_url: "https://news.example/after-copy".into(),
                title: "After the copy".into(),
                summary: String::new(),
                body_html: String::new(),
                body_text: String::new(),
                body_seal: None,
                image: None,
                video: None,
                author: None,
                language: None,
                published_at: T0,
                fetched_at: T0,
            },
            T0,
        )
        .await
        .unwrap();
    assert!(fresh.id.unwrap().0 > ids.last().unwrap().0);

    // Not into a site that has content, unless forced.
    let err = copy_site(&*from, &*to, false, |_| {}).await.unwrap_err();
    assert!(
        matches!(&err, StoreError::Conflict(m) if m.contains("not empty") && m.contains("--force")),
        "{err}"
    );
    copy_site(&*from, &*to, true, |_| {}).await.unwrap();
    same_site(&*from, &*to, &ids).await;
    assert!(
        to.article_by_canonical_url("https://news.example/after-copy")
            .await
            .unwrap()
            .is_none(),
        "--force replaces the target's rows"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_to_sqlite() {
    copy_and_check(sqlite().await, sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_to_postgres() {
    let Some(pg) = postgres().await else { return };
    copy_and_check(sqlite().await, pg).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_to_sqlite() {
    let Some(pg) = postgres().await else { return };
    copy_and_check(pg, sqlite().await).await;
}

/// SQLite to PostgreSQL and back to a new SQLite file: the history an
/// operator reads in the admin (fetches, audit log, site activity) is the
/// same at the end as at the start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_to_postgres_to_sqlite_keeps_history() {
    let Some(pg) = postgres().await else { return };
    let (first, last) = (sqlite().await, sqlite().await);
    let ids = fill(&*first).await;
    copy_site(&*first, &*pg, false, |_| {}).await.unwrap();
    copy_site(&*pg, &*last, false, |_| {}).await.unwrap();
    same_site(&*first, &*last, &ids).await;
    let counts = last.table_counts().await.unwrap();
    assert_eq!(
        (counts.source_fetches, counts.audit_log),
        (150, 30),
        "{counts:?}"
    );
    assert!(counts.source_fetch_hours >= 6 && counts.site_hours >= 1);
    // The copy goes on writing history with fresh ids.
    let id = last
        .append_audit(&NewAudit {
            at: T0 + 100,
            actor: "bob",
            action: "story.pin",
            object_kind: "story",
            object_id: 1,
            before: None,
            after: None,
        })
        .await
        .unwrap();
    assert_eq!(id, 31);
}
