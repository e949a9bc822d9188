//! Stored content checked again on its way into a page, the API or a feed.
//!
//! Ingestion checks every URL and sanitises every body before storing it,
//! but rows written by an older version, by `newsroom copy` from another
//! database, or by hand are not bound by that. So what reaches an attribute
//! is re-checked here: links become [`PublicUrl`]s or nothing, and bodies go
//! through the sanitiser's allow-list once more (which keeps only
//! [`PublicUrl`]s in `href` and `src`).

use crate::page_cache::strip_controls;
use newsroom_core::{Article, PublicUrl};
use newsroom_ingest::seal::SealKey;

/// The outlet's page for an article, when its stored address is a
/// [`PublicUrl`].
pub fn original(stored: &str) -> Option<PublicUrl> {
    PublicUrl::or_drop(stored, None, "stored original link")
}

/// Bodies up to this size are sanitised on the request's own thread: an
/// article's few kilobytes take tens of microseconds, less than handing
/// them to another thread and back costs. Longer ones go to the CPU pool.
const INLINE_BYTES: usize = 16 * 1024;

/// A stored body as it may be served. One sealed by this site's sanitiser
/// (`newsroom_ingest::seal`) is served as stored; any other goes through
/// the sanitiser once more, within the same size and depth limits, with
/// `body_text` standing in for HTML too deep to parse. A long body is parsed
/// in ingestion's CPU pool, off the async threads.
pub async fn body(key: &SealKey, a: &Article) -> String {
    let html = strip_controls(&a.body_html);
    if key.verifies(&a.body_html, a.body_seal.as_deref()) {
        return html;
    }
    let stored_text = a.body_text.as_str();
    let clean = if html.len() <= INLINE_BYTES {
        std::panic::catch_unwind(|| newsroom_ingest::cpu::sanitize(&html, None, stored_text)).ok()
    } else {
        let text = a.body_text.clone();
        newsroom_ingest::cpu::run(move || newsroom_ingest::cpu::sanitize(&html, None, &text)).await
    };
    clean.unwrap_or_else(|| {
        // The allow-list panicked: serve no body rather than an unchecked one.
        tracing::warn!("re-sanitising a stored body failed");
        String::new()
    })
}
