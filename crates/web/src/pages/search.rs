//! `/search?q=...&page=N` (a results page like a section's list) and
//! `/api/v1/search?q=...&page=N` (the same results as JSON). Both take an
//! optional `section=slug`.
//!
//! What the reader typed is cut to `MAX_QUERY_CHARS` and parsed by the store
//! (`SearchTerms`), which never hands query syntax to the database. Result
//! pages are kept briefly like other pages, but in a cache of their own:
//! every new query is a new entry, and a flood of them must not push the
//! home and article pages out.

use crate::api::content::{items, json_response};
use crate::error::{WebError, WebResult};
use crate::page_cache::{CachedPage, Compiled, strip_controls};
use crate::pages::documents::base;
use crate::pages::page_response;
use crate::state::{AppState, Chrome, Item, Shared};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderValue;
use axum::response::Response;
use newsroom_core::SectionId;
use newsroom_core::i18n::Arg;
use newsroom_store::search::{MAX_QUERY_CHARS, SNIPPET_END, SNIPPET_START};
use newsroom_store::{SearchResults, SearchTerms};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

/// Search results are for readers; nobody pages this deep, and each page
/// further costs the database more.
pub const MAX_PAGE: i64 = 50;

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    c: Chrome,
    query: String,
    section: String,
    /// "3 results for ...", "Nothing found for ...", or the prompt when
    /// there is nothing to search for.
    summary: String,
    hits: Vec<Hit>,
    prev_href: Option<String>,
    next_href: Option<String>,
    page_label: String,
}

struct Hit {
    item: Item,
    source: String,
    /// HTML: the body around the matches, escaped, with `<mark>`s.
    snippet: String,
}

