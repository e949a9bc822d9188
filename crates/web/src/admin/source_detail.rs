//! `/admin/sources/{id}`: one source, its health and its last fetches (the
//! store keeps `FETCHES_KEPT`; the page shows the last [`FETCHES_SHOWN`]),
//! and, for admins, its settings: section, full-text policy, poll interval
//! bounds, enabled.

use super::Admin;
use super::layout::Layout;
use super::see_other;
use super::session::{AdminOnly, Authed};
use super::source_charts::{SourceCharts, source_charts};
use crate::error::{WebError, WebResult};
use crate::page_cache::strip_controls;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use newsroom_core::{FullTextMode, PollBounds, SectionId, Source, SourceId, SourceSettings};
use newsroom_store::{FetchRecord, FetchResult};
use serde::Deserialize;

pub const FETCHES_SHOWN: i64 = 20;

#[derive(Template)]
#[template(path = "admin/source.html")]
struct SourcePage {
    l: Layout,
    s: Summary,
    fetches: Vec<FetchLine>,
    shown: i64,
    can_manage: bool,
    form: SettingsForm,
    sections: Vec<(i64, String)>,
    /// The site's own bounds, in minutes, for the form's hint.
    site_min: i64,
    site_max: i64,
    charts: SourceCharts,
}

/// The settings form as sent (and as shown again after a refusal).
#[derive(Deserialize, Default, Clone)]
pub struct SettingsForm {
    #[serde(default)]
    section: String,
    #[serde(default)]
    full_text: String,
    /// Minutes; empty for the site's setting.
    #[serde(default)]
    poll_min: String,
    #[serde(default)]
    poll_max: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    enabled: Option<String>,
}

impl SettingsForm {
    fn of(src: &Source) -> Self {
        let minutes = |s: Option<i64>| s.map(|s| (s / 60).to_string()).unwrap_or_default();
        SettingsForm {
            section: src.section_id.map(|s| s.0.to_string()).unwrap_or_default(),
            full_text: src.full_text.as_str().into(),
            poll_min: minutes(src.poll.min_secs),
            poll_max: minutes(src.poll.max_secs),
            enabled: src.enabled.then(|| "on".into()),
        }
    }

    fn is_enabled(&self) -> bool {
        self.enabled.is_some()
    }
}

#[derive(Deserialize)]
pub struct ShowParams {
    done: Option<String>,
}

struct Summary {
    id: i64,
    name: String,
    feed_url: String,
    site_url: String,
    section: String,
    full_text: &'static str,
    state: &'static str,
    failures: i64,
    last_success: String,
    next_fetch: String,
    articles: i64,
}

struct FetchLine {
    time: String,
    /// `ok`, `not_modified` or `failed`: a CSS class and, in words, the cell.
    result: &'static str,
    result_text: &'static str,
    status: String,
    duration: String,
    stored: String,
    error: String,
}

fn line(st: &Admin, f: &FetchRecord) -> FetchLine {
    let error = match (&f.error_class, &f.error) {
        (Some(c), Some(e)) => format!("{c}: {e}"),
        (Some(c), None) => c.clone(),
        (None, e) => e.clone().unwrap_or_default(),
    };
    FetchLine {
        time: st.time_seconds(f.fetched_at),
        result: f.result.as_str(),
        result_text: match f.result {
            FetchResult::Ok => "read",
            FetchResult::NotModified => "not modified",
            FetchResult::Failed => "failed",
        },
        status: f
            .status
            .map(|s| s.to_string())
            .unwrap_or_else(|| "—".into()),
        duration: format!("{} ms", f.duration_ms),
        stored: match f.result {
            FetchResult::Ok => format!(
                "{} items: {} new, {} updated",
                f.items, f.inserted, f.updated
            ),
            _ => String::new(),
        },
        error: strip_controls(&error),
    }
}

/// The source, with its article count, or 404.
pub(crate) async fn find(st: &Admin, id: i64) -> WebResult<(Source, i64)> {
    st.site
        .store
        .list_sources()
        .await?
        .into_iter()
        .find(|s| s.source.id == SourceId(id))
        .map(|s| (s.source, s.article_count))
        .ok_or_else(WebError::not_found)
}

pub async fn show(
    State(st): State<Admin>,
    who: Authed,
    Path(id): Path<i64>,
    Query(q): Query<ShowParams>,
) -> WebResult<Html<String>> {
    let (src, articles) = find(&st, id).await?;
    let form = SettingsForm::of(&src);
    let l = Layout::new(&st.site.cfg.name, &who, "sources").with_done(q.done.as_deref());
    Ok(Html(render(&st, &who, l, src, articles, form).await?))
}

