//! The read-only JSON API under `/api/v1`: articles, stories, threads,
//! sections and the most-read list, for apps and other sites. The schema is in
//! `openapi.rs`, served at `/api/openapi.json`, and a test holds every
//! response to it.
//!
//! Counts are live (stored total plus what this node has buffered), so
//! responses may be cached only briefly. Errors are `WebError`s, which
//! `crate::error::render` answers in the documented JSON shape: 400 for a
//! bad parameter, 404 for what does not exist, 503 while the database is away.

use crate::error::{WebError, WebResult};
use crate::pages::documents::{absolute, article_url, base};
use crate::state::{AppState, Shared};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use newsroom_core::time::rfc3339;
use newsroom_core::{ArticleId, ArticleStatus, PublicUrl, StoryId};
use newsroom_store::{ArticleCard, ListQuery};
use serde::{Deserialize, Serialize};
use serde_json::json;

pub const MAX_PER_PAGE: i64 = 100;
const DEFAULT_PER_PAGE: i64 = 20;
/// Deep pages cost a scan each; nobody reads page 10,000 of a news list.
pub const MAX_PAGE: i64 = 500;
/// A section slug longer than this (in characters, as JSON Schema's
/// maxLength counts) names no section.
pub const MAX_SLUG_CHARS: usize = 100;

/// A brief client-side cache: counts move, lists change within minutes.
pub(crate) fn json_response(body: serde_json::Value) -> Response {
    let mut r = Json(body).into_response();
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=5"),
    );
    r.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    r
}

#[derive(Serialize)]
pub struct SourceRef {
    id: i64,
    name: String,
}

/// An article as lists show it.
#[derive(Serialize)]
pub struct ArticleItem {
    id: i64,
    title: String,
    summary: String,
    url: String,
    original_url: Option<PublicUrl>,
    published: String,
    views: i64,
    video: bool,
    image: Option<PublicUrl>,
    source: SourceRef,
    section_id: Option<i64>,
    story_id: Option<i64>,
}

fn item(state: &AppState, c: &ArticleCard, views: i64) -> ArticleItem {
    ArticleItem {
        id: c.id.0,
        title: c.title.clone(),
        summary: c.summary.clone(),
        url: article_url(state, c.id, &c.title),
        original_url: crate::safe_html::original(&c.original_url),
        published: rfc3339(c.published_at),
        views,
        video: c.video,
        image: c.image_url.clone(),
        source: SourceRef {
            id: c.source_id.0,
            name: c.source_name.clone(),
        },
        section_id: c.section_id.map(|s| s.0),
        story_id: c.story_id.map(|s| s.0),
    }
}

/// Cards with live counts: what the store holds, plus this node's buffer.
pub(crate) fn items(state: &AppState, cards: &[ArticleCard]) -> Vec<ArticleItem> {
    state.counter.observe(cards.iter().map(|c| (c.id, c.views)));
    let ids: Vec<ArticleId> = cards.iter().map(|c| c.id).collect();
    let totals = state.counter.totals(&ids);
    cards
        .iter()
        .zip(totals)
        .map(|(c, v)| item(state, c, v))
        .collect()
}

