//! The conformance suite on a real SQLite file per test.

use newsroom_store::{PoolConfig, SqliteStore, Store};
use std::sync::Arc;

async fn fresh() -> Option<Arc<dyn Store>> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("site.db").display());
    let store = SqliteStore::open(&url, &PoolConfig::default())
        .await
        .unwrap();
    // The folder must outlive the test; leaking it keeps the file until the process ends.
    std::mem::forget(dir);
    Some(Arc::new(store))
}

newsroom_store::conformance_suite!(fresh());

#[tokio::test]
async fn missing_folder_is_a_clear_error() {
    let err = SqliteStore::open(
        "sqlite:///nonexistent-folder-xyz/site.db",
        &PoolConfig::default(),
    )
    .await
    .err()
    .unwrap();
    let msg = err.to_string();
    assert!(msg.contains("does not exist"), "{msg}");
}

#[tokio::test]
async fn read_only_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ro.db");
    std::fs::write(&path, b"").unwrap();
    let mut perm = std::fs::metadata(&path).unwrap().permissions();
    perm.set_readonly(true);
    std::fs::set_permissions(&path, perm).unwrap();
    let res = SqliteStore::open(
        &format!("sqlite://{}", path.display()),
        &PoolConfig::default(),
    )
    .await;
    // Root can write to read-only files, so only check the message when it failed.
    if let Err(e) = res {
        assert!(e.to_string().contains("read-only"), "{e}");
    }
}

#[tokio::test]
async fn in_memory_database_works() {
    let store = SqliteStore::open("sqlite::memory:", &PoolConfig::default())
        .await
        .unwrap();
    store.ping().await.unwrap();
    assert!(store.table_counts().await.unwrap().is_empty_site());
}

/// SQLite plans a query from the statistics ANALYZE leaves. Without them it
/// guessed that `status = 'published'` narrows the articles as much as a
/// story or a section does, and walked every published article for each
/// article page (0.5 s a page on 20,000 articles). Opening the store gathers
/// them; this fills a site, reopens it, and reads the plans SQLite makes.
#[tokio::test]
async fn opening_gathers_planner_statistics() {
    use newsroom_core::{FullTextMode, NewArticle, NewSection, NewSource};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("site.db");
    let url = format!("sqlite://{}", path.display());
    let t0 = 1_700_000_000;
    {
        let store = SqliteStore::open(&url, &PoolConfig::default())
            .await
            .unwrap();
        let mut sections = Vec::new();
        for i in 0..8 {
            let s = store
                .upsert_section(&NewSection {
                    slug: format!("s{i}"),
                    name: format!("Section {i}"),
                    position: i,
                    max_age_days: None,
                })
                .await
                .unwrap();
            sections.push(s.id);
        }
        let src = store
            .add_source(
                &NewSource {
                    name: "desk".into(),
                    feed_url: "https://desk.example/feed.xml".into(),
                    site_url: None,
                    section_id: None,
                    full_text: FullTextMode::Auto,
                },
                t0,
            )
            .await
            .unwrap()
            .id;
        let mut story = None;
        for n in 0..600i64 {
            let a = NewArticle {
                source_id: src,
                section_id: Some(sections[(n % 8) as usize]),
                guid: Some(format!("g{n}")),
                canonical_url: format!("https://desk.example/a/{n}"),
                original_url: format!("https://desk.example/a/{n}"),
                title: format!("Headline {n}"),
                summary: String::new(),
                body_html: format!("<p>{}</p>", "word ".repeat(200)),
                body_text: "word ".repeat(200),
                body_seal: None,
                image: None,
                video: None,
                author: None,
                language: None,
                published_at: t0 + n * 60,
                fetched_at: t0 + n * 60,
            };
            let id = store
                .upsert_article(&a, a.fetched_at)
                .await
                .unwrap()
                .id
                .unwrap();
            // Stories of four articles.
            if n % 4 == 0 {
                story = Some(store.create_story(id, a.fetched_at).await.unwrap());
            } else {
                store
                    .assign_story(id, story.unwrap(), a.fetched_at)
                    .await
                    .unwrap();
            }
        }
    }
    // A database filled before this version had no statistics.
    {
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        sqlx::query("DROP TABLE IF EXISTS sqlite_stat1")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
    SqliteStore::open(&url, &PoolConfig::default())
        .await
        .unwrap();
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let plan = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            let rows: Vec<(i64, i64, i64, String)> =
                sqlx::query_as(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")))
                    .fetch_all(&pool)
                    .await
                    .unwrap();
            rows.into_iter().map(|r| r.3).collect::<Vec<_>>().join("\n")
        }
    };
    // The shape of the article page's story query: one story's members.
    let story = plan(
        "SELECT a.story_id, COUNT(*), COUNT(DISTINCT a.source_id), MIN(a.published_at), \
           (SELECT MIN(b.published_at) FROM stories t JOIN articles b ON b.story_id = t.id \
            WHERE t.thread_id = COALESCE(st.thread_id, st.id) AND b.status = 'published') \
         FROM articles a JOIN stories st ON st.id = a.story_id \
         WHERE a.status = 'published' AND a.story_id IN (3) \
         GROUP BY a.story_id, st.id, st.thread_id ORDER BY a.story_id",
    )
    .await;
    assert!(
        story.contains("articles_story") && !story.contains("articles_latest"),
        "{story}"
    );
    // A section's count, as the section page asks it.
    let section =
        plan("SELECT COUNT(*) FROM articles a WHERE a.status = 'published' AND a.section_id = 2")
            .await;
    assert!(section.contains("articles_section"), "{section}");
    let analysed: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'articles'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(analysed > 0, "no statistics for articles after opening");
}

