//! View beacons and live counts, for pages served from a cache in front of us.
//!
//! `POST /api/v1/views/{id}` counts a view (with the same dedup and bot rules
//! as a page render, so a page that was rendered here and then beacons counts
//! once) and answers the total. `GET /api/v1/views?ids=1,2` answers totals.

use crate::error::{WebError, WebResult};
use crate::state::Shared;
use crate::visitor_of;
use axum::Json;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use newsroom_core::ArticleId;
use serde::Deserialize;
use serde_json::json;
use std::net::SocketAddr;

const MAX_IDS: usize = 100;

fn no_store(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

pub async fn beacon(
    State(state): State<Shared>,
    Path(id): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> WebResult<Response> {
    let unknown = WebError::NotFound("unknown article");
    let id = id
        .parse::<i64>()
        .map(ArticleId)
        .map_err(|_| unknown.clone())?;
    // Only articles that exist may take buffer space.
    let key = crate::public_base::cache_key(&state, format!("article:{id}"));
    if !state.cache.contains(&key) {
        let stored = state.store.article_views(&[id]).await?;
        if stored.is_empty() {
            return Err(unknown);
        }
        state.counter.observe(stored);
    }
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (counted, views) =
        state
            .counter
            .record(id, &visitor_of(&state, &headers, peer), ua, state.now());
    Ok(no_store(
        Json(json!({"id": id.0, "views": views, "counted": counted})).into_response(),
    ))
}

#[derive(Deserialize)]
pub struct Ids {
    ids: String,
}

pub async fn counts(State(state): State<Shared>, Query(q): Query<Ids>) -> Response {
    let ids: Vec<ArticleId> = q
        .ids
        .split(',')
        .filter_map(|s| s.trim().parse::<i64>().ok())
        .take(MAX_IDS)
        .map(ArticleId)
        .collect();
    match state.store.article_views(&ids).await {
        Ok(stored) => state.counter.observe(stored.iter().copied()),
        Err(e) => tracing::warn!(error = %e, "counts: database unavailable, answering from memory"),
    }
    let totals = state.counter.totals(&ids);
    let map: serde_json::Map<String, serde_json::Value> = ids
        .iter()
        .zip(totals)
        .map(|(id, n)| (id.0.to_string(), json!(n)))
        .collect();
    no_store(Json(json!({"views": map})).into_response())
}
