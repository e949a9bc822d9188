//! Writing buffered views to the store: on a timer while the site runs, and
//! once more at shutdown, when what the database will not take goes to the
//! unflushed-views file.

use super::spool::{forget_unflushed, restore_unflushed, save_unflushed};
use crate::state::{AppState, Shared};

/// Starts the flush task, after queueing the views an earlier run saved.
pub fn start(state: Shared) -> tokio::task::JoinHandle<()> {
    let spooled = restore_unflushed(&state);
    tokio::spawn(flush_loop(state, spooled))
}

async fn flush_loop(state: Shared, mut spooled: bool) {
    let mut tick = tokio::time::interval(state.cfg.flush_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let flushed = state.counter.flush(&*state.store).await;
        crate::metrics::views_pending(state.counter.pending_views());
        match flushed {
            Ok(_) if spooled && state.counter.unconfirmed_batches() == 0 => {
                tracing::info!("views saved at the last shutdown are written");
                forget_unflushed(&state);
                spooled = false;
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, pending = state.counter.pending_views(), "flushing views failed; kept for the next try");
            }
        }
    }
}

/// On shutdown, keep trying for a while; then save what is left to the
/// unflushed views file for the next start.
pub async fn final_flush(state: &AppState) {
    for attempt in 0..6u32 {
        match state.counter.flush(&*state.store).await {
            Ok(stats) => {
                if state.counter.unconfirmed_batches() == 0 && state.counter.pending_views() == 0 {
                    tracing::info!(
                        views = stats.views,
                        articles = stats.articles,
                        "final flush done"
                    );
                    forget_unflushed(state);
                    return;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, attempt, "final flush failed");
                tokio::time::sleep(std::time::Duration::from_millis(
                    200 * (1 << attempt.min(4)),
                ))
                .await;
            }
        }
    }
    let left = state.counter.pending_views();
    let Some(path) = &state.cfg.unflushed_views_file else {
        tracing::error!(lost = left, "giving up on buffered views at shutdown");
        return;
    };
    match save_unflushed(path, &state.counter.unflushed()) {
        Ok(()) => tracing::warn!(
            views = left,
            file = %path.display(),
            "database unreachable at shutdown; views saved, written at the next start"
        ),
        Err(e) => {
            tracing::error!(lost = left, file = %path.display(), error = %e, "cannot save buffered views")
        }
    }
}
