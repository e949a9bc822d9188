//! The pool gauges the metrics endpoint shows (`Store::pool_stats`): with
//! every connection taken, a store call waits, and is counted as waiting
//! until a connection comes back. On SQLite, and on PostgreSQL when
//! `NEWSROOM_TEST_POSTGRES_URL` is set.

use newsroom_store::{PgStore, PoolConfig, PoolStats, SqliteStore, Store, testdb};
use std::sync::Arc;
use std::time::{Duration, Instant};

const CFG: PoolConfig = PoolConfig {
    max_connections: 2,
    acquire_timeout: Duration::from_secs(20),
};

async fn until(store: &dyn Store, want: impl Fn(&PoolStats) -> bool) -> PoolStats {
    let start = Instant::now();
    loop {
        let s = store.pool_stats();
        if want(&s) || start.elapsed() > Duration::from_secs(10) {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Another connection, outside the pool, locks what `set_meta` writes, so
/// store calls hold their connections while they wait on the lock; one
/// more call than there are connections waits for a connection.
macro_rules! waits_for_a_connection {
    ($store:expr, $lock:expr, $unlock:expr) => {{
        let store: Arc<dyn Store> = Arc::new($store);
        store.set_meta("k", "v").await.unwrap();
        let s = until(&*store, |s| s.in_use == 0).await;
        assert_eq!((s.max, s.in_use, s.waiting), (2, 0, 0), "{s:?}");
        let lock = $lock;
        let calls: Vec<_> = (0..3)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move { store.set_meta("k", "w").await.unwrap() })
            })
            .collect();
        let s = until(&*store, |s| s.in_use == 2 && s.waiting == 1).await;
        assert_eq!(
            (s.in_use, s.waiting),
            (2, 1),
            "two calls hold the connections, one waits: {s:?}"
        );
        $unlock(lock).await;
        for c in calls {
            c.await.unwrap();
        }
        assert_eq!(store.get_meta("k").await.unwrap().as_deref(), Some("w"));
        let s = until(&*store, |s| s.in_use == 0).await;
        assert_eq!((s.in_use, s.waiting), (0, 0), "all given back: {s:?}");
    }};
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_calls_wait_for_a_full_pool() {
    use sqlx::Connection;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("pool.db").display());
    waits_for_a_connection!(
        SqliteStore::open(&url, &CFG).await.unwrap(),
        {
            let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
            sqlx::raw_sql("BEGIN IMMEDIATE")
                .execute(&mut c)
                .await
                .unwrap();
            c
        },
        |mut c: sqlx::SqliteConnection| async move {
            sqlx::raw_sql("COMMIT").execute(&mut c).await.unwrap();
            c.close().await.unwrap();
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_calls_wait_for_a_full_pool() {
    use sqlx::Connection;
    let Some(url) = testdb::fresh_postgres_url("PostgreSQL pool gauges").await else {
        return;
    };
    waits_for_a_connection!(
        PgStore::open(&url, &CFG).await.unwrap(),
        {
            let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
            sqlx::raw_sql("BEGIN; LOCK TABLE meta IN ACCESS EXCLUSIVE MODE")
                .execute(&mut c)
                .await
                .unwrap();
            c
        },
        |mut c: sqlx::PgConnection| async move {
            sqlx::raw_sql("COMMIT").execute(&mut c).await.unwrap();
            c.close().await.unwrap();
        }
    );
}
