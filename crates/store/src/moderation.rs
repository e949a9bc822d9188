//! Story moderation: what an editor may do to stories, the checks each
//! action makes and the audit row it writes, in one place for the CLI
//! (`newsroom story ...`) and the admin area alike.

use crate::error::{Result, StoreError};
use crate::model::NewAudit;
use crate::reasons::{ReasonKind, StoryReason};
use crate::store::Store;
use newsroom_core::{ArticleId, Story, StoryId, Timestamp};
use serde_json::{Value, json};

/// A pin with no end: until someone unpins it.
pub const PINNED_FOR_GOOD: Timestamp = i64::MAX;
/// Longest editor's title, in characters.
pub const MAX_TITLE_CHARS: usize = 300;

/// Who acts, and when (recorded in the audit log).
#[derive(Debug, Clone, Copy)]
pub struct Editor<'a> {
    pub name: &'a str,
    pub now: Timestamp,
}

/// A story as the audit log keeps it: its editor's settings and members.
async fn snapshot(store: &dyn Store, story: &Story) -> Result<Value> {
    let members: Vec<i64> = store
        .story_articles(story.id)
        .await?
        .iter()
        .map(|c| c.id.0)
        .collect();
    Ok(json!({
        "id": story.id.0,
        "title": story.title,
        "lead": story.lead_article.0,
        "editor_lead": story.editor_lead,
        "pinned_until": story.pinned_until,
        "hidden": story.hidden,
        "merged_into": story.merged_into.map(|s| s.0),
        "members": members,
    }))
}

/// The story, refusing one merged away: its decisions belong to its target.
async fn live_story(store: &dyn Store, id: StoryId) -> Result<Story> {
    let story = store
        .get_story(id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("story {id}")))?;
    if let Some(target) = story.merged_into {
        return Err(StoreError::Invalid(format!(
            "story {id} was merged into story {target}; act on {target}"
        )));
    }
    Ok(story)
}

async fn record(
    store: &dyn Store,
    by: &Editor<'_>,
    action: &str,
    object: (&str, i64),
    before: Value,
    after: Value,
) -> Result<()> {
    store
        .append_audit(
            &NewAudit::new(by.name, action, object.0, object.1, by.now)
                .before(Some(&before))
                .after(Some(&after)),
        )
        .await?;
    Ok(())
}

/// Changes one story with `change`, recording it as `action` with the story
/// before and after.
async fn change_story<F, Fut>(
    store: &dyn Store,
    by: &Editor<'_>,
    action: &str,
    id: StoryId,
    change: F,
) -> Result<Story>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<bool>>,
{
    let story = live_story(store, id).await?;
    let before = snapshot(store, &story).await?;
    if !change().await? {
        return Err(StoreError::NotFound(format!("story {id}")));
    }
    let after_story = live_story(store, id).await?;
    let after = snapshot(store, &after_story).await?;
    record(store, by, action, ("story", id.0), before, after).await?;
    Ok(after_story)
}

/// `story merge TARGET OTHER...`: the others' articles join the target.
pub async fn merge(
    store: &dyn Store,
    by: &Editor<'_>,
    target: StoryId,
    others: &[StoryId],
) -> Result<Story> {
    let mut others: Vec<StoryId> = others.to_vec();
    others.sort_unstable();
    others.dedup();
    if others.is_empty() {
        return Err(StoreError::Invalid(
            "name at least one story to merge".into(),
        ));
    }
    if others.contains(&target) {
        return Err(StoreError::Invalid(format!(
            "story {target} cannot be merged into itself"
        )));
    }
    let t = live_story(store, target).await?;
    let mut before = vec![snapshot(store, &t).await?];
    for o in &others {
        let s = live_story(store, *o).await?;
        before.push(snapshot(store, &s).await?);
    }
    store
        .merge_stories(target, &others, by.name, by.now)
        .await?;
    let merged = live_story(store, target).await?;
    let mut after = vec![snapshot(store, &merged).await?];
    for o in &others {
        if let Some(s) = store.get_story(*o).await? {
            after.push(snapshot(store, &s).await?);
        }
    }
    record(
        store,
        by,
        "story.merge",
        ("story", target.0),
        json!({ "stories": before }),
        json!({ "stories": after }),
    )
    .await?;
    Ok(merged)
}

