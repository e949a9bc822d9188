//! What the URL fuzz targets assert, shared with `tests/fuzz_regressions.rs`
//! so every input kept under `regressions/` is replayed by `cargo test`.

use newsroom_core::PublicUrl;
use newsroom_core::url::{canonical_for_page, canonicalize};

/// A `PublicUrl` is http(s) with a host and no credentials, holds nothing an
/// attribute could break on, and is its own normal form.
pub fn public_url(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let base = url::Url::parse("https://news.example/a/b.html").unwrap();
    for candidate in [
        PublicUrl::parse(&text),
        PublicUrl::resolve(&text, Some(&base)),
    ]
    .into_iter()
    .flatten()
    {
        assert_public(&candidate, &text);
    }
}

fn assert_public(u: &PublicUrl, input: &str) {
    let s = u.as_str();
    assert!(
        s.starts_with("http://") || s.starts_with("https://"),
        "{input:?} -> {s:?}"
    );
    assert!(
        !s.chars()
            .any(|c| c.is_control() || c.is_whitespace() || matches!(c, '"' | '<' | '>')),
        "{input:?} -> {s:?}"
    );
    let parsed = url::Url::parse(s).unwrap();
    assert!(
        parsed.username().is_empty() && parsed.password().is_none(),
        "{s:?}"
    );
    assert!(parsed.host_str().is_some_and(|h| !h.is_empty()), "{s:?}");
    assert_eq!(
        PublicUrl::parse(s).as_ref(),
        Ok(u),
        "{input:?}: not a fixed point"
    );
}

/// A canonical URL is a `PublicUrl` and a fixed point; so is a page's
/// canonical URL whatever its `<link rel=canonical>` says.
pub fn canonicalize_check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (page, link) = text.split_once('\n').unwrap_or((&text, ""));
    for got in [
        canonicalize(page),
        canonical_for_page("https://news.example/a", Some(link)),
    ]
    .into_iter()
    .flatten()
    {
        assert_eq!(
            canonicalize(&got).as_ref(),
            Ok(&got),
            "{text:?}: not a fixed point"
        );
        let public = PublicUrl::parse(&got)
            .unwrap_or_else(|e| panic!("{text:?}: canonical {got:?} is not public: {e}"));
        assert_public(&public, &text);
    }
}
