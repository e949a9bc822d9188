//! Migration 0023 on a site that had counted views: each article's total
//! moves out of its row into `article_views` and reads back the same
//! (0 for one never read), later flushes add to it, and deleting an article
//! takes its total with it. The database is migrated up to 0022, given rows
//! with plain SQL, then opened as a store (which runs the rest). SQLite
//! always; PostgreSQL when NEWSROOM_TEST_POSTGRES_URL names a server.

use newsroom_core::ArticleId;
use newsroom_store::{Store, ViewDelta, testdb};

const ROWS: &[&str] = &[
    "INSERT INTO sources (name, feed_url, created_at) VALUES ('Old Times', 'https://old.example/feed', 0)",
    "INSERT INTO articles (source_id, canonical_url, original_url, title, published_at, fetched_at, updated_at, status, views) VALUES \
     (1, 'https://old.example/1', 'https://old.example/1', 'Read five times', 100, 100, 100, 'published', 5), \
     (1, 'https://old.example/2', 'https://old.example/2', 'Never read', 200, 200, 200, 'published', 0), \
     (1, 'https://old.example/3', 'https://old.example/3', 'Read twelve times', 300, 300, 300, 'published', 12)",
];

async fn check(store: &dyn Store) {
    let ids: Vec<ArticleId> = (1..=3).map(ArticleId).collect();
    let mut totals = store.article_views(&ids).await.unwrap();
    totals.sort();
    assert_eq!(
        totals,
        [(ArticleId(1), 5), (ArticleId(2), 0), (ArticleId(3), 12)]
    );
    let counts = store.table_counts().await.unwrap();
    assert_eq!((counts.article_views, counts.total_views), (2, 17));
    assert_eq!(
        store
            .get_article(ArticleId(3))
            .await
            .unwrap()
            .unwrap()
            .views,
        12
    );

    let hour = 1_000;
    store
        .add_views(&[
            ViewDelta {
                article: ArticleId(2),
                hour,
                n: 1,
            },
            ViewDelta {
                article: ArticleId(3),
                hour,
                n: 3,
            },
        ])
        .await
        .unwrap();
    let mut totals = store.article_views(&ids).await.unwrap();
    totals.sort();
    assert_eq!(
        totals,
        [(ArticleId(1), 5), (ArticleId(2), 1), (ArticleId(3), 15)]
    );

    assert!(store.delete_article(ArticleId(3), 400).await.unwrap());
    let counts = store.table_counts().await.unwrap();
    assert_eq!(
        (counts.article_views, counts.total_views),
        (2, 6),
        "a deleted article's total goes with it"
    );
}

#[tokio::test]
async fn sqlite_0023_moves_view_totals_out_of_the_articles() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("old.db").display());
    let store = testdb::sqlite_upgraded(&url, "article views", ROWS).await;
    check(&store).await;
}

#[tokio::test]
async fn postgres_0023_moves_view_totals_out_of_the_articles() {
    let Some(store) =
        testdb::postgres_upgraded("PostgreSQL migration 0023 test", "article views", ROWS).await
    else {
        return;
    };
    check(&store).await;
}
