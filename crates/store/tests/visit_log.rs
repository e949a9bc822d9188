//! Visit claims on SQLite (migration 0025): checked in each process's memory
//! over an append-only log, they still hold across processes on one file,
//! across restarts, and across a log that pruning has emptied.

use newsroom_core::ArticleId;
use newsroom_store::{SqliteStore, Store, Visit, testdb};

const WINDOW: i64 = 1800;
const T0: i64 = 1_800_000_000;

fn visit(visitor: i64, article: i64, at: i64) -> Visit {
    Visit {
        visitor,
        article: ArticleId(article),
        at,
    }
}

async fn open(url: &str) -> SqliteStore {
    SqliteStore::open(url, &Default::default()).await.unwrap()
}

async fn claim(store: &SqliteStore, batch: &str, visits: &[Visit], now: i64) -> Vec<Visit> {
    let mut got = store
        .claim_visits(batch, visits, WINDOW, now)
        .await
        .unwrap();
    got.sort_unstable_by_key(|v| (v.article, v.visitor));
    got
}

async fn log_ids(store: &SqliteStore) -> Vec<i64> {
    sqlx::query_scalar("SELECT id FROM view_visit_log ORDER BY id")
        .fetch_all(store.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn two_processes_on_one_file_count_a_visit_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("site.db").display());
    let a = open(&url).await;
    let b = open(&url).await;
    assert_eq!(
        claim(&a, "a/1", &[visit(1, 10, T0)], T0).await,
        [visit(1, 10, T0)]
    );
    assert!(
        claim(&b, "b/1", &[visit(1, 10, T0 + 60)], T0 + 60)
            .await
            .is_empty(),
        "b reads a's claim"
    );
    assert_eq!(
        claim(&b, "b/2", &[visit(2, 10, T0 + 60)], T0 + 60).await,
        [visit(2, 10, T0 + 60)]
    );
    assert!(
        claim(&a, "a/2", &[visit(2, 10, T0 + 90)], T0 + 90)
            .await
            .is_empty(),
        "and a reads b's"
    );
    // Both at once, many times over: each visit counts on exactly one of them.
    for round in 0..20i64 {
        let at = T0 + 100 + round;
        let visits: Vec<Visit> = (0..50).map(|n| visit(1000 + n, 20 + round, at)).collect();
        let (ba, bb) = (format!("a/r{round}"), format!("b/r{round}"));
        let (x, y) = tokio::join!(claim(&a, &ba, &visits, at), claim(&b, &bb, &visits, at));
        let mut all = [x, y].concat();
        all.sort_unstable_by_key(|v| v.visitor);
        assert_eq!(
            all, visits,
            "round {round}: every visit once between the two"
        );
    }
    // The log only grows at its end.
    let ids = log_ids(&a).await;
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(ids.len(), 2 + 20 * 50);
}

#[tokio::test]
async fn a_restarted_process_keeps_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("site.db").display());
    let first = open(&url).await;
    assert_eq!(claim(&first, "n1/1", &[visit(5, 1, T0)], T0).await.len(), 1);
    // More claims than one read of the log takes (100,000 rows a chunk).
    let crowd: Vec<Visit> = (0..100_500).map(|n| visit(10_000 + n, 2, T0)).collect();
    assert_eq!(claim(&first, "n1/2", &crowd, T0).await.len(), crowd.len());
    first.pool().close().await;
    drop(first);
    let second = open(&url).await;
    let again = [
        visit(5, 1, T0 + 600),
        visit(10_000, 2, T0 + 600),
        visit(110_499, 2, T0 + 600),
    ];
    assert!(
        claim(&second, "n2/1", &again, T0 + 600).await.is_empty(),
        "the first claims and the last, read in two chunks at the first claim"
    );
    // A flush retried after the restart, under its old id, gets its answer again.
    assert_eq!(
        claim(&second, "n1/1", &[visit(5, 1, T0)], T0 + 600).await,
        [visit(5, 1, T0)]
    );
    assert_eq!(
        claim(&second, "n2/2", &[visit(5, 1, T0 + WINDOW)], T0 + WINDOW).await,
        [visit(5, 1, T0 + WINDOW)],
        "a window later it counts"
    );
}

#[tokio::test]
async fn ids_go_on_after_pruning_empties_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("site.db").display());
    let a = open(&url).await;
    let b = open(&url).await;
    claim(&a, "a/1", &[visit(1, 1, T0), visit(2, 1, T0)], T0).await;
    claim(&b, "b/1", &[visit(3, 1, T0)], T0).await;
    let before = *log_ids(&a).await.last().unwrap();
    // A day later the whole log is pruned...
    let later = T0 + 86_400;
    claim(&a, "a/2", &[], later).await;
    assert!(log_ids(&a).await.is_empty());
    // ...and a new claim still gets an id past every one b has read.
    assert_eq!(
        claim(&a, "a/3", &[visit(9, 2, later)], later).await.len(),
        1
    );
    assert!(log_ids(&a).await[0] > before);
    assert!(
        claim(&b, "b/2", &[visit(9, 2, later + 5)], later + 5)
            .await
            .is_empty(),
        "b sees it"
    );
}

const OLD_ROWS: &[&str] = &[
    "INSERT INTO sources (name, feed_url, created_at) VALUES ('Old Times', 'https://old.example/feed', 0)",
    "INSERT INTO articles (source_id, canonical_url, original_url, title, published_at, fetched_at, updated_at, status) VALUES \
     (1, 'https://old.example/1', 'https://old.example/1', 'One', 100, 100, 100, 'published')",
    "INSERT INTO view_visits (visitor, article_id, counted_at, batch_id) VALUES \
     (77, 1, 1800000000, 'old/1'), (88, 1, 1799990000, 'old/0')",
];

#[tokio::test]
async fn migration_0025_carries_the_claims_into_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("old.db").display());
    let store = testdb::sqlite_upgraded(&url, "view visit log", OLD_ROWS).await;
    let rows: Vec<(i64, i64)> =
        sqlx::query_as("SELECT visitor, counted_at FROM view_visit_log ORDER BY id")
            .fetch_all(store.pool())
            .await
            .unwrap();
    assert_eq!(rows, [(88, 1_799_990_000), (77, T0)], "oldest first");
    let asked = [visit(77, 1, T0 + 60), visit(88, 1, T0 + 60)];
    assert_eq!(
        claim(&store, "new/1", &asked, T0 + 60).await,
        [visit(88, 1, T0 + 60)],
        "a claim from before the migration holds within its window, and not past it"
    );
}
