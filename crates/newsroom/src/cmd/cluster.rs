//! `newsroom cluster`: online story clustering of a JSON-lines file; no database, no network.

use crate::cli::ClusterArgs;
use anyhow::{Context, Result};

pub fn run(args: ClusterArgs) -> Result<()> {
    let stdout = std::io::stdout();
    let stats = if args.input == "-" {
        newsroom_cluster::run_cli(std::io::stdin().lock(), stdout.lock(), args.window_hours)?
    } else {
        let file = std::fs::File::open(&args.input)
            .with_context(|| format!("cannot open {}", args.input))?;
        newsroom_cluster::run_cli(
            std::io::BufReader::new(file),
            stdout.lock(),
            args.window_hours,
        )?
    };
    tracing::debug!(?stats, "clustered");
    Ok(())
}
