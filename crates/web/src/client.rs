//! Who a request comes from, as far as counting and throttling need to know.

use crate::state::AppState;
use axum::http::HeaderMap;
use std::net::SocketAddr;

/// The client address a view is attributed to.
pub(crate) fn visitor_of(state: &AppState, headers: &HeaderMap, peer: SocketAddr) -> String {
    if state.cfg.trust_forwarded_for
        && let Some(first) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|s| !s.is_empty() && s.len() <= 64)
    {
        return first.to_string();
    }
    peer.ip().to_string()
}
