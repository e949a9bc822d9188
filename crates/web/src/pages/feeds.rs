//! Feeds out: the latest articles of the site (`/feed.xml`, `/atom.xml`,
//! `/feed.json`) and of each section (`/section/{slug}/feed.xml`, ...), as
//! RSS 2.0, Atom 1.0 and JSON Feed 1.1. Every item links to our own article
//! page and credits the outlet; its id is `{id base}/news/{id}`, which stays
//! the same when a corrected headline changes the page's slug, and when the
//! site's address changes (`feed_ids`).

use crate::error::{WebError, WebResult};
use crate::page_cache::{CachedPage, Compiled, strip_controls};
use crate::pages::documents::{absolute, article_url, document_response};
use crate::pages::{encode_path, or_stale};
use crate::state::Shared;
use crate::xml::{XmlDoc, clean};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use newsroom_core::PublicUrl;
use newsroom_core::time::rfc3339;
use newsroom_store::{ArticleCard, ListQuery};
use serde_json::json;
use std::sync::Arc;

/// Items per feed: a day or two of a busy site, and what readers expect.
pub const FEED_ITEMS: i64 = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Rss,
    Atom,
    Json,
}

impl Format {
    pub fn file(self) -> &'static str {
        match self {
            Format::Rss => "feed.xml",
            Format::Atom => "atom.xml",
            Format::Json => "feed.json",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml; charset=utf-8",
            Format::Atom => "application/atom+xml; charset=utf-8",
            Format::Json => "application/feed+json; charset=utf-8",
        }
    }

    fn mime(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml",
            Format::Atom => "application/atom+xml",
            Format::Json => "application/feed+json",
        }
    }
}

pub async fn rss(state: State<Shared>, headers: HeaderMap) -> WebResult<Response> {
    respond(state.0, Format::Rss, None, &headers).await
}

pub async fn atom(state: State<Shared>, headers: HeaderMap) -> WebResult<Response> {
    respond(state.0, Format::Atom, None, &headers).await
}

pub async fn json_feed(state: State<Shared>, headers: HeaderMap) -> WebResult<Response> {
    respond(state.0, Format::Json, None, &headers).await
}

