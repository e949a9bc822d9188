//! How a `WebError` is shown, by `render`, the router's outermost layer:
//!
//! - under `/api/`, the documented JSON shape `{"error": "..."}`, never
//!   cached, readable from other origins;
//! - under `/admin`, the admin's message page;
//! - anywhere else, the site's 404, 500 or 503 page.

use crate::error::WebError;
use crate::state::{AppState, Chrome, Shared};
use askama::Template;
use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Chrome,
    heading: String,
    text: String,
}

pub fn error_page(state: &AppState, status: StatusCode) -> Response {
    let (heading, text) = if status == StatusCode::NOT_FOUND {
        (state.t.not_found.clone(), state.t.not_found_text.clone())
    } else {
        (state.t.error.clone(), state.t.error_text.clone())
    };
    let page = ErrorPage {
        c: state.bare_chrome(),
        heading,
        text,
    };
    let body = page
        .render()
        .unwrap_or_else(|_| "<!doctype html><title>Error</title><h1>Error</h1>".to_string());
    let mut resp = (status, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// Turns an error response into the page or JSON its audience expects.
pub async fn render(State(state): State<Shared>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let mut resp = next.run(req).await;
    let Some(err) = resp.extensions_mut().remove::<WebError>() else {
        return resp;
    };
    let status = err.status();
    let mut out = if path.starts_with("/api/") {
        let mut r = (status, Json(json!({ "error": err.api_text() }))).into_response();
        r.headers_mut().insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
        r
    } else if path == "/admin" || path.starts_with("/admin/") {
        let (heading, text) = err.admin_text();
        crate::admin::error::message(status, heading, text)
    } else {
        error_page(&state, status)
    };
    // Headers set on the way out (the admin's security headers) stay.
    let mut headers = std::mem::take(resp.headers_mut());
    headers.remove(header::CONTENT_LENGTH);
    for (name, value) in out.headers() {
        headers.insert(name, value.clone());
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    *out.headers_mut() = headers;
    out
}

