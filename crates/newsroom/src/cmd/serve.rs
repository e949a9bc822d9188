//! `newsroom serve`: the site, and (role all/worker) background work.

use crate::cli::{Global, Role, ServeArgs};
use crate::cmd::load_config;
use anyhow::{Context, Result};
use std::path::Path;
use std::sync::Arc;

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
    // Listen first: while the database is being reached, the node answers
    // 503 ("starting") instead of refusing connections like a dead one.
    let listener = tokio::net::TcpListener::bind(&cfg.server.listen)
        .await
        .with_context(|| format!("cannot listen on {}", cfg.server.listen))?;
    let addr = listener.local_addr()?;
    let signal = shutdown_signal().context("cannot install signal handlers")?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    // The operators' listener, bound as early as the site's; the store it
    // reads the pool gauges from is handed over once open.
    let metrics_store = Arc::new(std::sync::OnceLock::new());
    let metrics_server = if cfg.metrics.listen.is_empty() {
        None
    } else {
        let handle = crate::metrics::install()?;
        let listener = tokio::net::TcpListener::bind(&cfg.metrics.listen)
            .await
            .with_context(|| format!("cannot listen on {} (metrics.listen)", cfg.metrics.listen))?;
        let at = listener.local_addr()?;
        tracing::info!("metrics on http://{at}/metrics");
        Some(tokio::spawn(crate::metrics::serve(
            listener,
            handle,
            metrics_store.clone(),
            cfg.conn_limits(),
            stopped(stop_rx.clone()),
        )))
    };
    let front = newsroom_web::Front::new(cfg.conn_limits());
    let mut server = tokio::spawn(front.clone().run(listener, {
        let stop_tx = stop_tx.clone();
        async move {
            signal.await;
            let _ = stop_tx.send(true);
        }
    }));
    let shown = newsroom_store::Redacted(&cfg.database.url);
    tracing::info!(database = %shown, "answering 503 on http://{addr} while the database opens");
    // A PostgreSQL server that is still starting (or not reachable yet) is
    // waited for; a wrong password or a missing database fails at once.
    let pool = cfg.pool();
    let opening = newsroom_store::open_with_retry(
        &cfg.database.url,
        &pool,
        std::time::Duration::from_secs(60),
        |r| {
            tracing::warn!(
                attempt = r.attempt,
                "{}; trying again in {:.1?}",
                r.error,
                r.retry_in
            )
        },
    );
    let store = tokio::select! {
        store = opening => store.with_context(|| format!("cannot start on database {shown}"))?,
        _ = stopped(stop_rx.clone()) => {
            let _ = (&mut server).await;
            tracing::info!("stopped before the database was open");
            return Ok(());
        }
    };
    if args.demo {
        // Demo pictures are stored as absolute addresses (every stored URL is a
        // PublicUrl); without a configured address, the one we listen on serves them.
        let demo_base = if cfg.site.base_url.is_empty() {
            let host = if addr.ip().is_unspecified() {
                std::net::SocketAddr::new(std::net::Ipv4Addr::LOCALHOST.into(), addr.port())
            } else {
                addr
            };
            format!("http://{host}")
        } else {
            cfg.site.base_url.clone()
        };
        let filled = crate::demo::fill_if_empty(&*store, &cfg.site.time_zone, &demo_base)
            .await
            .context("filling the demo content")?;
        if filled {
            tracing::info!("demo content written");
        } else {
            tracing::info!("database already has content; demo content not added");
        }
    }
    let site = newsroom_web::SiteConfig {
        public_site: args.role != Role::Worker,
        ..cfg.site()
    };
    // One fetcher for the worker and for the admin's "add a source", which
    // discovers feeds as `newsroom source add` does.
    let fetcher = crate::cmd::ingest::fetcher(&cfg)?;
    let icfg = crate::cmd::ingest::ingest_config(&cfg)?;
    let adder = newsroom_ingest::SourceAdder {
        fetcher: fetcher.clone(),
        cfg: icfg.clone(),
    };
    let _ = metrics_store.set(store.clone());
    let state = newsroom_web::build_state(store, site, Some(Arc::new(adder))).await?;
    front.open(newsroom_web::router::router(state.clone()));
    tracing::info!(role = ?args.role, database = %shown, "listening on http://{addr}");
    // One stop signal for the server and every background task.
    let mut background = Vec::new();
    if args.role != Role::Web {
        let worker_id = format!("node-{}-{:08x}", std::process::id(), rand::random::<u32>());
        let wcfg = newsroom_ingest::worker::WorkerConfig {
            worker_id: worker_id.clone(),
            ..Default::default()
        };
        let store = state.store.clone();
        let rx = stop_rx.clone();
        background.push(tokio::spawn(async move {
            newsroom_ingest::worker::run_worker(&*store, &fetcher, &icfg, &wcfg, stopped(rx)).await;
        }));
        // The cluster lease lets one node at a time file articles into stories.
        let store = state.store.clone();
        let rx = stop_rx.clone();
        let cluster_id = worker_id.clone();
        let ccfg = cfg.cluster_worker();
        background.push(tokio::spawn(async move {
            newsroom_cluster::worker::run_clusterer_with(&*store, &cluster_id, &ccfg, stopped(rx))
                .await;
        }));
        // Bodies stored before seals (or under an older sanitiser) are sealed
        // once, slowly, instead of sanitised at every uncached render.
        let store = state.store.clone();
        let rx = stop_rx.clone();
        background.push(tokio::spawn(async move {
            tokio::select! {
                () = reseal(&*store) => {}
                () = stopped(rx) => {}
            }
        }));
        tracing::info!(worker = %worker_id, "background jobs running (ingest, clustering)");
    }
    let server = async move { server.await.map_err(std::io::Error::other)? };
    newsroom_web::keep_views(state, server).await?;
    drop(stop_tx);
    if let Some(m) = metrics_server {
        background.push(tokio::spawn(async move {
            if let Ok(Err(e)) = m.await {
                tracing::warn!(error = %e, "the metrics listener failed");
            }
        }));
    }
    for task in background {
        if tokio::time::timeout(std::time::Duration::from_secs(15), task)
            .await
            .is_err()
        {
            tracing::warn!("a background task did not stop in time");
        }
    }
    tracing::info!("stopped");
    Ok(())
}

/// Resolves once the stop signal has been given.
async fn stopped(mut rx: tokio::sync::watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

/// Resolves on SIGINT or SIGTERM, so buffered views are flushed before exit.
/// The handlers are installed when this is called, not when it is first
/// polled: a signal that arrives right after start-up must not kill the process.
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        Ok(async move {
            tokio::select! {
                _ = term.recv() => {},
                _ = int.recv() => {},
            }
            tracing::info!("shutting down: finishing requests and flushing views");
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async move {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("shutting down: finishing requests and flushing views");
        })
    }
}

async fn reseal(store: &dyn newsroom_store::Store) {
    let key = match newsroom_ingest::seal::SealKey::of_site(store).await {
        Ok(k) => k,
        Err(e) => return tracing::warn!(error = %e, "stored bodies not sealed"),
    };
    let pause = std::time::Duration::from_millis(100);
    match newsroom_ingest::seal::reseal(store, &key, pause, |_| {}).await {
        Ok(r) if r.read > 0 => {
            tracing::info!(read = r.read, sealed = r.sealed, "stored bodies sealed")
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "stored bodies not sealed"),
    }
}
