//! `newsroom copy`: moves a whole site from one database to another, e.g.
//! from the SQLite file of a single node to the PostgreSQL of several.

use crate::cli::{CopyArgs, Global};
use crate::cmd::load_config;
use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use newsroom_store::{Backend, CopyProgress, NewAudit, copy_site, redact_url};
use std::time::Duration;

pub async fn run(global: &Global, args: CopyArgs) -> Result<()> {
    let cfg = load_config(global)?;
    if args.from == args.to {
        bail!(
            "--from and --to name the same database ({})",
            redact_url(&args.from)
        );
    }
    if Backend::of_url(&args.from)? == Backend::Sqlite {
        // Opening a missing SQLite file would create an empty one and copy nothing.
        let path = sqlite_path(&args.from);
        if !path.is_empty() && path != ":memory:" && !std::path::Path::new(path).exists() {
            bail!("the source database {path} does not exist");
        }
    }
    let from = newsroom_store::open(&args.from, &cfg.pool())
        .await
        .with_context(|| format!("cannot open the source {}", redact_url(&args.from)))?;
    let to = newsroom_store::open(&args.to, &cfg.pool())
        .await
        .with_context(|| format!("cannot open the target {}", redact_url(&args.to)))?;

    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg:<22} [{bar:40}] {pos}/{len} rows ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    let counts = copy_site(&*from, &*to, args.force, |p: CopyProgress| {
        bar.set_length(p.total);
        bar.set_position(p.done);
        bar.set_message(format!("{} {}/{}", p.table, p.table_done, p.table_total));
    })
    .await;
    bar.finish_and_clear();
    let counts = counts.with_context(|| {
        format!(
            "copying {} to {} failed",
            redact_url(&args.from),
            redact_url(&args.to)
        )
    })?;
    // The target's audit log says where its contents came from (the log
    // itself is not copied, as accounts are not).
    to.append_audit(
        &NewAudit::new(
            &global.actor(),
            "site.copy",
            "site",
            0,
            newsroom_web::state::now(),
        )
        .before(None::<&serde_json::Value>)
        .after(Some(&serde_json::json!({
            "from": redact_url(&args.from),
            "forced": args.force,
            "rows": counts,
        }))),
    )
    .await
    .context("the copy is complete, but its audit row could not be written")?;
    println!(
        "copied {} to {}: {} sections, {} sources, {} articles ({} addresses, {} ingest states), \
         {} stories, {} hourly view rows, {} tombstones, {} jobs, {} settings, {} views in total ({} articles read), \
         {} fetch records ({} hourly rows), {} audit rows, {} hours of site activity; row counts verified",
        redact_url(&args.from),
        redact_url(&args.to),
        counts.sections,
        counts.sources,
        counts.articles,
        counts.article_addresses,
        counts.article_ingest_state,
        counts.stories,
        counts.article_views_hourly,
        counts.tombstones,
        counts.jobs,
        counts.meta,
        counts.total_views,
        counts.article_views,
        counts.source_fetches,
        counts.source_fetch_hours,
        counts.audit_log,
        counts.site_hours
    );
    Ok(())
}

/// The file part of an SQLite URL: sqlite:///a/b.db?mode=rwc -> /a/b.db.
fn sqlite_path(url: &str) -> &str {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    rest.split('?').next().unwrap_or(rest)
}
