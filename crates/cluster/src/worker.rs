//! The clustering job as a background loop: whichever node holds the
//! `cluster` lease reads the articles stored since the last saved state, in
//! id order, and files each into a story. Every node with the worker role
//! runs the loop; the lease makes all but one of them wait.
//!
//! Enabled by the `store` feature.

use crate::clusterer::Config;
use crate::persist::{ClusterLease, JOB_KEY, PersistError};
use newsroom_core::{Article, SourceId, Timestamp};
use newsroom_store::Store;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Waker};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub clusterer: Config,
    /// How long a claim holds the lease; renewed after every batch, so a
    /// holder that dies hands over after at most this long.
    pub lease_secs: i64,
    /// Articles read and assigned between lease renewals (the state is saved
    /// at the end of a pass, and every `SAVE_EVERY` within a long one).
    pub batch: i64,
    /// Batches per pass before the lease is given back and claimed anew,
    /// so a long backlog still lets state reach the store regularly.
    pub max_batches: usize,
    /// Pause when there was nothing to do, the lease was elsewhere, or the
    /// store failed.
    pub idle: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            clusterer: Config::default(),
            lease_secs: 60,
            batch: 200,
            max_batches: 50,
            idle: Duration::from_secs(3),
        }
    }
}

/// How often a long pass saves the clusterer's state between batches.
const SAVE_EVERY: Duration = Duration::from_secs(10);

/// What one pass did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// Another worker holds the clustering lease.
    Busy,
    /// Holding the lease, assigned this many articles (0 when up to date).
    Assigned(usize),
}

