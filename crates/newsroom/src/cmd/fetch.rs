//! `newsroom fetch [--source ID] [--once]`: poll sources from the command
//! line, with a progress bar on a terminal and plain log lines otherwise;
//! then file the new articles into stories, as `serve`'s worker does, so that
//! a site fed by `fetch` from cron has stories too.

use crate::cli::{FetchArgs, Global};
use crate::cmd::{ingest, load_config};
use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use newsroom_core::SourceId;
use newsroom_ingest::passes::{Event, PassOptions, run_pass};
use std::io::IsTerminal;

pub async fn run(global: &Global, args: FetchArgs) -> Result<()> {
    no_huge_pages();
    // SQLite's writers take turns inside the store (`write_tx`), so the pass
    // keeps the configured pool: its look-ups read beside the one writing.
    let cfg = load_config(global)?;
    let store = ingest::open_store(&cfg).await?;
    let fetcher = ingest::fetcher(&cfg)?;
    let icfg = ingest::ingest_config(&cfg)?;
    let opts = PassOptions {
        source: args.source.map(SourceId),
        ignore_schedule: args.once || args.source.is_some(),
    };
    loop {
        let tty = std::io::stderr().is_terminal();
        let bar = ProgressBar::hidden();
        let progress = |e: Event| match e {
            Event::Started { sources } => {
                if tty {
                    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                    bar.set_length(sources as u64);
                    bar.set_style(
                        ProgressStyle::with_template(
                            "{spinner} [{bar:30}] {pos}/{len} sources {msg}",
                        )
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                    );
                } else {
                    eprintln!("polling {sources} sources");
                }
            }
            Event::SourceDone {
                source,
                name,
                report,
            } => {
                let line = match &report.error {
                    Some(err) => format!("source {source} {name}: failed: {err}"),
                    None if report.not_modified => format!("source {source} {name}: not modified"),
                    None => format!(
                        "source {source} {name}: {} items, {} new, {} updated, {} pages",
                        report.items, report.inserted, report.updated, report.pages_fetched
                    ),
                };
                if tty {
                    bar.inc(1);
                    bar.println(line);
                } else {
                    eprintln!("{line}");
                }
            }
            Event::Outage => {
                let line = "every fetch failed at the network level: treating it as an outage, no source penalised";
                if tty {
                    bar.println(line)
                } else {
                    eprintln!("{line}")
                }
            }
        };
        // Articles are filed into stories as the pass stores them, on
        // another thread, rather than all after it.
        let (ended, pass_end) = tokio::sync::oneshot::channel::<()>();
        let filing = tokio::spawn(file_alongside(store.clone(), async {
            let _ = pass_end.await;
        }));
        let checkpoints = tokio::spawn(checkpoint_beside(store.clone()));
        let sum = run_pass(&*store, &fetcher, &icfg, &opts, progress).await;
        let _ = ended.send(());
        // Awaited even when the pass failed: the filing ends its transaction and frees the lease.
        let filed = filing.await;
        // Stopped wherever it is: a checkpoint cut short leaves the log as
        // it was, which is all a checkpoint ever promises.
        checkpoints.abort();
        let sum = sum?;
        bar.finish_and_clear();
        println!(
            "{} sources: {} ok, {} not modified, {} failed{}; {} items, {} new, {} updated, {} pages fetched",
            sum.sources,
            sum.ok,
            sum.not_modified,
            sum.failed,
            if sum.outage { " (network outage)" } else { "" },
            sum.items,
            sum.inserted,
            sum.updated,
            sum.pages_fetched
        );
        match filed {
            Ok(Some(line)) => println!("{line}"),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "filing articles into stories failed"),
        }
        if opts.ignore_schedule {
            exit_without_teardown();
        }
        tokio::select! {
            _ = tokio::signal::ctrl_c() => return Ok(()),
            _ = tokio::time::sleep(std::time::Duration::from_secs(30)) => {}
        }
    }
}

/// Checkpoints SQLite's log every `CHECKPOINT_EVERY` while a pass writes,
/// on a connection of its own, so that the pass's writers and the filing
/// seldom find the log past SQLite's threshold and checkpoint it themselves,
/// fsyncs and all, holding the write turn: 13-14 ms a time, five or six
/// times in a pass of 400 new articles, the last of them in the filing's
/// state save after the pass (docs/PERFORMANCE.md, issue 10, session 14).
async fn checkpoint_beside(store: std::sync::Arc<dyn newsroom_store::Store>) {
    loop {
        tokio::time::sleep(CHECKPOINT_EVERY).await;
        if let Err(e) = store.checkpoint().await {
            tracing::debug!(error = %e, "checkpoint beside the pass failed; commits checkpoint instead");
        }
    }
}

const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// Ends a one-off pass once everything is committed and reported, without
/// the teardown a return from `main` does: the filing's index freed piece
/// by piece, the HTTP connections, the runtime's threads, and on SQLite the
/// last connection's close, which copies the whole WAL into the database
/// with two fsyncs and deletes it. That teardown was 30-40 ms of a 0.9 s
/// pass (docs/PERFORMANCE.md, issue 10, session 14). Every transaction has
/// committed by now, so nothing is lost: the WAL stays beside the database,
/// as after any write, and the next opener (or an auto-checkpoint of a later
/// commit) reads it.
fn exit_without_teardown() -> ! {
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    std::process::exit(0)
}

/// mimalloc, the binary's allocator (for the site), asks the kernel for
/// transparent huge pages; a pass, which allocates and frees page-sized
/// buffers by the thousand, then faults in 2 MB pages: about 30% of its CPU
/// and three times its memory (docs/PERFORMANCE.md, issue 10). `fetch` serves
/// no pages, so it does without them.
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    if let Err(e) = rustix::thread::disable_transparent_huge_pages(true) {
        tracing::debug!(error = %e, "transparent huge pages stay on");
    }
}

/// Files the articles stored since the last filing, and those the pass
/// stores until `pass_end`, under the lease `serve`'s clusterer takes, so
/// the two never file an article twice. Returns the line to print, if any.
async fn file_alongside(
    store: std::sync::Arc<dyn newsroom_store::Store>,
    pass_end: impl std::future::Future<Output = ()>,
) -> Option<String> {
    use newsroom_cluster::worker::{Pass, WorkerConfig, cluster_alongside};
    let me = format!("fetch-{}", std::process::id());
    match cluster_alongside(&*store, &me, &WorkerConfig::default(), pass_end).await {
        Ok(Pass::Assigned(filed)) => Some(format!("stories: {filed} articles filed")),
        Ok(Pass::Busy) => Some("stories: another node is filing articles into stories".into()),
        Err(e) => {
            tracing::warn!(error = %e, "filing articles into stories failed; the next pass or `serve` will");
            None
        }
    }
}
