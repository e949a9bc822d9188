#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod admin;
pub mod api;
mod client;
pub mod clock;
pub mod config;
pub mod counting;
pub mod error;
pub mod feed_ids;
pub mod front;
pub mod head;
pub mod invalidate;
pub mod kept;
pub mod listen;
pub mod metrics;
pub mod page_cache;
pub mod pages;
pub mod public_base;
pub mod respond;
pub mod router;
pub mod safe_html;
pub mod shared_runs;
pub mod state;
pub mod strings;
pub mod xml;

pub(crate) use client::visitor_of;
pub use config::SiteConfig;
pub use listen::{ConnLimits, Front};
pub use state::{AppState, Shared};

use newsroom_core::{Messages, SiteClock};
use newsroom_store::Store;
use std::future::Future;
use std::sync::Arc;

/// Why a site could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("invalid site setting: {0}")]
    Config(String),
    #[error(transparent)]
    Store(#[from] newsroom_store::StoreError),
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
}

/// Story blocks kept at most (each a few hundred bytes).
const STORY_BLOCKS_KEPT: usize = 100_000;

/// Builds the shared state of a site on an open store.
pub async fn build_state(
    store: Arc<dyn Store>,
    cfg: SiteConfig,
    source_adder: Option<Arc<newsroom_ingest::SourceAdder>>,
) -> Result<Shared, StartError> {
    let clock = SiteClock::new(&cfg.time_zone, cfg.locale)
        .map_err(|e| StartError::Config(format!("site.time_zone: {e}")))?;
    let msgs = Messages::new(cfg.locale);
    let t = strings::Strings::new(&msgs);
    // One secret per site, shared by all its nodes, so they hash visitors alike.
    let fresh: [u8; 32] = rand::random();
    let secret_hex = store
        .init_meta(newsroom_ingest::seal::SITE_SECRET_META, &hex::encode(fresh))
        .await?;
    let mut secret = [0u8; 32];
    hex::decode_to_slice(&secret_hex, &mut secret)
        .map_err(|_| StartError::Config("stored visitor_secret is not 64 hex digits".into()))?;
    let now = cfg.fixed_now.unwrap_or_else(state::now);
    let feed_id_base = feed_ids::id_base(&*store, &cfg.base_url, now).await?;
    Ok(Arc::new(AppState {
        counter: counting::ViewCounter::new(secret).with_visitors_per_ip(cfg.max_visitors_per_ip),
        login_key: blake3::derive_key("newsroom login csrf key v1", &secret),
        seal: newsroom_ingest::seal::SealKey::from_site_secret(&secret),
        cache: page_cache::PageCache::new(cfg.page_cache_ttl, cfg.page_cache_bytes),
        fragments: page_cache::Fragments::new(cfg.fragment_ttl()),
        nav: kept::Kept::new("nav", cfg.fragment_ttl(), 1),
        story_blocks: kept::Kept::new("story", cfg.fragment_ttl(), STORY_BLOCKS_KEPT),
        bodies: pinned_assets(),
        first_seen: respond::FirstSeen::default(),
        search_cache: page_cache::PageCache::new(cfg.page_cache_ttl, cfg.page_cache_bytes / 8)
            .named("search"),
        asset_version: pages::assets::asset_version(),
        feed_id_base,
        source_adder,
        store,
        clock,
        msgs,
        t,
        cfg,
    }))
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
    let flusher = counting::flush::start(state.clone());
    let watcher = invalidate::start(state.clone());
    let result = server.await;
    watcher.abort();
    // Aborting mid-write loses nothing: a batch leaves the queue only once
    // the store has confirmed it.
    flusher.abort();
    counting::flush::final_flush(&state).await;
    result.map_err(StartError::Io)
}

/// The body cache, with the static files in it compressed now, at start.
fn pinned_assets() -> respond::compress::Bodies {
    let bodies = respond::compress::Bodies::new(64 << 20);
    let now = state::now();
    for asset in pages::assets::pinned() {
        bodies.pin(asset, now);
    }
    bodies
}
