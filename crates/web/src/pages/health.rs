//! `/healthz`: is this node serving, can it reach its database, and is
//! ingestion current? One database round trip (`Store::ingest_freshness`,
//! one pass over the sources table), which also checks the database.

use crate::state::Shared;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

pub async fn health(State(state): State<Shared>) -> Response {
    let pending = state.counter.pending_views();
    let cache = state.cache.stats();
    let lookups = cache.hits + cache.misses;
    let page_cache = json!({
        "entries": cache.entries, "bytes": cache.bytes, "max_bytes": cache.max_bytes,
        "hits": cache.hits, "misses": cache.misses,
        "hit_rate": if lookups == 0 { 0.0 } else { cache.hits as f64 / lookups as f64 },
    });
    let backend = state.store.backend();
    let asked = state.store.ingest_freshness();
    let (status, database, ingest) =
        match tokio::time::timeout(std::time::Duration::from_secs(3), asked).await {
            Ok(Ok(f)) => {
                let ingest = json!({
                    "last_success_at": f.last_success_at,
                    "secs_since_last_success": f.last_success_at.map(|t| (state.now() - t).max(0)),
                    "failing_sources": f.failing_sources,
                    "enabled_sources": f.enabled_sources,
                });
                (StatusCode::OK, "ok".to_string(), ingest)
            }
            Ok(Err(e)) => (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("unreachable: {e}"),
                json!(null),
            ),
            Err(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout".to_string(),
                json!(null),
            ),
        };
    let overall = if status == StatusCode::OK {
        "ok"
    } else {
        "degraded"
    };
    (
        status,
        Json(json!({
            "status": overall, "database": database, "backend": backend,
            "pending_views": pending, "page_cache": page_cache, "ingest": ingest,
        })),
    )
        .into_response()
}
