//! Error policy for request handling: handlers return `AppResult`; a missing
//! thing is a 404 page, a database failure a 503 page, anything else a 500
//! page. Every error page renders without touching the database, so it works
//! while the database is down. Outside request handling (start-up, the flush
//! task) errors are logged or returned to the binary, which uses `anyhow`.

use crate::pages::errors::error_page;
use crate::state::Shared;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use newsroom_store::StoreError;

#[derive(Debug)]
pub enum AppError {
    NotFound,
    Unavailable(String),
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) => AppError::NotFound,
            StoreError::Database(_) | StoreError::Open { .. } => {
                AppError::Unavailable(e.to_string())
            }
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(format!("template: {e}"))
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// An error together with the state needed to render its page.
pub struct Failure(pub Shared, pub AppError);

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let Failure(state, err) = self;
        let status = match &err {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Unavailable(msg) => {
                tracing::warn!(error = %msg, "database unavailable");
                StatusCode::SERVICE_UNAVAILABLE
            }
            AppError::Internal(msg) => {
                tracing::error!(error = %msg, "request failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        error_page(&state, status)
    }
}
