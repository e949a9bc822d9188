//! The conformance suite on a real PostgreSQL, a fresh database per test.
//! Needs NEWSROOM_TEST_POSTGRES_URL (see `newsroom_store::testdb`); without it
//! each test says it was skipped and passes.

use newsroom_store::{PgStore, PoolConfig, Store, testdb};
use std::sync::Arc;

const SUITE: &str = "PostgreSQL conformance suite";

async fn fresh() -> Option<Arc<dyn Store>> {
    let url = testdb::fresh_postgres_url(SUITE).await?;
    let store = PgStore::open(&url, &PoolConfig::default()).await.unwrap();
    Some(Arc::new(store))
}

newsroom_store::conformance_suite!(fresh());
