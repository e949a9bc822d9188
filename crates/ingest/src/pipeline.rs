//! Polling one source: conditional fetch → parse → per item: canonical URL, identity, full
//! text, metadata → store; then the source's health and next poll time.
//!
//! Health is returned rather than written, so that a pass can tell an outage (every fetch
//! failed at the network level) from sources breaking before it records anything.

use crate::assemble::{self, PageResult};
pub use crate::config::{Clock, IngestConfig};
use crate::error::{FetchError, FetchErrorClass};
use crate::feed::{FeedItem, ParseOptions, parse_feed};
use crate::fetch::{FetchOutcome, FetchRequest, Fetcher, Validators, Want};
use crate::metrics::Outcome;
use crate::poll_timing::{self as schedule, PollResult};
use crate::write_queue::{Ticket, WRITE_BATCH, Writes};
use crate::{identify, page};
use futures::StreamExt;
use newsroom_core::{
    AddressKind, ArticleAddress, ArticleStatus, IngestState, Source, SourceHealth, Timestamp,
};
use newsroom_store::{ArticleWrite, Store, UpsertKind};

/// What one poll did.
#[derive(Debug, Clone, Default)]
pub struct PollReport {
    pub items: usize,
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub suppressed: usize,
    /// Items without a usable link, or that failed to store.
    pub skipped: usize,
    pub not_modified: bool,
    pub pages_fetched: usize,
    pub pages_failed: usize,
    /// Page re-checks answered 304.
    pub pages_not_modified: usize,
    /// Per-item problems worth an operator's eye (no link, a refused shorter text).
    pub notes: Vec<String>,
    pub error: Option<FetchError>,
    /// Set when the feed answered through permanent redirects only.
    pub moved_to: Option<String>,
    /// Publication times seen in the feed, for the adaptive interval.
    pub published: Vec<Timestamp>,
    /// The feed's `<ttl>` or `sy:updatePeriod`, in seconds.
    pub publisher_interval: Option<i64>,
    pub fresh_until: Option<Timestamp>,
    pub validators: Validators,
    /// The feed's HTTP status (`None` when no answer came), and how long its
    /// request took: the source's fetch history keeps both.
    pub status: Option<u16>,
    pub duration_ms: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("store: {0}")]
    Store(#[from] newsroom_store::StoreError),
    #[error("OPML: {0}")]
    Opml(#[from] crate::opml::OpmlError),
    #[error("{0}")]
    Invalid(String),
}

/// Poll one source and store what it publishes. Never fails: a failure is in the report.
pub async fn poll_source(
    store: &dyn Store,
    fetcher: &Fetcher,
    cfg: &IngestConfig,
    source: &Source,
) -> PollReport {
    poll_source_via(store, fetcher, cfg, source, &Writes::Direct(store)).await
}

/// [`poll_source`], its articles stored through `writes`.
pub(crate) async fn poll_source_via(
    store: &dyn Store,
    fetcher: &Fetcher,
    cfg: &IngestConfig,
    source: &Source,
    writes: &Writes<'_>,
) -> PollReport {
    settle(poll_source_handed(store, fetcher, cfg, source, writes).await).await
}

/// A poll whose articles are handed to `writes`, what became of them still
/// to hear ([`settle`]): a pass's poll gives its slot to the next source
/// while the pass's writer writes them.
pub(crate) async fn poll_source_handed(
    store: &dyn Store,
    fetcher: &Fetcher,
    cfg: &IngestConfig,
    source: &Source,
    writes: &Writes<'_>,
) -> Polled {
    let report = PollReport {
        validators: Validators {
            etag: source.health.etag.clone(),
            last_modified: source.health.last_modified.clone(),
        },
        ..Default::default()
    };
    poll_feed(store, fetcher, cfg, source, writes, report).await
}

/// A poll done but for the outcome of its writes.
pub(crate) struct Polled {
    report: PollReport,
    batches: Vec<HandedBatch>,
}

/// The poll's report, once each of its items is stored (or failed to be).
pub(crate) async fn settle(polled: Polled) -> PollReport {
    let Polled {
        mut report,
        batches,
    } = polled;
    let mut foreign = Vec::new();
    for batch in batches {
        for o in batch.outcomes().await {
            report.pages_fetched += usize::from(o.page_fetched);
            report.pages_failed += usize::from(o.page_failed);
            report.pages_not_modified += usize::from(o.page_not_modified);
            report.notes.extend(o.notes);
            foreign.extend(o.foreign);
            crate::metrics::stored(o.kind);
            match o.kind {
                Some(UpsertKind::Inserted) => report.inserted += 1,
                Some(UpsertKind::Updated) => report.updated += 1,
                Some(UpsertKind::Unchanged) => report.unchanged += 1,
                Some(UpsertKind::Suppressed) => report.suppressed += 1,
                None => report.skipped += 1,
            }
        }
    }
    // Every item another source's: the feed is serving someone else's items (a wrong
    // redirect, a CDN mix-up). They were left as they are; say so once.
    if report.items > 1 && foreign.len() == report.items {
        foreign.sort_unstable_by_key(|s| s.0);
        foreign.dedup();
        let owners: Vec<String> = foreign.iter().map(|s| format!("source {s}")).collect();
        report.notes.push(format!(
            "all {} items are already stored as another source's articles ({}): is this feed serving another outlet's items? They were left as they are",
            report.items,
            owners.join(", ")
        ));
    }
    cap_notes(&mut report.notes);
    let outcome = match (&report.error, report.not_modified) {
        (Some(e), _) => Outcome::Error(e.class),
        (None, true) => Outcome::NotModified,
        (None, false) => Outcome::Ok,
    };
    crate::metrics::fetched(Want::Feed.label(), outcome);
    report
}

async fn poll_feed(
    store: &dyn Store,
    fetcher: &Fetcher,
    cfg: &IngestConfig,
    source: &Source,
    writes: &Writes<'_>,
    mut report: PollReport,
) -> Polled {
    let alone = |report| Polled {
        report,
        batches: Vec::new(),
    };
    let req =
        FetchRequest::feed(source.feed_url.clone()).with_validators(report.validators.clone());
    let started = std::time::Instant::now();
    let answer = fetcher.fetch(&req).await;
    report.duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    report.status = match &answer {
        Ok(FetchOutcome::NotModified { .. }) => Some(304),
        Ok(FetchOutcome::Fetched(f)) => Some(f.status),
        Err(e) => e.status,
    };
    let mut fetched = match answer {
        Ok(FetchOutcome::NotModified {
            validators,
            fresh_until,
        }) => {
            report.not_modified = true;
            report.fresh_until = fresh_until;
            // A 304 may refresh validators; keep the old ones where it sends none.
            report.validators.etag = validators.etag.or(report.validators.etag);
            report.validators.last_modified =
                validators.last_modified.or(report.validators.last_modified);
            return alone(report);
        }
        Ok(FetchOutcome::Fetched(f)) => f,
        Err(e) => {
            report.error = Some(e);
            return alone(report);
        }
    };
    report.fresh_until = fetched.fresh_until;
    report.moved_to = fetched.moved_permanently_to.clone();
    let opts = ParseOptions {
        base_url: Some(fetched.url.clone()),
        http_charset: fetched.charset.clone(),
        time_zone: cfg.time_zone.clone(),
    };
    // Parsing is CPU work: off the async threads (see `cpu`).
    let body = std::mem::take(&mut fetched.body);
    let parsed = crate::cpu::run(move || parse_feed(&body, &opts).map_err(FetchError::from)).await;
    let feed = match parsed
        .unwrap_or_else(|| Err(FetchError::new(FetchErrorClass::Parse, "parser failed")))
    {
        Ok(f) => f,
        Err(e) => {
            report.error = Some(e);
            return alone(report);
        }
    };
    // Validators are only kept once the body they describe was read successfully.
    report.validators = fetched.validators.clone();
    report.publisher_interval = feed.publisher_interval;
    let items: Vec<FeedItem> = feed
        .items
        .into_iter()
        .take(cfg.max_items_per_poll)
        .collect();
    let mut items = items;
    report.notes.extend(drop_shared_guids(&mut items));
    report.items = items.len();
    report.published = items.iter().filter_map(|i| i.published).collect();
    let mut batches = Vec::new();
    let mut prepared = futures::stream::iter(items)
        .map(|item| ingest_item(store, fetcher, cfg, source, item))
        .buffered(cfg.full_text_concurrency.max(1))
        .chunks(WRITE_BATCH);
    while let Some(batch) = prepared.next().await {
        batches.push(hand_batch(writes, cfg, batch).await);
    }
    Polled { report, batches }
}

/// A batch's items, those with something to store handed to the writer.
struct HandedBatch {
    outcomes: Vec<ItemOutcome>,
    /// Which of `outcomes` the ticket's answers are for, in order.
    at: Vec<usize>,
    ticket: Option<Ticket>,
}

impl HandedBatch {
    /// Each item's outcome, with what became of its write.
    async fn outcomes(self) -> Vec<ItemOutcome> {
        let mut outcomes = self.outcomes;
        if let Some(ticket) = self.ticket {
            for (&i, kind) in self.at.iter().zip(ticket.outcome().await) {
                outcomes[i].kind = kind;
            }
        }
        outcomes
    }
}

/// Hands the batch's articles to `writes`.
async fn hand_batch(
    writes: &Writes<'_>,
    cfg: &IngestConfig,
    batch: Vec<(ItemOutcome, Option<ArticleWrite>)>,
) -> HandedBatch {
    let (outcomes, prepared): (Vec<ItemOutcome>, Vec<Option<ArticleWrite>>) =
        batch.into_iter().unzip();
    let at: Vec<usize> = (0..prepared.len())
        .filter(|&i| prepared[i].is_some())
        .collect();
    let prepared: Vec<ArticleWrite> = prepared.into_iter().flatten().collect();
    let ticket = if prepared.is_empty() {
        None
    } else {
        Some(writes.submit(prepared, || cfg.clock.now()).await)
    };
    HandedBatch {
        outcomes,
        at,
        ticket,
    }
}

/// Items that share a GUID within one feed cannot be told apart by it: each is known by
/// its link instead (else the second would overwrite the first). Returns a note for each
/// shared GUID.
fn drop_shared_guids(items: &mut [FeedItem]) -> Vec<String> {
    let mut count: std::collections::HashMap<String, usize> = Default::default();
    for g in items.iter().filter_map(|i| i.guid.clone()) {
        *count.entry(g).or_default() += 1;
    }
    let mut notes = Vec::new();
    for (g, n) in count.into_iter().filter(|(_, n)| *n > 1) {
        notes.push(format!(
            "{n} items share the GUID {g:?}; each is known by its link instead"
        ));
        for i in items.iter_mut().filter(|i| i.guid.as_deref() == Some(&g)) {
            i.guid = None;
        }
    }
    notes.sort();
    notes
}

/// Notes kept per source: enough to see what is wrong, bounded whatever the feed holds.
const MAX_NOTES: usize = 20;
const MAX_NOTE_CHARS: usize = 300;

fn cap_notes(notes: &mut Vec<String>) {
    let more = notes.len().saturating_sub(MAX_NOTES);
    notes.truncate(MAX_NOTES);
    for n in notes.iter_mut() {
        if n.chars().count() > MAX_NOTE_CHARS {
            *n = n
                .chars()
                .take(MAX_NOTE_CHARS)
                .chain(std::iter::once('…'))
                .collect();
        }
    }
    if more > 0 {
        notes.push(format!("… and {more} more"));
    }
}

/// The health to record after a poll, and whether it counts against the source.
pub fn health_after(
    cfg: &IngestConfig,
    source: &Source,
    report: &PollReport,
    now: Timestamp,
    outage: bool,
) -> SourceHealth {
    let old = &source.health;
    // The source's own bounds (its admin page) in place of the site's.
    let interval = schedule::healthy_interval(
        &schedule::with_bounds(&cfg.schedule, source.poll),
        &report.published,
        report.publisher_interval,
        now,
    );
    let result = match (&report.error, outage) {
        (None, _) => PollResult::Ok {
            fresh_until: report.fresh_until,
        },
        (Some(_), true) => PollResult::Outage,
        (Some(e), false) => PollResult::Failed {
            class: e.class,
            not_before: e.not_before,
        },
    };
    let (next_poll_at, failures) = schedule::next_poll_bounded(
        &cfg.schedule,
        source.poll,
        now,
        result,
        old.consecutive_failures,
        interval,
    );
    match &report.error {
        None => SourceHealth {
            last_success_at: Some(now),
            last_attempt_at: Some(now),
            last_error_class: None,
            last_error: None,
            consecutive_failures: 0,
            next_poll_at,
            etag: report.validators.etag.clone(),
            last_modified: report.validators.last_modified.clone(),
            // A 304 read no items: what the last read found still stands.
            notes: if report.not_modified {
                old.notes.clone()
            } else {
                report.notes.clone()
            },
        },
        Some(e) => SourceHealth {
            last_success_at: old.last_success_at,
            last_attempt_at: Some(now),
            last_error_class: Some(e.class.as_str().to_string()),
            last_error: Some(if outage {
                format!("{} (during a network outage)", e.human())
            } else {
                e.human()
            }),
            consecutive_failures: failures,
            next_poll_at,
            etag: old.etag.clone(),
            last_modified: old.last_modified.clone(),
            notes: old.notes.clone(),
        },
    }
}

struct ItemOutcome {
    kind: Option<UpsertKind>,
    page_fetched: bool,
    page_failed: bool,
    page_not_modified: bool,
    notes: Vec<String>,
    /// Already stored as another source's article (left as it is).
    foreign: Option<newsroom_core::SourceId>,
}

/// One feed item through the stages, in order: identify, fetch the page, extract, merge;
/// what to store is returned, for `write_batch`. (Fetch and parse ran once for the feed in
/// `poll_source`; clustering picks new articles up from the store.)
async fn ingest_item(
    store: &dyn Store,
    fetcher: &Fetcher,
    cfg: &IngestConfig,
    source: &Source,
    item: FeedItem,
) -> (ItemOutcome, Option<ArticleWrite>) {
    let mut out = ItemOutcome {
        kind: None,
        page_fetched: false,
        page_failed: false,
        page_not_modified: false,
        notes: Vec::new(),
        foreign: None,
    };
    let now = cfg.clock.now();
    let Some(mut id) = identify::identify(store, source, &item).await else {
        out.notes.push(format!(
            "item {:?} has no usable link; nothing stored changed",
            item.title
        ));
        return (out, None);
    };
    if let Some(k) = &id.known {
        if k.article.status == ArticleStatus::Hidden {
            out.kind = Some(UpsertKind::Suppressed);
            return (out, None);
        }
        // Another outlet's article (a syndicated copy naming it canonical): remembered as
        // one of its addresses, never rewritten from this feed.
        if k.article.source_id != source.id {
            let addrs = identify::addresses(source, &id, true, &[]);
            let _ = store.add_article_addresses(k.article.id, &addrs).await;
            out.kind = Some(UpsertKind::Unchanged);
            out.foreign = Some(k.article.source_id);
            return (out, None);
        }
        // A feed that hands out new GUIDs for old items: known by its link, worth saying.
        if let (Some(new), Some(old)) = (&id.guid, &k.article.guid)
            && new != old
        {
            out.notes.push(format!(
                "{}: its GUID changed from {old:?} to {new:?}; recognised by its link",
                id.link
            ));
        }
    }

    let hash = assemble::feed_hash(&item);
    // Sanitising the feed's body is CPU work: off the async threads (see
    // `cpu`) unless it is short.
    let body_bytes = [&item.content_html, &item.summary_html]
        .iter()
        .map(|h| h.as_ref().map_or(0, String::len))
        .sum();
    let feed_body = crate::cpu::run_sized(body_bytes, {
        let item = item.clone();
        move || assemble::feed_body(&item)
    })
    .await
    .flatten();
    let feed_text_len = feed_body.as_ref().map_or(0, |b| b.text.chars().count());
    let signals = page::FeedSignals {
        text_len: feed_text_len,
        hash: &hash,
        updated: item.updated,
    };
    let mut page_result = PageResult::NotAsked;
    if page::plan(cfg, source, &id, &signals, now).is_some() {
        let validators = id
            .known
            .as_ref()
            .map_or_else(Validators::default, |k| Validators {
                etag: k.state.page_etag.clone(),
                last_modified: k.state.page_last_modified.clone(),
            });
        page_result = match page::fetch(fetcher, &id.link, validators).await {
            page::PageFetch::Fetched(f) => match page::extract(f).await {
                page::Extraction::Read(p) => {
                    out.page_fetched = true;
                    PageResult::Read(*p)
                }
                page::Extraction::Unread => {
                    out.page_fetched = true;
                    PageResult::Failed
                }
                page::Extraction::BotWall => {
                    out.page_failed = true;
                    PageResult::Failed
                }
            },
            page::PageFetch::NotModified(v) => {
                out.page_not_modified = true;
                PageResult::NotModified(v)
            }
            page::PageFetch::Failed => {
                out.page_failed = true;
                PageResult::Failed
            }
        };
    }

    let page_urls = page_addresses(&page_result);
    let canonical = page_result
        .read()
        .and_then(|p| {
            newsroom_core::url::canonical_for_page(&p.url, p.extracted.canonical.as_deref()).ok()
        })
        .unwrap_or_else(|| id.feed_canonical.clone());
    // A new link can lead to a page already stored (a redirect to it, or its canonical).
    if id.known.is_none()
        && let Some(k) = identify::by_page(store, source, &id, &page_urls).await
    {
        if k.article.source_id != source.id || k.article.status == ArticleStatus::Hidden {
            let addrs = identify::addresses(source, &id, true, &page_urls);
            let _ = store.add_article_addresses(k.article.id, &addrs).await;
            out.kind = Some(if k.article.status == ArticleStatus::Hidden {
                UpsertKind::Suppressed
            } else {
                UpsertKind::Unchanged
            });
            return (out, None);
        }
        id.known = Some(k);
    }

    let seal = cfg.seal.load(store).await;
    let Some(merged) = assemble::merge_item(
        cfg,
        seal,
        source,
        &id,
        &item,
        feed_body,
        hash,
        &page_result,
        canonical,
        now,
    ) else {
        out.notes
            .push(format!("item {} has no title and no text", id.link));
        return (out, None);
    };
    if merged.refused_shrink {
        out.notes.push(format!(
            "{}: the new text was much shorter than the stored one (a login wall or a teaser?); kept the stored text",
            id.link
        ));
    }
    let (addresses, state) = to_remember(source, &id, &page_urls, merged.state);
    let write = ArticleWrite {
        article: merged.article,
        addresses,
        state,
    };
    (out, Some(write))
}

/// The item's addresses and state to keep for the next poll, only what changed.
fn to_remember(
    source: &Source,
    id: &identify::Identity,
    page_urls: &[(String, AddressKind)],
    state: IngestState,
) -> (Vec<ArticleAddress>, Option<IngestState>) {
    let known = id.known.as_ref();
    // A GUID is kept when it is the article's own: a feed that changes GUIDs on every
    // poll must not grow the table without end.
    let keep_guid = known.is_none_or(|k| k.article.guid.is_none() || k.article.guid == id.guid);
    let first_time = known.is_none_or(|k| !k.had_state);
    let addresses = if first_time || !page_urls.is_empty() {
        identify::addresses(source, id, keep_guid, page_urls)
    } else {
        Vec::new()
    };
    let state = known
        .is_none_or(|k| !k.had_state || k.state != state)
        .then_some(state);
    (addresses, state)
}

/// The page's addresses: each redirect hop, the final URL and its rel=canonical.
fn page_addresses(page: &PageResult) -> Vec<(String, AddressKind)> {
    let Some(p) = page.read() else {
        return Vec::new();
    };
    let mut out: Vec<(String, AddressKind)> = p
        .redirects
        .iter()
        .map(|u| (u.clone(), AddressKind::Redirect))
        .collect();
    out.push((p.url.clone(), AddressKind::PageUrl));
    if let Ok(c) = newsroom_core::url::canonical_for_page(&p.url, p.extracted.canonical.as_deref())
    {
        out.push((c, AddressKind::Canonical));
    }
    out
}
