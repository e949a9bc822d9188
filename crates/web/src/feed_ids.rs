//! Feed item ids that do not move with the site's address.
//!
//! Items used to be identified as `{site.base_url}/news/{id}`, so setting or
//! changing `base_url` made every item new to feed readers. Now the base of
//! the ids is chosen once per site and kept in the database (`meta` key
//! `feed_id_base`):
//!
//! - a site that already had articles (migration 0009 marks it `legacy`)
//!   keeps the ids it gave out: its base becomes the `base_url` of the first
//!   start after the upgrade, or `http://127.0.0.1:8080`, the old default,
//!   when none was set;
//! - a new site gets a `tag:` URI base (RFC 4151): the configured host, or a
//!   random name under `.invalid` when there is none, and the day it was
//!   made, e.g. `tag:news.example,2026-12-06:`.
//!
//! An item's id is then `{base}/news/{id}` and an Atom feed's own id
//! `{base}/atom.xml` (or `{base}/section/{slug}/atom.xml`), both forms alike.

use newsroom_store::{Store, StoreError};

const KEY: &str = "feed_id_base";
/// What migration 0009 stores for a site that already had articles.
const LEGACY: &str = "legacy";
/// `base_url`'s default before it could be left unset.
const OLD_DEFAULT_BASE: &str = "http://127.0.0.1:8080";

/// The site's id base, made and stored on first use.
pub async fn id_base(
    store: &dyn Store,
    configured_base: &str,
    now: i64,
) -> Result<String, StoreError> {
    let configured = configured_base.trim_end_matches('/');
    match store.get_meta(KEY).await?.as_deref() {
        Some(LEGACY) => {
            let base = if configured.is_empty() {
                OLD_DEFAULT_BASE
            } else {
                configured
            };
            store.set_meta(KEY, base).await?;
            Ok(base.to_string())
        }
        Some(base) => Ok(base.to_string()),
        None => store.init_meta(KEY, &tag_base(configured, now)).await,
    }
}

/// `tag:{authority},{YYYY-MM-DD}:`.
fn tag_base(configured: &str, now: i64) -> String {
    let authority = url::Url::parse(configured)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| {
            let id: [u8; 8] = rand::random();
            format!("site-{}.invalid", hex::encode(id))
        });
    let day = jiff::Timestamp::from_second(now)
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_else(|_| "2026-01-01".into());
    format!("tag:{authority},{day}:")
}

#[cfg(test)]
mod tests {
    use super::tag_base;

    #[test]
    fn tag_bases() {
        assert_eq!(
            tag_base("https://News.Example:8443", 1_770_120_000),
            "tag:news.example,2026-02-03:"
        );
        let t = tag_base("", 1_770_120_000);
        assert!(
            t.starts_with("tag:site-") && t.ends_with(".invalid,2026-02-03:"),
            "{t}"
        );
        assert_ne!(t, tag_base("", 1_770_120_000));
    }
}
