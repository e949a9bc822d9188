//! `/admin/articles/{id}`: one article as the desk sees it, hidden or not:
//! its source, story, times and views, and its views per hour over a week.

use super::Admin;
use super::history_charts;
use super::layout::Layout;
use super::session::Authed;
use crate::error::{WebError, WebResult};
use crate::page_cache::strip_controls;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use newsroom_core::{ArticleId, ArticleStatus};

#[derive(Template)]
#[template(path = "admin/article.html")]
struct ArticlePage {
    l: Layout,
    id: i64,
    title: String,
    /// The public page; empty while hidden (it would be a 404).
    href: String,
    source_id: i64,
    source: String,
    published: String,
    fetched: String,
    hidden: bool,
    views: i64,
    story: Option<i64>,
    chart: String,
}

pub async fn show(
    State(st): State<Admin>,
    who: Authed,
    Path(id): Path<i64>,
) -> WebResult<Html<String>> {
    let store = &st.site.store;
    let Some(a) = store.get_article(ArticleId(id)).await? else {
        return Err(WebError::not_found());
    };
    let source = store
        .get_source(a.source_id)
        .await?
        .map(|s| strip_controls(&s.name))
        .unwrap_or_default();
    let hidden = a.status == ArticleStatus::Hidden;
    let page = ArticlePage {
        l: Layout::new(&st.site.cfg.name, &who, "articles"),
        id,
        title: strip_controls(&a.title),
        href: if hidden { String::new() } else { a.path() },
        source_id: a.source_id.0,
        source,
        published: st.time(a.published_at),
        fetched: st.time(a.fetched_at),
        hidden,
        views: a.views,
        story: store.article_story(a.id).await?.map(|s| s.0),
        chart: history_charts::article_views(&st, a.id, st.site.now()).await?,
    };
    Ok(Html(page.render()?))
}
