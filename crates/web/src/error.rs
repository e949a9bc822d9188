//! One error type for request handling. Handlers return `WebResult`; a
//! `WebError` becomes a response once, here, and is dressed for whoever
//! asked by `pages::errors::render`, the router's outermost layer: JSON
//! under `/api/`, the admin's page under `/admin`, the site's page elsewhere.
//!
//! A missing thing is a 404, a database failure a 503, anything unexpected
//! a 500; the detail of a 503 or 500 goes to the log, never to the client.
//! Every error page renders without touching the database, so it works
//! while the database is down. Outside request handling (start-up, the flush
//! task) errors are logged or returned to the binary, which uses `anyhow`.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use newsroom_store::StoreError;
use serde_json::json;

/// Whether a path is the JSON API's, whose every answer is JSON, errors too.
pub fn is_api_path(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// An API error in the documented shape `{"error": "..."}`, never cached,
/// readable from other origins.
pub fn api_error(status: StatusCode, text: &str) -> Response {
    let mut r = (status, Json(json!({ "error": text }))).into_response();
    let h = r.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum WebError {
    /// The text says what was not found, for API clients.
    #[error("{0}")]
    NotFound(&'static str),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Forbidden(&'static str),
    /// It clashes with what is there already (a feed that is a source).
    #[error("{0}")]
    Conflict(String),
    /// The database did not answer; the detail is for the log.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type WebResult<T> = Result<T, WebError>;

impl WebError {
    pub const fn not_found() -> Self {
        WebError::NotFound("not found")
    }

    pub fn status(&self) -> StatusCode {
        match self {
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::Conflict(_) => StatusCode::CONFLICT,
            WebError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What an API client reads.
    pub fn api_text(&self) -> String {
        match self {
            WebError::Unavailable(_) => "database unavailable".into(),
            WebError::Internal(_) => "internal error".into(),
            other => other.to_string(),
        }
    }

    /// The admin page's heading and text.
    pub fn admin_text(&self) -> (&'static str, String) {
        match self {
            WebError::NotFound(_) => ("Not found", "There is no such page or item.".into()),
            WebError::Forbidden(m) => ("Not allowed", (*m).to_string()),
            WebError::BadRequest(m) | WebError::Conflict(m) => ("Cannot do that", m.clone()),
            WebError::Unavailable(_) => (
                "Error",
                "The database is unavailable; try again in a moment.".into(),
            ),
            WebError::Internal(_) => (
                "Error",
                "Something went wrong; the server log has the details.".into(),
            ),
        }
    }
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) => WebError::not_found(),
            StoreError::Invalid(m) => WebError::BadRequest(m),
            StoreError::Database(_) | StoreError::Open { .. } => {
                WebError::Unavailable(e.to_string())
            }
            other => WebError::Internal(other.to_string()),
        }
    }
}

impl From<askama::Error> for WebError {
    fn from(e: askama::Error) -> Self {
        WebError::Internal(format!("template: {e}"))
    }
}

/// Logs the failure and leaves the error on the response for `render`,
/// which knows where the request went. Without `render` (a handler called
/// on its own) the answer is the bare status.
impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        match &self {
            WebError::Unavailable(detail) => {
                tracing::warn!(error = %detail, "database unavailable")
            }
            WebError::Internal(detail) => tracing::error!(error = %detail, "request failed"),
            _ => {}
        }
        let mut resp = self.status().into_response();
        resp.extensions_mut().insert(self);
        resp
    }
}
