//! What feeds and sitemaps share: absolute addresses on the site, and the
//! response for a document machines fetch, with its own content type, an
//! ETag and conditional GET. Such documents are cached like pages (they go
//! through the page cache, holding no count holes), so a feed reader polling
//! every minute costs no database work, and while the database is down the
//! last good copy stands in (`pages::or_stale`).

use crate::head::PageMeta;
use crate::page_cache::{CachedPage, strip_controls};
use crate::pages::encode_path;
use crate::state::AppState;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use newsroom_core::{ArticleId, slug::slugify};

/// Readers and crawlers may keep a document a minute; new articles show up
/// no later than that (plus the page cache period).
pub const DOCUMENT_CACHE: &str = "public, max-age=60";

/// The site's public address without a trailing slash: `site.base_url`, or
/// the request's (`public_base`).
pub fn base(state: &AppState) -> String {
    crate::public_base::current(state)
}

// Defined here rather than in `state`, so that the state does not depend
// on the pages that read it.
impl AppState {
    /// A page's head: its title and description, and `path` on this site
    /// (with a query already encoded, if any) as its canonical address.
    pub fn meta(&self, title: String, description: String, path: &str) -> PageMeta {
        let url = match path.split_once('?') {
            Some((p, query)) => format!("{}?{query}", absolute(self, p)),
            None => absolute(self, path),
        };
        PageMeta::new(title, description, Some(url))
    }
}

/// `path` on the site, as an absolute URL.
pub fn absolute(state: &AppState, path: &str) -> String {
    format!("{}{}", base(state), encode_path(path))
}

/// An image for a preview (og:image, JSON-LD): absolute against the site,
/// and only when it is an address a browser may load (`PublicUrl`).
pub fn absolute_image(state: &AppState, src: &str) -> Option<String> {
    let base = url::Url::parse(&format!("{}/", base(state))).ok()?;
    let joined = base.join(src.trim()).ok()?;
    newsroom_core::PublicUrl::parse(joined.as_str())
        .ok()
        .map(|u| u.as_str().to_owned())
}

/// The article's page, `/news/{id}-{slug}`, as an absolute URL. The slug is
/// made exactly as the article page makes it, so links never redirect.
pub fn article_url(state: &AppState, id: ArticleId, title: &str) -> String {
    absolute(
        state,
        &format!("/news/{}-{}", id, slugify(&strip_controls(title))),
    )
}

/// A cached document as a response; a request whose `If-None-Match` names
/// the current version gets a bodiless 304.
pub fn document_response(
    page: &CachedPage,
    content_type: &'static str,
    headers: &HeaderMap,
) -> Response {
    let body = page.page.emit(&[]);
    let etag = format!("\"{}\"", &blake3::hash(&body).to_hex()[..20]);
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == etag || t == "*")
        });
    let mut resp = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let status = StatusCode::from_u16(page.status).unwrap_or(StatusCode::OK);
        let mut r = (status, body).into_response();
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        r
    };
    let h = resp.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(DOCUMENT_CACHE),
    );
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    resp
}
