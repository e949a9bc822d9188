//! How a `WebError` is shown, by `render`, the router's outermost layer:
//!
//! - under `/api/`, the documented JSON shape `{"error": "..."}`, never
//!   cached, readable from other origins; also for the errors axum answers
//!   itself (a query string that does not parse, a method a route does not
//!   take, a body too large), which carry no `WebError`;
//! - under `/admin`, the admin's message page;
//! - anywhere else, the site's 404, 500 or 503 page.

use crate::error::{WebError, api_error, is_api_path};
use crate::state::{AppState, Chrome, Shared};
use askama::Template;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

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
    let resp = next.run(req).await;
    dress(&state, &path, resp).await
}

/// `render` for the answer to a request for `path`.
pub async fn dress(state: &AppState, path: &str, mut resp: Response) -> Response {
    let Some(err) = resp.extensions_mut().remove::<WebError>() else {
        if is_api_path(path) && is_plain_error(&resp) {
            return api_rejection(resp).await;
        }
        return resp;
    };
    let status = err.status();
    let mut out = if is_api_path(path) {
        api_error(status, &err.api_text())
    } else if path == "/admin" || path.starts_with("/admin/") {
        let (heading, text) = err.admin_text();
        crate::admin::error::message(status, heading, text)
    } else {
        error_page(state, status)
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

/// An error answer axum made itself (an extractor's rejection, 405), not
/// in the API's shape yet.
fn is_plain_error(resp: &Response) -> bool {
    let s = resp.status();
    let json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    (s.is_client_error() || s.is_server_error()) && !json
}

/// Axum's rejection as the API's JSON error, with its text (it says which
/// parameter failed and why; it never holds more than the request did).
async fn api_rejection(resp: Response) -> Response {
    let status = resp.status();
    let (parts, body) = resp.into_parts();
    let text = axum::body::to_bytes(body, 2048)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let text = if text.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("error")
            .to_ascii_lowercase()
    } else {
        text
    };
    let mut out = api_error(status, &text);
    // Keep what the rejection said beside its body (`Allow` on a 405).
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().entry(name).or_insert(value.clone());
        }
    }
    out
}
