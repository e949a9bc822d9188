//! `newsroom serve`: the site, and (role all/worker) background work.

use crate::cli::{Global, Role, ServeArgs};
use crate::cmd::load_config;
use anyhow::{Context, Result};
use std::path::Path;

pub async fn run(global: &Global, args: ServeArgs) -> Result<()> {
    let mut cfg = load_config(global)?;
    if let Some(listen) = &args.listen {
        cfg.server.listen = listen.clone();
    }
    if cfg.database.url.is_empty() {
        let dir = Path::new(&cfg.server.data_dir);
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create data folder {}", dir.display()))?;
        let file = if args.demo { "demo.db" } else { "newsroom.db" };
        cfg.database.url = format!("sqlite://{}", dir.join(file).display());
    }
    let store = newsroom_store::open(&cfg.database.url, &cfg.pool())
        .await
        .with_context(|| {
            format!(
                "cannot start on database {}",
                newsroom_store::redact_url(&cfg.database.url)
            )
        })?;
    if args.demo {
        let filled = crate::demo::fill_if_empty(&*store, &cfg.site.time_zone)
            .await
            .context("filling the demo content")?;
        if filled {
            tracing::info!("demo content written");
        } else {
            tracing::info!("database already has content; demo content not added");
        }
    }
    let state = newsroom_web::build_state(store, cfg.site()).await?;
    let listener = tokio::net::TcpListener::bind(&cfg.server.listen)
        .await
        .with_context(|| format!("cannot listen on {}", cfg.server.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!(role = ?args.role, database = %newsroom_store::redact_url(&cfg.database.url), "listening on http://{addr}");
    if args.role != Role::Web {
        tracing::debug!("no background jobs are configured yet");
    }
    newsroom_web::serve(listener, state, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on SIGINT or SIGTERM, so buffered views are flushed before exit.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests and flushing views");
}
