//! `/story/{id}`: the full coverage of one story, and why it is one. The
//! headline is the lead's (the earliest published article, as everywhere the
//! story is shown); the page names every outlet with when it reported, the
//! names and words the articles share, every article in time order, and the
//! other stories of its thread (the developing event) newest first. An
//! unknown story, or one whose articles are all hidden, is a 404.

use crate::error::{WebError, WebResult};
use crate::head;
use crate::page_cache::{CachedPage, Compiled, count_hole, strip_controls};
use crate::pages::documents::absolute;
use crate::pages::{or_stale, page_response};
use crate::state::{AppState, Chrome, Shared, TimeView};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use newsroom_core::i18n::Arg;
use newsroom_core::{PublicUrl, StoryId, slug::slugify};
use newsroom_store::{ArticleCard, ThreadStory};
use std::sync::Arc;

/// Stories of a thread read for one page: a thread quiet for two weeks
/// closes, so even a long-running one has few stories this recent.
pub const THREAD_STORIES: i64 = 50;
/// Names and words shown as what binds the articles.
const SHARED_TERMS: usize = 8;

#[derive(Template)]
#[template(path = "story.html")]
struct StoryPage {
    c: Chrome,
    id: i64,
    title: String,
    sources_label: String,
    l: Labels,
    names: Vec<Term>,
    words: Vec<Term>,
    outlets: Vec<Outlet>,
    entries: Vec<Entry>,
    later: Vec<ThreadEntry>,
    earlier: Vec<ThreadEntry>,
}

/// The page's own headings, in the site's language.
struct Labels {
    why: String,
    names: String,
    words: String,
    outlets: String,
    timeline: String,
    earlier: String,
    later: String,
    developing: String,
}

struct Term {
    text: String,
    count: String,
}

struct Outlet {
    name: String,
    time: TimeView,
    offset: String,
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
    offset: String,
}

/// Another story of the thread: its lead's headline and time, and its outlets.
struct ThreadEntry {
    id: i64,
    href: String,
    title: String,
    time: TimeView,
    outlets: String,
    sources_label: String,
}

fn parse_id(s: &str) -> Option<StoryId> {
    if s.is_empty() || s.len() > 18 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(StoryId(s.parse().ok()?))
}

