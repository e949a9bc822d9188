//! What the feed fuzz target asserts, shared with `tests/fuzz_regressions.rs`
//! so every input kept under `regressions/` is replayed by `cargo test`.

use newsroom_core::PublicUrl;
use newsroom_feed::{ParseOptions, parse_feed};

/// Any bytes: a feed or a clear error, never a panic; and every address in
/// what parses is a `PublicUrl` in its normal form.
pub fn feed(data: &[u8]) {
    let opts = ParseOptions {
        base_url: Some("https://news.example/feed.xml".into()),
        ..ParseOptions::default()
    };
    let Ok(feed) = parse_feed(data, &opts) else {
        return;
    };
    let normal = |u: &str| {
        let again = PublicUrl::parse(u).unwrap_or_else(|e| panic!("{u:?}: {e}"));
        assert_eq!(again.as_str(), u, "not in normal form");
    };
    if let Some(site) = &feed.site_url {
        normal(site);
    }
    for item in &feed.items {
        for u in item.url.iter() {
            normal(u);
        }
        for img in item.image.iter() {
            normal(&img.url);
        }
        for v in item.video.iter() {
            normal(&v.url);
        }
    }
}
