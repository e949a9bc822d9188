//! The last step of every response: revalidation and compression.
//!
//! `finish` (called by `front` for every request) sees every response, with
//! what the request asked (`Asked`):
//! - cached pages (`pages::page_response`) arrive as a `PageBody`, the page
//!   and its live counts; they are written here in the chosen coding from
//!   pieces compressed once (`pieces`), with an entity tag made of the
//!   page's content and the counts shown, so a new count is a new tag;
//! - every other successful GET (feeds, sitemaps, API answers, static
//!   files) is known by the hash of its bytes (`compress::Bodies`), which is
//!   its entity tag, and compressed once per distinct body.
//!
//! Both get `ETag`, `Last-Modified` (when this node first served those
//! exact bytes) and `Vary: Accept-Encoding`, and a matching `If-None-Match`
//! or `If-Modified-Since` gets a 304. Range requests are answered with the
//! whole body (a server may ignore `Range`), which is always correct.
//! Nothing under `/admin` and nothing setting a cookie is compressed: its
//! pages hold CSRF tokens, which compression beside reflected input would
//! expose (BREACH).

pub mod chunks;
pub mod coding;
pub mod compress;
pub mod conditional;
pub mod crc_join;
pub mod pieces;
pub mod validators;

use crate::page_cache::CachedPage;
use crate::state::Shared;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use coding::{Accepted, Coding};
use conditional::Conditions;
pub use conditional::FirstSeen;
use std::sync::Arc;
use validators::Validators;

/// A cached page to send with these counts, left for `layer` to encode.
#[derive(Clone)]
pub struct PageBody {
    pub page: Arc<CachedPage>,
    pub totals: Vec<i64>,
}

/// Bodies larger than this pass through untouched (none of ours is).
const MAX_BODY: usize = 64 << 20;
/// Smaller bodies are not worth compressing.
const MIN_COMPRESS: usize = 256;

/// What of the request decides how its answer is finished.
pub struct Asked {
    readable: bool,
    accepted: Accepted,
    cond: Conditions,
    private: bool,
}

impl Asked {
    pub fn of(req: &Request) -> Self {
        Self {
            readable: matches!(*req.method(), Method::GET | Method::HEAD),
            accepted: Accepted::of(req.headers()),
            cond: Conditions::of(req.headers()),
            private: req.uri().path().starts_with("/admin"),
        }
    }
}

/// The answer to a request `asked`, with its validators, 304 or coding.
pub async fn finish(state: &Shared, asked: Asked, mut resp: Response) -> Response {
    let Asked {
        readable,
        accepted,
        cond,
        private,
    } = asked;
    if let Some(page) = resp.extensions_mut().remove::<PageBody>() {
        return finish_page(state, resp, page, accepted.for_page(), &cond, readable).await;
    }
    if !readable
        || private
        || resp.status() != StatusCode::OK
        || resp.headers().contains_key(header::CONTENT_ENCODING)
        || resp.headers().contains_key(header::SET_COOKIE)
    {
        return resp;
    }
    finish_body(state, resp, accepted.for_body(), &cond).await
}

async fn finish_page(
    state: &Shared,
    resp: Response,
    page: PageBody,
    coding: Coding,
    cond: &Conditions,
    readable: bool,
) -> Response {
    let (mut parts, _) = resp.into_parts();
    let compiled = &page.page.page;
    let latest = match compiled.has_slot() {
        true => state.latest_list().await,
        false => None,
    };
    let latest_totals = latest
        .as_ref()
        .map(|l| state.counter.totals(l.ids()))
        .unwrap_or_default();
    let fragment = latest.as_deref().map(|l| (l, &latest_totals[..]));
    let gz = (coding == Coding::Gzip).then(|| compiled.gz_plan(&page.totals, fragment));
    let version = compiled.version(&page.totals, fragment);
    let v = validators::of_page(
        version,
        compiled.tag(),
        coding,
        gz.as_ref().map_or([0, 0], |plan| plan.levels()),
        &state.first_seen,
        state.now(),
    );
    if readable
        && parts.status == StatusCode::OK
        && cond.not_modified(v.etag_str(), v.last_modified)
    {
        return not_modified(&parts.headers, v);
    }
    let body = match (coding, &gz) {
        (Coding::Identity, _) => Body::new(compiled.emit_body(&page.totals, fragment)),
        (Coding::Gzip, Some(plan)) => Body::from(compiled.emit_gz(plan, &page.totals, fragment)),
        _ => Body::from(compiled.emit_coded(&page.totals, fragment, coding)),
    };
    set_validators(&mut parts.headers, v);
    set_coding(&mut parts.headers, coding);
    Response::from_parts(parts, body)
}

async fn finish_body(
    state: &Shared,
    resp: Response,
    coding: Coding,
    cond: &Conditions,
) -> Response {
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let entry = state.bodies.get(bytes, state.now());
    // A handler's own tag (feeds, sitemaps) is kept; else the body's hash.
    let etag = parts
        .headers
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .unwrap_or_else(|| entry.etag.clone());
    let compress = entry.identity.len() >= MIN_COMPRESS && compressible(&parts.headers);
    let coding = if compress { coding } else { Coding::Identity };
    let v = Validators::new(&etag, coding, entry.first_seen);
    if cond.not_modified(&etag, entry.first_seen) {
        return not_modified(&parts.headers, v);
    }
    set_validators(&mut parts.headers, v);
    if compress {
        set_coding(&mut parts.headers, coding);
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(entry.encoded(coding)))
}

/// Text formats; images other than SVG and anything already compressed are not.
fn compressible(headers: &HeaderMap) -> bool {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = ct.split(';').next().unwrap_or("").trim();
    mime.starts_with("text/")
        || mime.ends_with("+xml")
        || mime.ends_with("+json")
        || matches!(
            mime,
            "application/json" | "application/xml" | "application/javascript" | "image/x-icon"
        )
}

fn set_validators(h: &mut HeaderMap, v: Validators) {
    h.insert(header::ETAG, v.etag);
    if !h.contains_key(header::LAST_MODIFIED) {
        h.insert(header::LAST_MODIFIED, v.last_modified_value);
    }
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
}

fn set_coding(h: &mut HeaderMap, coding: Coding) {
    match coding.header() {
        Some(v) => h.insert(header::CONTENT_ENCODING, v),
        None => h.remove(header::CONTENT_ENCODING),
    };
    h.remove(header::CONTENT_LENGTH);
}

/// A bodiless 304 with the validators and caching headers of the 200.
fn not_modified(from: &HeaderMap, v: Validators) -> Response {
    let mut resp = StatusCode::NOT_MODIFIED.into_response();
    let h = resp.headers_mut();
    for name in [header::CACHE_CONTROL, header::EXPIRES] {
        if let Some(v) = from.get(&name) {
            h.insert(name, v.clone());
        }
    }
    set_validators(h, v);
    resp
}
