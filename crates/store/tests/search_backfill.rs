//! Articles stored before the search migration are found after it: a
//! database is migrated up to the migration before search, given articles
//! with plain SQL, then opened as a store (which runs the rest). SQLite
//! always; PostgreSQL when NEWSROOM_TEST_POSTGRES_URL names a server.

use newsroom_store::{SearchTerms, Store, testdb};

/// The migration that adds search.
const MIGRATION: &str = "article search";

const ROWS: &[&str] = &[
    "INSERT INTO sources (name, feed_url, created_at) VALUES ('Old Times', 'https://old.example/feed', 0)",
    "INSERT INTO articles (source_id, canonical_url, original_url, title, summary, body_text, \
     published_at, fetched_at, updated_at, status) VALUES \
     (1, 'https://old.example/1', 'https://old.example/1', 'Lock gates reopen', 'A short summary.', \
      'The écluse on the river reopened after repairs.', 100, 100, 100, 'published'), \
     (1, 'https://old.example/2', 'https://old.example/2', 'Lock gates hidden', '', \
      'Another écluse story.', 200, 200, 200, 'hidden')",
];

async fn check(store: &dyn Store) {
    let found = store
        .search_articles(&SearchTerms::parse("ecluse"), None, 10, 0)
        .await
        .unwrap();
    assert_eq!(
        found
            .cards
            .iter()
            .map(|c| c.title.as_str())
            .collect::<Vec<_>>(),
        ["Lock gates reopen"],
        "stored before the migration, found after it; the hidden one not"
    );
    assert_eq!(found.total, 1);
    assert_eq!(found.cards[0].source_name, "Old Times");
}

#[tokio::test]
async fn sqlite_indexes_articles_stored_before_search() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("old.db").display());
    check(&testdb::sqlite_upgraded(&url, MIGRATION, ROWS).await).await;
}

#[tokio::test]
async fn postgres_indexes_articles_stored_before_search() {
    let suite = "PostgreSQL search backfill test";
    if let Some(store) = testdb::postgres_upgraded(suite, MIGRATION, ROWS).await {
        check(&store).await;
    }
}
