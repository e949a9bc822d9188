//! Sitemaps for search engines. `/sitemap.xml` (named in robots.txt) is an
//! index of:
//! - `/sitemap-news.xml`: a Google News sitemap of the articles of the last
//!   two days (at most 1,000, Google's limit);
//! - `/sitemaps/sections.xml`: the home page and every section page;
//! - `/sitemaps/articles-{n}.xml`: every published article, by id range, at
//!   most 50,000 per file (the sitemap protocol's limit). A file keeps its
//!   articles as new ones arrive, so its `lastmod` only moves when one of
//!   them changes, and crawlers refetch only what changed.

use crate::error::{WebError, WebResult};
use crate::page_cache::{CachedPage, Compiled, strip_controls};
use crate::pages::documents::{absolute, article_url, document_response};
use crate::pages::or_stale;
use crate::state::Shared;
use crate::xml::XmlDoc;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use newsroom_core::ArticleId;
use newsroom_core::time::rfc3339;
use newsroom_store::ListQuery;
use std::sync::Arc;

/// Articles per sitemap file.
pub const PER_FILE: i64 = 50_000;
/// Google News only takes articles of the last two days, and 1,000 of them.
const NEWS_WINDOW_SECS: i64 = 2 * 86_400;
const NEWS_MAX: i64 = 1_000;

const CONTENT_TYPE: &str = "application/xml; charset=utf-8";
const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const NEWS_NS: &str = "http://www.google.com/schemas/sitemap-news/0.9";

pub async fn index(State(state): State<Shared>, headers: HeaderMap) -> WebResult<Response> {
    respond(state, Doc::Index, &headers).await
}

pub async fn news(State(state): State<Shared>, headers: HeaderMap) -> WebResult<Response> {
    respond(state, Doc::News, &headers).await
}

