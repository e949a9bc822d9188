//! What the store tells the metrics recorder, through the `metrics` facade
//! (the binary installs the recorder; without one these cost nothing).

use crate::store::Store;
use metrics::{Unit, counter, describe_counter, describe_gauge, gauge};

pub const LEASE_CLAIMS: &str = "newsroom_lease_claims_total";
pub const LEASES_LOST: &str = "newsroom_leases_lost_total";
pub const POOL_CONNECTIONS: &str = "newsroom_db_pool_connections";
pub const POOL_WAITING: &str = "newsroom_db_pool_waiting";
pub const POOL_MAX: &str = "newsroom_db_pool_max_connections";

/// Help texts, once the recorder is installed.
pub fn describe() {
    describe_counter!(
        LEASE_CLAIMS,
        "Job lease claims by job kind: result=claimed counts jobs taken, result=none claims that found nothing due and free"
    );
    describe_counter!(
        LEASES_LOST,
        "Leases found taken over by another worker when renewed or completed, by job"
    );
    describe_gauge!(
        POOL_CONNECTIONS,
        Unit::Count,
        "Database connections of this node by state (in_use, idle)"
    );
    describe_gauge!(
        POOL_WAITING,
        Unit::Count,
        "Store calls running without a connection: waiting for one (or between two statements)"
    );
    describe_gauge!(POOL_MAX, Unit::Count, "database.max_connections");
}

/// Sets the pool gauges; called before each scrape (no database round trip).
pub fn record_pool(store: &dyn Store) {
    let p = store.pool_stats();
    gauge!(POOL_CONNECTIONS, "state" => "in_use").set(p.in_use);
    gauge!(POOL_CONNECTIONS, "state" => "idle").set(p.open.saturating_sub(p.in_use));
    gauge!(POOL_WAITING).set(p.waiting);
    gauge!(POOL_MAX).set(p.max);
}

/// Job kinds are the code's own few constants, so they make a bounded label.
pub(crate) fn claimed(kind: &str, jobs: usize) {
    if jobs == 0 {
        counter!(LEASE_CLAIMS, "kind" => kind.to_string(), "result" => "none").increment(1);
    } else {
        counter!(LEASE_CLAIMS, "kind" => kind.to_string(), "result" => "claimed")
            .increment(jobs as u64);
    }
}

/// `key` names one job (`source:12`); its part before `:` is the label.
pub(crate) fn lost(key: &str) {
    let job = key.split(':').next().unwrap_or(key).to_string();
    counter!(LEASES_LOST, "job" => job).increment(1);
}
