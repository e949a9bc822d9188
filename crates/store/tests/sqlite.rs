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
