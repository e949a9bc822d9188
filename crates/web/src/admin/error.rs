//! The admin's message page: how a `WebError` looks under `/admin`
//! (`crate::error::render`), and the guard's refusals.

use super::layout::Layout;
use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

#[derive(Template)]
#[template(path = "admin/message.html")]
pub struct MessagePage {
    pub l: Layout,
    pub heading: &'static str,
    pub text: String,
}

/// A page with one message, outside any session (it must render whatever failed).
pub fn message(status: StatusCode, heading: &'static str, text: String) -> Response {
    let body = MessagePage {
        l: Layout::bare(),
        heading,
        text,
    }
    .render()
    .unwrap_or_else(|_| "<!doctype html><title>Error</title><h1>Error</h1>".to_string());
    let mut resp = (status, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    resp
}
