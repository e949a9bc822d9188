//! Errors of the admin area, each a page with a plain message. Store
//! failures are logged with their detail and shown without it.

use super::layout::Layout;
use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use newsroom_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("There is no such page or item.")]
    NotFound,
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0}")]
    BadRequest(String),
    #[error("The database is unavailable; try again in a moment.")]
    Unavailable(String),
    #[error("Something went wrong; the server log has the details.")]
    Internal(String),
}

impl From<StoreError> for AdminError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) => AdminError::NotFound,
            StoreError::Database(_) | StoreError::Open { .. } => {
                AdminError::Unavailable(e.to_string())
            }
            other => AdminError::Internal(other.to_string()),
        }
    }
}

impl From<askama::Error> for AdminError {
    fn from(e: askama::Error) -> Self {
        AdminError::Internal(format!("template: {e}"))
    }
}

pub type AdminResult<T> = Result<T, AdminError>;

#[derive(Template)]
#[template(path = "admin/message.html")]
pub struct MessagePage {
    pub l: Layout,
    pub heading: &'static str,
    pub text: String,
}

impl AdminError {
    pub fn status(&self) -> StatusCode {
        match self {
            AdminError::NotFound => StatusCode::NOT_FOUND,
            AdminError::Forbidden(_) => StatusCode::FORBIDDEN,
            AdminError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AdminError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AdminError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        match &self {
            AdminError::Unavailable(detail) => {
                tracing::warn!(error = %detail, "admin: database unavailable")
            }
            AdminError::Internal(detail) => {
                tracing::error!(error = %detail, "admin: request failed")
            }
            _ => {}
        }
        let status = self.status();
        let heading = match status {
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::FORBIDDEN => "Not allowed",
            StatusCode::BAD_REQUEST => "Cannot do that",
            _ => "Error",
        };
        message(status, heading, self.to_string())
    }
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
