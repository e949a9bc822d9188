//! Every route of the site, in one place.

use crate::pages::{api, article, assets, errors, health, home, section, story};
use crate::state::Shared;
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};

pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/", get(home::home))
        .route("/news/{id_slug}", get(article::article))
        .route("/section/{slug}", get(section::section))
        .route("/story/{id}", get(story::story))
        .route("/api/v1/views/{id}", post(api::beacon))
        .route("/api/v1/views", get(api::counts))
        .route("/healthz", get(health::health))
        .route("/robots.txt", get(assets::robots))
        .route("/favicon.ico", get(assets::favicon_ico))
        .route("/favicon.svg", get(assets::favicon_svg))
        .route("/static/site.css", get(assets::css))
        .route("/static/site.js", get(assets::js))
        .route("/static/demo/{file}", get(assets::demo_image))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(64 * 1024))
        .with_state(state)
}

async fn not_found(State(state): State<Shared>) -> Response {
    errors::error_page(&state, StatusCode::NOT_FOUND)
}
