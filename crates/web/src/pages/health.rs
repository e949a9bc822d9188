//! `/healthz`: is this node serving, and can it reach its database?

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
    match tokio::time::timeout(std::time::Duration::from_secs(3), state.store.ping()).await {
        Ok(Ok(())) => {
            (StatusCode::OK, Json(json!({"status": "ok", "database": "ok", "backend": backend, "pending_views": pending, "page_cache": page_cache})))
                .into_response()
        }
        Ok(Err(e)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "degraded", "database": format!("unreachable: {e}"), "backend": backend, "pending_views": pending, "page_cache": page_cache})),
        )
            .into_response(),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "degraded", "database": "timeout", "backend": backend, "pending_views": pending, "page_cache": page_cache})),
        )
            .into_response(),
    }
}
