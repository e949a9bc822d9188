//! Lead image and video: picking real sources out of lazy-loading markup and
//! naming embedded players.

use serde::Serialize;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Image {
    pub url: String,
    pub alt: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Video {
    pub url: String,
    /// `youtube`, `vimeo`, `dailymotion`, `file`, `stream` or `embed`.
    pub kind: &'static str,
}

/// The real source of an `<img>`: lazy loaders keep it in `data-*`
/// attributes and leave a placeholder (often a `data:` GIF) in `src`.
pub fn pick_img_src<'a>(attr: impl Fn(&str) -> Option<&'a str>) -> Option<String> {
    for name in [
        "data-src",
        "data-lazy-src",
        "data-original",
        "data-lazy",
        "data-url",
        "data-hi-res-src",
    ] {
        if let Some(v) = attr(name).map(str::trim).filter(|v| usable(v)) {
            return Some(v.to_string());
        }
    }
    if let Some(v) = attr("src").map(str::trim).filter(|v| usable(v)) {
        return Some(v.to_string());
    }
    for name in ["data-srcset", "data-lazy-srcset", "srcset"] {
        if let Some(v) = attr(name).and_then(best_from_srcset) {
            return Some(v);
        }
    }
    None
}

fn usable(v: &str) -> bool {
    !v.is_empty()
        && !v.starts_with("data:")
        && !v.starts_with("about:")
        && !v.starts_with("javascript:")
}

/// The widest candidate of a `srcset` (by `w`, then `x` descriptor; the
/// last one when none is given).
pub fn best_from_srcset(srcset: &str) -> Option<String> {
    let mut best: Option<(f32, &str)> = None;
    // URLs may contain commas, but a candidate separator is a comma followed
    // by whitespace or following a descriptor; splitting on ", " and "," after
    // a descriptor covers real pages.
    for cand in srcset.split(", ").flat_map(|c| c.split(",\n")) {
        let mut parts = cand.split_whitespace();
        let Some(url) = parts.next() else { continue };
        if !usable(url) {
            continue;
        }
        let size = parts
            .next()
            .and_then(|d| {
                let cut = d.char_indices().last().map_or(0, |(k, _)| k);
                let (num, unit) = d.split_at(cut);
                let v: f32 = num.parse().ok()?;
                Some(if unit == "x" { v * 1000.0 } else { v })
            })
            .unwrap_or(0.0);
        if best.is_none_or(|(b, _)| size >= b) {
            best = Some((size, url));
        }
    }
    best.map(|(_, u)| u.trim_end_matches(',').to_string())
}

/// Names the player behind a video or embed URL; `None` for URLs that are
/// not video at all.
pub fn video_kind(url: &str) -> Option<&'static str> {
    let lower = url.to_ascii_lowercase();
    let host_path = lower.split_once("//").map_or(lower.as_str(), |(_, r)| r);
    if host_path.contains("youtube.com/")
        || host_path.contains("youtube-nocookie.com/")
        || host_path.starts_with("youtu.be/")
    {
        return Some("youtube");
    }
    if host_path.contains("vimeo.com/") {
        return Some("vimeo");
    }
    if host_path.contains("dailymotion.com/") || host_path.starts_with("dai.ly/") {
        return Some("dailymotion");
    }
    let path = host_path.split(['?', '#']).next().unwrap_or("");
    if [".mp4", ".webm", ".ogv", ".mov", ".m4v"]
        .iter()
        .any(|e| path.ends_with(e))
    {
        return Some("file");
    }
    if path.ends_with(".m3u8") || path.ends_with(".mpd") {
        return Some("stream");
    }
    None
}

/// Resolves `u` against `base`; protocol-relative and relative URLs become
/// absolute, anything unparsable is kept as given.
pub fn absolutize(u: &str, base: Option<&url::Url>) -> String {
    let u = u.trim();
    if let Ok(abs) = url::Url::parse(u) {
        return abs.to_string();
    }
    match base.and_then(|b| b.join(u).ok()) {
        Some(j) => j.to_string(),
        None if u.starts_with("//") => format!("https:{u}"),
        None => u.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lazy_src_beats_placeholder() {
        let attrs = [
            ("src", "data:image/gif;base64,R0lGOD"),
            ("data-src", "/a.jpg"),
        ];
        let got = pick_img_src(|n| attrs.iter().find(|(k, _)| *k == n).map(|(_, v)| *v));
        assert_eq!(got.as_deref(), Some("/a.jpg"));
    }

    #[test]
    fn srcset_picks_widest() {
        assert_eq!(
            best_from_srcset("a.jpg 320w, b.jpg 1024w, c.jpg 640w").as_deref(),
            Some("b.jpg")
        );
        assert_eq!(
            best_from_srcset("a.jpg 1x, b.jpg 2x").as_deref(),
            Some("b.jpg")
        );
        let attrs = [("srcset", "/s.jpg 100w, /l.jpg 900w")];
        let got = pick_img_src(|n| attrs.iter().find(|(k, _)| *k == n).map(|(_, v)| *v));
        assert_eq!(got.as_deref(), Some("/l.jpg"));
    }

    #[test]
    fn video_kinds() {
        assert_eq!(
            video_kind("https://www.youtube.com/embed/abc"),
            Some("youtube")
        );
        assert_eq!(video_kind("//player.vimeo.com/video/1"), Some("vimeo"));
        assert_eq!(video_kind("https://x.org/v.mp4?x=1"), Some("file"));
        assert_eq!(video_kind("https://x.org/page"), None);
    }

    #[test]
    fn urls_resolve_against_base() {
        let base = url::Url::parse("https://news.example/a/b.html").unwrap();
        assert_eq!(
            absolutize("../img/x.jpg", Some(&base)),
            "https://news.example/img/x.jpg"
        );
        assert_eq!(
            absolutize("//cdn.example/x.jpg", None),
            "https://cdn.example/x.jpg"
        );
    }
}
