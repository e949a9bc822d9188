//! `/admin/sources/{id}`: one source, its health and its last fetches (the
//! store keeps `FETCHES_KEPT`; the page shows the last [`FETCHES_SHOWN`]).

use super::Admin;
use super::layout::Layout;
use super::session::Authed;
use crate::error::{WebError, WebResult};
use crate::page_cache::strip_controls;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use newsroom_core::{Source, SourceId};
use newsroom_store::{FetchRecord, FetchResult};

pub const FETCHES_SHOWN: i64 = 20;

#[derive(Template)]
#[template(path = "admin/source.html")]
struct SourcePage {
    l: Layout,
    s: Summary,
    fetches: Vec<FetchLine>,
    shown: i64,
}

struct Summary {
    id: i64,
    name: String,
    feed_url: String,
    site_url: String,
    section: String,
    full_text: &'static str,
    state: &'static str,
    failures: i64,
    last_success: String,
    next_fetch: String,
    articles: i64,
}

struct FetchLine {
    time: String,
    /// `ok`, `not_modified` or `failed`: a CSS class and, in words, the cell.
    result: &'static str,
    result_text: &'static str,
    status: String,
    duration: String,
    stored: String,
    error: String,
}

fn line(st: &Admin, f: &FetchRecord) -> FetchLine {
    let error = match (&f.error_class, &f.error) {
        (Some(c), Some(e)) => format!("{c}: {e}"),
        (Some(c), None) => c.clone(),
        (None, e) => e.clone().unwrap_or_default(),
    };
    FetchLine {
        time: st.time_seconds(f.fetched_at),
        result: f.result.as_str(),
        result_text: match f.result {
            FetchResult::Ok => "read",
            FetchResult::NotModified => "not modified",
            FetchResult::Failed => "failed",
        },
        status: f
            .status
            .map(|s| s.to_string())
            .unwrap_or_else(|| "—".into()),
        duration: format!("{} ms", f.duration_ms),
        stored: match f.result {
            FetchResult::Ok => format!(
                "{} items: {} new, {} updated",
                f.items, f.inserted, f.updated
            ),
            _ => String::new(),
        },
        error: strip_controls(&error),
    }
}

/// The source, with its article count, or 404.
pub(crate) async fn find(st: &Admin, id: i64) -> WebResult<(Source, i64)> {
    st.site
        .store
        .list_sources()
        .await?
        .into_iter()
        .find(|s| s.source.id == SourceId(id))
        .map(|s| (s.source, s.article_count))
        .ok_or_else(WebError::not_found)
}

pub async fn show(
    State(st): State<Admin>,
    who: Authed,
    Path(id): Path<i64>,
) -> WebResult<Html<String>> {
    let (src, articles) = find(&st, id).await?;
    let store = &st.site.store;
    let section = match src.section_id {
        Some(sid) => store
            .list_sections()
            .await?
            .into_iter()
            .find(|s| s.id == sid)
            .map(|s| s.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let fetches = store
        .source_fetches(src.id, FETCHES_SHOWN)
        .await?
        .iter()
        .map(|f| line(&st, f))
        .collect();
    let h = &src.health;
    let page = SourcePage {
        l: Layout::new(&st.site.cfg.name, &who, "sources"),
        s: Summary {
            id: src.id.0,
            name: strip_controls(&src.name),
            feed_url: src.feed_url.clone(),
            site_url: src.site_url.clone().unwrap_or_default(),
            section,
            full_text: src.full_text.as_str(),
            state: src.health_label().as_str(),
            failures: h.consecutive_failures,
            last_success: h.last_success_at.map(|t| st.time(t)).unwrap_or_default(),
            next_fetch: if src.enabled {
                st.time(h.next_poll_at)
            } else {
                String::new()
            },
            articles,
        },
        fetches,
        shown: FETCHES_SHOWN,
    };
    Ok(Html(page.render()?))
}
