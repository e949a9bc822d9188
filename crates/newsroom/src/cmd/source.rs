//! `newsroom source add|list|remove|disable|enable`.

use crate::cli::{Global, SourceCommand};
use crate::cmd::{ingest, load_config};
use anyhow::{Result, bail};
use newsroom_core::SourceId;
use newsroom_web::state::now;

pub async fn run(global: &Global, cmd: SourceCommand) -> Result<()> {
    let cfg = load_config(global)?;
    let store = ingest::open_store(&cfg).await?;
    match cmd {
        SourceCommand::Add {
            url,
            section,
            full_text,
        } => {
            let fetcher = ingest::fetcher(&cfg)?;
            let icfg = ingest::ingest_config(&cfg)?;
            let s = newsroom_ingest::commands::add_source(
                &*store,
                &fetcher,
                &icfg,
                &url,
                section.as_deref(),
                full_text.into(),
            )
            .await?;
            newsroom_ingest::commands::record_source_added(&*store, &s, &global.actor(), now())
                .await?;
            println!("added source {}: {} ({})", s.id, s.name, s.feed_url);
        }
        SourceCommand::List => {
            let rows = newsroom_ingest::commands::list_sources(&*store).await?;
            if rows.is_empty() {
                println!("no sources yet: add one with `newsroom source add URL`");
                return Ok(());
            }
            println!(
                "{:>5}  {:<9} {:<20} {:<14} {:<20} {:>8}  NAME / FEED",
                "ID", "HEALTH", "LAST SUCCESS", "LAST ERROR", "NEXT POLL", "ARTICLES"
            );
            for r in rows {
                println!(
                    "{:>5}  {:<9} {:<20} {:<14} {:<20} {:>8}  {} <{}>",
                    r.id,
                    r.health,
                    r.last_success_at
                        .map(fmt_time)
                        .unwrap_or_else(|| "never".into()),
                    r.last_error_class.as_deref().unwrap_or("-"),
                    fmt_time(r.next_poll_at),
                    r.articles,
                    r.name,
                    r.feed_url
                );
                if let Some(e) = &r.last_error {
                    println!("{:>5}  └ {e}", "");
                }
                for n in &r.notes {
                    println!("{:>5}  └ note: {n}", "");
                }
            }
        }
        SourceCommand::Remove { id } => {
            if !newsroom_ingest::commands::remove_source(
                &*store,
                SourceId(id),
                &global.actor(),
                now(),
            )
            .await?
            {
                bail!("no source {id}");
            }
            println!("removed source {id} and its articles");
        }
        SourceCommand::Import(args) => super::opml::import(global, args).await?,
        SourceCommand::Export(args) => super::opml::export(global, args).await?,
        SourceCommand::Disable { id } | SourceCommand::Enable { id } => {
            let enable = matches!(cmd, SourceCommand::Enable { .. });
            if !newsroom_ingest::commands::set_source_enabled(
                &*store,
                SourceId(id),
                enable,
                &global.actor(),
                now(),
            )
            .await?
            {
                bail!("no source {id}");
            }
            println!(
                "source {id} {}",
                if enable { "enabled" } else { "disabled" }
            );
        }
    }
    Ok(())
}

fn fmt_time(ts: i64) -> String {
    jiff::Timestamp::from_second(ts)
        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|_| ts.to_string())
}