#[derive(Deserialize)]
pub struct ListParams {
    section: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

/// `GET /api/v1/articles?section=slug&page=1&per_page=20`: newest first.
pub async fn articles(
    State(state): State<Shared>,
    Query(p): Query<ListParams>,
) -> WebResult<Response> {
    let page = p.page.unwrap_or(1);
    let per_page = p.per_page.unwrap_or(DEFAULT_PER_PAGE);
    if !(1..=MAX_PAGE).contains(&page) {
        return Err(WebError::BadRequest("page must be 1 to 500".into()));
    }
    if !(1..=MAX_PER_PAGE).contains(&per_page) {
        return Err(WebError::BadRequest("per_page must be 1 to 100".into()));
    }
    let section = match p.section.as_deref() {
        None | Some("") => None,
        Some(slug) if slug.chars().count() > MAX_SLUG_CHARS => {
            return Err(WebError::NotFound("unknown section"));
        }
        Some(slug) => match state.store.section_by_slug(slug).await? {
            Some(s) => Some(s.id),
            None => return Err(WebError::NotFound("unknown section")),
        },
    };
    let q = ListQuery {
        section,
        source: None,
        limit: per_page,
        offset: (page - 1) * per_page,
    };
    let (cards, total) = tokio::try_join!(
        state.store.list_articles(&q),
        state.store.count_articles(&q)
    )?;
    // Built by hand: `absolute` would percent-encode the query's `?` and `&`.
    let next = (page * per_page < total).then(|| {
        let mut next = format!(
            "{}/api/v1/articles?page={}&per_page={per_page}",
            base(&state),
            page + 1
        );
        if let Some(s) = p.section.as_deref().filter(|s| !s.is_empty()) {
            next.push_str("&section=");
            next.push_str(&crate::pages::encode_path(s).replace('/', "%2F"));
        }
        next
    });
    Ok(json_response(json!({
            "articles": items(&state, &cards),
            "page": page,
            "per_page": per_page,
            "total": total,
            "next": next,
    })))
}

/// `GET /api/v1/articles/{id}`: one published article with its body.
pub async fn article(State(state): State<Shared>, Path(id): Path<String>) -> WebResult<Response> {
    let Ok(id) = id.parse::<i64>().map(ArticleId) else {
        return Err(WebError::NotFound("unknown article"));
    };
    let a = match state.store.get_article(id).await? {
        Some(a) if a.status == ArticleStatus::Published => a,
        _ => return Err(WebError::NotFound("unknown article")),
    };
    let (source, story) = tokio::try_join!(
        async { Ok::<_, WebError>(state.store.get_source(a.source_id).await?) },
        crate::pages::article::shown_story(&state, a.id)
    )?;
    let Some(story) = story else {
        return Err(WebError::NotFound("unknown article"));
    };
    state.counter.observe([(a.id, a.views)]);
    let views = state.counter.total(a.id);
    Ok(json_response(json!({
            "id": a.id.0,
            "title": a.title,
            "summary": a.summary,
            "url": article_url(&state, a.id, &a.title),
            "original_url": crate::safe_html::original(&a.original_url),
            "published": rfc3339(a.published_at),
            "updated": rfc3339(a.updated_at),
            "views": views,
            "author": a.author,
            "language": a.language,
            "body_html": crate::safe_html::body(&state.seal, &a).await,
            "body_text": a.body_text,
            "image": a.image.as_ref().map(|i| json!({
                "url": i.url, "alt": i.alt, "width": i.width, "height": i.height,
            })),
            "video": a.video.as_ref().map(|v| json!({ "url": v.url })),
            "source": {
                "id": a.source_id.0,
                "name": source.map(|s| s.name).unwrap_or_default(),
            },
            "section_id": a.section_id.map(|s| s.0),
            "story_id": story.map(|s| s.0),
    })))
}

/// `GET /api/v1/stories/{id}`: one event and every outlet's article on it.
/// A story an editor merged into another answers 301 to that one's
/// address, with a body naming it (`merged_into`); a hidden one, 404.
pub async fn story(State(state): State<Shared>, Path(id): Path<String>) -> WebResult<Response> {
    let Ok(id) = id.parse::<i64>().map(StoryId) else {
        return Err(WebError::NotFound("unknown story"));
    };
    let story = state
        .store
        .get_story(id)
        .await?
        .ok_or(WebError::NotFound("unknown story"))?;
    if let Some(target) = story.merged_into {
        let location = format!("/api/v1/stories/{}", target.0);
        let mut r = json_response(json!({
            "id": story.id.0,
            "merged_into": target.0,
            "url": absolute(&state, &location),
        }));
        *r.status_mut() = axum::http::StatusCode::MOVED_PERMANENTLY;
        if let Ok(v) = HeaderValue::from_str(&location) {
            r.headers_mut().insert(header::LOCATION, v);
        }
        return Ok(r);
    }
    if story.hidden {
        return Err(WebError::NotFound("unknown story"));
    }
    let cards = state.store.story_articles(id).await?;
    if cards.is_empty() {
        return Err(WebError::NotFound("unknown story"));
    }
    // The editor's lead while it is a member, else the earliest published
    // article: as every page shows the story.
    let lead = cards
        .iter()
        .find(|c| story.editor_lead && c.id == story.lead_article)
        .unwrap_or(&cards[0]);
    Ok(json_response(json!({
            "id": story.id.0,
            "url": absolute(&state, &format!("/story/{}", story.id.0)),
            "lead_article_id": lead.id.0,
            "first_seen": rfc3339(story.first_seen),
            "last_update": rfc3339(story.last_update),
            "sources": source_count(&cards),
            "thread_id": story.thread.0,
            "articles": items(&state, &cards),
    })))
}

fn source_count(cards: &[ArticleCard]) -> usize {
    let mut sources: Vec<i64> = cards.iter().map(|c| c.source_id.0).collect();
    sources.sort_unstable();
    sources.dedup();
    sources.len()
}

/// `GET /api/v1/threads/{id}`: a developing event, its stories newest first
/// (at most 50), each with every outlet's article. A thread's id is the id
/// of its first story.
pub async fn thread(State(state): State<Shared>, Path(id): Path<String>) -> WebResult<Response> {
    let Ok(id) = id.parse::<i64>().map(StoryId) else {
        return Err(WebError::NotFound("unknown thread"));
    };
    let stories = state
        .store
        .thread_stories(id, crate::pages::story::THREAD_STORIES)
        .await?;
    let (Some(newest), Some(oldest)) = (stories.first(), stories.last()) else {
        return Err(WebError::NotFound("unknown thread"));
    };
    let last = stories
        .iter()
        .flat_map(|t| t.articles.iter().map(|c| c.published_at))
        .max()
        .unwrap_or(newest.lead().published_at);
    Ok(json_response(json!({
        "id": id.0,
        "url": absolute(&state, &format!("/story/{}", newest.story.0)),
        "first_published": rfc3339(oldest.lead().published_at),
        "last_published": rfc3339(last),
        "stories": stories.iter().map(|t| json!({
            "id": t.story.0,
            "url": absolute(&state, &format!("/story/{}", t.story.0)),
            "lead_article_id": t.lead().id.0,
            "first_published": rfc3339(t.lead().published_at),
            "sources": source_count(&t.articles),
            "articles": items(&state, &t.articles),
        })).collect::<Vec<_>>(),
    })))
}

/// `GET /api/v1/sections`, in site order.
pub async fn sections(State(state): State<Shared>) -> WebResult<Response> {
    let list = state.store.list_sections().await?;
    Ok(json_response(json!({
        "sections": list.iter().map(|s| json!({
            "id": s.id.0,
            "slug": s.slug,
            "name": s.name,
            "url": absolute(&state, &format!("/section/{}", s.slug)),
        })).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
pub struct MostReadParams {
    hours: Option<i64>,
    limit: Option<i64>,
}

/// `GET /api/v1/most-read?hours=24&limit=10`: one line per story, ranked by
/// the views of all its outlets' articles in the window, shown by its lead.
pub async fn most_read(
    State(state): State<Shared>,
    Query(p): Query<MostReadParams>,
) -> WebResult<Response> {
    let hours = p.hours.unwrap_or(24);
    let limit = p.limit.unwrap_or(10);
    if !(1..=24 * 31).contains(&hours) {
        return Err(WebError::BadRequest("hours must be 1 to 744".into()));
    }
    if !(1..=MAX_PER_PAGE).contains(&limit) {
        return Err(WebError::BadRequest("limit must be 1 to 100".into()));
    }
    let ranked = state
        .store
        .most_read_by_story(state.now() - hours * 3600, limit)
        .await?;
    // Each story by its lead, as the pages show it.
    let cards: Vec<ArticleCard> = state
        .story_leads(ranked.iter().map(|r| r.card.clone()).collect())
        .await?
        .into_iter()
        .map(|(card, _)| card)
        .collect();
    let list: Vec<serde_json::Value> = items(&state, &cards)
        .into_iter()
        .zip(&ranked)
        .map(|(it, r)| json!({ "article": it, "recent_views": r.recent_views }))
        .collect();
    Ok(json_response(json!({ "hours": hours, "most_read": list })))
}