async fn render(
    st: &Admin,
    who: &Authed,
    l: Layout,
    src: Source,
    articles: i64,
    form: SettingsForm,
) -> WebResult<String> {
    let store = &st.site.store;
    let sections = store.list_sections().await?;
    let section = src
        .section_id
        .and_then(|sid| sections.iter().find(|s| s.id == sid))
        .map(|s| s.name.clone())
        .unwrap_or_default();
    let fetches = store
        .source_fetches(src.id, FETCHES_SHOWN)
        .await?
        .iter()
        .map(|f| line(st, f))
        .collect();
    let schedule = st
        .site
        .source_adder
        .as_ref()
        .map(|a| a.cfg.schedule)
        .unwrap_or_default();
    let charts = source_charts(st, src.id, jiff::Timestamp::now().as_second()).await?;
    let h = &src.health;
    let page = SourcePage {
        l,
        s: Summary {
            id: src.id.0,
            name: strip_controls(&src.name),
            feed_url: src.feed_url.clone(),
            site_url: src.site_url.clone().unwrap_or_default(),
            section,
            full_text: src.full_text.as_str(),
            state: src.health_label().as_str(),
            failures: h.consecutive_failures,
            last_success: h.last_success_at.map(|t| st.time(t)).unwrap_or_default(),
            next_fetch: if src.enabled {
                st.time(h.next_poll_at)
            } else {
                String::new()
            },
            articles,
        },
        fetches,
        shown: FETCHES_SHOWN,
        can_manage: who.is_admin(),
        form,
        sections: sections.into_iter().map(|s| (s.id.0, s.name)).collect(),
        site_min: schedule.min_interval / 60,
        site_max: schedule.max_interval / 60,
        charts,
    };
    Ok(page.render()?)
}

/// Minutes from the form as seconds; empty is the site's setting.
fn minutes(value: &str, what: &str) -> Result<Option<i64>, String> {
    match value.trim() {
        "" => Ok(None),
        v => v
            .parse::<u32>()
            .map(|m| Some(i64::from(m) * 60))
            .map_err(|_| format!("The {what} interval must be a whole number of minutes.")),
    }
}

/// The form, checked, as settings; a refusal says why.
async fn settings(st: &Admin, form: &SettingsForm) -> WebResult<Result<SourceSettings, String>> {
    let section_id = match form.section.trim() {
        "" => None,
        v => {
            let known = st.site.store.list_sections().await?;
            match v
                .parse::<i64>()
                .ok()
                .filter(|id| known.iter().any(|s| s.id.0 == *id))
            {
                Some(id) => Some(SectionId(id)),
                None => return Ok(Err("There is no such section.".into())),
            }
        }
    };
    let Some(full_text) = FullTextMode::parse(form.full_text.trim()) else {
        return Ok(Err("Full text must be auto, always or never.".into()));
    };
    let poll = match (
        minutes(&form.poll_min, "shortest"),
        minutes(&form.poll_max, "longest"),
    ) {
        (Ok(min), Ok(max)) => PollBounds::new(min, max),
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    Ok(poll.map(|poll| SourceSettings {
        section_id,
        full_text,
        poll,
        enabled: form.is_enabled(),
    }))
}

/// Saves a source's settings; bad values show the form again with the reason.
pub async fn save(
    State(st): State<Admin>,
    AdminOnly(who): AdminOnly,
    Path(id): Path<i64>,
    Form(form): Form<SettingsForm>,
) -> WebResult<Response> {
    let (src, articles) = find(&st, id).await?;
    match settings(&st, &form).await? {
        Ok(set) => {
            let store = &*st.site.store;
            let saved = newsroom_ingest::commands::update_source_settings(
                store,
                src.id,
                &set,
                &who.user.name,
                crate::state::now(),
            )
            .await
            .map_err(super::sources::ingest_error)?;
            if !saved {
                return Err(WebError::not_found());
            }
            if set.enabled != src.enabled {
                // A source switched on is polled by the worker's next round.
                tracing::info!(user = %who.user.name, source = id, enabled = set.enabled, "admin: source switched");
            }
            tracing::info!(user = %who.user.name, source = id, section = ?set.section_id.map(|s| s.0),
                full_text = set.full_text.as_str(), poll_min = ?set.poll.min_secs, poll_max = ?set.poll.max_secs,
                "admin: source settings saved");
            Ok(see_other(&format!("/admin/sources/{id}?done=saved")))
        }
        Err(why) => {
            let mut l = Layout::new(&st.site.cfg.name, &who, "sources");
            l.error = why;
            let html = render(&st, &who, l, src, articles, form).await?;
            Ok((StatusCode::BAD_REQUEST, Html(html)).into_response())
        }
    }
}
