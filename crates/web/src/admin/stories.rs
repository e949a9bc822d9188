//! `/admin/stories/{id}`: one story as an editor sees it (its members, their
//! outlets and times, the editor's settings, its history in the audit log)
//! with the forms that change it: merge, split, pin and unpin, retitle,
//! lead, hide and show. Each form goes through `newsroom_store::moderation`,
//! as `newsroom story ...` does, so both keep the same rules and write the
//! same audit rows. Editors and admins alike may use them.

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
use newsroom_core::{ArticleId, Story, StoryId, slug::slugify};
use newsroom_store::moderation::{self, Editor, PINNED_FOR_GOOD};
use newsroom_store::{AuditQuery, StoryReason};
use serde::Deserialize;

/// Audit rows shown under the story.
const HISTORY: i64 = 20;
/// Ids a merge or split form may name at once.
const MAX_IDS: usize = 50;

#[derive(Template)]
#[template(path = "admin/story.html")]
struct StoryPage {
    l: Layout,
    id: i64,
    title: String,
    /// The editor's title, for the retitle form; empty when there is none.
    editor_title: String,
    /// The public page; empty when there is none (hidden or merged).
    href: String,
    merged_into: Option<i64>,
    hidden: bool,
    /// "until 2026-12-08 12:00", "until unpinned"; empty when not pinned now.
    pinned: String,
    /// The lead is the editor's choice.
    editor_lead: bool,
    first_seen: String,
    last_update: String,
    thread: i64,
    members: Vec<Member>,
    sources: usize,
    history: Vec<HistoryRow>,
    /// Views per hour of its articles (`story_views.html`).
    views_chart: String,
    why: Vec<Why>,
}

/// Why one member is in the story (`admin/story_why.html`).
struct Why {
    id: i64,
    kind: &'static str,
    /// "joined", "near-duplicate of article 12", "split out of story 4"...
    how: String,
    /// "0.31 ≥ 0.10"; empty when no score applies.
    score: String,
    names: String,
    words: String,
    by: String,
    at: String,
}

struct Member {
    id: i64,
    title: String,
    href: String,
    source: String,
    published: String,
    lead: bool,
}

struct HistoryRow {
    at: String,
    actor: String,
    action: String,
    change: String,
}

#[derive(Deserialize)]
pub struct ShowParams {
    done: Option<String>,
}

/// What a redirect after a change asks the page to say (fixed texts only).
fn notice(done: Option<&str>) -> &'static str {
    match done.unwrap_or("") {
        "merge" => "Stories merged: their pages now redirect here.",
        "split" => "Split out: the articles now form this story, and stay in it.",
        "pin" => "Story pinned: it leads the home page and its sections.",
        "unpin" => "Story unpinned.",
        "retitle" => "Story retitled.",
        "lead" => "Lead article chosen.",
        "hide" => "Story hidden: its page and its articles are gone from public lists.",
        "unhide" => "Story shown again.",
        _ => "",
    }
}

pub async fn show(
    State(st): State<Admin>,
    who: Authed,
    Path(id): Path<i64>,
    Query(q): Query<ShowParams>,
) -> WebResult<Html<String>> {
    let store = &st.site.store;
    let Some(story) = store.get_story(StoryId(id)).await? else {
        return Err(WebError::not_found());
    };
    let cards = store.story_articles(story.id).await?;
    let lead_title = cards
        .iter()
        .find(|c| c.id == story.lead_article)
        .map(|c| strip_controls(&c.title))
        .unwrap_or_default();
    let mut sources: Vec<i64> = cards.iter().map(|c| c.source_id.0).collect();
    sources.sort_unstable();
    sources.dedup();
    let members = cards
        .iter()
        .map(|c| {
            let title = strip_controls(&c.title);
            Member {
                id: c.id.0,
                href: format!("/news/{}-{}", c.id, slugify(&title)),
                title,
                source: strip_controls(&c.source_name),
                published: st.time(c.published_at),
                lead: c.id == story.lead_article,
            }
        })
        .collect();
    let history = store
        .list_audit(&AuditQuery {
            object_kind: Some("story".into()),
            object_id: Some(id),
            limit: HISTORY,
            ..AuditQuery::default()
        })
        .await?
        .into_iter()
        .map(|r| HistoryRow {
            at: st.time(r.at),
            change: r.change(),
            actor: r.actor,
            action: r.action,
        })
        .collect();
    let why = store
        .story_reasons(story.id)
        .await?
        .into_iter()
        .map(|(a, r)| why_row(&st, a, &r))
        .collect();
    let mut l = Layout::new(&st.site.cfg.name, &who, "articles");
    l.notice = notice(q.done.as_deref()).to_string();
    let page = StoryPage {
        l,
        id,
        title: story.title.clone().unwrap_or(lead_title),
        editor_title: story.title.clone().unwrap_or_default(),
        href: if story.hidden || story.merged_into.is_some() {
            String::new()
        } else {
            format!("/story/{id}")
        },
        merged_into: story.merged_into.map(|s| s.0),
        hidden: story.hidden,
        pinned: pinned(&st, &story, now()),
        editor_lead: story.editor_lead,
        first_seen: st.time(story.first_seen),
        last_update: st.time(story.last_update),
        thread: story.thread.0,
        members,
        sources: sources.len(),
        history,
        views_chart: super::history_charts::story_views(&st, story.id, st.site.now()).await?,
        why,
    };
    Ok(Html(page.render()?))
}

