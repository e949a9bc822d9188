//! One module per page or endpoint.

pub mod article;
pub mod assets;
pub mod documents;
pub mod errors;
pub mod feeds;
pub mod health;
pub mod home;
pub mod pins;
pub(crate) mod scratch;
pub mod search;
pub mod section;
pub mod sitemap;
pub mod story;

use crate::error::{WebError, WebResult};
use crate::page_cache::CachedPage;
use crate::state::AppState;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// A page that could not be built: while the database is unreachable, the
/// last good copy (up to an hour past its freshness) rather than the 503
/// page; a page that no longer exists leaves the cache at once.
pub fn or_stale(
    state: &AppState,
    key: &str,
    built: WebResult<Arc<CachedPage>>,
) -> WebResult<Arc<CachedPage>> {
    match built {
        Err(WebError::Unavailable(msg)) => match state.cache.stale(key) {
            Some(page) => {
                tracing::warn!(error = %msg, key, "database unavailable; serving the last good copy");
                Ok(page)
            }
            None => Err(WebError::Unavailable(msg)),
        },
        Err(e @ WebError::NotFound(_)) => {
            state.cache.remove(key);
            Err(e)
        }
        other => other,
    }
}

/// A cached page with live counts, as an HTTP response. The body is written
/// by `respond::finish`, in the coding the client takes, with its validators.
pub fn page_response(state: &AppState, page: &Arc<CachedPage>) -> Response {
    let totals = state.counter.totals(page.page.ids());
    let status = StatusCode::from_u16(page.status).unwrap_or(StatusCode::OK);
    let mut resp = status.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // A shared cache may keep the HTML briefly: counting also arrives by beacon.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=5"),
    );
    resp.extensions_mut().insert(crate::respond::PageBody {
        page: page.clone(),
        totals,
    });
    resp
}

/// Percent-encodes what a Location header cannot carry (non-ASCII slugs).
pub fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
