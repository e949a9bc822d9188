//! One pass over the sources (`newsroom fetch`, and each round of the worker): polls run
//! concurrently and independently, queued per host (see [`crate::host_queue`]), so one
//! failing, slow or rate-limited source never holds up the others; then every source's
//! health is recorded, after judging whether the whole pass was a network outage.

use crate::fetch::Fetcher;
use crate::host_queue;
use crate::pipeline::{IngestConfig, PollReport, health_after, poll_source_handed, settle};
use crate::poll_timing;
use crate::write_queue;
use futures::stream::{FuturesUnordered, StreamExt};
use newsroom_core::{Source, SourceHealth, SourceId};
use newsroom_store::{FetchRecord, FetchResult, Store};

/// Progress of a pass, for a progress bar or log lines.
#[derive(Debug, Clone)]
pub enum Event {
    /// The pass will poll this many sources.
    Started { sources: usize },
    /// One source is done.
    SourceDone {
        source: SourceId,
        name: String,
        report: Box<PollReport>,
    },
    /// Every fetch failed at the network level: counted as an outage, no source penalised.
    Outage,
}

#[derive(Debug, Clone, Default)]
pub struct PassOptions {
    /// Only this source.
    pub source: Option<SourceId>,
    /// Poll sources even when they are not due (`fetch --once` from the command line).
    pub ignore_schedule: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassSummary {
    pub sources: usize,
    pub ok: usize,
    pub not_modified: usize,
    pub failed: usize,
    pub outage: bool,
    pub items: usize,
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub pages_fetched: usize,
    /// Page re-checks answered 304.
    pub pages_not_modified: usize,
}

/// Poll the enabled sources that are due (or all, or one) once, and record their health.
pub async fn run_pass(
    store: &dyn Store,
    fetcher: &Fetcher,
    cfg: &IngestConfig,
    opts: &PassOptions,
    mut progress: impl FnMut(Event),
) -> Result<PassSummary, newsroom_store::StoreError> {
    let now = cfg.clock.now();
    let sources: Vec<Source> = store
        .list_sources()
        .await?
        .into_iter()
        .map(|s| s.source)
        .filter(|s| match opts.source {
            Some(id) => s.id == id,
            None => s.enabled && (opts.ignore_schedule || s.health.next_poll_at <= now),
        })
        .collect();
    progress(Event::Started {
        sources: sources.len(),
    });
    let reports = poll_many(store, fetcher, cfg, sources, &mut progress).await;
    record(store, cfg, &reports, &mut progress).await
}

pub(crate) async fn poll_many(
    store: &dyn Store,
    fetcher: &Fetcher,
    cfg: &IngestConfig,
    mut sources: Vec<Source>,
    progress: &mut impl FnMut(Event),
) -> Vec<(Source, PollReport)> {
    // Due first, then by id: never by name, which would line up one outlet's feeds
    // back to back behind its rate limit.
    sources.sort_by_key(|s| (s.health.next_poll_at, s.id.0));
    let jobs = sources
        .into_iter()
        .map(|s| (host_queue::host_of(&s.feed_url), s))
        .collect();
    let mut out = Vec::new();
    // One writer stores every source's articles (see `write_queue`); it
    // ends when the polls are done and their queue is dropped.
    let (writes, queue) = write_queue::queue();
    let writer = write_queue::run_writer(store, || cfg.clock.now(), queue);
    // A poll gives its slot to the next source once its articles are handed
    // to the writer, not once they are written: a slot held through the
    // writer's turn was a source neither fetched nor extracted meanwhile.
    // Sources polled and not yet settled stay bounded (twice the slots), and
    // so does the memory of the articles waiting to be written.
    let unsettled = tokio::sync::Semaphore::new(2 * cfg.source_concurrency.max(1));
    let (handed, mut to_settle) = tokio::sync::mpsc::unbounded_channel();
    let polls = async {
        let (writes, handed) = (writes, handed);
        let (writes, unsettled) = (&writes, &unsettled);
        host_queue::run_by_host(
            jobs,
            cfg.source_concurrency,
            fetcher.config().per_host_concurrency,
            fetcher.limiter(),
            |s: Source| async move {
                let permit = unsettled.acquire().await.ok();
                let polled = poll_source_handed(store, fetcher, cfg, &s, writes).await;
                (s, polled, permit)
            },
            |done| {
                // The settling below ends only when this sender is dropped.
                let _ = handed.send(done);
            },
        )
        .await;
    };
    let settling = async {
        let mut settling = FuturesUnordered::new();
        let mut more = true;
        loop {
            tokio::select! {
                next = to_settle.recv(), if more => match next {
                    Some((s, polled, permit)) => settling.push(async move {
                        let r = settle(polled).await;
                        drop(permit);
                        (s, r)
                    }),
                    None => more = false,
                },
                Some((s, r)) = settling.next(), if !settling.is_empty() => {
                    let s: Source = s;
                    let r: PollReport = r;
                    progress(Event::SourceDone {
                        source: s.id,
                        name: s.name.clone(),
                        report: Box::new(r.clone()),
                    });
                    out.push((s, r));
                }
                else => break,
            }
        }
    };
    futures::join!(polls, writer, settling);
    out
}

/// One poll as the source's fetch history keeps it; the error message is
/// the one its health shows (which says when it fell in an outage).
fn fetch_record(s: &Source, r: &PollReport, health: &SourceHealth, now: i64) -> FetchRecord {
    FetchRecord {
        source_id: s.id,
        fetched_at: now,
        status: r.status.map(i64::from),
        result: match (&r.error, r.not_modified) {
            (Some(_), _) => FetchResult::Failed,
            (None, true) => FetchResult::NotModified,
            (None, false) => FetchResult::Ok,
        },
        duration_ms: r.duration_ms,
        error_class: health.last_error_class.clone(),
        error: r.error.as_ref().and(health.last_error.clone()),
        items: r.items as i64,
        inserted: r.inserted as i64,
        updated: r.updated as i64,
    }
}

/// Write every source's health, after judging whether the batch was an outage.
pub(crate) async fn record(
    store: &dyn Store,
    cfg: &IngestConfig,
    reports: &[(Source, PollReport)],
    progress: &mut impl FnMut(Event),
) -> Result<PassSummary, newsroom_store::StoreError> {
    let now = cfg.clock.now();
    let failures: Vec<_> = reports
        .iter()
        .filter_map(|(_, r)| r.error.as_ref().map(|e| e.class))
        .collect();
    let outage = poll_timing::is_outage(reports.len(), &failures);
    if outage {
        progress(Event::Outage);
        tracing::warn!(
            sources = reports.len(),
            "every fetch failed at the network level: treating the pass as an outage"
        );
    }
    let mut sum = PassSummary {
        sources: reports.len(),
        outage,
        ..Default::default()
    };
    let healths: Vec<(SourceId, SourceHealth)> = reports
        .iter()
        .map(|(s, r)| (s.id, health_after(cfg, s, r, now, outage)))
        .collect();
    let fetches: Vec<FetchRecord> = reports
        .iter()
        .zip(&healths)
        .map(|((s, r), (_, h))| fetch_record(s, r, h, now))
        .collect();
    // All in one transaction; should it fail, source by source as before.
    if let Err(e) = store.record_polls(&healths, &fetches).await {
        tracing::warn!(error = %e, "recording the pass at once failed; source by source");
        for (((s, _), (_, health)), f) in reports.iter().zip(&healths).zip(&fetches) {
            store.update_source_health(s.id, health).await?;
            // The history is for operators' eyes: losing one row must not stop the pass.
            if let Err(e) = store.record_fetch(f).await {
                tracing::warn!(source = %s.name, error = %e, "recording the fetch history failed");
            }
        }
    }
    for (s, r) in reports {
        // A feed that answered through permanent redirects only has moved:
        // poll the new address from now on, as feed readers do.
        if let (None, Some(to)) = (&r.error, &r.moved_to)
            && *to != s.feed_url
        {
            match store.set_source_feed_url(s.id, to).await {
                Ok(_) => {
                    tracing::info!(source = %s.name, from = %s.feed_url, to = %to, "feed moved permanently; following it")
                }
                Err(newsroom_store::StoreError::Conflict(_)) => {
                    tracing::warn!(source = %s.name, to = %to, "feed moved permanently to an address another source already polls; not following")
                }
                Err(e) => return Err(e),
            }
        }
        match (&r.error, r.not_modified) {
            (Some(_), _) => sum.failed += 1,
            (None, true) => sum.not_modified += 1,
            (None, false) => sum.ok += 1,
        }
        sum.items += r.items;
        sum.inserted += r.inserted;
        sum.updated += r.updated;
        sum.unchanged += r.unchanged;
        sum.pages_fetched += r.pages_fetched;
        sum.pages_not_modified += r.pages_not_modified;
        for note in &r.notes {
            tracing::info!(source = %s.name, "{note}");
        }
    }
    Ok(sum)
}