fn why_row(st: &Admin, article: ArticleId, r: &StoryReason) -> Why {
    let score = match (r.score, r.threshold) {
        (Some(s), Some(t)) => format!("{s:.2} {} {t:.2}", if s >= t { "≥" } else { "<" }),
        _ => String::new(),
    };
    let list = |v: &[String]| {
        v.iter()
            .map(|t| strip_controls(t))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Why {
        id: article.0,
        kind: r.kind.as_str(),
        how: strip_controls(&r.how()),
        score,
        names: list(&r.entities),
        words: list(&r.terms),
        by: strip_controls(&r.by),
        at: st.time(r.at),
    }
}

fn pinned(st: &Admin, story: &Story, now: i64) -> String {
    match story.pinned_until {
        Some(t) if t == PINNED_FOR_GOOD => "until unpinned".into(),
        Some(t) if t > now => format!("until {}", st.time(t)),
        _ => String::new(),
    }
}

/// Every story form's fields; each action reads the ones it needs.
#[derive(Deserialize)]
pub struct ActionForm {
    /// merge: the stories that join this one.
    others: Option<String>,
    /// split and lead: the article; split: more may follow.
    articles: Option<String>,
    /// pin: RFC 3339 or UTC seconds; empty: until unpinned.
    until: Option<String>,
    /// retitle.
    title: Option<String>,
}

/// Ids separated by spaces or commas, at least one, at most [`MAX_IDS`].
fn ids(raw: Option<&str>, what: &str) -> WebResult<Vec<i64>> {
    let raw = raw.unwrap_or("");
    let ids = raw
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.trim_start_matches('#')
                .parse::<i64>()
                .map_err(|_| WebError::BadRequest(format!("{what}: {s:?} is not an id.")))
        })
        .collect::<WebResult<Vec<i64>>>()?;
    if ids.is_empty() {
        return Err(WebError::BadRequest(format!(
            "{what}: name at least one id."
        )));
    }
    if ids.len() > MAX_IDS {
        return Err(WebError::BadRequest(format!(
            "{what}: at most {MAX_IDS} ids at once."
        )));
    }
    Ok(ids)
}

/// `POST /admin/stories/{id}/{action}`.
pub async fn act(
    State(st): State<Admin>,
    who: Authed,
    Path((id, action)): Path<(i64, String)>,
    Form(f): Form<ActionForm>,
) -> WebResult<Response> {
    let store = &*st.site.store;
    let by = Editor {
        name: &who.user.name,
        now: now(),
    };
    let sid = StoryId(id);
    let story = match action.as_str() {
        "merge" => {
            let others: Vec<StoryId> = ids(f.others.as_deref(), "Stories to merge")?
                .into_iter()
                .map(StoryId)
                .collect();
            moderation::merge(store, &by, sid, &others).await?
        }
        "split" => {
            let all = ids(f.articles.as_deref(), "Articles to split out")?;
            let with: Vec<ArticleId> = all[1..].iter().copied().map(ArticleId).collect();
            // Only this story's members: the form is this story's.
            for a in &all {
                if store.article_story(ArticleId(*a)).await? != Some(sid) {
                    return Err(WebError::BadRequest(format!(
                        "Article {a} is not in story {id}."
                    )));
                }
            }
            moderation::split(store, &by, ArticleId(all[0]), &with).await?
        }
        "pin" => {
            let until = match f.until.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(raw) => Some(newsroom_core::time::parse_instant(raw).ok_or_else(|| {
                    WebError::BadRequest(format!(
                        "Pin until {raw:?}: write a time as 2026-12-08T12:00:00Z (RFC 3339), or leave it empty."
                    ))
                })?),
            };
            moderation::pin(store, &by, sid, until).await?
        }
        "unpin" => moderation::unpin(store, &by, sid).await?,
        "retitle" => moderation::retitle(store, &by, sid, f.title.as_deref().unwrap_or("")).await?,
        "lead" => {
            let a = ids(f.articles.as_deref(), "The lead article")?;
            moderation::lead(store, &by, sid, ArticleId(a[0])).await?
        }
        "hide" => moderation::set_hidden(store, &by, sid, true).await?,
        "unhide" => moderation::set_hidden(store, &by, sid, false).await?,
        _ => return Err(WebError::not_found()),
    };
    // This node's public pages now; the change log tells the other nodes.
    st.site.cache.clear();
    st.site.search_cache.clear();
    tracing::info!(user = %who.user.name, story = id, action = %action, "admin: story changed");
    Ok(see_other(&format!(
        "/admin/stories/{}?done={action}",
        story.id
    )))
}

#[cfg(test)]
mod tests {
    use super::ids;

    #[test]
    fn id_lists_are_numbers_and_bounded() {
        assert_eq!(ids(Some("12, 13 #14"), "x").unwrap(), [12, 13, 14]);
        assert!(ids(Some(" "), "x").is_err());
        assert!(ids(None, "x").is_err());
        assert!(ids(Some("12; DROP"), "x").is_err());
        assert!(ids(Some(&"1 ".repeat(51)), "x").is_err());
    }
}
