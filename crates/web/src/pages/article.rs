//! `/news/{id}-{slug}`: one article, as in the seed page. Another slug for the
//! same id redirects to the canonical one; an unknown id is a 404.

use crate::error::{WebError, WebResult};
use crate::head;
use crate::page_cache::{CachedPage, Compiled, count_hole, strip_controls};
use crate::pages::documents::{absolute_image, base};
use crate::pages::or_stale;
use crate::pages::{encode_path, page_response};
use crate::public_base::cache_key;
use crate::state::{Chrome, ImageView, Shared, StoryBlock};
use crate::visitor_of;
use askama::Template;
use axum::extract::Request;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use newsroom_core::{ArticleId, ArticleStatus, PublicUrl, StoryId, slug::slugify, time::rfc3339};
use std::net::SocketAddr;
use std::sync::Arc;

#[derive(Template)]
#[template(path = "article.html")]
struct ArticlePage {
    c: Chrome,
    a: ArticleView,
    /// The story's block (`StoryBlock`), rendered and kept apart.
    story_block: Arc<StoryBlock>,
}

struct ArticleView {
    id: i64,
    title: String,
    image: Option<ImageView>,
    video: bool,
    video_url: Option<PublicUrl>,
    views: String,
    published_iso: String,
    published_long: String,
    author: Option<String>,
    language: Option<String>,
    body_html: String,
    original_url: Option<PublicUrl>,
    source_name: String,
}

/// What an article page holds beside its template's text, body and story
/// block (menu, head, JSON-LD), with room to spare: the demo's pages are
/// 10-14 KiB.
const PAGE_BESIDE_BODY: usize = 8 * 1024;

/// Splits `123-some-slug` into the id and the slug.
fn parse_id_slug(s: &str) -> Option<(ArticleId, &str)> {
    let (id, slug) = match s.split_once('-') {
        Some((id, slug)) => (id, slug),
        None => (s, ""),
    };
    if id.is_empty() || id.len() > 18 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((ArticleId(id.parse().ok()?), slug))
}

pub async fn article(
    State(state): State<Shared>,
    Path(id_slug): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    // The request itself, not a `HeaderMap` extractor: that one is a copy of
    // the headers on every view.
    req: Request,
) -> WebResult<Response> {
    let headers = req.headers();
    let (id, _slug) = parse_id_slug(&id_slug).ok_or(WebError::not_found())?;
    let page = cached(&state, id).await?;
    let canonical = page.canonical_path.as_deref().unwrap_or("/");
    if canonical.rsplit_once('/').map(|(_, last)| last) != Some(id_slug.as_str()) {
        let mut resp = StatusCode::MOVED_PERMANENTLY.into_response();
        if let Ok(v) = HeaderValue::from_str(&encode_path(canonical)) {
            resp.headers_mut().insert(header::LOCATION, v);
        }
        return Ok(resp);
    }
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let ip = visitor_of(&state, headers, peer);
    state.counter.record(id, &ip, ua, state.now());
    Ok(page_response(&state, &page))
}

async fn cached(state: &Shared, id: ArticleId) -> WebResult<Arc<CachedPage>> {
    let key = cache_key(state, format!("article:{id}"));
    if let Some(p) = state.cache.get(&key) {
        return Ok(p);
    }
    let built = build(state, id, key.clone()).await;
    or_stale(state, &key, built)
}

/// The article's story (`Some(None)`: it is in none), or `None` when an
/// editor hid its story: hiding a story hides its articles with it, so
/// their page and their API answer as a hidden article's do, as they have
/// left every list; shown again, they come back (the story's change drops
/// its members' cached pages).
pub(crate) async fn shown_story(
    state: &Shared,
    id: ArticleId,
) -> WebResult<Option<Option<StoryId>>> {
    let story = state.store.article_story(id).await?;
    if let Some(s) = story
        && state.store.get_story(s).await?.is_some_and(|s| s.hidden)
    {
        return Ok(None);
    }
    Ok(Some(story))
}

