//! Bot-protection interstitials, which answer where a feed or a page was asked for.

use aho_corasick::AhoCorasick;
use std::sync::LazyLock;

/// Markers of bot-protection interstitials (Cloudflare, DDoS-Guard, Sucuri and the like).
const MARKERS: &[&str] = &[
    "cf-browser-verification",
    "challenge-platform",
    "cf_chl_",
    "<title>just a moment...</title>",
    "attention required! | cloudflare",
    "ddos-guard",
    "sucuri website firewall",
    "checking your browser before accessing",
    "enable javascript and cookies to continue",
];

/// All markers in one automaton, any case: one pass over the bytes, with no
/// lower-cased copy of the page (this runs on every page fetched).
static FINDER: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(MARKERS)
        .expect("the markers are plain strings")
});

/// Whether the first 64 KiB of `body` carry a marker of an interstitial.
pub fn looks_like_challenge(body: &[u8]) -> bool {
    let head = &body[..body.len().min(64 * 1024)];
    FINDER.is_match(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_in_any_case_within_the_head() {
        assert!(looks_like_challenge(
            b"<html><TITLE>Just a moment...</TITLE>"
        ));
        assert!(looks_like_challenge(b"x /cdn-cgi/challenge-platform/h/b y"));
        assert!(looks_like_challenge("é DDoS-Guard".as_bytes()));
        assert!(!looks_like_challenge(
            b"<title>Just a minute</title> cloudflare"
        ));
        let mut late = vec![b'a'; 64 * 1024];
        late.extend_from_slice(b"cf_chl_");
        assert!(!looks_like_challenge(&late), "only the head is read");
        late.drain(..10);
        assert!(looks_like_challenge(&late));
    }
}
