//! `newsroom cluster`: online story and thread clustering of a JSON-lines file; no database, no network.

use crate::cli::ClusterArgs;
use anyhow::{Context, Result};
use newsroom_cluster::{Config, run_cli_config};

pub fn run(args: ClusterArgs) -> Result<()> {
    let mut config = Config {
        story_hours: args.window_hours,
        ..Config::default()
    };
    config.threads.horizon_days = args.thread_days;
    let stdout = std::io::stdout();
    let stats = if args.input == "-" {
        run_cli_config(std::io::stdin().lock(), stdout.lock(), config)?
    } else {
        let file = std::fs::File::open(&args.input)
            .with_context(|| format!("cannot open {}", args.input))?;
        run_cli_config(std::io::BufReader::new(file), stdout.lock(), config)?
    };
    tracing::debug!(?stats, "clustered");
    Ok(())
}
