//! Opening a PostgreSQL database: several nodes migrating at once, and the
//! errors an operator sees for a wrong password, a missing database and a
//! server that is not up (yet). Needs NEWSROOM_TEST_POSTGRES_URL; without it
//! each test says it was skipped and passes.

use newsroom_store::{PgStore, PoolConfig, Store, open, open_with_retry, testdb};
use sqlx::{Connection, PgConnection};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};

const SUITE: &str = "PostgreSQL open/migrate tests";

fn quick() -> PoolConfig {
    PoolConfig {
        max_connections: 2,
        acquire_timeout: Duration::from_secs(3),
    }
}

fn with_url_part(url: &str, f: impl FnOnce(&mut url::Url)) -> String {
    let mut u = url::Url::parse(url).unwrap();
    f(&mut u);
    u.to_string()
}

/// sqlx's migrator locks `0x3d32ad9e * crc32(database name)`; computed here
/// so the test can hold that very lock.
fn migrator_lock_id(database: &str) -> i64 {
    let mut crc = 0xffff_ffffu32;
    for b in database.bytes() {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    0x3d32_ad9e * i64::from(!crc)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_starting_at_once_migrate_once() {
    let Some(url) = testdb::fresh_postgres_url(SUITE).await else {
        return;
    };
    let opens: Vec<_> = (0..6)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { PgStore::open(&url, &quick()).await })
        })
        .collect();
    let mut stores = Vec::new();
    for o in opens {
        stores.push(o.await.unwrap().expect("every node opens"));
    }
    let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(stores[0].pool())
        .await
        .unwrap();
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres"))
        .unwrap()
        .count() as i64;
    assert_eq!(applied, files, "each migration recorded once");
    for s in &stores {
        assert!(s.table_counts().await.unwrap().is_empty_site());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migration_waits_for_the_advisory_lock() {
    let Some(url) = testdb::fresh_postgres_url(SUITE).await else {
        return;
    };
    let mut holder = PgConnection::connect(&url).await.unwrap();
    let db: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(&mut holder)
        .await
        .unwrap();
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(migrator_lock_id(&db))
        .execute(&mut holder)
        .await
        .unwrap();
    let opening = tokio::spawn({
        let url = url.clone();
        async move { PgStore::open(&url, &quick()).await }
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        !opening.is_finished(),
        "the migrator must wait while another node holds the migration lock"
    );
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(migrator_lock_id(&db))
        .execute(&mut holder)
        .await
        .unwrap();
    let store = tokio::time::timeout(Duration::from_secs(20), opening)
        .await
        .expect("opens once the lock is free")
        .unwrap()
        .unwrap();
    store.ping().await.unwrap();
}

#[tokio::test]
async fn wrong_password_names_the_url_redacted() {
    let Some(url) = testdb::fresh_postgres_url(SUITE).await else {
        return;
    };
    let bad = with_url_part(&url, |u| {
        u.set_password(Some("not-the-password")).unwrap();
    });
    let err = open(&bad, &quick()).await.err().unwrap().to_string();
    assert!(err.contains("password authentication failed"), "{err}");
    assert!(err.contains(":***@127.0.0.1"), "{err}");
    assert!(!err.contains("not-the-password"), "{err}");
    // No point in waiting for a wrong password to become right.
    let mut calls = 0;
    let started = std::time::Instant::now();
    let err = open_with_retry(&bad, &quick(), Duration::from_secs(30), |_| calls += 1)
        .await
        .err()
        .unwrap();
    assert_eq!(calls, 0, "{err}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn missing_database_is_a_clear_error() {
    let Some(url) = testdb::fresh_postgres_url(SUITE).await else {
        return;
    };
    let bad = with_url_part(&url, |u| u.set_path("/newsroom_no_such_database"));
    let err = open(&bad, &quick()).await.err().unwrap().to_string();
    assert!(
        err.contains("\"newsroom_no_such_database\" does not exist"),
        "{err}"
    );
    assert!(err.contains("postgres://newsroom:***@"), "{err}");
}

async fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap().port()
}

#[tokio::test]
async fn unreachable_server_is_retried_then_reported() {
    let Some(url) = testdb::fresh_postgres_url(SUITE).await else {
        return;
    };
    let port = free_port().await;
    let down = with_url_part(&url, |u| u.set_port(Some(port)).unwrap());
    let err = open(&down, &quick()).await.err().unwrap().to_string();
    assert!(err.contains("cannot reach the server"), "{err}");
    assert!(err.contains(&format!("127.0.0.1:{port}")), "{err}");

    let mut notices = Vec::new();
    let err = open_with_retry(&down, &quick(), Duration::from_secs(2), |r| {
        notices.push((r.attempt, r.retry_in, r.error.to_string()))
    })
    .await
    .err()
    .unwrap()
    .to_string();
    assert!(notices.len() >= 2, "{notices:?}");
    assert!(notices[1].1 > notices[0].1, "pauses grow: {notices:?}");
    assert!(err.contains("gave up after"), "{err}");
}

/// The server "comes up" a moment after the node starts: a forwarder to the
/// real server starts listening on the port the node was told to use.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_coming_up_late_is_waited_for() {
    let Some(url) = testdb::fresh_postgres_url(SUITE).await else {
        return;
    };
    let real = url::Url::parse(&url).unwrap();
    let target = format!(
        "{}:{}",
        real.host_str().unwrap(),
        real.port().unwrap_or(5432)
    );
    let port = free_port().await;
    let late = with_url_part(&url, |u| u.set_port(Some(port)).unwrap());
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        loop {
            let (mut inbound, _) = listener.accept().await.unwrap();
            let target = target.clone();
            tokio::spawn(async move {
                if let Ok(mut out) = TcpStream::connect(&target).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                }
            });
        }
    });
    let mut retries = 0;
    let store = open_with_retry(&late, &quick(), Duration::from_secs(30), |_| retries += 1)
        .await
        .unwrap();
    assert!(retries >= 1);
    assert_eq!(store.backend(), "postgres");
    store.ping().await.unwrap();
}
