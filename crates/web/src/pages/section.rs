//! `/section/{slug}?page=N`: a section's articles, newest first, paged.

use crate::error::{WebError, WebResult};
use crate::head;
use crate::page_cache::{CachedPage, Compiled};
use crate::pages::documents::{absolute, base};
use crate::pages::page_response;
use crate::pages::{or_stale, pins};
use crate::public_base::cache_key;
use crate::state::{Chrome, Item, Shared};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
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
) -> WebResult<Response> {
    // Anything but a plain positive number is a page that does not exist.
    let page = match q.page.as_deref() {
        None => 1,
        Some(p) => match p.parse::<i64>() {
            Ok(n) if (1..=100_000).contains(&n) => n,
            _ => return Err(WebError::not_found()),
        },
    };
    let p = cached(&state, &slug, page).await?;
    Ok(page_response(&state, &p))
}

async fn cached(state: &Shared, slug: &str, page: i64) -> WebResult<Arc<CachedPage>> {
    if slug.len() > 100 {
        return Err(WebError::not_found());
    }
    let key = cache_key(state, format!("section:{slug}:{page}"));
    if let Some(p) = state.cache.get(&key) {
        return Ok(p);
    }
    let built = build(state, slug, page, key.clone()).await;
    or_stale(state, &key, built)
}

async fn build(state: &Shared, slug: &str, page: i64, key: String) -> WebResult<Arc<CachedPage>> {
    let Some(section) = state.store.section_by_slug(slug).await? else {
        return Err(WebError::not_found());
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
        return Err(WebError::not_found());
    }
    let now = state.now();
    // Pinned stories of the section lead its first page while pinned.
    let (mut cards, fresh) = if page == 1 {
        pins::pinned(state, now, Some(section.id)).await?
    } else {
        (Vec::new(), None)
    };
    let pinned: Vec<_> = cards.iter().map(|c| c.id).collect();
    cards.extend(
        state
            .store
            .list_articles(&q)
            .await?
            .into_iter()
            .filter(|c| !pinned.contains(&c.id)),
    );
    let page_label = state.msgs.get_args("page", &[("n", Arg::Int(page))]);
    let href = |p: i64| {
        if p == 1 {
            format!("/section/{slug}")
        } else {
            format!("/section/{slug}?page={p}")
        }
    };
    let mut c = state.chrome(now, slug, false).await?;
    let title = if page == 1 {
        format!("{} · {}", section.name, state.cfg.name)
    } else {
        format!("{} · {} · {}", section.name, page_label, state.cfg.name)
    };
    c.meta = state.meta(
        title,
        format!("{} · {}", section.name, state.site_description()),
        &href(page),
    );
    let base = base(state);
    let base = base.as_str();
    c.meta.json_ld = vec![
        head::json_ld(&head::website(&state.cfg.name, base)),
        head::json_ld(&head::breadcrumbs(&[
            (&state.t.home, format!("{base}/")),
            (&section.name, absolute(state, &href(1))),
        ])),
    ];
    let html = SectionPage {
        c,
        name: section.name.clone(),
        page_label,
        items: state.items(&cards, now),
        prev_href: (page > 1).then(|| href(page - 1)),
        next_href: (page < pages).then(|| href(page + 1)),
    }
    .render()?;
    Ok(pins::cache_put(state, key, Compiled::new(&html), fresh))
}
