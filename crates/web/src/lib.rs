#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod config;
pub mod error;
pub mod pages;
pub mod render;
pub mod router;
pub mod state;
pub mod strings;
pub mod views;

pub use config::SiteConfig;
pub use state::{AppState, Shared};

use axum::http::HeaderMap;
use newsroom_core::{Messages, SiteClock};
use newsroom_store::Store;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("invalid site setting: {0}")]
    Config(String),
    #[error(transparent)]
    Store(#[from] newsroom_store::StoreError),
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
}

/// Builds the shared state of a site on an open store.
pub async fn build_state(store: Arc<dyn Store>, cfg: SiteConfig) -> Result<Shared, StartError> {
    let clock = SiteClock::new(&cfg.time_zone, cfg.locale)
        .map_err(|e| StartError::Config(format!("site.time_zone: {e}")))?;
    let msgs = Messages::new(cfg.locale);
    let t = strings::Strings::new(&msgs);
    // One secret per site, shared by all its nodes, so they hash visitors alike.
    let fresh: [u8; 32] = rand::random();
    let secret_hex = store
        .init_meta("visitor_secret", &hex::encode(fresh))
        .await?;
    let mut secret = [0u8; 32];
    hex::decode_to_slice(&secret_hex, &mut secret)
        .map_err(|_| StartError::Config("stored visitor_secret is not 64 hex digits".into()))?;
    Ok(Arc::new(AppState {
        counter: views::ViewCounter::new(secret),
        cache: render::PageCache::new(cfg.page_cache_ttl, 10_000),
        asset_version: pages::assets::asset_version(),
        store,
        clock,
        msgs,
        t,
        cfg,
    }))
}

/// The client address a view is attributed to.
pub(crate) fn visitor_of(state: &AppState, headers: &HeaderMap, peer: SocketAddr) -> String {
    if state.cfg.trust_forwarded_for {
        if let Some(first) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|s| !s.is_empty() && s.len() <= 64)
        {
            return first.to_string();
        }
    }
    peer.ip().to_string()
}

/// Serves the site until `shutdown` resolves, flushing buffered views every
/// `flush_interval` and once more after the last request has finished.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Shared,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let flusher = tokio::spawn(flush_loop(state.clone()));
    let app = router::router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    flusher.abort();
    final_flush(&state).await;
    result.map_err(StartError::Io)
}

async fn flush_loop(state: Shared) {
    let mut tick = tokio::time::interval(state.cfg.flush_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = state.counter.flush(&*state.store).await {
            tracing::warn!(error = %e, pending = state.counter.pending_views(), "flushing views failed; kept for the next try");
        }
    }
}

/// On shutdown, keep trying for a while: these views exist nowhere else.
async fn final_flush(state: &AppState) {
    for attempt in 0..10u32 {
        match state.counter.flush(&*state.store).await {
            Ok(stats) => {
                if state.counter.pending_views() == 0 {
                    tracing::info!(
                        views = stats.views,
                        articles = stats.articles,
                        "final flush done"
                    );
                    return;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, attempt, "final flush failed");
                tokio::time::sleep(std::time::Duration::from_millis(
                    200 * (1 << attempt.min(4)),
                ))
                .await;
            }
        }
    }
    tracing::error!(
        lost = state.counter.pending_views(),
        "giving up on buffered views at shutdown"
    );
}
