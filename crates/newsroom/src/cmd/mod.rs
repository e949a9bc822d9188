//! One module per command.

mod cluster;
mod extract;
mod serve;

use crate::cli::{Cli, Command};
use crate::config::Config;
use anyhow::Result;

pub async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve(args) => serve::run(&cli.global, args).await,
        Command::Extract(args) => extract::run(args),
        Command::Cluster(args) => cluster::run(args),
    }
}

/// Settings with the global `--database` flag applied.
pub fn load_config(global: &crate::cli::Global) -> Result<Config> {
    let mut cfg = Config::load(global.config.as_deref())?;
    if let Some(url) = &global.database {
        cfg.database.url = url.clone();
    }
    Ok(cfg)
}
