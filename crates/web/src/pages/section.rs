//! `/section/{slug}?page=N`: a section's articles, newest first, paged.

use crate::error::{AppError, AppResult, Failure};
use crate::page_cache::{CachedPage, Compiled};
use crate::pages::or_stale;
use crate::pages::page_response;
use crate::state::{Chrome, Item, Shared, now};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use newsroom_core::i18n::Arg;
use newsroom_store::ListQuery;
use serde::Deserialize;
use std::sync::Arc;

#[derive(Template)]
#[template(path = "section.html")]
struct SectionPage {
    c: Chrome,
    name: String,
    page_label: String,
    items: Vec<Item>,
    prev_href: Option<String>,
    next_href: Option<String>,
}

#[derive(Deserialize)]
pub struct PageParam {
    page: Option<String>,
}

pub async fn section(
    State(state): State<Shared>,
    Path(slug): Path<String>,
    Query(q): Query<PageParam>,
) -> Response {
    // Anything but a plain positive number is a page that does not exist.
    let page = match q.page.as_deref() {
        None => 1,
        Some(p) => match p.parse::<i64>() {
            Ok(n) if (1..=100_000).contains(&n) => n,
            _ => return Failure(state, AppError::NotFound).into_response(),
        },
    };
    match cached(&state, &slug, page).await {
        Ok(p) => page_response(&state, &p),
        Err(e) => Failure(state, e).into_response(),
    }
}

async fn cached(state: &Shared, slug: &str, page: i64) -> AppResult<Arc<CachedPage>> {
    if slug.len() > 100 {
        return Err(AppError::NotFound);
    }
    let key = format!("section:{slug}:{page}");
    if let Some(p) = state.cache.get(&key) {
        return Ok(p);
    }
    let built = build(state, slug, page, key.clone()).await;
    or_stale(state, &key, built)
}

async fn build(state: &Shared, slug: &str, page: i64, key: String) -> AppResult<Arc<CachedPage>> {
    let Some(section) = state.store.section_by_slug(slug).await? else {
        return Err(AppError::NotFound);
    };
    let size = state.cfg.page_size;
    let q = ListQuery {
        section: Some(section.id),
        limit: size,
        offset: (page - 1) * size,
        ..Default::default()
    };
    let total = state.store.count_articles(&q).await?;
    let pages = ((total + size - 1) / size).max(1);
    if page > pages {
        return Err(AppError::NotFound);
    }
    let now = now();
    let cards = state.store.list_articles(&q).await?;
    let href = |p: i64| {
        if p == 1 {
            format!("/section/{slug}")
        } else {
            format!("/section/{slug}?page={p}")
        }
    };
    let html = SectionPage {
        c: state.chrome(now, slug, false).await?,
        name: section.name.clone(),
        page_label: state.msgs.get_args("page", &[("n", Arg::Int(page))]),
        items: state.items(&cards, now),
        prev_href: (page > 1).then(|| href(page - 1)),
        next_href: (page < pages).then(|| href(page + 1)),
    }
    .render()?;
    Ok(state.cache.put(key, Compiled::new(&html), None, 200))
}
