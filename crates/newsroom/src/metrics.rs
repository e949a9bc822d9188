//! Metrics for operators: the Prometheus recorder every crate's `metrics`
//! calls land in, and `GET /metrics` on a listener of its own
//! (`metrics.listen`), never on the site's. That listener is a
//! `newsroom_web::Front` like the site's, with the same connection limits
//! and timeouts.

use anyhow::{Context, Result};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use newsroom_store::Store;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// Bounds for durations of requests, fetches, flushes and extraction (seconds).
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];
/// Clustering lag runs from seconds to hours.
const LAG_BUCKETS: &[f64] = &[
    1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 21600.0, 86400.0,
];

/// The recorder, installed for the whole process, with every metric's help text.
pub fn install() -> Result<PrometheusHandle> {
    let handle = PrometheusBuilder::new()
        .set_buckets(LATENCY_BUCKETS)?
        .set_buckets_for_metric(
            Matcher::Full(newsroom_cluster::metrics::LAG.into()),
            LAG_BUCKETS,
        )?
        .install_recorder()
        .context("cannot install the metrics recorder")?;
    newsroom_web::metrics::describe();
    newsroom_ingest::metrics::describe();
    newsroom_cluster::metrics::describe();
    newsroom_store::metrics::describe();
    Ok(handle)
}

/// Serves `GET /metrics` on `listener` until `shutdown`. The pool gauges are
/// read from `store` (once it is open) at each scrape.
pub async fn serve(
    listener: tokio::net::TcpListener,
    handle: PrometheusHandle,
    store: Arc<OnceLock<Arc<dyn Store>>>,
    limits: newsroom_web::ConnLimits,
    shutdown: impl std::future::Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let upkeep = {
        let handle = handle.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(5));
            loop {
                tick.tick().await;
                handle.run_upkeep();
            }
        })
    };
    let render = Arc::new(move || {
        if let Some(store) = store.get() {
            newsroom_store::metrics::record_pool(&**store);
        }
        handle.render()
    });
    let front = newsroom_web::Front::new(limits);
    front.open(newsroom_web::metrics::router(render));
    let result = front.run(listener, shutdown).await;
    upkeep.abort();
    result
}
