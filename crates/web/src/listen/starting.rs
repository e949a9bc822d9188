//! What a node answers before its database is open: it listens at once, so
//! a load balancer sees a node that is starting rather than a dead one.
//! `/healthz` says `starting` with 503; every other path 503 with Retry-After
//! (the API's in its JSON error shape).

use axum::Json;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

pub(crate) fn router() -> Router {
    Router::new()
        .route("/healthz", get(health))
        .fallback(unavailable)
}

async fn health() -> Response {
    retry_after(
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "starting", "database": "connecting"})),
        )
            .into_response(),
    )
}

async fn unavailable(uri: Uri) -> Response {
    if crate::error::is_api_path(uri.path()) {
        return retry_after(crate::error::api_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "database unavailable",
        ));
    }
    retry_after(
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "The site is starting. Try again in a few seconds.\n",
        )
            .into_response(),
    )
}

fn retry_after(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}