/// One read of the article (with its outlet and its story's hidden flag);
/// the menu and the story's block come from fragments kept apart.
async fn build(state: &Shared, id: ArticleId, key: String) -> WebResult<Arc<CachedPage>> {
    let Some(shown) = state.store.article_page(id).await? else {
        return Err(WebError::not_found());
    };
    let a = shown.article;
    // A hidden story hides its articles, as `shown_story` says.
    if a.status != ArticleStatus::Published || shown.story_hidden {
        return Err(WebError::not_found());
    }
    let now = state.now();
    state.counter.observe([(a.id, a.views)]);
    let mut c = state.chrome(now, "", false).await?;
    let source_name = shown.source_name;
    let story_block = match shown.story {
        Some(story) => state.story_block(story).await?,
        None => Arc::new(StoryBlock::none()),
    };
    let title = strip_controls(&a.title);
    let path = format!("/news/{}-{}", a.id, slugify(&title));
    let summary = strip_controls(&a.summary);
    c.meta = state.meta(
        format!("{title} · {}", state.cfg.name),
        summary.clone(),
        &path,
    );
    c.meta.og_type = "article";
    c.meta.image = a.image.as_ref().and_then(|i| absolute_image(state, &i.url));
    let url = c.meta.url.clone().unwrap_or_default();
    // Search engines want an image for every article: without one of its
    // own, the site's logo stands in (in the JSON-LD only; a preview
    // without an image is better than one of the logo).
    let logo = head::logo_url(&base(state));
    let author = a.author.as_deref().map(strip_controls);
    let original = crate::safe_html::original(&a.original_url);
    let ld = head::NewsArticle {
        url: &url,
        headline: &title,
        description: &summary,
        image: Some(c.meta.image.as_deref().unwrap_or(&logo)),
        published: &rfc3339(a.published_at),
        modified: &rfc3339(a.updated_at.max(a.published_at)),
        author: author.as_deref(),
        outlet: &source_name,
        original_url: original.as_deref(),
        language: a.language.as_deref(),
    }
    .to_json_ld(&state.cfg.name, &base(state));
    c.meta.json_ld.push(ld);
    let view = ArticleView {
        id: a.id.0,
        image: a.image.as_ref().map(|i| ImageView {
            url: i.url.clone(),
            alt: if i.alt.trim().is_empty() {
                title.clone()
            } else {
                strip_controls(&i.alt)
            },
            width: i.width,
            height: i.height,
        }),
        title,
        video: a.video.is_some(),
        video_url: a.video.as_ref().map(|v| v.url.clone()),
        views: count_hole(a.id),
        published_iso: rfc3339(a.published_at),
        published_long: state.clock.long_datetime(a.published_at),
        author,
        language: a.language.clone(),
        body_html: crate::safe_html::body(&state.seal, &a).await,
        original_url: original,
        source_name,
    };
    let page = ArticlePage {
        c,
        a: view,
        story_block,
    };
    // Sized for the whole page up front: askama's hint counts the
    // template's own text, so the String grew (and was copied) four or
    // five times per render.
    let hint = ArticlePage::SIZE_HINT
        + 2 * page.a.body_html.len()
        + page.story_block.html.len()
        + PAGE_BESIDE_BODY;
    let compiled = super::scratch::render_with(hint, |html| {
        page.render_into(html).map(|()| Compiled::new(html))
    })?;
    Ok(state.cache.put(key, compiled, Some(path), 200))
}

#[cfg(test)]
mod tests {
    use super::parse_id_slug;
    use newsroom_core::ArticleId;

    #[test]
    fn id_slug() {
        assert_eq!(
            parse_id_slug("12-ukraine-war"),
            Some((ArticleId(12), "ukraine-war"))
        );
        assert_eq!(parse_id_slug("12"), Some((ArticleId(12), "")));
        assert_eq!(parse_id_slug("x-12"), None);
        assert_eq!(parse_id_slug("-12"), None);
        assert_eq!(parse_id_slug("99999999999999999999999-x"), None);
    }
}
