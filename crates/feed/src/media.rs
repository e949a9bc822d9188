//! Images and videos of feed items, and the publisher's polling hints.
//!
//! feed-rs drops a `media:thumbnail` that has no `media:content` beside it (BBC style),
//! and judges enclosures by their type alone, so media elements are read here, straight
//! from the XML, wherever the Media RSS spec allows them: directly under the item or
//! entry, inside `media:group`, and inside `media:content`. Enclosures (RSS `<enclosure>`,
//! Atom `link rel="enclosure"`, JSON Feed attachments) are judged by their type, then, when
//! the type says nothing (missing, `application/octet-stream`), by the file extension.
//! The channel's `sy:updatePeriod`/`sy:updateFrequency` are read in the same pass.

use newsroom_core::{LeadImage, PublicUrl, Video};
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::{NsReader, XmlVersion};
use url::Url;

const MRSS: &[&str] = &[
    "http://search.yahoo.com/mrss/",
    "http://search.yahoo.com/mrss",
];
const ITUNES: &str = "http://www.itunes.com/dtds/podcast-1.0.dtd";
const ATOM: &str = "http://www.w3.org/2005/Atom";
const SY: &str = "http://purl.org/rss/1.0/modules/syndication/";

/// Where a media reference came from; it ranks images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Origin {
    /// `media:content`.
    MediaContent,
    /// `media:thumbnail`.
    Thumbnail,
    /// RSS `<enclosure>`, Atom `link rel="enclosure"`, a JSON Feed attachment.
    Enclosure,
    /// JSON Feed `image`, then `banner_image`.
    JsonImage,
    /// `itunes:image`: often the show's artwork rather than the story's picture.
    ItunesImage,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MediaRef {
    pub origin: Origin,
    pub url: String,
    pub mime: Option<String>,
    /// `medium` of `media:content`: image, video, audio, document, executable.
    pub medium: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub alt: Option<String>,
}

impl MediaRef {
    pub(crate) fn new(origin: Origin, url: impl Into<String>) -> Self {
        Self {
            origin,
            url: url.into(),
            mime: None,
            medium: None,
            width: None,
            height: None,
            alt: None,
        }
    }

    pub(crate) fn with_mime(mut self, mime: Option<String>) -> Self {
        self.mime = mime;
        self
    }
}

/// What one XML feed says beyond what feed-rs keeps.
#[derive(Debug, Default)]
pub(crate) struct XmlExtras {
    /// Media references of each item or entry, in document order.
    pub items: Vec<Vec<MediaRef>>,
    /// From `sy:updatePeriod` / `sy:updateFrequency`, in seconds.
    pub update_every: Option<i64>,
}

