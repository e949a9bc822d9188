//! Stored content checked again on its way into a page, the API or a feed.
//!
//! Ingestion checks every URL and sanitises every body before storing it,
//! but rows written by an older version, by `newsroom copy` from another
//! database, or by hand are not bound by that. So what reaches an attribute
//! is re-checked here: links become [`PublicUrl`]s or nothing, and bodies go
//! through the sanitiser's allow-list once more (which keeps only
//! [`PublicUrl`]s in `href` and `src`).

use crate::render::strip_controls;
use newsroom_core::PublicUrl;

/// The outlet's page for an article, when its stored address is a
/// [`PublicUrl`].
pub fn original(stored: &str) -> Option<PublicUrl> {
    PublicUrl::or_drop(stored, None, "stored original link")
}

/// A stored body as it may be served. The allow-list parses the whole body,
/// so it runs on the blocking pool rather than on a runtime thread.
pub async fn body(stored: &str) -> String {
    let html = strip_controls(stored);
    match tokio::task::spawn_blocking(move || newsroom_extract::sanitize::clean(&html)).await {
        Ok(clean) => clean,
        // The allow-list panicked: serve no body rather than an unchecked one.
        Err(e) => {
            tracing::warn!(error = %e, "re-sanitising a stored body failed");
            String::new()
        }
    }
}
