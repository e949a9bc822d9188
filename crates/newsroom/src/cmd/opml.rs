//! `newsroom import-opml FILE` and `newsroom export-opml`.

use crate::cli::{ExportOpmlArgs, Global, ImportOpmlArgs};
use crate::cmd::{ingest, load_config};
use anyhow::{Context, Result};

pub async fn import(global: &Global, args: ImportOpmlArgs) -> Result<()> {
    let cfg = load_config(global)?;
    let store = ingest::open_store(&cfg).await?;
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    // Addresses are checked as the fetcher will check them (`fetch.allow_private_networks`).
    let fetcher = ingest::fetcher(&cfg)?;
    let r = newsroom_ingest::commands::import_opml(
        &*store,
        &bytes,
        args.full_text.into(),
        fetcher.ssrf_guard(),
        &global.actor(),
    )
    .await?;
    println!(
        "added {} sources, {} already there, {} rejected",
        r.added,
        r.already_there,
        r.rejected.len()
    );
    for (url, why) in &r.rejected {
        println!("  rejected {url}: {why}");
    }
    Ok(())
}

pub async fn export(global: &Global, args: ExportOpmlArgs) -> Result<()> {
    let cfg = load_config(global)?;
    let store = ingest::open_store(&cfg).await?;
    let xml = newsroom_ingest::commands::export_opml(&*store, &cfg.site.name).await?;
    match &args.output {
        Some(path) => {
            std::fs::write(path, xml).with_context(|| format!("cannot write {}", path.display()))?
        }
        None => print!("{xml}"),
    }
    Ok(())
}
