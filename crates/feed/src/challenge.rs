//! Bot-protection interstitials, which answer where a feed or a page was asked for.

/// Markers of bot-protection interstitials (Cloudflare, DDoS-Guard, Sucuri and the like).
pub fn looks_like_challenge(body: &[u8]) -> bool {
    let head = &body[..body.len().min(64 * 1024)];
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
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
    MARKERS.iter().any(|m| text.contains(m))
}
