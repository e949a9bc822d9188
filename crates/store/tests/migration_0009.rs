//! Migrations 0009 and 0012 on a database that had articles before them:
//! the site is marked as one whose feed ids keep their old form
//! (`feed_id_base` is `legacy`, 0009), and its English articles are found by
//! another form of their words (the stemmed index is filled, 0012). A
//! database without articles is not marked. The database is migrated up to 0008 with sqlx, given rows with
//! plain SQL, then opened as a store (which runs the rest). SQLite always;
//! PostgreSQL when NEWSROOM_TEST_POSTGRES_URL names a server.

use newsroom_store::{PgStore, PoolConfig, SearchTerms, SqliteStore, Store, testdb};
use sqlx::migrate::Migrator;

static SQLITE: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("./migrations/postgres");

/// The last migration before 0009.
fn before_0009(m: &Migrator) -> i64 {
    m.iter()
        .map(|m| m.version)
        .filter(|v| *v < 9)
        .max()
        .unwrap()
}

const ROWS: &[&str] = &[
    "INSERT INTO sources (name, feed_url, created_at) VALUES ('Old Times', 'https://old.example/feed', 0)",
    "INSERT INTO articles (source_id, canonical_url, original_url, title, summary, body_text, language, \
     published_at, fetched_at, updated_at, status) VALUES \
     (1, 'https://old.example/1', 'https://old.example/1', 'Marathon day', '', \
      'The runners were running past the harbour.', 'en', 100, 100, 100, 'published')",
];

async fn check(store: &dyn Store, had_articles: bool) {
    let marked = store.get_meta("feed_id_base").await.unwrap();
    if had_articles {
        assert_eq!(marked.as_deref(), Some("legacy"));
        let found = store
            .search_articles(&SearchTerms::parse("run"), None, 10, 0)
            .await
            .unwrap();
        assert_eq!(
            found.total, 1,
            "stored before the migration, found stemmed after it"
        );
    } else {
        assert_eq!(marked, None, "a new site is not legacy");
    }
}

#[tokio::test]
async fn sqlite_0009_marks_old_sites_and_stems_their_articles() {
    for had_articles in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("old.db").display());
        {
            let pool = sqlx::SqlitePool::connect(&format!("{url}?mode=rwc"))
                .await
                .unwrap();
            SQLITE.run_to(before_0009(&SQLITE), &pool).await.unwrap();
            if had_articles {
                for q in ROWS {
                    sqlx::query(*q).execute(&pool).await.unwrap();
                }
            }
            pool.close().await;
        }
        let store = SqliteStore::open(&url, &PoolConfig::default())
            .await
            .unwrap();
        check(&store, had_articles).await;
    }
}

#[tokio::test]
async fn postgres_0009_marks_old_sites_and_stems_their_articles() {
    for had_articles in [true, false] {
        let Some(url) = testdb::fresh_postgres_url("PostgreSQL migration 0009 test").await else {
            return;
        };
        {
            let pool = sqlx::PgPool::connect(&url).await.unwrap();
            POSTGRES
                .run_to(before_0009(&POSTGRES), &pool)
                .await
                .unwrap();
            if had_articles {
                for q in ROWS {
                    sqlx::query(*q).execute(&pool).await.unwrap();
                }
            }
            pool.close().await;
        }
        let store = PgStore::open(&url, &PoolConfig::default()).await.unwrap();
        check(&store, had_articles).await;
    }
}