/// Read media and syndication hints from feed XML (after the preprocessing layer). `None`
/// when the XML does not read to the end; callers then keep what feed-rs found.
pub(crate) fn scan_xml(xml: &str) -> Option<XmlExtras> {
    let mut r = NsReader::from_str(xml);
    r.config_mut().trim_text(true);
    let mut out = XmlExtras::default();
    let mut item_depth: Option<usize> = None;
    let mut depth = 0usize;
    let mut current: Vec<MediaRef> = Vec::new();
    // `media:title`/`media:description` inside an item, for the alt text.
    let mut pending_alt: Option<&'static str> = None;
    let mut alt: Option<String> = None;
    let mut sy_field: Option<&'static str> = None;
    let (mut period, mut frequency): (Option<String>, Option<String>) = (None, None);
    loop {
        let (ns, ev) = r.read_resolved_event().ok()?;
        let ns = match ns {
            ResolveResult::Bound(n) => Some(n.into_inner().to_string()),
            _ => None,
        };
        match ev {
            Event::Empty(e) if item_depth.is_none() && is_item(&e) => out.items.push(Vec::new()),
            Event::Start(e) if item_depth.is_none() && is_item(&e) => {
                item_depth = Some(depth);
                current.clear();
                alt = None;
                depth += 1;
            }
            Event::Start(e) => {
                if item_depth.is_some() {
                    pending_alt = media_text(ns.as_deref(), &e);
                    collect(ns.as_deref(), &e, &mut current);
                } else {
                    sy_field = sy_name(ns.as_deref(), &e);
                }
                depth += 1;
            }
            Event::Empty(e) => {
                if item_depth.is_some() {
                    collect(ns.as_deref(), &e, &mut current);
                }
            }
            Event::Text(t) => {
                let text = t.xml_content(XmlVersion::Implicit1_0).into_owned();
                if let Some(k) = pending_alt.take()
                    && (alt.is_none() || k == "title")
                {
                    alt = Some(super::text_of(&text));
                }
                match sy_field.take() {
                    Some("updatePeriod") => period = Some(text),
                    Some("updateFrequency") => frequency = Some(text),
                    _ => {}
                }
            }
            Event::CData(t) => {
                if let Some(k) = pending_alt.take()
                    && (alt.is_none() || k == "title")
                {
                    alt = Some(super::text_of(&t.xml_content(XmlVersion::Implicit1_0)));
                }
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                pending_alt = None;
                sy_field = None;
                if item_depth == Some(depth) {
                    item_depth = None;
                    let mut refs = std::mem::take(&mut current);
                    if let Some(a) = alt.take().filter(|a| !a.is_empty()) {
                        for m in refs.iter_mut().filter(|m| m.alt.is_none()) {
                            m.alt = Some(a.clone());
                        }
                    }
                    out.items.push(refs);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out.update_every = update_every(period.as_deref(), frequency.as_deref());
    Some(out)
}

fn is_item(e: &BytesStart<'_>) -> bool {
    let local = e.local_name();
    matches!(local.as_ref(), "item" | "entry")
}

fn is_mrss(ns: Option<&str>) -> bool {
    ns.is_some_and(|n| MRSS.contains(&n))
}

fn media_text(ns: Option<&str>, e: &BytesStart<'_>) -> Option<&'static str> {
    if !is_mrss(ns) {
        return None;
    }
    match e.local_name().as_ref() {
        "title" => Some("title"),
        "description" => Some("description"),
        _ => None,
    }
}

fn sy_name(ns: Option<&str>, e: &BytesStart<'_>) -> Option<&'static str> {
    if ns != Some(SY) {
        return None;
    }
    match e.local_name().as_ref() {
        "updatePeriod" => Some("updatePeriod"),
        "updateFrequency" => Some("updateFrequency"),
        _ => None,
    }
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name && a.key.prefix().is_none())
        .and_then(|a| {
            a.normalized_value(XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.trim().to_string())
        })
        .filter(|v| !v.is_empty())
}

fn dimension(e: &BytesStart<'_>, name: &str) -> Option<u32> {
    attr(e, name).and_then(|v| v.trim_end_matches("px").parse().ok())
}

/// One media element of an item, if it is one.
fn collect(ns: Option<&str>, e: &BytesStart<'_>, out: &mut Vec<MediaRef>) {
    let local = e.local_name();
    let local = local.as_ref();
    let r = if is_mrss(ns) {
        let origin = match local {
            "content" => Origin::MediaContent,
            "thumbnail" => Origin::Thumbnail,
            _ => return,
        };
        let Some(url) = attr(e, "url") else { return };
        MediaRef {
            origin,
            url,
            mime: attr(e, "type"),
            medium: attr(e, "medium").map(|m| m.to_ascii_lowercase()),
            width: dimension(e, "width"),
            height: dimension(e, "height"),
            alt: None,
        }
    } else if ns == Some(ITUNES) && local == "image" {
        let Some(url) = attr(e, "href") else { return };
        MediaRef::new(Origin::ItunesImage, url)
    } else if ns == Some(ATOM) && local == "link" {
        if attr(e, "rel").as_deref() != Some("enclosure") {
            return;
        }
        let Some(url) = attr(e, "href") else { return };
        MediaRef::new(Origin::Enclosure, url).with_mime(attr(e, "type"))
    } else if ns.is_none() && local == "enclosure" {
        let Some(url) = attr(e, "url") else { return };
        MediaRef::new(Origin::Enclosure, url).with_mime(attr(e, "type"))
    } else {
        return;
    };
    out.push(r);
}

/// `sy:updatePeriod` (hourly by default) divided by `sy:updateFrequency` (1 by default).
fn update_every(period: Option<&str>, frequency: Option<&str>) -> Option<i64> {
    if period.is_none() && frequency.is_none() {
        return None;
    }
    let secs = match period.map(|p| p.trim().to_ascii_lowercase()).as_deref() {
        None | Some("hourly") => 3600,
        Some("daily") => 86400,
        Some("weekly") => 7 * 86400,
        Some("monthly") => 30 * 86400,
        Some("yearly") => 365 * 86400,
        Some(_) => return None,
    };
    let freq = match frequency {
        Some(f) => f.trim().parse::<i64>().ok().filter(|f| *f > 0)?,
        None => 1,
    };
    Some(secs / freq)
}

/// What a media reference is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MediaKind {
    Image,
    Video,
    Other,
}

/// By type first (`video/*`, `image/*`, `medium`), then, when the type says nothing, by
/// the file extension or a known video site.
pub(crate) fn kind_of(m: &MediaRef) -> MediaKind {
    if m.origin == Origin::Thumbnail || m.origin == Origin::ItunesImage {
        return MediaKind::Image;
    }
    if m.origin == Origin::JsonImage {
        return MediaKind::Image;
    }
    let mime = m
        .mime
        .as_deref()
        .map(|t| {
            t.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    let by_type = match mime.as_str() {
        t if t.starts_with("video/") => Some(MediaKind::Video),
        "application/x-mpegurl" | "application/vnd.apple.mpegurl" | "application/dash+xml" => {
            Some(MediaKind::Video)
        }
        t if t.starts_with("image/") => Some(MediaKind::Image),
        "" | "application/octet-stream" | "binary/octet-stream" | "application/unknown" => None,
        _ => Some(MediaKind::Other),
    };
    if let Some(k) = by_type {
        return k;
    }
    match m.medium.as_deref() {
        Some("video") => return MediaKind::Video,
        Some("image") => return MediaKind::Image,
        Some(_) => return MediaKind::Other,
        None => {}
    }
    kind_by_url(&m.url)
}

/// Judge a URL by its file extension, or by a known video site.
pub(crate) fn kind_by_url(u: &str) -> MediaKind {
    const VIDEO: &[&str] = &[
        "mp4", "m4v", "webm", "mov", "ogv", "mkv", "avi", "wmv", "flv", "3gp", "mpg", "mpeg",
        "m3u8", "mpd",
    ];
    const IMAGE: &[&str] = &[
        "jpg", "jpeg", "png", "webp", "gif", "avif", "jxl", "bmp", "svg",
    ];
    if super::is_video_url(u) {
        return MediaKind::Video;
    }
    let path = Url::parse(u)
        .map(|p| p.path().to_ascii_lowercase())
        .unwrap_or_else(|_| {
            u.split(['?', '#'])
                .next()
                .unwrap_or("")
                .to_ascii_lowercase()
        });
    let ext = path
        .rsplit('/')
        .next()
        .and_then(|f| f.rsplit_once('.'))
        .map(|(_, e)| e)
        .unwrap_or("");
    if VIDEO.contains(&ext) {
        MediaKind::Video
    } else if IMAGE.contains(&ext) {
        MediaKind::Image
    } else {
        MediaKind::Other
    }
}

/// The lead image and the video of an item from its media references. Images rank by
/// origin (`media:content`, thumbnails, enclosures, JSON Feed images, iTunes artwork),
/// then by size; the first video wins. `resolve` makes each address absolute and checks
/// it: a reference it refuses (`javascript:`, `data:`...) is passed over, as if the feed
/// had not named it, so the next candidate can still serve.
pub(crate) fn choose(
    refs: &[MediaRef],
    resolve: impl Fn(&str) -> Option<PublicUrl>,
) -> (Option<LeadImage>, Option<Video>) {
    let usable: Vec<(usize, &MediaRef, MediaKind, PublicUrl)> = refs
        .iter()
        .enumerate()
        .filter_map(|(i, m)| {
            let kind = kind_of(m);
            if kind == MediaKind::Other {
                return None;
            }
            Some((i, m, kind, resolve(m.url.trim())?))
        })
        .collect();
    let video = usable
        .iter()
        .find(|(_, _, kind, _)| *kind == MediaKind::Video)
        .map(|(_, _, _, url)| Video { url: url.clone() });
    // A video's thumbnail is the best picture of a video story; it is a Thumbnail anyway.
    let image = usable
        .into_iter()
        .filter(|(_, _, kind, _)| *kind == MediaKind::Image)
        .min_by_key(|(i, m, _, _)| (m.origin, std::cmp::Reverse(m.width.unwrap_or(0)), *i))
        .map(|(_, m, _, url)| LeadImage {
            url,
            alt: m.alt.clone().unwrap_or_default(),
            width: m.width,
            height: m.height,
        });
    (image, video)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(origin: Origin, url: &str, mime: Option<&str>) -> MediaRef {
        MediaRef::new(origin, url).with_mime(mime.map(str::to_string))
    }

    #[test]
    fn enclosures_by_type_then_extension() {
        use MediaKind::*;
        let cases = [
            ("https://x.test/a.webm", None, Video),
            ("https://x.test/a.MP4?sig=1", None, Video),
            (
                "https://x.test/clip.m4v",
                Some("application/octet-stream"),
                Video,
            ),
            ("https://x.test/clip.mov", Some(""), Video),
            ("https://x.test/a.jpg", None, Image),
            ("https://x.test/a.webp#x", None, Image),
            ("https://x.test/stream", Some("video/mp4"), Video),
            ("https://x.test/pic", Some("image/jpeg"), Image),
            // The type wins over the extension.
            ("https://x.test/a.mp4", Some("audio/mpeg"), Other),
            ("https://x.test/a.mp3", None, Other),
            ("https://x.test/doc.pdf", Some("application/pdf"), Other),
            ("https://www.youtube.com/watch?v=abc", None, Video),
        ];
        for (url, mime, want) in cases {
            assert_eq!(
                kind_of(&r(Origin::Enclosure, url, mime)),
                want,
                "{url} {mime:?}"
            );
        }
        let mut m = r(Origin::MediaContent, "https://x.test/v", None);
        m.medium = Some("video".into());
        assert_eq!(kind_of(&m), Video);
    }

    #[test]
    fn images_rank_by_origin_then_size() {
        let mut small = r(Origin::Thumbnail, "https://x.test/s.jpg", None);
        small.width = Some(240);
        let mut big = r(Origin::Thumbnail, "https://x.test/b.jpg", None);
        big.width = Some(976);
        let itunes = r(Origin::ItunesImage, "https://x.test/show.jpg", None);
        let check = |u: &str| PublicUrl::parse(u).ok();
        let (img, _) = choose(&[itunes.clone(), small.clone(), big.clone()], check);
        assert_eq!(img.unwrap().url, "https://x.test/b.jpg");
        let (img, _) = choose(&[itunes], check);
        assert_eq!(img.unwrap().url, "https://x.test/show.jpg");
    }

    #[test]
    fn refused_addresses_are_passed_over() {
        let check = |u: &str| PublicUrl::parse(u).ok();
        let mut hostile = r(
            Origin::MediaContent,
            "javascript:alert(1)//a.jpg",
            Some("image/jpeg"),
        );
        hostile.width = Some(2000);
        let data = r(
            Origin::Thumbnail,
            "data:image/svg+xml,<svg onload=alert(1)>",
            None,
        );
        let fine = r(Origin::ItunesImage, "https://x.test/show.jpg", None);
        let bad_video = r(Origin::Enclosure, " JaVaScRiPt:alert(1)", Some("video/mp4"));
        let good_video = r(Origin::Enclosure, "https://x.test/v.mp4", Some("video/mp4"));
        let (img, video) = choose(&[hostile, data, fine, bad_video.clone(), good_video], check);
        assert_eq!(img.unwrap().url, "https://x.test/show.jpg");
        assert_eq!(video.unwrap().url, "https://x.test/v.mp4");
        assert_eq!(choose(&[bad_video], check), (None, None));
    }

    #[test]
    fn sy_periods() {
        assert_eq!(update_every(Some("hourly"), Some("2")), Some(1800));
        assert_eq!(update_every(Some("daily"), None), Some(86400));
        assert_eq!(update_every(None, Some("4")), Some(900));
        assert_eq!(update_every(Some("fortnightly"), None), None);
        assert_eq!(update_every(Some("hourly"), Some("0")), None);
        assert_eq!(update_every(None, None), None);
    }
}