fn unix_now() -> Timestamp {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// One pass: claim the lease, assign everything new (up to `max_batches`
/// batches, or until `stop()` says so), save the state and give the lease
/// back. On an error the lease is freed without saving, so the next holder
/// starts again from the last state that matched the store.
pub async fn cluster_pass(
    store: &dyn Store,
    worker_id: &str,
    cfg: &WorkerConfig,
    mut stop: impl FnMut() -> bool,
) -> Result<Pass, PersistError> {
    let Some(mut lease) = claim(store, worker_id, cfg).await? else {
        return Ok(Pass::Busy);
    };
    let assigned = assign_new(store, &mut lease, cfg, &mut stop, true).await;
    finish(store, worker_id, lease, assigned).await
}

/// How often filing beside a running pass looks for articles stored since.
const FOLLOW_EVERY: Duration = Duration::from_millis(25);

/// Files articles as they are stored while `running` is pending, then all
/// that is left once it completes: one lease, one load and one save of the
/// state for the whole time. `newsroom fetch` runs it beside its pass,
/// which otherwise left all of its filing until it ended, a serial tail on
/// one core. `Busy` at once when another worker holds the lease; an error
/// frees the lease without saving, as [`cluster_pass`] does.
pub async fn cluster_alongside(
    store: &dyn Store,
    worker_id: &str,
    cfg: &WorkerConfig,
    running: impl Future<Output = ()>,
) -> Result<Pass, PersistError> {
    let Some(mut lease) = claim(store, worker_id, cfg).await? else {
        return Ok(Pass::Busy);
    };
    let assigned = follow(store, &mut lease, cfg, running).await;
    finish(store, worker_id, lease, assigned).await
}

async fn follow(
    store: &dyn Store,
    lease: &mut ClusterLease,
    cfg: &WorkerConfig,
    running: impl Future<Output = ()>,
) -> Result<usize, PersistError> {
    let mut running = std::pin::pin!(running);
    let budget = cfg.batch.max(1) as usize * cfg.max_batches.max(1);
    let hold = Duration::from_secs((cfg.lease_secs / 3).max(1) as u64);
    let (mut ended, mut assigned, mut first) = (false, 0, true);
    let (mut renewed, mut saved) = (std::time::Instant::now(), std::time::Instant::now());
    loop {
        // Once the pass has ended, what is read next is all it stored.
        let last = ended;
        let n = assign_new(store, lease, cfg, &mut || false, first).await?;
        (assigned, first) = (assigned + n, false);
        if n > 0 {
            // Each batch renewed the lease.
            renewed = std::time::Instant::now();
        }
        if last && n < budget {
            return Ok(assigned);
        }
        if !ended {
            tokio::select! {
                () = running.as_mut() => ended = true,
                () = tokio::time::sleep(FOLLOW_EVERY) => {}
            }
        }
        if renewed.elapsed() >= hold {
            lease.renew(store, unix_now()).await?;
            renewed = std::time::Instant::now();
        }
        if n > 0 && saved.elapsed() >= SAVE_EVERY {
            lease.assigner.save(store).await?;
            saved = std::time::Instant::now();
        }
    }
}

async fn claim(
    store: &dyn Store,
    worker_id: &str,
    cfg: &WorkerConfig,
) -> Result<Option<ClusterLease>, PersistError> {
    let now = unix_now();
    ClusterLease::acquire(store, worker_id, now, cfg.lease_secs, cfg.clusterer.clone()).await
}

/// Saves and gives the lease back after a pass, or frees it unsaved after an error.
async fn finish(
    store: &dyn Store,
    worker_id: &str,
    lease: ClusterLease,
    assigned: Result<usize, PersistError>,
) -> Result<Pass, PersistError> {
    match assigned {
        Ok(n) => {
            let now = unix_now();
            lease.release(store, now, now).await?;
            Ok(Pass::Assigned(n))
        }
        Err(e) => {
            // Free the lease at once rather than after it expires; if the
            // lease was already lost this changes nothing.
            let _ = store
                .complete_job(JOB_KEY, worker_id, Some(unix_now()), Some(&e.to_string()))
                .await;
            Err(e)
        }
    }
}

/// Files new articles, a batch at a time, until a batch comes back short
/// (or `max_batches`, or `stop()`); `lag` samples the clustering lag first.
async fn assign_new(
    store: &dyn Store,
    lease: &mut ClusterLease,
    cfg: &WorkerConfig,
    stop: &mut impl FnMut() -> bool,
    lag: bool,
) -> Result<usize, PersistError> {
    let mut names: HashMap<SourceId, Option<String>> = HashMap::new();
    let mut assigned = 0;
    let mut saved = std::time::Instant::now();
    for i in 0..cfg.max_batches.max(1) {
        let batch = store
            .articles_after(lease.assigner.last_article(), cfg.batch.max(1))
            .await?;
        let now = unix_now();
        if i == 0 && lag {
            sample_lag(store, batch.first().map(|a| a.fetched_at), now).await;
        }
        if batch.is_empty() {
            break;
        }
        for article in &batch {
            if let std::collections::hash_map::Entry::Vacant(e) = names.entry(article.source_id) {
                let name = store.get_source(article.source_id).await?.map(|s| s.name);
                e.insert(name);
            }
        }
        let named: Vec<(&Article, Option<&str>)> = batch
            .iter()
            .map(|a| (a, names[&a.source_id].as_deref()))
            .collect();
        assigned += lease.assigner.assign_all(store, &named, now).await?;
        crate::metrics::live_stories(lease.assigner.live_stories());
        // Renewing first checks the lease is still ours, so a worker that
        // stalled past its lease never overwrites the new holder's state.
        lease.renew(store, unix_now()).await?;
        if (batch.len() as i64) < cfg.batch.max(1) || stop() {
            // `release` saves it.
            break;
        }
        // The whole state is written each time, so within a pass it is saved
        // only now and then: a holder that dies loses (and its successor files
        // again) at most that much.
        if saved.elapsed() >= SAVE_EVERY {
            lease.assigner.save(store).await?;
            saved = std::time::Instant::now();
        }
    }
    Ok(assigned)
}

/// The dashboard's clustering lag, once a pass: how long the oldest
/// article not yet filed has waited since its fetch (0 when none waits).
/// A chart's sample is not worth failing a pass for.
async fn sample_lag(store: &dyn Store, oldest_waiting: Option<Timestamp>, now: Timestamp) {
    let lag = oldest_waiting.map_or(0, |t| (now - t).max(0));
    if let Err(e) = store.record_cluster_lag(now, lag).await {
        tracing::warn!(error = %e, "could not record the clustering lag");
    }
}

/// Polls `f` once without waiting; true once it has completed.
fn fired<F: Future<Output = ()>>(f: Pin<&mut F>, done: &mut bool) -> bool {
    if !*done {
        let mut cx = Context::from_waker(Waker::noop());
        *done = f.poll(&mut cx).is_ready();
    }
    *done
}

/// Clusters new articles until `shutdown` completes. Store errors are
/// logged and retried after a pause; they never end the loop. A pass in
/// progress finishes its batch, saves and gives the lease back before the
/// loop stops.
pub async fn run_clusterer(store: &dyn Store, worker_id: &str, shutdown: impl Future<Output = ()>) {
    run_clusterer_with(store, worker_id, &WorkerConfig::default(), shutdown).await
}

pub async fn run_clusterer_with(
    store: &dyn Store,
    worker_id: &str,
    cfg: &WorkerConfig,
    shutdown: impl Future<Output = ()>,
) {
    let mut shutdown = std::pin::pin!(shutdown);
    let mut done = false;
    while !fired(shutdown.as_mut(), &mut done) {
        let pass = cluster_pass(store, worker_id, cfg, || {
            fired(shutdown.as_mut(), &mut done)
        })
        .await;
        let busy = match pass {
            Ok(Pass::Assigned(n)) if n > 0 => {
                tracing::debug!(worker = worker_id, articles = n, "clustered");
                // A full pass may have left a backlog: go again at once.
                false
            }
            Ok(_) => true,
            Err(e) => {
                tracing::warn!(worker = worker_id, error = %e, "clustering pass failed; retrying");
                true
            }
        };
        if busy && !done {
            tokio::select! {
                _ = shutdown.as_mut() => done = true,
                _ = tokio::time::sleep(cfg.idle) => {}
            }
        }
    }
}
