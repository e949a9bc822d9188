//! Stored content checked again on its way into a page, the API or a feed.
//!
//! Ingestion checks every URL and sanitises every body before storing it,
//! but rows written by an older version, by `newsroom copy` from another
//! database, or by hand are not bound by that. So what reaches an attribute
//! is re-checked here: links become [`PublicUrl`]s or nothing, and bodies go
//! through the sanitiser's allow-list once more (which keeps only
//! [`PublicUrl`]s in `href` and `src`).

use crate::page_cache::strip_controls;
use newsroom_core::PublicUrl;

/// The outlet's page for an article, when its stored address is a
/// [`PublicUrl`].
pub fn original(stored: &str) -> Option<PublicUrl> {
    PublicUrl::or_drop(stored, None, "stored original link")
}

/// A stored body as it may be served: the sanitiser that ran at ingestion,
/// once more. It parses the whole body, so it runs in ingestion's CPU pool,
/// off the async threads, within the same size and depth limits; `text`
/// stands in for HTML too deep to parse.
pub async fn body(stored_html: &str, stored_text: &str) -> String {
    let (html, text) = (strip_controls(stored_html), stored_text.to_owned());
    match newsroom_ingest::cpu::run(move || newsroom_ingest::cpu::sanitize(&html, None, &text))
        .await
    {
        Some(clean) => clean,
        // The allow-list panicked: serve no body rather than an unchecked one.
        None => {
            tracing::warn!("re-sanitising a stored body failed");
            String::new()
        }
    }
}
