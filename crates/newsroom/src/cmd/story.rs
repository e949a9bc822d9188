//! `newsroom story merge|split|pin|unpin|retitle|lead|hide|unhide|show`:
//! editors' decisions, through `newsroom_store::moderation` (the same rules
//! and audit rows as the admin area). They take effect on a running site:
//! the database's change log tells every node's cache.

use crate::cli::{Global, StoryCommand};
use crate::cmd::{ingest, load_config};
use anyhow::{Context, Result, bail};
use newsroom_core::{ArticleId, Story, StoryId};
use newsroom_store::Store;
use newsroom_store::moderation::{self, Editor, PINNED_FOR_GOOD};

pub async fn run(global: &Global, cmd: StoryCommand) -> Result<()> {
    let cfg = load_config(global)?;
    let store = ingest::open_store(&cfg).await?;
    let actor = global.actor();
    let by = Editor {
        name: &actor,
        now: newsroom_web::state::now(),
    };
    let store = &*store;
    let story = match cmd {
        StoryCommand::Show { story, json } => return show(store, StoryId(story), json).await,
        StoryCommand::Merge { target, others } => {
            let others: Vec<StoryId> = others.into_iter().map(StoryId).collect();
            moderation::merge(store, &by, StoryId(target), &others).await?
        }
        StoryCommand::Split { article, with } => {
            let with: Vec<ArticleId> = with.into_iter().map(ArticleId).collect();
            moderation::split(store, &by, ArticleId(article), &with).await?
        }
        StoryCommand::Pin { story, until } => {
            let until = until
                .as_deref()
                .map(|t| parse_time("--until", t))
                .transpose()?;
            moderation::pin(store, &by, StoryId(story), until).await?
        }
        StoryCommand::Unpin { story } => moderation::unpin(store, &by, StoryId(story)).await?,
        StoryCommand::Retitle { story, title } => {
            moderation::retitle(store, &by, StoryId(story), &title).await?
        }
        StoryCommand::Lead { story, article } => {
            moderation::lead(store, &by, StoryId(story), ArticleId(article)).await?
        }
        StoryCommand::Hide { story } => {
            moderation::set_hidden(store, &by, StoryId(story), true).await?
        }
        StoryCommand::Unhide { story } => {
            moderation::set_hidden(store, &by, StoryId(story), false).await?
        }
    };
    println!(
        "story {}: {} articles, lead {}{}{}{}",
        story.id,
        story.size,
        story.lead_article,
        story
            .title
            .as_deref()
            .map(|t| format!(", titled {t:?}"))
            .unwrap_or_default(),
        if story.hidden { ", hidden" } else { "" },
        pinned(&story)
            .map(|p| format!(", pinned {p}"))
            .unwrap_or_default(),
    );
    Ok(())
}

/// RFC 3339 (`2026-12-08T12:00:00Z`) or UTC seconds, for the option `what`.
pub fn parse_time(what: &str, raw: &str) -> Result<i64> {
    newsroom_core::time::parse_instant(raw).with_context(|| {
        format!("{what} {raw:?}: expected RFC 3339 (2026-12-08T12:00:00Z) or UTC seconds")
    })
}

pub fn fmt_time(ts: i64) -> String {
    jiff::Timestamp::from_second(ts)
        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|_| ts.to_string())
}

fn pinned(s: &Story) -> Option<String> {
    s.pinned_until.map(|t| {
        if t == PINNED_FOR_GOOD {
            "until unpinned".to_string()
        } else {
            format!("until {}", fmt_time(t))
        }
    })
}

async fn show(store: &dyn Store, id: StoryId, json: bool) -> Result<()> {
    let Some(story) = store.get_story(id).await? else {
        bail!("no story {id}");
    };
    let members = store.story_articles(id).await?;
    let reasons: std::collections::HashMap<ArticleId, newsroom_store::StoryReason> =
        store.story_reasons(id).await?.into_iter().collect();
    let mut sources: Vec<&str> = members.iter().map(|c| c.source_name.as_str()).collect();
    sources.sort_unstable();
    sources.dedup();
    if json {
        let out = serde_json::json!({
            "story": story,
            "sources": sources,
            "members": members.iter().map(|c| serde_json::json!({
                "id": c.id.0,
                "title": c.title,
                "source": c.source_name,
                "published_at": c.published_at,
                "why": reasons.get(&c.id),
            })).collect::<Vec<_>>(),
        });
        println!("{out}");
        return Ok(());
    }
    println!("story {}", story.id);
    if let Some(target) = story.merged_into {
        println!("merged into story {target}");
    }
    let lead_title = members
        .iter()
        .find(|c| c.id == story.lead_article)
        .map(|c| c.title.as_str())
        .unwrap_or("");
    match &story.title {
        Some(t) => println!("title: {t} (editor's; lead's: {lead_title})"),
        None => println!("title: {lead_title}"),
    }
    println!(
        "lead: article {}{}",
        story.lead_article,
        if story.editor_lead {
            " (editor's choice)"
        } else {
            ""
        }
    );
    println!(
        "first seen {}, updated {}, thread {}",
        fmt_time(story.first_seen),
        fmt_time(story.last_update),
        story.thread
    );
    if let Some(p) = pinned(&story) {
        println!("pinned {p}");
    }
    if story.hidden {
        println!("hidden");
    }
    println!("{} sources: {}", sources.len(), sources.join(", "));
    println!(
        "{:>8}  {:<20} {:<20} TITLE",
        "ARTICLE", "PUBLISHED", "SOURCE"
    );
    for c in &members {
        println!(
            "{:>8}  {:<20} {:<20} {}",
            c.id,
            fmt_time(c.published_at),
            c.source_name,
            c.title
        );
        if let Some(r) = reasons.get(&c.id) {
            println!("{:>8}  why: {}", "", r.summary());
        }
    }
    Ok(())
}
