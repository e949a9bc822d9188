//! `/`: the lead story, most read in the last 24 hours, and each section's latest.

use crate::error::WebResult;
use crate::head;
use crate::page_cache::{CachedPage, Compiled};
use crate::pages::documents::base;
use crate::pages::page_response;
use crate::pages::{or_stale, pins};
use crate::public_base::cache_key;
use crate::state::{Chrome, Item, Shared, one_per_story};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use newsroom_store::ListQuery;
use std::sync::Arc;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    c: Chrome,
    lead: Option<Item>,
    /// Pinned stories after the first, which leads.
    pinned: Vec<Item>,
    most_read: Vec<Item>,
    section_blocks: Vec<SectionBlock>,
}

struct SectionBlock {
    slug: String,
    name: String,
    items: Vec<Item>,
}

pub async fn home(State(state): State<Shared>) -> WebResult<Response> {
    let page = cached(&state).await?;
    Ok(page_response(&state, &page))
}

async fn cached(state: &Shared) -> WebResult<Arc<CachedPage>> {
    let key = cache_key(state, "home".into());
    if let Some(p) = state.cache.get(&key) {
        return Ok(p);
    }
    let built = build(state, key.clone()).await;
    or_stale(state, &key, built)
}

async fn build(state: &Shared, key: String) -> WebResult<Arc<CachedPage>> {
    let now = state.now();
    let mut c = state.chrome(now, "", true).await?;
    c.meta = state.meta(state.cfg.name.clone(), state.site_description(), "/");
    let base = base(state);
    let base = base.as_str();
    c.meta.json_ld = vec![
        head::json_ld(&head::website(&state.cfg.name, base)),
        head::json_ld(&head::breadcrumbs(&[(&state.t.home, format!("{base}/"))])),
    ];
    // Ranked per story: a story's views are summed over all its outlets'
    // articles, and the article read most stands for it.
    let most: Vec<_> = state
        .store
        .most_read_by_story(now - 24 * 3600, 10)
        .await?
        .into_iter()
        .map(|r| r.card)
        .collect();
    let most_read = state.story_items(&most, now).await?;
    // Editors' pins lead while they last; else the newest article.
    let (pins, fresh) = pins::pinned(state, now, None).await?;
    let lead_card = match pins.first() {
        Some(_) => pins,
        None => {
            state
                .store
                .list_articles(&ListQuery {
                    limit: 1,
                    ..Default::default()
                })
                .await?
        }
    };
    let mut lead_items = state.story_items(&lead_card, now).await?.into_iter();
    let lead = lead_items.next().map(|mut it| {
        if let Some(img) = &mut it.image {
            img.alt = it.title.clone();
        }
        it
    });
    let mut section_blocks = Vec::new();
    for s in state.store.list_sections().await? {
        let cards = state
            .store
            .list_articles(&ListQuery {
                section: Some(s.id),
                limit: 20,
                ..Default::default()
            })
            .await?;
        let cards = one_per_story(cards, 5);
        if !cards.is_empty() {
            section_blocks.push(SectionBlock {
                items: state.story_items(&cards, now).await?,
                slug: s.slug,
                name: s.name,
            });
        }
    }
    let html = HomePage {
        c,
        lead,
        pinned: lead_items.collect(),
        most_read,
        section_blocks,
    }
    .render()?;
    Ok(pins::cache_put(state, key, Compiled::new(&html), fresh))
}
