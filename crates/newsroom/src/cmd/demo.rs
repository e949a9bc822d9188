//! `newsroom demo --articles N`: fills a database with a synthetic site of N
//! articles (see `demo::synthetic`), to try the site at scale.

use crate::cli::{DemoArgs, Global};
use crate::cmd::load_config;
use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use newsroom_store::redact_url;
use std::path::Path;
use std::time::{Duration, Instant};

pub async fn run(global: &Global, args: DemoArgs) -> Result<()> {
    let mut cfg = load_config(global)?;
    if cfg.database.url.is_empty() {
        // The database `serve --demo` uses, so that it serves this site.
        let dir = Path::new(&cfg.server.data_dir);
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create data folder {}", dir.display()))?;
        cfg.database.url = format!("sqlite://{}", dir.join("demo.db").display());
    }
    let shown = redact_url(&cfg.database.url);
    let store = newsroom_store::open(&cfg.database.url, &cfg.pool())
        .await
        .with_context(|| format!("cannot open {shown}"))?;
    let bar = ProgressBar::new(u64::from(args.articles));
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{bar:40}] {pos}/{len} articles ({elapsed}, {per_sec})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    let started = Instant::now();
    let filled = crate::demo::synthetic::fill(
        &*store,
        args.articles as usize,
        jiff::Timestamp::now().as_second(),
        args.seed,
        args.force,
        |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        },
    )
    .await;
    bar.finish_and_clear();
    let f = filled.with_context(|| format!("filling {shown} with the demo site failed"))?;
    println!(
        "{shown}: {} articles ({} stories, {} hourly view rows) from {} sources in {} sections, \
         written in {:.1?}",
        f.articles,
        f.stories,
        f.hourly_rows,
        f.sources,
        f.sections,
        started.elapsed()
    );
    Ok(())
}
