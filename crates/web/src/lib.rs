#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod admin;
pub mod config;
pub mod error;
pub mod listen;
pub mod pages;
pub mod render;
pub mod router;
pub mod state;
pub mod strings;
pub mod views;
pub mod xml;

pub use config::SiteConfig;
pub use listen::{ConnLimits, Front};
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
        counter: views::ViewCounter::new(secret).with_visitors_per_ip(cfg.max_visitors_per_ip),
        login_key: blake3::derive_key("newsroom login csrf key v1", &secret),
        cache: render::PageCache::new(cfg.page_cache_ttl, 10_000),
        search_cache: render::PageCache::new(cfg.page_cache_ttl, 1_000),
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
    if state.cfg.trust_forwarded_for
        && let Some(first) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|s| !s.is_empty() && s.len() <= 64)
    {
        return first.to_string();
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
    let front = Front::new(ConnLimits::default());
    front.open(router::router(state.clone()));
    keep_views(state, front.run(listener, shutdown)).await
}

/// Keeps the view buffer flushed while `server` runs (a [`Front`] that has
/// the site open), and flushes once more after it has stopped.
pub async fn keep_views(
    state: Shared,
    server: impl Future<Output = std::io::Result<()>>,
) -> Result<(), StartError> {
    let spooled = restore_unflushed(&state);
    let flusher = tokio::spawn(flush_loop(state.clone(), spooled));
    let result = server.await;
    // Aborting mid-write loses nothing: a batch leaves the queue only once
    // the store has confirmed it.
    flusher.abort();
    final_flush(&state).await;
    result.map_err(StartError::Io)
}

/// Queues the views an earlier run could not write. The file stays until
/// they are confirmed, so a crash before that replays them again, and the
/// store skips batches it already has.
fn restore_unflushed(state: &AppState) -> bool {
    let Some(path) = &state.cfg.unflushed_views_file else {
        return false;
    };
    let raw = match std::fs::read(path) {
        Ok(raw) => raw,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return false,
        Err(e) => {
            tracing::error!(file = %path.display(), error = %e, "cannot read unflushed views");
            return false;
        }
    };
    match serde_json::from_slice::<Vec<views::Batch>>(&raw) {
        Ok(batches) => {
            let views: i64 = batches
                .iter()
                .flat_map(|b| b.views.iter().map(|v| v.2))
                .sum();
            tracing::info!(file = %path.display(), batches = batches.len(), views, "replaying views saved at the last shutdown");
            state.counter.restore(batches);
            true
        }
        Err(e) => {
            // Kept aside, not deleted: an operator may still want it.
            let aside = path.with_extension("json.unreadable");
            let _ = std::fs::rename(path, &aside);
            tracing::error!(file = %aside.display(), error = %e, "unflushed views file is not readable; moved aside");
            false
        }
    }
}

fn forget_unflushed(state: &AppState) {
    if let Some(path) = &state.cfg.unflushed_views_file
        && let Err(e) = std::fs::remove_file(path)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(file = %path.display(), error = %e, "cannot remove the unflushed views file");
    }
}

async fn flush_loop(state: Shared, mut spooled: bool) {
    let mut tick = tokio::time::interval(state.cfg.flush_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match state.counter.flush(&*state.store).await {
            Ok(_) if spooled && state.counter.unconfirmed_batches() == 0 => {
                tracing::info!("views saved at the last shutdown are written");
                forget_unflushed(&state);
                spooled = false;
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, pending = state.counter.pending_views(), "flushing views failed; kept for the next try");
            }
        }
    }
}

/// On shutdown, keep trying for a while; then save what is left to the
/// unflushed views file for the next start.
async fn final_flush(state: &AppState) {
    for attempt in 0..6u32 {
        match state.counter.flush(&*state.store).await {
            Ok(stats) => {
                if state.counter.unconfirmed_batches() == 0 && state.counter.pending_views() == 0 {
                    tracing::info!(
                        views = stats.views,
                        articles = stats.articles,
                        "final flush done"
                    );
                    forget_unflushed(state);
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
    let left = state.counter.pending_views();
    let Some(path) = &state.cfg.unflushed_views_file else {
        tracing::error!(lost = left, "giving up on buffered views at shutdown");
        return;
    };
    match save_unflushed(path, &state.counter.unflushed()) {
        Ok(()) => tracing::warn!(
            views = left,
            file = %path.display(),
            "database unreachable at shutdown; views saved, written at the next start"
        ),
        Err(e) => {
            tracing::error!(lost = left, file = %path.display(), error = %e, "cannot save buffered views")
        }
    }
}

/// Written to a temporary file and renamed, so a crash mid-write leaves the
/// previous file whole.
fn save_unflushed(path: &std::path::Path, batches: &[views::Batch]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("json.tmp");
    let body = serde_json::to_vec(batches).map_err(std::io::Error::other)?;
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&body)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}
