//! The worker loop inside `serve` (role `all` or `worker`): each source is a job in the
//! store, claimed under a lease, so several workers share the sources and a dead worker's
//! sources are taken over when its leases expire. Retention runs as a job of its own.

use crate::config::IngestConfig;
use crate::fetch::Fetcher;
use crate::passes::{Event, poll_many, record};
use newsroom_core::{SourceId, Timestamp};
use newsroom_store::Store;
use std::time::Duration;

/// The job kind of a source poll; its key is `source:{id}`.
pub const SOURCE_JOB: &str = "ingest.source";
/// The job kind of the retention sweep.
pub const RETENTION_JOB: &str = "ingest.retention";

pub fn source_job_key(id: SourceId) -> String {
    format!("source:{id}")
}

/// Settings of the worker loop.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// This worker's name in leases (host and process id, say).
    pub worker_id: String,
    /// Sources claimed at once.
    pub batch: i64,
    /// How long a claim lasts; a poll takes far less, so an expired lease means a dead worker.
    pub lease_secs: i64,
    /// Sleep when nothing is due.
    pub idle: Duration,
    /// How often the source list is synchronised into jobs.
    pub sync_every: Duration,
    /// How often retention runs.
    pub retention_every: i64,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            worker_id: format!("worker-{}", std::process::id()),
            batch: 32,
            lease_secs: 300,
            idle: Duration::from_secs(5),
            sync_every: Duration::from_secs(60),
            retention_every: 3600,
        }
    }
}

/// Make sure every enabled source has a job (new sources start due now).
pub async fn sync_jobs(store: &dyn Store) -> Result<usize, newsroom_store::StoreError> {
    let sources = store.list_sources().await?;
    let mut n = 0;
    for s in sources.iter().filter(|s| s.source.enabled) {
        store
            .ensure_job(
                &source_job_key(s.source.id),
                SOURCE_JOB,
                s.source.health.next_poll_at,
                None,
            )
            .await?;
        n += 1;
    }
    store
        .ensure_job(RETENTION_JOB, RETENTION_JOB, crate::now(), None)
        .await?;
    Ok(n)
}

/// One round of the worker: claim due sources, poll them, record health and reschedule
/// their jobs; run retention when it is due. Returns how many sources it polled.
pub async fn work_once(
    store: &dyn Store,
    fetcher: &Fetcher,
    cfg: &IngestConfig,
    wcfg: &WorkerConfig,
    progress: &mut impl FnMut(Event),
) -> Result<usize, newsroom_store::StoreError> {
    let now = crate::now();
    if !store
        .claim_jobs(RETENTION_JOB, &wcfg.worker_id, now, wcfg.lease_secs, 1)
        .await?
        .is_empty()
    {
        let removed = retention(store, now).await;
        store
            .complete_job(
                RETENTION_JOB,
                &wcfg.worker_id,
                Some(now + wcfg.retention_every),
                removed.as_ref().err().map(|e| e.to_string()).as_deref(),
            )
            .await?;
    }
    let jobs = store
        .claim_jobs(
            SOURCE_JOB,
            &wcfg.worker_id,
            now,
            wcfg.lease_secs,
            wcfg.batch,
        )
        .await?;
    let mut sources = Vec::new();
    for job in &jobs {
        let id = job
            .key
            .strip_prefix("source:")
            .and_then(|i| i.parse::<i64>().ok())
            .map(SourceId);
        match match id {
            Some(id) => store.get_source(id).await?,
            None => None,
        } {
            Some(s) if s.enabled => sources.push(s),
            // Removed or disabled: the job goes; `sync_jobs` brings it back if re-enabled.
            _ => {
                store
                    .complete_job(&job.key, &wcfg.worker_id, None, None)
                    .await?;
            }
        }
    }
    if sources.is_empty() {
        return Ok(0);
    }
    let reports = poll_many(store, fetcher, cfg, sources, progress).await;
    record(store, cfg, &reports, progress).await?;
    for (s, r) in &reports {
        // Read back the health just written, for the next due time.
        let next = store
            .get_source(s.id)
            .await?
            .map(|s| s.health.next_poll_at)
            .unwrap_or(now + cfg.schedule.max_interval);
        let err = r.error.as_ref().map(|e| e.class.as_str());
        if !store
            .complete_job(&source_job_key(s.id), &wcfg.worker_id, Some(next), err)
            .await?
        {
            tracing::warn!(source = %s.id, "lease lost while polling; another worker has the source now");
        }
    }
    Ok(reports.len())
}

/// Delete articles older than their section's maximum age. Views history stays (the store
/// keeps hourly counts apart from articles).
pub async fn retention(
    store: &dyn Store,
    now: Timestamp,
) -> Result<u64, newsroom_store::StoreError> {
    let mut removed = 0;
    for section in store.list_sections().await? {
        if let Some(days) = section.max_age_days.filter(|d| *d > 0) {
            removed += store
                .delete_articles_before(Some(section.id), now - days * 86400, now)
                .await?;
        }
    }
    Ok(removed)
}

/// The worker loop for `serve`: runs until `shutdown` resolves. Store errors are logged and
/// retried; they never end the loop.
pub async fn run_worker(
    store: &dyn Store,
    fetcher: &Fetcher,
    cfg: &IngestConfig,
    wcfg: &WorkerConfig,
    shutdown: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    let mut last_sync: Option<tokio::time::Instant> = None;
    loop {
        if last_sync.is_none_or(|t| t.elapsed() >= wcfg.sync_every) {
            match sync_jobs(store).await {
                Ok(_) => last_sync = Some(tokio::time::Instant::now()),
                Err(e) => tracing::warn!(error = %e, "syncing ingest jobs failed"),
            }
        }
        let mut log = |e: Event| {
            if let Event::SourceDone { name, report, .. } = &e {
                match &report.error {
                    Some(err) => tracing::info!(source = %name, error = %err, "poll failed"),
                    None => {
                        tracing::debug!(source = %name, inserted = report.inserted, updated = report.updated, "polled")
                    }
                }
            }
        };
        let work = work_once(store, fetcher, cfg, wcfg, &mut log);
        let polled = tokio::select! {
            _ = &mut shutdown => return,
            r = work => r,
        };
        let pause = match polled {
            Ok(0) => wcfg.idle,
            Ok(_) => Duration::ZERO,
            Err(e) => {
                tracing::warn!(error = %e, "ingest worker round failed");
                wcfg.idle
            }
        };
        if !pause.is_zero() {
            tokio::select! {
                _ = &mut shutdown => return,
                _ = tokio::time::sleep(pause) => {}
            }
        }
    }
}
