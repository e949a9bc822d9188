//! `/admin/sources`: every source with its health; admins add, enable,
//! disable and remove them. Editors see the list without the controls.

use super::layout::Layout;
use super::session::{AdminOnly, Authed};
use super::{Admin, field, see_other};
use crate::error::{WebError, WebResult};
use crate::page_cache::strip_controls;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use newsroom_core::{FullTextMode, SectionId, Source, SourceId};
use newsroom_ingest::add_source::MAX_URL_CHARS;
use newsroom_ingest::{AddSourceError, SectionPick, SourceRequest};
use serde::Deserialize;
use std::collections::HashMap;

const MAX_NAME_CHARS: usize = 200;

#[derive(Template)]
#[template(path = "admin/sources.html")]
struct SourcesPage {
    l: Layout,
    rows: Vec<Row>,
    sections: Vec<SectionOption>,
    form: AddForm,
    can_manage: bool,
    max_url: usize,
    max_name: usize,
}

struct Row {
    id: i64,
    name: String,
    feed_url: String,
    section: String,
    enabled: bool,
    /// `disabled`, `failing`, `new` or `ok`, as `newsroom source list` says.
    state: &'static str,
    failures: i64,
    last_success: String,
    last_error: String,
    /// What the last poll found wrong with single items (`SourceHealth::notes`).
    notes: Vec<String>,
    next_fetch: String,
    articles: i64,
}

struct SectionOption {
    id: i64,
    name: String,
    selected: bool,
}

#[derive(Deserialize, Default)]
pub struct AddForm {
    #[serde(default)]
    url: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    section: String,
    #[serde(default)]
    full_text: String,
}

#[derive(Deserialize)]
pub struct ListParams {
    done: Option<String>,
}

async fn render(
    st: &Admin,
    who: &Authed,
    form: AddForm,
    done: Option<&str>,
    error: String,
) -> WebResult<String> {
    let store = &st.site.store;
    let sections = store.list_sections().await?;
    let names: HashMap<SectionId, String> =
        sections.iter().map(|s| (s.id, s.name.clone())).collect();
    let rows = store
        .list_sources()
        .await?
        .into_iter()
        .map(|s| {
            let src = s.source;
            let h = &src.health;
            let state = src.health_label().as_str();
            let last_error = src.last_error_line().unwrap_or_default();
            Row {
                id: src.id.0,
                name: strip_controls(&src.name),
                feed_url: src.feed_url.clone(),
                section: src
                    .section_id
                    .and_then(|id| names.get(&id).cloned())
                    .unwrap_or_default(),
                enabled: src.enabled,
                state,
                failures: h.consecutive_failures,
                last_success: h.last_success_at.map(|t| st.time(t)).unwrap_or_default(),
                last_error: strip_controls(&last_error),
                notes: h.notes.iter().map(|n| strip_controls(n)).collect(),
                next_fetch: if src.enabled {
                    st.time(h.next_poll_at)
                } else {
                    String::new()
                },
                articles: s.article_count,
            }
        })
        .collect();
    let wanted: Option<i64> = form.section.parse().ok();
    let mut l = Layout::new(&st.site.cfg.name, who, "sources").with_done(done);
    l.error = error;
    let page = SourcesPage {
        l,
        rows,
        sections: sections
            .into_iter()
            .map(|s| SectionOption {
                selected: Some(s.id.0) == wanted,
                id: s.id.0,
                name: s.name,
            })
            .collect(),
        form,
        can_manage: who.is_admin(),
        max_url: MAX_URL_CHARS,
        max_name: MAX_NAME_CHARS,
    };
    Ok(page.render()?)
}

pub async fn list(
    State(st): State<Admin>,
    who: Authed,
    Query(q): Query<ListParams>,
) -> WebResult<Html<String>> {
    Ok(Html(
        render(
            &st,
            &who,
            AddForm::default(),
            q.done.as_deref(),
            String::new(),
        )
        .await?,
    ))
}