/// `story split ARTICLE [--with ARTICLE...]`: the articles leave their
/// stories together, for a new story that keeps them.
pub async fn split(
    store: &dyn Store,
    by: &Editor<'_>,
    article: ArticleId,
    with: &[ArticleId],
) -> Result<Story> {
    let mut all = vec![article];
    all.extend(with.iter().copied().filter(|a| *a != article));
    all.dedup();
    let mut before = Vec::new();
    for a in &all {
        if store.get_article(*a).await?.is_none() {
            return Err(StoreError::NotFound(format!("article {a}")));
        }
        before
            .push(json!({ "article": a.0, "story": store.article_story(*a).await?.map(|s| s.0) }));
    }
    let id = store.split_articles(&all, by.name, by.now).await?;
    let story = live_story(store, id).await?;
    let after = snapshot(store, &story).await?;
    record(
        store,
        by,
        "story.split",
        ("article", article.0),
        json!({ "articles": before }),
        after,
    )
    .await?;
    Ok(story)
}

/// `story pin STORY [--until TIME]`; `until` `None` pins until unpinned.
pub async fn pin(
    store: &dyn Store,
    by: &Editor<'_>,
    id: StoryId,
    until: Option<Timestamp>,
) -> Result<Story> {
    let until = until.unwrap_or(PINNED_FOR_GOOD);
    if until <= by.now {
        return Err(StoreError::Invalid("a pin must end in the future".into()));
    }
    change_story(store, by, "story.pin", id, || {
        store.set_story_pin(id, Some(until))
    })
    .await
}

pub async fn unpin(store: &dyn Store, by: &Editor<'_>, id: StoryId) -> Result<Story> {
    change_story(store, by, "story.unpin", id, || {
        store.set_story_pin(id, None)
    })
    .await
}

/// `story retitle STORY TITLE`: one line of plain text, kept as articles join.
pub async fn retitle(
    store: &dyn Store,
    by: &Editor<'_>,
    id: StoryId,
    title: &str,
) -> Result<Story> {
    let title = clean_title(title)?;
    change_story(store, by, "story.retitle", id, || {
        store.set_story_title(id, Some(&title))
    })
    .await
}

/// Whitespace runs become one space and control characters go; empty or
/// overlong titles are refused.
pub fn clean_title(raw: &str) -> Result<String> {
    let title = raw
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if title.is_empty() {
        return Err(StoreError::Invalid("the title is empty".into()));
    }
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(StoreError::Invalid(format!(
            "the title is longer than {MAX_TITLE_CHARS} characters"
        )));
    }
    Ok(title)
}

/// `story lead STORY ARTICLE`: the article (a member) leads the story.
pub async fn lead(
    store: &dyn Store,
    by: &Editor<'_>,
    id: StoryId,
    article: ArticleId,
) -> Result<Story> {
    let story = change_story(store, by, "story.lead", id, || {
        store.set_story_lead(id, Some(article), by.now)
    })
    .await?;
    // The lead keeps what the clusterer found, and says who chose it.
    let mut reason = store
        .story_reasons(id)
        .await?
        .into_iter()
        .find(|(a, _)| *a == article)
        .map_or_else(
            || StoryReason::new(ReasonKind::Lead, by.name, by.now),
            |(_, r)| r,
        );
    reason.kind = ReasonKind::Lead;
    reason.by = by.name.to_string();
    reason.at = by.now;
    store.set_story_reason(article, &reason).await?;
    Ok(story)
}

/// `story hide STORY` and `story unhide STORY`.
pub async fn set_hidden(
    store: &dyn Store,
    by: &Editor<'_>,
    id: StoryId,
    hidden: bool,
) -> Result<Story> {
    let action = if hidden { "story.hide" } else { "story.unhide" };
    change_story(store, by, action, id, || store.set_story_hidden(id, hidden)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_one_clean_line() {
        assert_eq!(
            clean_title("  Storm\n hits\tthe\u{7}coast ").unwrap(),
            "Storm hits the coast"
        );
        assert!(clean_title(" \n ").is_err());
        assert!(clean_title(&"x".repeat(MAX_TITLE_CHARS + 1)).is_err());
        assert_eq!(
            clean_title(&"é".repeat(MAX_TITLE_CHARS))
                .unwrap()
                .chars()
                .count(),
            MAX_TITLE_CHARS
        );
    }
}
