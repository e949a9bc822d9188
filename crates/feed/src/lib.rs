//! Feed parsing: RSS 0.9x/1.0/2.0, Atom 0.3/1.0 and JSON Feed 1.0/1.1 through feed-rs, behind
//! a thin layer for what real feeds get wrong, into a plain [`ParsedFeed`].

mod atom_legacy;
mod challenge;
/// One decoder for pages and feeds, kept in extract (which this crate uses anyway).
pub use newsroom_extract::charset;
mod dates;
mod error;
mod media;
mod preprocess;

pub use challenge::looks_like_challenge;
pub use error::{FeedError, FeedErrorClass};

pub use dates::parse_date;
pub use preprocess::fix_entities as fix_xml_entities;

use jiff::tz::TimeZone;
use media::{MediaRef, Origin};
use newsroom_core::{LeadImage, PublicUrl, Video};
use preprocess::Root;
use url::Url;

/// Feeds larger than this are refused before parsing, whatever the fetch cap.
pub const MAX_FEED_BYTES: usize = 10 * 1024 * 1024;
/// Items past this many are dropped (newest first in every feed we have seen).
pub const MAX_ITEMS: usize = 1000;

#[derive(Debug, Clone, PartialEq)]
pub struct ParsedFeed {
    pub format: FeedFormat,
    pub title: String,
    pub site_url: Option<String>,
    pub language: Option<String>,
    /// How often the publisher says the feed changes, in seconds: the larger of `<ttl>` and
    /// `sy:updatePeriod`/`sy:updateFrequency`. The scheduler polls no more often than this,
    /// within its own bounds.
    pub publisher_interval: Option<i64>,
    pub items: Vec<FeedItem>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedFormat {
    Atom,
    Rss0,
    Rss1,
    Rss2,
    JsonFeed,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct FeedItem {
    /// The feed's own id for the item; `None` when the feed gave none.
    pub guid: Option<String>,
    /// Absolute link to the article page; a link that is no [`PublicUrl`] is dropped.
    pub url: Option<PublicUrl>,
    /// Plain text.
    pub title: String,
    /// Unsanitised HTML from the feed.
    pub summary_html: Option<String>,
    pub content_html: Option<String>,
    pub author: Option<String>,
    pub published: Option<i64>,
    pub updated: Option<i64>,
    pub image: Option<LeadImage>,
    pub video: Option<Video>,
    pub language: Option<String>,
    pub categories: Vec<String>,
}

/// How to read one source's feed.
#[derive(Debug, Clone)]
pub struct ParseOptions {
    /// The feed's URL, to resolve relative links.
    pub base_url: Option<String>,
    /// The charset from the HTTP header, if any.
    pub http_charset: Option<String>,
    /// For dates that name no zone.
    pub time_zone: TimeZone,
}

impl Default for ParseOptions {
    fn default() -> Self {
        Self {
            base_url: None,
            http_charset: None,
            time_zone: TimeZone::UTC,
        }
    }
}

/// Parse raw feed bytes (any charset) into a [`ParsedFeed`].
pub fn parse_feed(bytes: &[u8], opts: &ParseOptions) -> Result<ParsedFeed, FeedError> {
    if bytes.len() > MAX_FEED_BYTES {
        return Err(FeedError::new(
            FeedErrorClass::TooLarge,
            format!("feed of {} bytes", bytes.len()),
        ));
    }
    let text = crate::charset::decode(bytes, opts.http_charset.as_deref());
    // Media feed-rs drops (JSON Feed's `image`, a lone `media:thumbnail`) is read apart
    // and put back below, item by item.
    let mut media: Option<Vec<Vec<MediaRef>>> = None;
    let mut update_every = None;
    let prepared = match preprocess::sniff_root(&text) {
        Root::Json => {
            let (json, images) = preprocess::prepare_json(&text, &opts.time_zone)?;
            media = Some(
                images
                    .into_iter()
                    .map(|urls| {
                        urls.into_iter()
                            .map(|u| MediaRef::new(Origin::JsonImage, u))
                            .collect()
                    })
                    .collect(),
            );
            json
        }
        Root::Feed => preprocess::prepare_xml(&text, &opts.time_zone)?,
        Root::Html if looks_like_challenge(bytes) => {
            return Err(FeedError::new(
                FeedErrorClass::BotWall,
                "a bot-protection challenge page instead of the feed",
            ));
        }
        Root::Html => {
            return Err(FeedError::new(
                FeedErrorClass::NotAFeed,
                "an HTML page, not a feed",
            ));
        }
        Root::Other => {
            // Let feed-rs judge odd roots; it knows a few we do not list.
            preprocess::prepare_xml(&text, &opts.time_zone)
                .map_err(|e| FeedError::new(FeedErrorClass::NotAFeed, e.detail))?
        }
    };
    // Returning "" keeps missing ids missing: feed-rs would otherwise hash link and title,
    // and an edited title would then look like a new item.
    let parser = feed_rs::parser::Builder::new()
        .base_uri(opts.base_url.as_deref())
        .id_generator(|_, _, _| String::new())
        .build();
    let feed = parser.parse(prepared.as_bytes()).map_err(|e| match e {
        feed_rs::parser::ParseFeedError::ParseError(
            feed_rs::parser::ParseErrorKind::NoFeedRoot,
        ) => FeedError::new(FeedErrorClass::NotAFeed, "no RSS, Atom or JSON Feed root"),
        other => FeedError::new(FeedErrorClass::Parse, other.to_string()),
    })?;
    if media.is_none()
        && let Some(extras) = media::scan_xml(&prepared)
    {
        update_every = extras.update_every;
        // Items are matched by position; when feed-rs saw a different number, its own
        // media reading is kept instead.
        if extras.items.len() == feed.entries.len() {
            media = Some(extras.items);
        }
    }
    let ttl = feed.ttl.map(|minutes| i64::from(minutes) * 60);
    let mut parsed = convert(feed, opts, media);
    parsed.publisher_interval = ttl.max(update_every).filter(|s| *s > 0);
    Ok(parsed)
}

fn convert(
    feed: feed_rs::model::Feed,
    opts: &ParseOptions,
    media: Option<Vec<Vec<MediaRef>>>,
) -> ParsedFeed {
    use feed_rs::model::FeedType;
    let base = opts.base_url.as_deref().and_then(|b| Url::parse(b).ok());
    let format = match feed.feed_type {
        FeedType::Atom => FeedFormat::Atom,
        FeedType::RSS0 => FeedFormat::Rss0,
        FeedType::RSS1 => FeedFormat::Rss1,
        FeedType::RSS2 => FeedFormat::Rss2,
        FeedType::JSON => FeedFormat::JsonFeed,
    };
    let site_url = pick_link(&feed.links)
        .and_then(|h| PublicUrl::or_drop(&h, base.as_ref(), "site link"))
        .map(String::from);
    let language = feed.language.clone().map(normalize_lang);
    let mut media = media.map(Vec::into_iter);
    let items = feed
        .entries
        .into_iter()
        .take(MAX_ITEMS)
        .map(|e| {
            let refs = media.as_mut().and_then(Iterator::next);
            convert_entry(e, refs, base.as_ref(), language.as_deref())
        })
        .collect();
    ParsedFeed {
        format,
        title: feed.title.as_ref().map(title_of).unwrap_or_default(),
        site_url,
        language,
        publisher_interval: None,
        items,
    }
}

fn convert_entry(
    e: feed_rs::model::Entry,
    media: Option<Vec<MediaRef>>,
    base: Option<&Url>,
    feed_lang: Option<&str>,
) -> FeedItem {
    let guid = Some(e.id.trim().to_string()).filter(|s| !s.is_empty());
    let url = pick_link(&e.links)
        .or_else(|| {
            guid.clone()
                .filter(|g| g.starts_with("http://") || g.starts_with("https://"))
        })
        .and_then(|h| PublicUrl::or_drop(&h, base, "item link"));
    let summary_html = e
        .summary
        .as_ref()
        .map(html_of)
        .filter(|s| !s.trim().is_empty());
    let content_html = e
        .content
        .as_ref()
        .and_then(|c| c.body.clone())
        .filter(|s| !s.trim().is_empty());
    let author = e
        .authors
        .iter()
        .find_map(|p| p.name.as_deref().map(clean_author))
        .filter(|s| !s.is_empty());
    let (image, video) = media_of(&e, media, base);
    FeedItem {
        guid,
        url,
        title: e.title.as_ref().map(title_of).unwrap_or_default(),
        summary_html,
        content_html,
        author,
        published: e.published.or(e.updated).map(|d| d.timestamp()),
        updated: e.updated.map(|d| d.timestamp()),
        image,
        video,
        language: e
            .language
            .map(normalize_lang)
            .or_else(|| feed_lang.map(str::to_string)),
        categories: e
            .categories
            .into_iter()
            .map(|c| c.label.unwrap_or(c.term))
            .collect(),
    }
}

/// The page link: rel alternate (or none) to an HTML page, never self, enclosure, replies
/// or a JSON Feed attachment.
fn pick_link(links: &[feed_rs::model::Link]) -> Option<String> {
    links
        .iter()
        .find(|l| {
            matches!(l.rel.as_deref(), None | Some("alternate"))
                && l.media_type.as_deref().is_none_or(|t| t.contains("html"))
                && !l.href.trim().is_empty()
        })
        .map(|l| l.href.trim().to_string())
}

/// The item's lead image and video: from the media read off the XML (or JSON Feed's
/// images) when there is such a reading, else from feed-rs's; plus enclosure and
/// attachment links, and links to video sites.
fn media_of(
    e: &feed_rs::model::Entry,
    media: Option<Vec<MediaRef>>,
    base: Option<&Url>,
) -> (Option<LeadImage>, Option<Video>) {
    let mut refs = media.unwrap_or_else(|| feed_rs_media(e));
    refs.extend(
        e.links
            .iter()
            .filter(|l| {
                l.rel.as_deref() == Some("enclosure")
                    || (l.rel.is_none()
                        && l.media_type.as_deref().is_some_and(|t| !t.contains("html")))
                    || is_video_url(&l.href)
            })
            .map(|l| {
                MediaRef::new(Origin::Enclosure, l.href.trim()).with_mime(l.media_type.clone())
            }),
    );
    media::choose(&refs, |u| PublicUrl::or_drop(u, base, "feed media"))
}

/// feed-rs's media objects as references, for when the XML could not be read apart.
fn feed_rs_media(e: &feed_rs::model::Entry) -> Vec<MediaRef> {
    let mut refs = Vec::new();
    for m in &e.media {
        let alt = m
            .title
            .as_ref()
            .or(m.description.as_ref())
            .map(title_of)
            .filter(|a| !a.is_empty());
        for c in &m.content {
            let Some(u) = &c.url else { continue };
            refs.push(MediaRef {
                origin: Origin::MediaContent,
                url: u.to_string(),
                mime: c.content_type.as_ref().map(|t| t.to_string()),
                medium: None,
                width: c.width,
                height: c.height,
                alt: alt.clone(),
            });
        }
        for t in &m.thumbnails {
            refs.push(MediaRef {
                origin: Origin::Thumbnail,
                url: t.image.uri.clone(),
                mime: None,
                medium: None,
                width: t.image.width,
                height: t.image.height,
                alt: alt.clone(),
            });
        }
    }
    refs
}

pub fn is_video_url(u: &str) -> bool {
    let Ok(url) = Url::parse(u) else { return false };
    let host = url
        .host_str()
        .unwrap_or("")
        .trim_start_matches("www.")
        .trim_start_matches("m.");
    matches!(
        host,
        "youtube.com" | "youtu.be" | "vimeo.com" | "player.vimeo.com" | "youtube-nocookie.com"
    ) && (host != "youtube.com"
        || url.path().starts_with("/watch")
        || url.path().starts_with("/embed/")
        || url.path().starts_with("/shorts/"))
}

/// "editor@example.com (Jane Doe)" → "Jane Doe".
fn clean_author(s: &str) -> String {
    let s = s.trim();
    // feed-rs already split off the address and left "(Jane Doe)".
    if let Some(inner) = s.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        return text_of(inner);
    }
    if let (Some(open), true) = (s.find('('), s.ends_with(')'))
        && s[..open].contains('@')
    {
        return s[open + 1..s.len() - 1].trim().to_string();
    }
    text_of(s)
}

fn normalize_lang(l: String) -> String {
    l.trim().replace('_', "-").to_ascii_lowercase()
}

/// HTML of a feed text construct: plain text is escaped so that the result is always HTML.
fn html_of(t: &feed_rs::model::Text) -> String {
    if t.content_type.subty() == "plain" {
        escape_html(&t.content)
    } else {
        t.content.clone()
    }
}

pub fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Plain text of a title or name that may hold markup. Real HTML tags make it HTML,
/// read as such (scripts and comments dropped); anything else is text as written, so
/// "the <blink> tag" keeps its words. Entities that survived double-escaping are
/// decoded once.
pub fn text_of(s: &str) -> String {
    if looks_like_html(s) {
        return newsroom_extract::fragment_line(s);
    }
    let decoded = if s.contains('&') {
        decode_entities(s)
    } else {
        s.to_string()
    };
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Plain text of a feed text construct: HTML and XHTML are read as HTML, plain text as
/// `text_of` reads it (RSS titles are "plain" to feed-rs and often hold markup).
fn title_of(t: &feed_rs::model::Text) -> String {
    match t.content_type.subty().as_str() {
        "html" | "xhtml" => newsroom_extract::fragment_line(&t.content),
        _ => text_of(&t.content),
    }
}

/// Tags of elements a title or name is marked up with, and comments: what makes a
/// plain-text field HTML. Unknown names (`<blink>`, `<T>`) stay text.
fn looks_like_html(s: &str) -> bool {
    static TAG: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)<!--|</?(?:a|abbr|b|big|br|cite|code|del|div|em|font|h[1-6]|i|img|ins|mark|p|q|s|script|small|span|strike|strong|style|sub|sup|tt|u)(?:\s[^>]*)?/?>",
        )
        .unwrap()
    });
    s.contains('<') && TAG.is_match(s)
}

/// Decode HTML character references once, as a browser reads them in text.
pub fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    newsroom_extract::parse::decode_entities(s, &mut out);
    out
}
