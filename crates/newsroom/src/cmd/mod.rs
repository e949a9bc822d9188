//! One module per command.

mod audit;
mod cluster;
pub mod copy;
mod demo;
mod extract;
mod feed;
mod fetch;
pub mod ingest;
mod migrate;
mod opml;
mod serve;
mod source;
mod story;
mod user;

use crate::cli::{Cli, Command};
use crate::config::Config;
use anyhow::Result;

pub async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve(args) => serve::run(&cli.global, args).await,
        Command::Extract(args) => extract::run(args),
        Command::Feed(cmd) => feed::run(&cli.global, cmd),
        Command::Cluster(args) => cluster::run(args),
        Command::Copy(args) => copy::run(&cli.global, args).await,
        Command::Demo(args) => demo::run(&cli.global, args).await,
        Command::Migrate => migrate::run(&cli.global).await,
        Command::Source(cmd) => source::run(&cli.global, cmd).await,
        Command::Fetch(args) => fetch::run(&cli.global, args).await,
        Command::ImportOpml(args) => opml::import(&cli.global, args).await,
        Command::ExportOpml(args) => opml::export(&cli.global, args).await,
        Command::User(cmd) => user::run(&cli.global, cmd).await,
        Command::Audit(args) => audit::run(&cli.global, args).await,
        Command::Story(cmd) => story::run(&cli.global, cmd).await,
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
