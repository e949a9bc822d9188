//! Feed discovery: from a site URL to its feed, through `<link rel="alternate">` and then
//! the paths CMSs usually serve feeds on. A URL that already is a feed is taken as it is.

use crate::error::{FetchError, FetchErrorClass};
use crate::feed::{ParseOptions, ParsedFeed, parse_feed};
use crate::fetch::{FetchOutcome, FetchRequest, Fetcher};
use scraper::{Html, Selector};
use std::sync::LazyLock;
use url::Url;

/// The paths tried when a page advertises no feed, most common first.
pub const COMMON_PATHS: &[&str] = &[
    "/feed",
    "/rss",
    "/rss.xml",
    "/atom.xml",
    "/feed.xml",
    "/index.xml",
    "/feed.json",
    "/feed/",
    "/rss/",
    "/index.rss",
    "/feeds/posts/default",
    "/?feed=rss2",
];

/// A feed advertised by a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedLink {
    pub url: String,
    pub title: Option<String>,
    pub media_type: String,
}

/// What discovery found: the feed URL (after redirects) and its first parse.
#[derive(Debug, Clone)]
pub struct Discovered {
    pub feed_url: String,
    pub site_url: Option<String>,
    pub title: String,
    pub feed: ParsedFeed,
}

static ALTERNATE: LazyLock<Selector> = LazyLock::new(|| Selector::parse("link[href]").unwrap());

/// The feeds a page advertises with `<link rel="alternate" type="application/rss+xml">` and
/// the like, in page order, resolved against `base` (or the page's `<base href>`).
pub fn feed_links(html: &str, base: &Url) -> Vec<FeedLink> {
    let doc = Html::parse_document(html);
    let base = Selector::parse("base[href]")
        .ok()
        .and_then(|s| {
            doc.select(&s)
                .next()
                .and_then(|b| b.value().attr("href"))
                .and_then(|h| base.join(h).ok())
        })
        .unwrap_or_else(|| base.clone());
    let mut out: Vec<FeedLink> = Vec::new();
    for el in doc.select(&ALTERNATE) {
        let v = el.value();
        let rel = v.attr("rel").unwrap_or("").to_ascii_lowercase();
        if !rel
            .split_whitespace()
            .any(|r| r == "alternate" || r == "feed")
        {
            continue;
        }
        let ty = v.attr("type").unwrap_or("").trim().to_ascii_lowercase();
        let is_feed_type = matches!(
            ty.as_str(),
            "application/rss+xml"
                | "application/atom+xml"
                | "application/feed+json"
                | "application/json"
                | "application/rdf+xml"
                | "application/xml"
                | "text/xml"
                | "application/x.atom+xml"
        );
        // `rel="feed"` may come without a type.
        let typeless_feed = ty.is_empty() && rel.contains("feed");
        if !(is_feed_type || typeless_feed) {
            continue;
        }
        let Some(url) = v.attr("href").and_then(|h| base.join(h.trim()).ok()) else {
            continue;
        };
        // Comment feeds are advertised too, and are not what an operator means.
        let title = v.attr("title").map(str::to_string);
        if title
            .as_deref()
            .is_some_and(|t| t.to_lowercase().contains("comments"))
            || url.path().contains("/comments/")
        {
            continue;
        }
        if !out.iter().any(|f| f.url == url.as_str()) {
            out.push(FeedLink {
                url: url.to_string(),
                title,
                media_type: ty,
            });
        }
    }
    out
}

/// Find the feed for `url`: the URL itself, a feed its page advertises, or a common path.
pub async fn discover(
    fetcher: &Fetcher,
    url: &str,
    opts: &ParseOptions,
) -> Result<Discovered, FetchError> {
    let first = fetch_body(fetcher, url).await?;
    let first_url =
        Url::parse(&first.0).map_err(|e| FetchError::new(FetchErrorClass::Parse, e.to_string()))?;
    match try_parse(&first, opts) {
        Ok(feed) => return Ok(found(first.0, feed)),
        Err(e) if e.class != FetchErrorClass::NotAFeed => return Err(e),
        Err(_) => {}
    }
    let html = crate::charset::decode(&first.1, first.2.as_deref());
    let mut candidates: Vec<String> = feed_links(&html, &first_url)
        .into_iter()
        .map(|l| l.url)
        .collect();
    for p in COMMON_PATHS {
        if let Ok(u) = first_url.join(p)
            && !candidates.contains(&u.to_string())
        {
            candidates.push(u.to_string());
        }
    }
    let mut last_err = FetchError::new(
        FetchErrorClass::NotAFeed,
        format!("no feed found at or linked from {url}"),
    );
    for c in candidates {
        match fetch_body(fetcher, &c)
            .await
            .and_then(|b| try_parse(&b, opts).map(|f| (b.0, f)))
        {
            Ok((final_url, feed)) => return Ok(found(final_url, feed)),
            Err(e)
                if matches!(
                    e.class,
                    FetchErrorClass::SsrfBlocked | FetchErrorClass::UnsupportedScheme
                ) =>
            {
                return Err(e);
            }
            Err(e) => tracing::debug!(candidate = %c, error = %e, "not a feed"),
        }
    }
    last_err.detail = format!(
        "no feed found at or linked from {url} (tried the page's links and {} common paths)",
        COMMON_PATHS.len()
    );
    Err(last_err)
}

fn found(feed_url: String, feed: ParsedFeed) -> Discovered {
    Discovered {
        feed_url,
        site_url: feed.site_url.clone(),
        title: feed.title.clone(),
        feed,
    }
}

/// (final URL, body, charset)
async fn fetch_body(
    fetcher: &Fetcher,
    url: &str,
) -> Result<(String, Vec<u8>, Option<String>), FetchError> {
    match fetcher.fetch(&FetchRequest::feed(url)).await? {
        FetchOutcome::Fetched(f) => Ok((f.url, f.body, f.charset)),
        FetchOutcome::NotModified { .. } => Err(FetchError::new(
            FetchErrorClass::Http4xx,
            "304 without validators",
        )),
    }
}

fn try_parse(
    b: &(String, Vec<u8>, Option<String>),
    opts: &ParseOptions,
) -> Result<ParsedFeed, FetchError> {
    let opts = ParseOptions {
        base_url: Some(b.0.clone()),
        http_charset: b.2.clone(),
        ..opts.clone()
    };
    Ok(parse_feed(&b.1, &opts)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_advertised_feeds() {
        let html = r#"<html><head>
            <link rel="stylesheet" href="/s.css">
            <link rel="alternate" type="application/rss+xml" title="All news" href="/rss/all.xml">
            <link rel="alternate" type="application/rss+xml" title="Comments feed" href="/comments/feed">
            <link rel="alternate" type="application/atom+xml" href="https://cdn.example.org/atom">
            <link rel="alternate" type="application/feed+json" href="feed.json">
            <link rel="alternate" hreflang="de" href="/de/">
            <link rel="alternate" type="application/rss+xml" href="/rss/all.xml">
        </head></html>"#;
        let base = Url::parse("https://news.example.org/section/").unwrap();
        let links = feed_links(html, &base);
        let urls: Vec<&str> = links.iter().map(|l| l.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "https://news.example.org/rss/all.xml",
                "https://cdn.example.org/atom",
                "https://news.example.org/section/feed.json"
            ]
        );
        assert_eq!(links[0].title.as_deref(), Some("All news"));
    }
}