pub async fn story(State(state): State<Shared>, Path(id): Path<String>) -> WebResult<Response> {
    let id = parse_id(&id).ok_or(WebError::not_found())?;
    let p = match cached(&state, id).await {
        Err(WebError::NotFound(m)) => {
            // An editor merged it: its readers and links go to the target.
            return match state.store.get_story(id).await?.and_then(|s| s.merged_into) {
                Some(target) => Ok((
                    axum::http::StatusCode::MOVED_PERMANENTLY,
                    [(axum::http::header::LOCATION, format!("/story/{target}"))],
                )
                    .into_response()),
                None => Err(WebError::NotFound(m)),
            };
        }
        other => other?,
    };
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

/// "first", or how long after the first report: "+25 min", "+3 h", "+2 d".
fn offset(state: &AppState, first: i64, t: i64) -> String {
    let secs = (t - first).max(0);
    if secs == 0 {
        return state.msgs.get("story-first-report");
    }
    let (id, n) = match secs {
        s if s < 3600 => ("offset-minutes", (s / 60).max(1)),
        s if s < 48 * 3600 => ("offset-hours", s / 3600),
        s => ("offset-days", s / 86_400),
    };
    state.msgs.get_args(id, &[("n", Arg::Int(n))])
}

/// Distinct outlet names in the order of their first article.
fn outlet_names(cards: &[ArticleCard]) -> Vec<(String, i64)> {
    let mut out: Vec<(String, i64)> = Vec::new();
    for c in cards {
        let name = strip_controls(&c.source_name);
        if !out.iter().any(|(n, _)| *n == name) {
            out.push((name, c.published_at));
        }
    }
    out
}

fn sources_label(state: &AppState, n: usize) -> String {
    state
        .msgs
        .get_args("sources-count", &[("n", Arg::Int(n as i64))])
}

fn thread_entry(state: &AppState, t: &ThreadStory, now: i64) -> ThreadEntry {
    let lead = t.lead();
    let outlets = outlet_names(&t.articles);
    ThreadEntry {
        id: t.story.0,
        href: format!("/story/{}", t.story),
        title: strip_controls(&lead.title),
        time: TimeView::new(&state.clock, lead.published_at, now),
        sources_label: sources_label(state, outlets.len()),
        outlets: outlets
            .into_iter()
            .map(|o| o.0)
            .collect::<Vec<_>>()
            .join(", "),
    }
}

fn terms(state: &AppState, shared: Vec<newsroom_cluster::Shared>, total: usize) -> Vec<Term> {
    shared
        .into_iter()
        .map(|s| Term {
            count: state.msgs.get_args(
                "story-shared-count",
                &[
                    ("n", Arg::Int(s.articles as i64)),
                    ("total", Arg::Int(total as i64)),
                ],
            ),
            text: strip_controls(&s.text),
        })
        .collect()
}

async fn build(state: &Shared, id: StoryId, key: String) -> WebResult<Arc<CachedPage>> {
    let Some(story) = state.store.get_story(id).await? else {
        return Err(WebError::not_found());
    };
    if story.hidden || story.merged_into.is_some() {
        return Err(WebError::not_found());
    }
    // Oldest first: the first is the lead, as the lists show the story.
    let cards = state.store.story_articles(id).await?;
    let Some(lead) = cards.first() else {
        return Err(WebError::not_found());
    };
    let thread = state
        .store
        .thread_stories(story.thread, THREAD_STORIES)
        .await?;
    let now = state.now();
    state.counter.observe(cards.iter().map(|c| (c.id, c.views)));
    let first = lead.published_at;
    let outlets: Vec<Outlet> = outlet_names(&cards)
        .into_iter()
        .map(|(name, t)| Outlet {
            name,
            time: TimeView::new(&state.clock, t, now),
            offset: offset(state, first, t),
        })
        .collect();
    let texts: Vec<(&str, &str)> = cards
        .iter()
        .map(|c| (c.title.as_str(), c.summary.as_str()))
        .collect();
    let shared = newsroom_cluster::shared_terms(&texts, SHARED_TERMS);
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
                offset: offset(state, first, c.published_at),
            }
        })
        .collect();
    // The thread newest first: those above this story came later.
    let here = thread.iter().position(|t| t.story == id);
    let (later, earlier) = match here {
        Some(i) => (&thread[..i], &thread[i + 1..]),
        None => (&thread[..0], &thread[..0]),
    };
    let m = |k: &str| state.msgs.get(k);
    let mut c = state.chrome(now, "", false).await?;
    let path = format!("/story/{id}");
    let lead = &entries[0];
    // An editor's title stands for the story; the lead keeps its own.
    let story_title = story
        .title
        .as_deref()
        .map(strip_controls)
        .unwrap_or_else(|| lead.title.clone());
    c.meta = state.meta(
        format!("{} · {}", story_title, state.cfg.name),
        lead.summary.clone(),
        &path,
    );
    let listed: Vec<(&str, String)> = entries
        .iter()
        .map(|e| (e.title.as_str(), absolute(state, &e.href)))
        .collect();
    let url = c.meta.url.clone().unwrap_or_default();
    c.meta.json_ld = vec![head::json_ld(&head::collection(
        &story_title,
        &url,
        &listed,
    ))];
    let html = StoryPage {
        c,
        id: id.0,
        title: story_title.clone(),
        sources_label: sources_label(state, outlets.len()),
        l: Labels {
            why: m("story-why"),
            names: m("story-shared-names"),
            words: m("story-shared-words"),
            outlets: m("story-outlets"),
            timeline: m("story-timeline"),
            earlier: m("thread-earlier"),
            later: m("thread-later"),
            developing: m("developing"),
        },
        names: terms(state, shared.names, cards.len()),
        words: terms(state, shared.words, cards.len()),
        outlets,
        entries,
        later: later.iter().map(|t| thread_entry(state, t, now)).collect(),
        earlier: earlier
            .iter()
            .map(|t| thread_entry(state, t, now))
            .collect(),
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