/// The form, checked, as a request to add a source.
fn request<'a>(form: &'a AddForm, name: &'a str) -> WebResult<SourceRequest<'a>> {
    let section = match form.section.trim() {
        "" => None,
        s => Some(SectionPick::Id(SectionId(s.parse().map_err(|_| {
            WebError::BadRequest("There is no such section.".into())
        })?))),
    };
    let full_text = match form.full_text.trim() {
        "" => FullTextMode::Auto,
        s => FullTextMode::parse(s).ok_or_else(|| {
            WebError::BadRequest("Full text must be auto, always or never.".into())
        })?,
    };
    Ok(SourceRequest {
        url: &form.url,
        name: Some(name).filter(|n| !n.is_empty()),
        section,
        full_text,
    })
}

async fn try_add(st: &Admin, form: &AddForm) -> WebResult<Source> {
    let adder = st.site.source_adder.as_ref().ok_or_else(|| {
        WebError::Unavailable("this node was started without a fetcher for new sources".into())
    })?;
    let name = field(&form.name, "The name", MAX_NAME_CHARS)?;
    let req = request(form, &name)?;
    adder.add(&*st.site.store, &req).await.map_err(|e| match e {
        AddSourceError::Invalid(msg) => WebError::BadRequest(msg),
        AddSourceError::Exists { .. } => {
            WebError::Conflict("A source with this feed URL already exists.".into())
        }
        AddSourceError::Discovery(e) => {
            WebError::BadRequest(format!("No feed found at this address ({e})."))
        }
        AddSourceError::Store(e) => e.into(),
    })
}

/// Adds the source the form names, discovering its feed as `newsroom
/// source add` does; a refusal shows the form again with the reason.
pub async fn add(
    State(st): State<Admin>,
    AdminOnly(who): AdminOnly,
    Form(form): Form<AddForm>,
) -> WebResult<Response> {
    let (status, error) = match try_add(&st, &form).await {
        Ok(s) => {
            newsroom_ingest::commands::record_source_added(
                &*st.site.store,
                &s,
                &who.user.name,
                crate::state::now(),
            )
            .await
            .map_err(ingest_error)?;
            tracing::info!(user = %who.user.name, source = s.id.0, feed = %s.feed_url, "admin: source added");
            return Ok(see_other("/admin/sources?done=added"));
        }
        Err(WebError::BadRequest(msg)) => (StatusCode::BAD_REQUEST, msg),
        Err(WebError::Conflict(msg)) => (StatusCode::CONFLICT, msg),
        Err(e) => return Err(e),
    };
    let html = render(&st, &who, form, None, error).await?;
    Ok((status, Html(html)).into_response())
}

async fn set_enabled(st: &Admin, who: &Authed, id: i64, enabled: bool) -> WebResult<Response> {
    if !newsroom_ingest::commands::set_source_enabled(
        &*st.site.store,
        SourceId(id),
        enabled,
        &who.user.name,
        crate::state::now(),
    )
    .await
    .map_err(ingest_error)?
    {
        return Err(WebError::not_found());
    }
    tracing::info!(user = %who.user.name, source = id, enabled, "admin: source switched");
    Ok(see_other(if enabled {
        "/admin/sources?done=enabled"
    } else {
        "/admin/sources?done=disabled"
    }))
}

pub async fn enable(
    State(st): State<Admin>,
    AdminOnly(who): AdminOnly,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    set_enabled(&st, &who, id, true).await
}

pub async fn disable(
    State(st): State<Admin>,
    AdminOnly(who): AdminOnly,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    set_enabled(&st, &who, id, false).await
}

pub async fn remove(
    State(st): State<Admin>,
    AdminOnly(who): AdminOnly,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    if !newsroom_ingest::commands::remove_source(
        &*st.site.store,
        SourceId(id),
        &who.user.name,
        crate::state::now(),
    )
    .await
    .map_err(ingest_error)?
    {
        return Err(WebError::not_found());
    }
    // Its articles are gone from every public page.
    st.site.cache.clear();
    st.site.search_cache.clear();
    tracing::info!(user = %who.user.name, source = id, "admin: source removed");
    Ok(see_other("/admin/sources?done=removed"))
}

/// The source commands only fail in the store.
pub(super) fn ingest_error(e: newsroom_ingest::IngestError) -> WebError {
    match e {
        newsroom_ingest::IngestError::Store(e) => e.into(),
        other => WebError::Internal(other.to_string()),
    }
}