pub async fn section_rss(
    state: State<Shared>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> WebResult<Response> {
    respond(state.0, Format::Rss, Some(slug), &headers).await
}

pub async fn section_atom(
    state: State<Shared>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> WebResult<Response> {
    respond(state.0, Format::Atom, Some(slug), &headers).await
}

pub async fn section_json_feed(
    state: State<Shared>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> WebResult<Response> {
    respond(state.0, Format::Json, Some(slug), &headers).await
}

async fn respond(
    state: Shared,
    format: Format,
    section: Option<String>,
    headers: &HeaderMap,
) -> WebResult<Response> {
    match cached(&state, format, section.as_deref()).await {
        Ok(doc) => Ok(document_response(&doc, format.content_type(), headers)),
        Err(e) => Err(e),
    }
}

async fn cached(
    state: &Shared,
    format: Format,
    section: Option<&str>,
) -> WebResult<Arc<CachedPage>> {
    if section.is_some_and(|s| s.len() > 100) {
        return Err(WebError::not_found());
    }
    let key = crate::public_base::cache_key(
        state,
        format!("feed:{}:{}", format.file(), section.unwrap_or("")),
    );
    if let Some(p) = state.cache.get(&key) {
        return Ok(p);
    }
    let built = build(state, format, section, key.clone()).await;
    or_stale(state, &key, built)
}

async fn build(
    state: &Shared,
    format: Format,
    section: Option<&str>,
    key: String,
) -> WebResult<Arc<CachedPage>> {
    let feed = load(state, section).await?;
    let body = match format {
        Format::Rss => rss_text(&feed),
        Format::Atom => atom_text(&feed),
        Format::Json => Ok(json_text(&feed)),
    }
    .map_err(|e| WebError::Internal(format!("writing {}: {e}", format.file())))?;
    Ok(state.cache.put(key, Compiled::new(&body), None, 200))
}

/// A feed before it is written in one of the formats.
struct Feed {
    title: String,
    description: String,
    language: &'static str,
    /// The HTML page the feed follows (home or the section page).
    home: String,
    /// `{base}/` or `{base}/section/{slug}/`: the formats' files sit beneath it.
    dir: String,
    /// The Atom feed's own id: `dir` on the id base rather than the address.
    atom_id: String,
    /// The newest item's time; now when there is none.
    updated: i64,
    items: Vec<Entry>,
}

impl Feed {
    fn url(&self, f: Format) -> String {
        format!("{}{}", self.dir, f.file())
    }
}

struct Entry {
    id: String,
    url: String,
    title: String,
    summary: String,
    published: i64,
    source: String,
    original_url: Option<PublicUrl>,
    image: Option<PublicUrl>,
}

async fn load(state: &Shared, section: Option<&str>) -> WebResult<Feed> {
    let site = strip_controls(&state.cfg.name);
    let id_dir = |path: &str| format!("{}{}atom.xml", state.feed_id_base, encode_path(path));
    let (section_id, title, home, dir, atom_id) = match section {
        None => (
            None,
            site.clone(),
            absolute(state, "/"),
            absolute(state, "/"),
            id_dir("/"),
        ),
        Some(slug) => {
            let Some(s) = state.store.section_by_slug(slug).await? else {
                return Err(WebError::not_found());
            };
            (
                Some(s.id),
                format!("{} · {site}", strip_controls(&s.name)),
                absolute(state, &format!("/section/{slug}")),
                absolute(state, &format!("/section/{slug}/")),
                id_dir(&format!("/section/{slug}/")),
            )
        }
    };
    let cards = state
        .store
        .list_articles(&ListQuery {
            section: section_id,
            limit: FEED_ITEMS,
            ..Default::default()
        })
        .await?;
    let items: Vec<Entry> = cards.iter().map(|c| entry(state, c)).collect();
    Ok(Feed {
        description: format!("{} · {title}", state.t.latest_news),
        title,
        language: state.clock.locale().tag(),
        dir,
        atom_id,
        home,
        updated: items
            .iter()
            .map(|e| e.published)
            .max()
            .unwrap_or_else(|| state.now()),
        items,
    })
}

fn entry(state: &Shared, c: &ArticleCard) -> Entry {
    Entry {
        id: format!("{}/news/{}", state.feed_id_base, c.id),
        url: article_url(state, c.id, &c.title),
        title: strip_controls(&c.title),
        summary: strip_controls(&c.summary),
        published: c.published_at,
        source: strip_controls(&c.source_name),
        original_url: crate::safe_html::original(&c.original_url),
        image: c.image_url.clone(),
    }
}

/// RFC 822 (with four-digit years, as RSS 2.0 asks), always in UTC.
fn rfc822(ts: i64) -> String {
    jiff::Timestamp::from_second(ts)
        .map(|t| t.strftime("%a, %d %b %Y %H:%M:%S +0000").to_string())
        .unwrap_or_default()
}

/// Readers want a type on an enclosure; the extension is all we know.
fn image_type(url: &str) -> &'static str {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("png") => "image/png",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("avif") => "image/avif",
        Some("svg") => "image/svg+xml",
        _ => "image/jpeg",
    }
}

fn rss_text(f: &Feed) -> std::io::Result<String> {
    let mut d = XmlDoc::new()?;
    d.open(
        "rss",
        &[
            ("version", "2.0"),
            ("xmlns:atom", "http://www.w3.org/2005/Atom"),
            ("xmlns:dc", "http://purl.org/dc/elements/1.1/"),
        ],
    )?;
    d.open("channel", &[])?;
    d.leaf("title", &[], &f.title)?;
    d.leaf("link", &[], &f.home)?;
    d.leaf(
        "description",
        &[],
        &quick_xml::escape::escape(&*f.description),
    )?;
    d.leaf("language", &[], f.language)?;
    d.leaf("lastBuildDate", &[], &rfc822(f.updated))?;
    d.leaf("generator", &[], "newsroom")?;
    let me = f.url(Format::Rss);
    d.empty(
        "atom:link",
        &[("href", &me), ("rel", "self"), ("type", Format::Rss.mime())],
    )?;
    for e in &f.items {
        d.open("item", &[])?;
        d.leaf("title", &[], &e.title)?;
        d.leaf("link", &[], &e.url)?;
        d.leaf("guid", &[("isPermaLink", "false")], &e.id)?;
        d.leaf("pubDate", &[], &rfc822(e.published))?;
        if !e.summary.is_empty() {
            // RSS readers take <description> as HTML: plain text is escaped
            // for HTML first, so "a < b & c" reads back as that text.
            d.leaf("description", &[], &quick_xml::escape::escape(&*e.summary))?;
        }
        // RSS's own <author> must be an e-mail address; Dublin Core's creator
        // is the usual place for a name.
        d.leaf("dc:creator", &[], &e.source)?;
        if let Some(img) = &e.image {
            // The size is unknown without fetching the image; 0 is the usual stand-in.
            d.empty(
                "enclosure",
                &[
                    ("url", img.as_str()),
                    ("length", "0"),
                    ("type", image_type(img.as_str())),
                ],
            )?;
        }
        d.close("item")?;
    }
    d.close("channel")?;
    d.close("rss")?;
    Ok(d.finish())
}

fn atom_text(f: &Feed) -> std::io::Result<String> {
    let mut d = XmlDoc::new()?;
    d.open(
        "feed",
        &[
            ("xmlns", "http://www.w3.org/2005/Atom"),
            ("xml:lang", f.language),
        ],
    )?;
    let me = f.url(Format::Atom);
    d.leaf("id", &[], &f.atom_id)?;
    d.leaf("title", &[("type", "text")], &f.title)?;
    d.leaf("subtitle", &[("type", "text")], &f.description)?;
    d.leaf("updated", &[], &rfc3339(f.updated))?;
    d.empty(
        "link",
        &[
            ("rel", "self"),
            ("type", Format::Atom.mime()),
            ("href", &me),
        ],
    )?;
    d.empty(
        "link",
        &[
            ("rel", "alternate"),
            ("type", "text/html"),
            ("href", &f.home),
        ],
    )?;
    d.leaf("generator", &[], "newsroom")?;
    for e in &f.items {
        d.open("entry", &[])?;
        d.leaf("id", &[], &e.id)?;
        d.leaf("title", &[("type", "text")], &e.title)?;
        d.empty(
            "link",
            &[
                ("rel", "alternate"),
                ("type", "text/html"),
                ("href", &e.url),
            ],
        )?;
        if let Some(u) = &e.original_url {
            d.empty("link", &[("rel", "via"), ("href", u.as_str())])?;
        }
        if let Some(img) = &e.image {
            d.empty(
                "link",
                &[
                    ("rel", "enclosure"),
                    ("type", image_type(img.as_str())),
                    ("href", img.as_str()),
                ],
            )?;
        }
        d.leaf("published", &[], &rfc3339(e.published))?;
        d.leaf("updated", &[], &rfc3339(e.published))?;
        d.open("author", &[])?;
        d.leaf("name", &[], &e.source)?;
        d.close("author")?;
        if !e.summary.is_empty() {
            d.leaf("summary", &[("type", "text")], &e.summary)?;
        }
        d.close("entry")?;
    }
    d.close("feed")?;
    Ok(d.finish())
}

fn json_text(f: &Feed) -> String {
    let items: Vec<serde_json::Value> = f
        .items
        .iter()
        .map(|e| {
            let mut item = json!({
                "id": e.id,
                "url": e.url,
                "title": clean(&e.title),
                // JSON Feed needs content_text or content_html on every item.
                "content_text": clean(&e.summary),
                "summary": clean(&e.summary),
                "date_published": rfc3339(e.published),
                "authors": [{ "name": clean(&e.source) }],
            });
            if let Some(u) = &e.original_url {
                item["external_url"] = json!(u);
            }
            if let Some(img) = &e.image {
                item["image"] = json!(img);
            }
            item
        })
        .collect();
    json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": clean(&f.title),
        "description": clean(&f.description),
        "home_page_url": f.home,
        "feed_url": f.url(Format::Json),
        "language": f.language,
        "items": items,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc822_is_utc_with_english_names() {
        assert_eq!(rfc822(1_676_292_120), "Mon, 13 Feb 2023 12:42:00 +0000");
        assert_eq!(rfc822(0), "Thu, 01 Jan 1970 00:00:00 +0000");
    }

    #[test]
    fn image_types_follow_the_extension() {
        assert_eq!(image_type("https://x.example/a.PNG?w=1"), "image/png");
        assert_eq!(image_type("https://x.example/a.svg#f"), "image/svg+xml");
        assert_eq!(image_type("https://x.example/photo"), "image/jpeg");
    }
}
