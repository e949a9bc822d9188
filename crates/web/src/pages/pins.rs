//! Stories editors pinned (`newsroom story pin`, the admin's story page):
//! they lead the home page and the first page of their sections until the
//! pin ends on the site's clock.

use crate::error::WebResult;
use crate::state::AppState;
use newsroom_core::SectionId;
use newsroom_store::ArticleCard;
use std::time::Duration;

/// At most this many pinned stories lead a page.
pub const MAX_PINNED: i64 = 5;

/// The pinned stories' cards for a page (all sections: `None`), and how
/// long a page showing them stays fresh: until the first pin ends (`None`:
/// no pin, the cache's own period).
pub async fn pinned(
    state: &AppState,
    now: i64,
    section: Option<SectionId>,
) -> WebResult<(Vec<ArticleCard>, Option<Duration>)> {
    let pins = state.store.pinned_cards(now, section, MAX_PINNED).await?;
    let fresh = pins
        .iter()
        .map(|(_, until)| Duration::from_secs(until.saturating_sub(now).max(1) as u64))
        .min();
    Ok((pins.into_iter().map(|(c, _)| c).collect(), fresh))
}

/// Puts a page in the cache, fresh until the first pin it shows ends.
pub fn cache_put(
    state: &AppState,
    key: String,
    page: crate::page_cache::Compiled,
    fresh: Option<Duration>,
) -> std::sync::Arc<crate::page_cache::CachedPage> {
    match fresh {
        Some(ttl) => state.cache.put_for(key, page, None, 200, ttl),
        None => state.cache.put(key, page, None, 200),
    }
}
