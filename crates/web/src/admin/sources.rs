//! `/admin/sources`: every source with its health; admins add, enable,
//! disable and remove them. Editors see the list without the controls.

use super::error::{AdminError, AdminResult};
use super::layout::Layout;
use super::session::{AdminOnly, Authed};
use super::{Admin, field, see_other};
use crate::page_cache::strip_controls;
use crate::state::now;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use newsroom_core::{FullTextMode, NewSource, SectionId, SourceId};
use newsroom_store::StoreError;
use serde::Deserialize;
use std::collections::HashMap;

const MAX_URL_CHARS: usize = 2048;
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
) -> AdminResult<String> {
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
            let state = if !src.enabled {
                "disabled"
            } else if h.last_error_class.is_some() {
                "failing"
            } else if h.last_success_at.is_none() {
                "new"
            } else {
                "ok"
            };
            let last_error = match (&h.last_error_class, &h.last_error) {
                (Some(c), Some(e)) => format!("{c}: {e}"),
                (Some(c), None) => c.clone(),
                (None, Some(e)) => e.clone(),
                (None, None) => String::new(),
            };
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
) -> AdminResult<Html<String>> {
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

/// A feed URL as the form gave it, if it is one newsroom can poll. Where it
/// points is checked when it is fetched (the fetcher's SSRF guard).
fn feed_url(raw: &str) -> Result<String, AdminError> {
    let raw = field(raw, "The feed URL", MAX_URL_CHARS)?;
    if raw.is_empty() {
        return Err(AdminError::BadRequest("The feed URL is missing.".into()));
    }
    let u = url::Url::parse(&raw).map_err(|e| {
        AdminError::BadRequest(format!("The feed URL is not a valid address ({e})."))
    })?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none_or(str::is_empty) {
        return Err(AdminError::BadRequest(
            "The feed URL must start with http:// or https:// and name a host.".into(),
        ));
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err(AdminError::BadRequest(
            "The feed URL may not carry a user name or password.".into(),
        ));
    }
    Ok(u.to_string())
}

async fn new_source(st: &Admin, form: &AddForm) -> Result<NewSource, AdminError> {
    let url = feed_url(&form.url)?;
    let mut name = field(&form.name, "The name", MAX_NAME_CHARS)?;
    if name.is_empty() {
        name = url::Url::parse(&url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| url.clone());
    }
    let section_id = match form.section.trim() {
        "" => None,
        s => {
            let id: i64 = s
                .parse()
                .map_err(|_| AdminError::BadRequest("There is no such section.".into()))?;
            let sections = st.site.store.list_sections().await?;
            if !sections.iter().any(|x| x.id.0 == id) {
                return Err(AdminError::BadRequest("There is no such section.".into()));
            }
            Some(SectionId(id))
        }
    };
    let full_text = match form.full_text.trim() {
        "" => FullTextMode::Auto,
        s => FullTextMode::parse(s).ok_or_else(|| {
            AdminError::BadRequest("Full text must be auto, always or never.".into())
        })?,
    };
    Ok(NewSource {
        name,
        feed_url: url.clone(),
        site_url: None,
        section_id,
        full_text,
    })
}

pub async fn add(
    State(st): State<Admin>,
    AdminOnly(who): AdminOnly,
    Form(form): Form<AddForm>,
) -> Response {
    let (status, error) = match new_source(&st, &form).await {
        Ok(new) => match st.site.store.add_source(&new, now()).await {
            Ok(s) => {
                tracing::info!(user = %who.user.name, source = s.id.0, feed = %s.feed_url, "admin: source added");
                return see_other("/admin/sources?done=added");
            }
            Err(StoreError::Conflict(_)) => (
                StatusCode::CONFLICT,
                "A source with this feed URL already exists.".to_string(),
            ),
            Err(e) => return AdminError::from(e).into_response(),
        },
        Err(AdminError::BadRequest(msg)) => (StatusCode::BAD_REQUEST, msg),
        Err(e) => return e.into_response(),
    };
    match render(&st, &who, form, None, error).await {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn set_enabled(st: &Admin, who: &Authed, id: i64, enabled: bool) -> AdminResult<Response> {
    if !st
        .site
        .store
        .set_source_enabled(SourceId(id), enabled)
        .await?
    {
        return Err(AdminError::NotFound);
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
) -> AdminResult<Response> {
    set_enabled(&st, &who, id, true).await
}

pub async fn disable(
    State(st): State<Admin>,
    AdminOnly(who): AdminOnly,
    Path(id): Path<i64>,
) -> AdminResult<Response> {
    set_enabled(&st, &who, id, false).await
}

pub async fn remove(
    State(st): State<Admin>,
    AdminOnly(who): AdminOnly,
    Path(id): Path<i64>,
) -> AdminResult<Response> {
    if !st.site.store.delete_source(SourceId(id)).await? {
        return Err(AdminError::NotFound);
    }
    // Its articles are gone from every public page.
    st.site.cache.clear();
    st.site.search_cache.clear();
    tracing::info!(user = %who.user.name, source = id, "admin: source removed");
    Ok(see_other("/admin/sources?done=removed"))
}

#[cfg(test)]
mod tests {
    use super::feed_url;

    #[test]
    fn feed_urls_are_checked() {
        assert_eq!(
            feed_url(" https://news.example/feed.xml ").unwrap(),
            "https://news.example/feed.xml"
        );
        for bad in [
            "",
            "news.example/feed",
            "ftp://news.example/feed",
            "javascript:alert(1)",
            "https://user:pw@news.example/feed",
            "http://",
            "https://news.example/\u{7}",
        ] {
            assert!(feed_url(bad).is_err(), "{bad:?}");
        }
        assert!(feed_url(&format!("https://x.example/{}", "a".repeat(2100))).is_err());
    }
}
