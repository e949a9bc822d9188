//! The 404, 500 and 503 pages.

use crate::state::{AppState, Chrome};
use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
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
