//! `/admin/articles`: every article, newest first, hidden ones included,
//! with hide and unhide. Editors and admins alike may do both.

use super::layout::Layout;
use super::session::Authed;
use super::{Admin, see_other};
use crate::error::{WebError, WebResult};
use crate::page_cache::strip_controls;
use crate::state::now;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Response};
use newsroom_core::{ArticleId, ArticleStatus, slug::slugify};
use newsroom_store::NewAudit;
use serde::Deserialize;

const PAGE_SIZE: i64 = 50;
const MAX_PAGE: i64 = 100_000;

#[derive(Template)]
#[template(path = "admin/articles.html")]
struct ArticlesPage {
    l: Layout,
    rows: Vec<Row>,
    page: i64,
    pages: i64,
    total: i64,
}

struct Row {
    id: i64,
    title: String,
    /// The public page; empty while hidden (it would be a 404).
    href: String,
    source: String,
    published: String,
    hidden: bool,
    views: i64,
    /// Its story's admin page, if it is in one.
    story: Option<i64>,
}

#[derive(Deserialize)]
pub struct ListParams {
    page: Option<String>,
    done: Option<String>,
}

/// The page number a query or form asked for, 1 when it is not a sane one.
fn page_number(raw: Option<&str>) -> i64 {
    raw.and_then(|p| p.trim().parse::<i64>().ok())
        .filter(|p| (1..=MAX_PAGE).contains(p))
        .unwrap_or(1)
}

pub async fn list(
    State(st): State<Admin>,
    who: Authed,
    Query(q): Query<ListParams>,
) -> WebResult<Html<String>> {
    let page = page_number(q.page.as_deref());
    let store = &st.site.store;
    let total = store.table_counts().await?.articles;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let rows = store
        .list_all_articles(PAGE_SIZE, (page - 1) * PAGE_SIZE)
        .await?
        .into_iter()
        .map(|a| {
            let title = strip_controls(&a.card.title);
            let hidden = a.status == ArticleStatus::Hidden;
            Row {
                id: a.card.id.0,
                href: if hidden {
                    String::new()
                } else {
                    format!("/news/{}-{}", a.card.id, slugify(&title))
                },
                title,
                source: strip_controls(&a.card.source_name),
                published: st.time(a.card.published_at),
                hidden,
                views: a.card.views,
                story: a.card.story_id.map(|s| s.0),
            }
        })
        .collect();
    let page = ArticlesPage {
        l: Layout::new(&st.site.cfg.name, &who, "articles").with_done(q.done.as_deref()),
        rows,
        page,
        pages,
        total,
    };
    Ok(Html(page.render()?))
}

#[derive(Deserialize)]
pub struct ActionForm {
    /// The list page to return to.
    page: Option<String>,
}

async fn set_status(
    st: &Admin,
    who: &Authed,
    id: i64,
    status: ArticleStatus,
    page: Option<&str>,
) -> WebResult<Response> {
    let store = &st.site.store;
    let Some(before) = store.get_article(ArticleId(id)).await? else {
        return Err(WebError::not_found());
    };
    let at = now();
    if !store.set_article_status(ArticleId(id), status, at).await? {
        return Err(WebError::not_found());
    }
    let action = match status {
        ArticleStatus::Hidden => "article.hide",
        ArticleStatus::Published => "article.show",
    };
    store
        .append_audit(
            &NewAudit::new(&who.user.name, action, "article", id, at)
                .before(Some(
                    &serde_json::json!({ "status": before.status.as_str() }),
                ))
                .after(Some(&serde_json::json!({ "status": status.as_str() }))),
        )
        .await?;
    // Public pages, feeds and sitemaps are rendered from the cache: without
    // this a hidden article would stay listed for up to the cache period.
    // Other nodes' caches catch up within their ttl.
    st.site.cache.clear();
    st.site.search_cache.clear();
    tracing::info!(user = %who.user.name, article = id, status = status.as_str(), "admin: article status changed");
    let done = match status {
        ArticleStatus::Hidden => "hidden",
        ArticleStatus::Published => "unhidden",
    };
    Ok(see_other(&format!(
        "/admin/articles?page={}&done={done}",
        page_number(page)
    )))
}

pub async fn hide(
    State(st): State<Admin>,
    who: Authed,
    Path(id): Path<i64>,
    Form(f): Form<ActionForm>,
) -> WebResult<Response> {
    set_status(&st, &who, id, ArticleStatus::Hidden, f.page.as_deref()).await
}

pub async fn unhide(
    State(st): State<Admin>,
    who: Authed,
    Path(id): Path<i64>,
    Form(f): Form<ActionForm>,
) -> WebResult<Response> {
    set_status(&st, &who, id, ArticleStatus::Published, f.page.as_deref()).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn page_numbers_are_bounded() {
        use super::page_number;
        assert_eq!(page_number(None), 1);
        assert_eq!(page_number(Some("3")), 3);
        assert_eq!(page_number(Some("0")), 1);
        assert_eq!(page_number(Some("-2")), 1);
        assert_eq!(page_number(Some("99999999999999999999")), 1);
        assert_eq!(page_number(Some("2; DROP TABLE")), 1);
    }
}
