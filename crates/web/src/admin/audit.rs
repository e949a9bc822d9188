//! `/admin/audit`: the audit log, newest first, filtered by user, action
//! and object, in pages of [`PAGE_SIZE`] (an older page starts below the
//! last row shown, so rows added meanwhile do not shift it). Editors and
//! admins alike may read it; nothing here changes it.

use super::Admin;
use super::layout::Layout;
use super::session::Authed;
use crate::error::{WebError, WebResult};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;
use newsroom_store::AuditQuery;
use serde::Deserialize;

const PAGE_SIZE: i64 = 50;
/// Filters are names and ids: anything longer is no filter of ours.
const MAX_FILTER_CHARS: usize = 100;

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    l: Layout,
    rows: Vec<Row>,
    user: String,
    action: String,
    object: String,
    newer: Option<String>,
    older: Option<String>,
}

struct Row {
    id: i64,
    at: String,
    actor: String,
    action: String,
    object: String,
    /// The admin page of the object, where there is one.
    href: String,
    change: String,
}

#[derive(Deserialize)]
pub struct Filters {
    user: Option<String>,
    action: Option<String>,
    object: Option<String>,
    /// Rows older than this id (the next page).
    before: Option<String>,
}

pub async fn list(
    State(st): State<Admin>,
    who: Authed,
    Query(f): Query<Filters>,
) -> WebResult<Html<String>> {
    let text = |v: &Option<String>, what: &str| -> WebResult<String> {
        super::field(v.as_deref().unwrap_or(""), what, MAX_FILTER_CHARS)
    };
    let (user, action, object) = (
        text(&f.user, "The user")?,
        text(&f.action, "The action")?,
        text(&f.object, "The object")?,
    );
    let before =
        match f.before.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(b) => Some(b.parse::<i64>().ok().filter(|b| *b > 0).ok_or_else(|| {
                WebError::BadRequest("The page asked for is not a row id.".into())
            })?),
        };
    let mut q = AuditQuery {
        actor: (!user.is_empty()).then(|| user.clone()),
        action: (!action.is_empty()).then(|| action.clone()),
        before_id: before,
        limit: PAGE_SIZE + 1,
        ..AuditQuery::default()
    };
    if !object.is_empty() {
        q = q.object(&object)?;
    }
    let mut found = st.site.store.list_audit(&q).await?;
    let more = found.len() as i64 > PAGE_SIZE;
    found.truncate(PAGE_SIZE as usize);
    let link = |before: Option<i64>| {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [("user", &user), ("action", &action), ("object", &object)] {
            if !v.is_empty() {
                s.append_pair(k, v);
            }
        }
        if let Some(b) = before {
            s.append_pair("before", &b.to_string());
        }
        format!("/admin/audit?{}", s.finish())
    };
    let older = more
        .then(|| found.last().map(|r| link(Some(r.id))))
        .flatten();
    let newer = before.map(|_| link(None));
    let rows = found
        .iter()
        .map(|r| Row {
            id: r.id,
            at: st.time(r.at),
            href: match r.object_kind.as_str() {
                "story" => format!("/admin/stories/{}", r.object_id),
                _ => String::new(),
            },
            object: format!("{}:{}", r.object_kind, r.object_id),
            actor: r.actor.clone(),
            action: r.action.clone(),
            change: r.change(),
        })
        .collect();
    let page = AuditPage {
        l: Layout::new(&st.site.cfg.name, &who, "audit"),
        rows,
        user,
        action,
        object,
        newer,
        older,
    };
    Ok(Html(page.render()?))
}
