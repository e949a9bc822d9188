//! Migration 0024 on a site with visit claims: the claims table is keyed
//! by article first, and the claims made before it still hold (a visitor
//! counted for an article within the window is not counted again; one a
//! window ago is). SQLite always; PostgreSQL when
//! NEWSROOM_TEST_POSTGRES_URL names a server.

use newsroom_core::ArticleId;
use newsroom_store::{Store, Visit, testdb};

const ROWS: &[&str] = &[
    "INSERT INTO sources (name, feed_url, created_at) VALUES ('Old Times', 'https://old.example/feed', 0)",
    "INSERT INTO articles (source_id, canonical_url, original_url, title, published_at, fetched_at, updated_at, status) VALUES \
     (1, 'https://old.example/1', 'https://old.example/1', 'One', 100, 100, 100, 'published'), \
     (1, 'https://old.example/2', 'https://old.example/2', 'Two', 200, 200, 200, 'published')",
    "INSERT INTO view_visits (visitor, article_id, counted_at, batch_id) VALUES \
     (77, 1, 10000, 'old/1'), (88, 2, 10000, 'old/1')",
];

fn visit(visitor: i64, article: i64, at: i64) -> Visit {
    Visit {
        visitor,
        article: ArticleId(article),
        at,
    }
}

async fn check(store: &dyn Store) {
    let asked = [
        visit(88, 2, 12_000),
        visit(77, 1, 10_500),
        visit(77, 2, 10_500),
    ];
    let mut counted = store
        .claim_visits("new/1", &asked, 1800, 12_000)
        .await
        .unwrap();
    counted.sort_by_key(|v| (v.visitor, v.article.0));
    assert_eq!(
        counted,
        [visit(77, 2, 10_500), visit(88, 2, 12_000)],
        "a claim from before the migration holds within its window, and not past it"
    );
    // The same batch again (a flush whose reply was lost) gets the same answer.
    let mut again = store
        .claim_visits("new/1", &asked, 1800, 12_000)
        .await
        .unwrap();
    again.sort_by_key(|v| (v.visitor, v.article.0));
    assert_eq!(again, counted);
}

#[tokio::test]
async fn sqlite_0024_keys_visit_claims_by_article() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("old.db").display());
    let store = testdb::sqlite_upgraded(&url, "view visits by article", ROWS).await;
    // The claims go on into migration 0025's log (tests/visit_log.rs),
    // and still hold.
    check(&store).await;
}

#[tokio::test]
async fn postgres_0024_keys_visit_claims_by_article() {
    let Some(store) = testdb::postgres_upgraded(
        "PostgreSQL migration 0024 test",
        "view visits by article",
        ROWS,
    )
    .await
    else {
        return;
    };
    check(&store).await;
    let (def,): (String,) = sqlx::query_as(
        "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i \
         WHERE i.indrelid = 'view_visits'::regclass AND i.indisprimary",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert!(def.ends_with("(article_id, visitor)"), "{def}");
}