/// Articles already stored when the stemmed index of other languages came
/// (migration 0019), or copied in since, are queued; the next open indexes
/// them, a batch at a time, and the queue is empty after.
#[tokio::test]
async fn opening_indexes_queued_articles_for_stemmed_search() {
    use newsroom_core::{FullTextMode, NewArticle, NewSource};
    use newsroom_store::search::SearchTerms;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("site.db").display());
    let store = SqliteStore::open(&url, &PoolConfig::default())
        .await
        .unwrap();
    let src = store
        .add_source(
            &NewSource {
                name: "Zeitung".into(),
                feed_url: "https://zeitung.example/feed".into(),
                site_url: None,
                section_id: None,
                full_text: FullTextMode::Auto,
            },
            1_700_000_000,
        )
        .await
        .unwrap()
        .id;
    // More than one batch of the open-time catch-up.
    for n in 0..450 {
        let a = NewArticle {
            source_id: src,
            section_id: None,
            guid: Some(format!("g{n}")),
            canonical_url: format!("https://zeitung.example/{n}"),
            original_url: format!("https://zeitung.example/{n}"),
            title: format!("Bericht {n}"),
            summary: String::new(),
            body_html: String::new(),
            body_text: format!("Die Häuser der Straße {n} wurden gestern verkauft."),
            body_seal: None,
            image: None,
            video: None,
            author: None,
            language: Some("de".into()),
            published_at: 1_700_000_000 + n,
            fetched_at: 1_700_000_000 + n,
        };
        store.upsert_article(&a, a.fetched_at).await.unwrap();
    }
    async fn found(store: &SqliteStore) -> i64 {
        store
            .search_articles(&SearchTerms::parse("haus"), None, 1, 0)
            .await
            .unwrap()
            .total
    }
    assert_eq!(found(&store).await, 450, "indexed as they were written");
    drop(store);
    // As migration 0019 leaves a database that had articles: queued, unindexed.
    {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query("DELETE FROM articles_fts_lang")
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::query("INSERT INTO articles_stem_pending (article_id) SELECT id FROM articles")
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let store = SqliteStore::open(&url, &PoolConfig::default())
        .await
        .unwrap();
    assert_eq!(found(&store).await, 450);
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM articles_stem_pending")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

/// Writers on one file take turns in the store (`write_tx`) rather than in
/// SQLite's busy handler: with a busy timeout far shorter than the queue of
/// writers, every batch is still stored (without the turns most of them
/// gave up with "database is locked").
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_take_turns() {
    use newsroom_store::ArticleWrite;
    use newsroom_store::samples::{T0, article, source};
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("turns.db").display());
    let cfg = PoolConfig {
        max_connections: 8,
        acquire_timeout: std::time::Duration::from_millis(250),
    };
    let store = Arc::new(SqliteStore::open(&url, &cfg).await.unwrap());
    let src = store.add_source(&source("turns"), T0).await.unwrap().id;
    let (writers, per_batch) = (24, 100);
    let mut tasks = Vec::new();
    for w in 0..writers {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let text = "Words enough to index. ".repeat(50);
            let batch: Vec<ArticleWrite> = (0..per_batch)
                .map(|n| ArticleWrite {
                    article: article(src, &format!("{w}/{n}"), &text),
                    addresses: Vec::new(),
                    state: None,
                })
                .collect();
            store.store_articles(&batch, T0).await.map(|o| o.len())
        }));
    }
    let mut failed = Vec::new();
    for t in tasks {
        match t.await.unwrap() {
            Ok(n) => assert_eq!(n, per_batch),
            Err(e) => failed.push(e.to_string()),
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {writers} batches failed: {:?}",
        failed.len(),
        failed.first()
    );
    let counts = store.table_counts().await.unwrap();
    assert_eq!(counts.articles, (writers * per_batch) as i64);
}

/// `checkpoint` copies what SQLite's log holds into the database file: a
/// copy of the file alone (without its `-wal`) has what was written before
/// it, and did not before.
#[tokio::test]
async fn checkpoint_copies_the_log_into_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("site.db");
    let store = SqliteStore::open(
        &format!("sqlite://{}", path.display()),
        &PoolConfig::default(),
    )
    .await
    .unwrap();
    store.set_meta("probe", "written").await.unwrap();
    let file_alone = |name: &str| {
        let to = dir.path().join(name);
        std::fs::copy(&path, &to).unwrap();
        to
    };
    let read = |p: std::path::PathBuf| async move {
        let url = format!("sqlite://{}", p.display());
        let copy = SqliteStore::open(&url, &PoolConfig::default())
            .await
            .unwrap();
        copy.get_meta("probe").await.unwrap()
    };
    let before = file_alone("before.db");
    store.checkpoint().await.unwrap();
    let after = file_alone("after.db");
    assert_eq!(read(before).await, None, "the write was still in the log");
    assert_eq!(read(after).await.as_deref(), Some("written"));
}
