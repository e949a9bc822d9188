//! `/story/{id}`: the full coverage of one story, every outlet's article with
//! the lead on top and the rest in time order. An unknown story, or one
//! whose articles are all hidden, is a 404.

use crate::error::{WebError, WebResult};
use crate::head;
use crate::pages::documents::absolute;
use crate::pages::or_stale;
use crate::pages::page_response;
use crate::page_cache::{CachedPage, Compiled, count_hole, strip_controls};
use crate::state::{Chrome, Shared, TimeView};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use newsroom_core::i18n::Arg;
use newsroom_core::{PublicUrl, StoryId, slug::slugify};
use std::sync::Arc;

#[derive(Template)]
#[template(path = "story.html")]
struct StoryPage {
    c: Chrome,
    id: i64,
    title: String,
    sources_label: String,
    entries: Vec<Entry>,
}

struct Entry {
    id: i64,
    href: String,
    title: String,
    summary: String,
    source_name: String,
    original_url: Option<PublicUrl>,
    read_original: String,
    views: String,
    time: TimeView,
}

fn parse_id(s: &str) -> Option<StoryId> {
    if s.is_empty() || s.len() > 18 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(StoryId(s.parse().ok()?))
}

pub async fn story(State(state): State<Shared>, Path(id): Path<String>) -> WebResult<Response> {
    let id = parse_id(&id).ok_or(WebError::not_found())?;
    let p = cached(&state, id).await?;
    Ok(page_response(&state, &p))
}

async fn cached(state: &Shared, id: StoryId) -> WebResult<Arc<CachedPage>> {
    let key = crate::public_base::cache_key(state, format!("story:{id}"));
    if let Some(p) = state.cache.get(&key) {
        return Ok(p);
    }
    let built = build(state, id, key.clone()).await;
    or_stale(state, &key, built)
}

async fn build(state: &Shared, id: StoryId, key: String) -> WebResult<Arc<CachedPage>> {
    let Some(story) = state.store.get_story(id).await? else {
        return Err(WebError::not_found());
    };
    let mut cards = state.store.story_articles(id).await?;
    if cards.is_empty() {
        return Err(WebError::not_found());
    }
    // The lead goes first; if it was hidden, the earliest visible article leads.
    if let Some(i) = cards.iter().position(|c| c.id == story.lead_article) {
        let lead = cards.remove(i);
        cards.insert(0, lead);
    }
    let now = state.now();
    state.counter.observe(cards.iter().map(|c| (c.id, c.views)));
    let mut outlets: Vec<_> = cards.iter().map(|c| c.source_id).collect();
    outlets.sort_unstable();
    outlets.dedup();
    let entries: Vec<Entry> = cards
        .iter()
        .map(|c| {
            let title = strip_controls(&c.title);
            let source_name = strip_controls(&c.source_name);
            Entry {
                id: c.id.0,
                href: format!("/news/{}-{}", c.id, slugify(&title)),
                summary: strip_controls(&c.summary),
                read_original: state
                    .msgs
                    .get_args("read-original", &[("source", Arg::Str(&source_name))]),
                title,
                source_name,
                original_url: crate::safe_html::original(&c.original_url),
                views: count_hole(c.id),
                time: TimeView::new(&state.clock, c.published_at, now),
            }
        })
        .collect();
    let mut c = state.chrome(now, "", false).await?;
    let path = format!("/story/{id}");
    let lead = &entries[0];
    c.meta = state.meta(
        format!("{} · {}", lead.title, state.cfg.name),
        lead.summary.clone(),
        &path,
    );
    let listed: Vec<(&str, String)> = entries
        .iter()
        .map(|e| (e.title.as_str(), absolute(state, &e.href)))
        .collect();
    let url = c.meta.url.clone().unwrap_or_default();
    c.meta.json_ld = vec![head::json_ld(&head::collection(&lead.title, &url, &listed))];
    let html = StoryPage {
        c,
        id: id.0,
        title: entries[0].title.clone(),
        sources_label: state
            .msgs
            .get_args("sources-count", &[("n", Arg::Int(outlets.len() as i64))]),
        entries,
    }
    .render()?;
    Ok(state.cache.put(key, Compiled::new(&html), None, 200))
}

#[cfg(test)]
mod tests {
    use super::parse_id;
    use newsroom_core::StoryId;

    #[test]
    fn ids() {
        assert_eq!(parse_id("42"), Some(StoryId(42)));
        assert_eq!(parse_id("42-x"), None);
        assert_eq!(parse_id(""), None);
        assert_eq!(parse_id("-1"), None);
        assert_eq!(parse_id("9999999999999999999"), None);
    }
}