/// `/sitemaps/{file}`: `sections.xml` or `articles-{n}.xml`.
pub async fn file(
    State(state): State<Shared>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> WebResult<Response> {
    match parse_file(&file) {
        Some(doc) => respond(state, doc, &headers).await,
        None => Err(WebError::not_found()),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Doc {
    Index,
    News,
    Sections,
    Articles(i64),
}

/// Only the one spelling of each name, so a file has one address.
fn parse_file(name: &str) -> Option<Doc> {
    if name == "sections.xml" {
        return Some(Doc::Sections);
    }
    let n = name.strip_prefix("articles-")?.strip_suffix(".xml")?;
    let k: i64 = n.parse().ok()?;
    ((1..=i64::MAX / PER_FILE).contains(&k) && k.to_string() == n).then_some(Doc::Articles(k))
}

async fn respond(state: Shared, doc: Doc, headers: &HeaderMap) -> WebResult<Response> {
    let p = cached(&state, doc).await?;
    Ok(document_response(&p, CONTENT_TYPE, headers))
}

async fn cached(state: &Shared, doc: Doc) -> WebResult<Arc<CachedPage>> {
    let key = crate::public_base::cache_key(state, format!("sitemap:{doc:?}"));
    if let Some(p) = state.cache.get(&key) {
        return Ok(p);
    }
    let built = build(state, doc, key.clone()).await;
    or_stale(state, &key, built)
}

async fn build(state: &Shared, doc: Doc, key: String) -> WebResult<Arc<CachedPage>> {
    let body = match doc {
        Doc::Index => index_text(state).await?,
        Doc::News => news_text(state).await?,
        Doc::Sections => sections_text(state).await?,
        Doc::Articles(n) => articles_text(state, n).await?,
    };
    Ok(state.cache.put(key, Compiled::new(&body), None, 200))
}

fn write_failed(e: std::io::Error) -> WebError {
    WebError::Internal(format!("writing a sitemap: {e}"))
}

/// When the newest published article (of a section, or of the site) appeared.
async fn newest(
    state: &Shared,
    section: Option<newsroom_core::SectionId>,
) -> WebResult<Option<i64>> {
    Ok(state
        .store
        .list_articles(&ListQuery {
            section,
            limit: 1,
            ..Default::default()
        })
        .await?
        .first()
        .map(|c| c.published_at))
}

async fn index_text(state: &Shared) -> WebResult<String> {
    let ranges = state.store.article_id_ranges(PER_FILE).await?;
    let newest = newest(state, None).await?;
    let mut entries = vec![
        (absolute(state, "/sitemap-news.xml"), newest),
        (absolute(state, "/sitemaps/sections.xml"), newest),
    ];
    for r in &ranges {
        entries.push((
            absolute(state, &format!("/sitemaps/articles-{}.xml", r.index)),
            Some(r.last_modified),
        ));
    }
    let write = || -> std::io::Result<String> {
        let mut d = XmlDoc::new()?;
        d.open("sitemapindex", &[("xmlns", SITEMAP_NS)])?;
        for (loc, lastmod) in &entries {
            d.open("sitemap", &[])?;
            d.leaf("loc", &[], loc)?;
            if let Some(t) = lastmod {
                d.leaf("lastmod", &[], &rfc3339(*t))?;
            }
            d.close("sitemap")?;
        }
        d.close("sitemapindex")?;
        Ok(d.finish())
    };
    write().map_err(write_failed)
}

async fn news_text(state: &Shared) -> WebResult<String> {
    let since = state.now() - NEWS_WINDOW_SECS;
    let cards = state
        .store
        .list_articles(&ListQuery {
            limit: NEWS_MAX,
            ..Default::default()
        })
        .await?;
    let name = strip_controls(&state.cfg.name);
    let language = state.clock.locale().tag();
    let write = || -> std::io::Result<String> {
        let mut d = XmlDoc::new()?;
        d.open("urlset", &[("xmlns", SITEMAP_NS), ("xmlns:news", NEWS_NS)])?;
        // Newest first, so the window ends at the first older article.
        for c in cards.iter().take_while(|c| c.published_at >= since) {
            d.open("url", &[])?;
            d.leaf("loc", &[], &article_url(state, c.id, &c.title))?;
            d.open("news:news", &[])?;
            d.open("news:publication", &[])?;
            d.leaf("news:name", &[], &name)?;
            d.leaf("news:language", &[], language)?;
            d.close("news:publication")?;
            d.leaf("news:publication_date", &[], &rfc3339(c.published_at))?;
            d.leaf("news:title", &[], &strip_controls(&c.title))?;
            d.close("news:news")?;
            d.close("url")?;
        }
        d.close("urlset")?;
        Ok(d.finish())
    };
    write().map_err(write_failed)
}

async fn sections_text(state: &Shared) -> WebResult<String> {
    let mut entries = vec![(absolute(state, "/"), newest(state, None).await?)];
    for s in state.store.list_sections().await? {
        entries.push((
            absolute(state, &format!("/section/{}", s.slug)),
            newest(state, Some(s.id)).await?,
        ));
    }
    let write = || -> std::io::Result<String> {
        let mut d = XmlDoc::new()?;
        d.open("urlset", &[("xmlns", SITEMAP_NS)])?;
        for (loc, lastmod) in &entries {
            d.open("url", &[])?;
            d.leaf("loc", &[], loc)?;
            if let Some(t) = lastmod {
                d.leaf("lastmod", &[], &rfc3339(*t))?;
            }
            d.close("url")?;
        }
        d.close("urlset")?;
        Ok(d.finish())
    };
    write().map_err(write_failed)
}

/// The ids file `n` holds: the ranges `Store::article_id_ranges(PER_FILE)` counts.
fn id_range(n: i64) -> (ArticleId, ArticleId) {
    (ArticleId((n - 1) * PER_FILE + 1), ArticleId(n * PER_FILE))
}

async fn articles_text(state: &Shared, n: i64) -> WebResult<String> {
    let (first, last) = id_range(n);
    let links = state.store.article_links(first, last).await?;
    // The index lists only files with articles; any other number is unknown.
    if links.is_empty() {
        return Err(WebError::not_found());
    }
    let write = || -> std::io::Result<String> {
        let mut d = XmlDoc::new()?;
        d.open("urlset", &[("xmlns", SITEMAP_NS)])?;
        for a in &links {
            d.open("url", &[])?;
            d.leaf("loc", &[], &article_url(state, a.id, &a.title))?;
            d.leaf("lastmod", &[], &rfc3339(a.updated_at))?;
            d.close("url")?;
        }
        d.close("urlset")?;
        Ok(d.finish())
    };
    write().map_err(write_failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_hold_the_ranges_the_store_counts() {
        // The store numbers an id's range (id - 1) / size + 1.
        for id in [1, 2, PER_FILE - 1, PER_FILE, PER_FILE + 1, 7 * PER_FILE + 3] {
            let n = (id - 1) / PER_FILE + 1;
            let (first, last) = id_range(n);
            assert!(first.0 <= id && id <= last.0, "{id} in file {n}");
            assert_eq!(last.0 - first.0 + 1, PER_FILE);
        }
        assert_eq!(id_range(2).0.0, id_range(1).1.0 + 1, "no gaps");
    }

    #[test]
    fn file_names() {
        assert_eq!(parse_file("sections.xml"), Some(Doc::Sections));
        assert_eq!(parse_file("articles-1.xml"), Some(Doc::Articles(1)));
        assert_eq!(parse_file("articles-12.xml"), Some(Doc::Articles(12)));
        for bad in [
            "articles-0.xml",
            "articles-01.xml",
            "articles--1.xml",
            "articles-+1.xml",
            "articles-1.xml.gz",
            "articles-.xml",
            "articles-99999999999999999999.xml",
            "articles-999999999999999.xml",
            "index.xml",
        ] {
            assert_eq!(parse_file(bad), None, "{bad}");
        }
    }
}
