//! Every route of the site, in one place.

use crate::api::{beacon, content, openapi};
use crate::error::WebError;
use crate::pages::{article, assets, errors, feeds, health, home, section, sitemap, story};
use crate::state::Shared;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};

pub fn router(state: Shared) -> Router {
    if !state.cfg.public_site {
        return Router::new()
            .route("/healthz", get(health::health))
            .fallback(not_found)
            .layer(from_fn_with_state(state.clone(), errors::render))
            .layer(from_fn(crate::metrics::track))
            .with_state(state);
    }
    Router::new()
        .route("/", get(home::home))
        .route("/news/{id_slug}", get(article::article))
        .route("/section/{slug}", get(section::section))
        .route("/section/{slug}/feed.xml", get(feeds::section_rss))
        .route("/section/{slug}/atom.xml", get(feeds::section_atom))
        .route("/section/{slug}/feed.json", get(feeds::section_json_feed))
        .route("/story/{id}", get(story::story))
        .route("/feed.xml", get(feeds::rss))
        .route("/atom.xml", get(feeds::atom))
        .route("/feed.json", get(feeds::json_feed))
        .route("/sitemap.xml", get(sitemap::index))
        .route("/sitemap-news.xml", get(sitemap::news))
        .route("/sitemaps/{file}", get(sitemap::file))
        .route("/api/v1/views/{id}", post(beacon::beacon))
        .route("/api/v1/views", get(beacon::counts))
        .route("/api/v1/articles", get(content::articles))
        .route("/api/v1/articles/{id}", get(content::article))
        .route("/api/v1/stories/{id}", get(content::story))
        .route("/api/v1/threads/{id}", get(content::thread))
        .route("/api/v1/sections", get(content::sections))
        .route("/api/v1/most-read", get(content::most_read))
        .route("/api/openapi.json", get(openapi::openapi))
        .route("/search", get(crate::pages::search::search))
        .route("/api/v1/search", get(crate::pages::search::api))
        .route("/healthz", get(health::health))
        .route("/robots.txt", get(assets::robots))
        .route("/favicon.ico", get(assets::favicon_ico))
        .route("/favicon.svg", get(assets::favicon_svg))
        .route("/static/site.css", get(assets::css))
        .route("/static/site.js", get(assets::js))
        .route("/static/demo/{file}", get(assets::demo_image))
        // Its own guard, limits and headers; never the public page cache.
        .nest_service("/admin", crate::admin::router(state.clone()))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(64 * 1024))
        // Metrics, the public address, error pages, validators, 304s and
        // compression, for everything above, in one layer.
        .layer(from_fn_with_state(state.clone(), crate::front::layer))
        .with_state(state)
}

async fn not_found() -> WebError {
    WebError::not_found()
}
