//! `/admin/`: how the site is doing, at a glance.

use super::Admin;
use super::history_charts;
use super::layout::Layout;
use super::session::Authed;
use crate::error::WebResult;
use askama::Template;
use axum::extract::State;
use axum::response::Html;
use newsroom_store::ListQuery;

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct DashboardPage {
    l: Layout,
    sources: i64,
    failing: i64,
    disabled: i64,
    articles: i64,
    published: i64,
    hidden: i64,
    stories: i64,
    views: String,
    ingest: String,
    lag: String,
}

pub async fn dashboard(State(st): State<Admin>, who: Authed) -> WebResult<Html<String>> {
    let store = &st.site.store;
    let counts = store.table_counts().await?;
    let sources = store.list_sources().await?;
    let published = store.count_articles(&ListQuery::default()).await?;
    let failing = sources
        .iter()
        .filter(|s| s.source.enabled && s.source.health.last_error_class.is_some())
        .count() as i64;
    let disabled = sources.iter().filter(|s| !s.source.enabled).count() as i64;
    let now = st.site.now();
    let activity = history_charts::site_activity(&st, now).await?;
    let page = DashboardPage {
        l: Layout::new(&st.site.cfg.name, &who, "dashboard"),
        sources: counts.sources,
        failing,
        disabled,
        articles: counts.articles,
        published,
        hidden: (counts.articles - published).max(0),
        stories: counts.stories,
        views: history_charts::site_views(&st, now).await?,
        ingest: activity.ingest,
        lag: activity.lag,
    };
    Ok(Html(page.render()?))
}
