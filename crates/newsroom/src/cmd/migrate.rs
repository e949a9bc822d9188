//! `newsroom migrate`: brings the database schema up to date and exits, for
//! deployments that migrate as a step of their own before nodes start.

use crate::cli::Global;
use crate::cmd::load_config;
use anyhow::{Context, Result};
use newsroom_store::redact_url;
use std::path::Path;

pub async fn run(global: &Global) -> Result<()> {
    let mut cfg = load_config(global)?;
    if cfg.database.url.is_empty() {
        // The same database `serve` would use.
        let dir = Path::new(&cfg.server.data_dir);
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create data folder {}", dir.display()))?;
        cfg.database.url = format!("sqlite://{}", dir.join("newsroom.db").display());
    }
    let shown = redact_url(&cfg.database.url);
    // Opening runs the migrations (under PostgreSQL's advisory lock, so
    // nodes starting meanwhile wait for it).
    let store = newsroom_store::open(&cfg.database.url, &cfg.pool())
        .await
        .with_context(|| format!("cannot migrate {shown}"))?;
    store
        .ping()
        .await
        .with_context(|| format!("{shown} does not answer after migrating"))?;
    println!("{shown}: schema is up to date ({})", store.backend());
    // Bodies stored before seals, or under an older sanitiser: sanitised and
    // sealed now rather than at every uncached render (`serve` does the
    // same in the background, slowly).
    let key = newsroom_ingest::seal::SealKey::of_site(&*store).await?;
    let done =
        newsroom_ingest::seal::reseal(&*store, &key, std::time::Duration::ZERO, |_| {}).await?;
    if done.read > 0 {
        println!(
            "{shown}: {} stored bodies sanitised and sealed ({} left as they were: written meanwhile, or refused by the sanitiser)",
            done.sealed,
            done.read - done.sealed
        );
    }
    Ok(())
}