/// A snippet from the store as HTML: its text escaped, its match markers as
/// `<mark>` elements (balanced), every other control character dropped (the
/// page cache's count-hole markers among them). Nothing of the article's
/// text can become markup.
pub fn marked(snippet: &str) -> String {
    let mut out = String::with_capacity(snippet.len() + 32);
    let mut open = false;
    for c in snippet.chars() {
        match c {
            SNIPPET_START if !open => {
                out.push_str("<mark>");
                open = true;
            }
            SNIPPET_END if open => {
                out.push_str("</mark>");
                open = false;
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    if open {
        out.push_str("</mark>");
    }
    out
}

#[derive(Deserialize)]
pub struct SearchParams {
    q: Option<String>,
    page: Option<String>,
    section: Option<String>,
}

/// A request's parameters, checked.
struct Request {
    /// As typed, cut to `MAX_QUERY_CHARS`, without control characters.
    query: String,
    terms: SearchTerms,
    page: i64,
    section_slug: String,
}

impl Request {
    /// `None` for a page or section that cannot exist.
    fn from_params(p: SearchParams) -> Option<Request> {
        let page = match p.page.as_deref() {
            None | Some("") => 1,
            Some(s) => match s.parse::<i64>() {
                Ok(n) if (1..=MAX_PAGE).contains(&n) => n,
                _ => return None,
            },
        };
        let section_slug = p.section.unwrap_or_default();
        if section_slug.chars().count() > crate::api::content::MAX_SLUG_CHARS {
            return None;
        }
        let raw = p.q.unwrap_or_default();
        let cut = match raw.char_indices().nth(MAX_QUERY_CHARS) {
            Some((at, _)) => &raw[..at],
            None => &raw,
        };
        // Controls out first: two of them mark count holes in cached pages.
        let query = strip_controls(cut)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let terms = SearchTerms::parse(&query);
        Some(Request {
            query,
            terms,
            page,
            section_slug,
        })
    }

    /// `/search?q=...` for another page of the same results.
    fn href(&self, page: i64) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.append_pair("q", &self.query);
        if !self.section_slug.is_empty() {
            q.append_pair("section", &self.section_slug);
        }
        if page > 1 {
            q.append_pair("page", &page.to_string());
        }
        format!("/search?{}", q.finish())
    }
}

/// The section a search is limited to; `Err` for an unknown one.
async fn section_id(state: &AppState, slug: &str) -> WebResult<Option<SectionId>> {
    if slug.is_empty() {
        return Ok(None);
    }
    match state.store.section_by_slug(slug).await? {
        Some(s) => Ok(Some(s.id)),
        None => Err(WebError::not_found()),
    }
}

async fn run(state: &AppState, r: &Request) -> WebResult<SearchResults> {
    let section = section_id(state, &r.section_slug).await?;
    if r.terms.is_empty() {
        return if r.page == 1 {
            Ok(SearchResults::default())
        } else {
            Err(WebError::not_found())
        };
    }
    let size = state.cfg.page_size.max(1);
    let found = state
        .store
        .search_articles(&r.terms, section, size, (r.page - 1) * size)
        .await?;
    // Past the last page is a page that does not exist, as in a section.
    if r.page > 1 && found.cards.is_empty() {
        return Err(WebError::not_found());
    }
    Ok(found)
}

pub async fn search(
    State(state): State<Shared>,
    Query(p): Query<SearchParams>,
) -> WebResult<Response> {
    let r = Request::from_params(p).ok_or(WebError::not_found())?;
    let p = cached(&state, &r).await?;
    let mut resp = page_response(&state, &p);
    // Result pages are not content of their own; the meta tag says the same
    // to crawlers that read HTML.
    resp.headers_mut()
        .insert("x-robots-tag", HeaderValue::from_static("noindex"));
    Ok(resp)
}

async fn cached(state: &Shared, r: &Request) -> WebResult<Arc<CachedPage>> {
    // Bounded: the query is at most MAX_QUERY_CHARS, the slug 100 characters (400 bytes).
    let key = crate::public_base::cache_key(
        state,
        format!("search:{}:{}:{}", r.section_slug, r.page, r.query),
    );
    if let Some(p) = state.search_cache.get(&key) {
        return Ok(p);
    }
    match build(state, r, key.clone()).await {
        // While the database is away, the last copy of this very page.
        Err(WebError::Unavailable(msg)) => state
            .search_cache
            .stale(&key)
            .ok_or(WebError::Unavailable(msg)),
        Err(e @ WebError::NotFound(_)) => {
            state.search_cache.remove(&key);
            Err(e)
        }
        other => other,
    }
}

async fn build(state: &Shared, r: &Request, key: String) -> WebResult<Arc<CachedPage>> {
    let found = run(state, r).await?;
    let now = state.now();
    let size = state.cfg.page_size.max(1);
    let pages = ((found.total + size - 1) / size).max(1);
    let summary = if r.terms.is_empty() {
        state.msgs.get("search-prompt")
    } else if found.total == 0 {
        state
            .msgs
            .get_args("search-no-results", &[("query", Arg::Str(&r.query))])
    } else {
        state.msgs.get_args(
            "search-results",
            &[("n", Arg::Int(found.total)), ("query", Arg::Str(&r.query))],
        )
    };
    let hits = state
        .items(&found.cards, now)
        .into_iter()
        .zip(found.cards.iter().zip(&found.snippets))
        .map(|(item, (card, snippet))| Hit {
            item,
            source: strip_controls(&card.source_name),
            snippet: marked(snippet),
        })
        .collect();
    let mut c = state.chrome(now, "", false).await?;
    let title = if r.query.is_empty() {
        format!("{} · {}", state.t.search, state.cfg.name)
    } else {
        format!("{} · {} · {}", r.query, state.t.search, state.cfg.name)
    };
    c.meta = state.meta(title, summary.clone(), &r.href(r.page));
    let html = SearchPage {
        c,
        query: r.query.clone(),
        section: r.section_slug.clone(),
        summary,
        hits,
        prev_href: (r.page > 1).then(|| r.href(r.page - 1)),
        next_href: (r.page < pages.min(MAX_PAGE)).then(|| r.href(r.page + 1)),
        page_label: state.msgs.get_args("page", &[("n", Arg::Int(r.page))]),
    }
    .render()?;
    Ok(state.search_cache.put(key, Compiled::new(&html), None, 200))
}

/// `GET /api/v1/search?q=...&page=N&section=slug`: one page of results,
/// best match first, shaped like the article list (`articles`, `page`,
/// `per_page`, `total`, `next`) plus the query and how it was understood.
/// An empty query finds nothing.
pub async fn api(
    State(state): State<Shared>,
    Query(p): Query<SearchParams>,
) -> WebResult<Response> {
    // A form may send `page=` for the first page; an API client means a number.
    if p.page.as_deref() == Some("") {
        return Err(WebError::BadRequest("page must be a number".into()));
    }
    let r = Request::from_params(p).ok_or_else(|| {
        WebError::BadRequest(format!(
            "page must be 1 to {MAX_PAGE}; section at most 100 characters"
        ))
    })?;
    let found = run(&state, &r).await?;
    let per_page = state.cfg.page_size.max(1);
    // Built by hand, as in the article list: `absolute` would percent-encode
    // the query's `?` and `&`.
    let next = (r.page < MAX_PAGE && r.page * per_page < found.total).then(|| {
        format!(
            "{}/api{}",
            base(&state),
            r.href(r.page + 1).replacen("/search", "/v1/search", 1)
        )
    });
    Ok(json_response(json!({
            "query": r.query,
            "understood": r.terms.canonical(),
            "articles": items(&state, &found.cards)
                .into_iter()
                .zip(&found.snippets)
                .map(|(item, s)| {
                    let mut v = serde_json::to_value(item).unwrap_or_default();
                    v["snippet"] = json!(marked(s));
                    v
                })
                .collect::<Vec<_>>(),
            "page": r.page,
            "per_page": per_page,
            "total": found.total,
            "next": next,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(q: &str, page: Option<&str>) -> Option<Request> {
        Request::from_params(SearchParams {
            q: Some(q.into()),
            page: page.map(String::from),
            section: None,
        })
    }

    #[test]
    fn pages_are_bounded_and_queries_cut() {
        assert!(req("x", Some("0")).is_none());
        assert!(req("x", Some("51")).is_none());
        assert!(req("x", Some("-1")).is_none());
        assert!(req("x", Some("2e3")).is_none());
        assert_eq!(req("x", Some("50")).unwrap().page, 50);
        let long = req(&"é".repeat(10_000), None).unwrap();
        assert_eq!(long.query.chars().count(), MAX_QUERY_CHARS);
        // Count-hole markers cannot be smuggled into a cached page.
        let r = req("a\u{1e}7\u{1f} b\n c", None).unwrap();
        assert_eq!(r.query, "a7 b c");
    }

    #[test]
    fn snippets_carry_only_our_marks() {
        assert_eq!(
            marked("<script>\u{2}war\u{3}</script> & \"x\" \u{1e}5\u{1f}"),
            "&lt;script&gt;<mark>war</mark>&lt;/script&gt; &amp; &quot;x&quot; 5"
        );
        // Unbalanced markers from the text itself stay balanced.
        assert_eq!(marked("\u{3}a\u{2}b\u{2}c"), "a<mark>bc</mark>");
    }

    #[test]
    fn page_links_keep_the_query() {
        let r = req("café & \"red car\"", Some("2")).unwrap();
        assert_eq!(r.href(1), "/search?q=caf%C3%A9+%26+%22red+car%22");
        assert_eq!(r.href(3), "/search?q=caf%C3%A9+%26+%22red+car%22&page=3");
    }
}
