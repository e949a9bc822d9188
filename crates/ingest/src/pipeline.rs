//! Polling one source: conditional fetch → parse → per item: canonical URL, identity, full
//! text, metadata → store; then the source's health and next poll time.
//!
//! Health is returned rather than written, so that a pass can tell an outage (every fetch
//! failed at the network level) from sources breaking before it records anything.

use crate::error::{FetchError, FetchErrorClass};
use crate::feed::{FeedItem, ParseOptions, parse_feed, text_of};
use crate::fetch::{FetchOutcome, FetchRequest, Fetcher, Validators};
use crate::poll_timing::{self as schedule, PollResult, ScheduleConfig};
use futures::StreamExt;
use jiff::tz::TimeZone;
use newsroom_core::{
    ArticleStatus, FullTextMode, LeadImage, NewArticle, Source, SourceHealth, Timestamp, Video,
};
use newsroom_store::{Store, UpsertKind};
use regex::Regex;
use std::sync::LazyLock;

/// Ingestion settings (`[ingest]` in the config file).
#[derive(Debug, Clone)]
pub struct IngestConfig {
    pub schedule: ScheduleConfig,
    /// For feed dates that name no zone: the site's time zone.
    pub time_zone: TimeZone,
    /// A published time later than now plus this is clamped to now.
    pub future_skew: i64,
    /// Article pages fetched at once for one source (the per-host limits apply too).
    pub full_text_concurrency: usize,
    /// In `auto` mode, feed content with less plain text than this fetches the page.
    pub full_text_min_chars: usize,
    /// Sources polled at once in a pass.
    pub source_concurrency: usize,
    /// Items taken from one feed per poll.
    pub max_items_per_poll: usize,
}

impl Default for IngestConfig {
    fn default() -> Self {
        Self {
            schedule: ScheduleConfig::default(),
            time_zone: TimeZone::UTC,
            future_skew: 10 * 60,
            full_text_concurrency: 4,
            full_text_min_chars: 600,
            source_concurrency: 32,
            max_items_per_poll: 200,
        }
    }
}

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
    pub error: Option<FetchError>,
    /// Set when the feed answered through permanent redirects only.
    pub moved_to: Option<String>,
    /// Publication times seen in the feed, for the adaptive interval.
    pub published: Vec<Timestamp>,
    /// The feed's `<ttl>` or `sy:updatePeriod`, in seconds.
    pub publisher_interval: Option<i64>,
    pub fresh_until: Option<Timestamp>,
    pub validators: Validators,
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
    let mut report = PollReport {
        validators: Validators {
            etag: source.health.etag.clone(),
            last_modified: source.health.last_modified.clone(),
        },
        ..Default::default()
    };
    let req =
        FetchRequest::feed(source.feed_url.clone()).with_validators(report.validators.clone());
    let fetched = match fetcher.fetch(&req).await {
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
            return report;
        }
        Ok(FetchOutcome::Fetched(f)) => f,
        Err(e) => {
            report.error = Some(e);
            return report;
        }
    };
    let mut fetched = fetched;
    report.fresh_until = fetched.fresh_until;
    report.moved_to = fetched.moved_permanently_to.clone();
    let opts = ParseOptions {
        base_url: Some(fetched.url.clone()),
        http_charset: fetched.charset.clone(),
        time_zone: cfg.time_zone.clone(),
    };
    let body = std::mem::take(&mut fetched.body);
    let parsed = crate::cpu::run(move || parse_feed(&body, &opts)).await;
    let feed = match parsed
        .unwrap_or_else(|| Err(FetchError::new(FetchErrorClass::Parse, "parser failed")))
    {
        Ok(f) => f,
        Err(e) => {
            report.error = Some(e);
            return report;
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
    report.items = items.len();
    report.published = items.iter().filter_map(|i| i.published).collect();
    let outcomes: Vec<ItemOutcome> = futures::stream::iter(items)
        .map(|item| ingest_item(store, fetcher, cfg, source, item))
        .buffered(cfg.full_text_concurrency.max(1))
        .collect()
        .await;
    for o in outcomes {
        report.pages_fetched += usize::from(o.page_fetched);
        report.pages_failed += usize::from(o.page_failed);
        match o.kind {
            Some(UpsertKind::Inserted) => report.inserted += 1,
            Some(UpsertKind::Updated) => report.updated += 1,
            Some(UpsertKind::Unchanged) => report.unchanged += 1,
            Some(UpsertKind::Suppressed) => report.suppressed += 1,
            None => report.skipped += 1,
        }
    }
    report
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
    let interval = schedule::healthy_interval(
        &cfg.schedule,
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
    let (next_poll_at, failures) = schedule::next_poll(
        &cfg.schedule,
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
        },
    }
}

struct ItemOutcome {
    kind: Option<UpsertKind>,
    page_fetched: bool,
    page_failed: bool,
}

async fn ingest_item(
    store: &dyn Store,
    fetcher: &Fetcher,
    cfg: &IngestConfig,
    source: &Source,
    item: FeedItem,
) -> ItemOutcome {
    let mut out = ItemOutcome {
        kind: None,
        page_fetched: false,
        page_failed: false,
    };
    let Some(link) = item.url.clone() else {
        return out;
    };
    let Ok(feed_canonical) = newsroom_core::url::canonicalize(&link) else {
        return out;
    };
    let now = crate::now();

    let feed_body_html = item
        .content_html
        .clone()
        .or_else(|| item.summary_html.clone())
        .unwrap_or_default();
    // Text, summary and sanitised body are CPU work: off the async threads.
    let (summary_src, body_src, base) = (
        item.summary_html
            .clone()
            .or_else(|| item.content_html.clone()),
        feed_body_html,
        link.clone(),
    );
    let (feed_summary, feed_body_html, feed_body_text) = crate::cpu::run(move || {
        let text = html_to_text(&body_src);
        let summary = summary_text(summary_src.as_deref().unwrap_or(""));
        (
            summary,
            crate::cpu::sanitize(&body_src, Some(&base), &text),
            text,
        )
    })
    .await
    .unwrap_or_default();
    let feed_text_len = feed_body_text.chars().count();
    let existing = store
        .article_by_canonical_url(&feed_canonical)
        .await
        .ok()
        .flatten();
    if existing
        .as_ref()
        .is_some_and(|a| a.status == ArticleStatus::Hidden)
    {
        out.kind = Some(UpsertKind::Suppressed);
        return out;
    }
    // A stored article whose title is unchanged already has what a page fetch would give.
    let known = existing
        .as_ref()
        .is_some_and(|a| a.title == item.title && !a.body_html.is_empty());
    let want_page = !known
        && match source.full_text {
            FullTextMode::Always => true,
            FullTextMode::Never => false,
            FullTextMode::Auto => feed_text_len < cfg.full_text_min_chars,
        };

    let mut page = None;
    if want_page {
        match fetcher.fetch(&FetchRequest::page(link.clone())).await {
            // A challenge page would be "extracted" into nonsense; the feed's content is better.
            Ok(FetchOutcome::Fetched(f)) if crate::fetch::looks_like_challenge(&f.body) => {
                out.page_failed = true;
                tracing::debug!(url = %link, "bot wall instead of the article page");
            }
            Ok(FetchOutcome::Fetched(f)) => {
                out.page_fetched = true;
                page = Some(f);
            }
            Ok(FetchOutcome::NotModified { .. }) => {}
            Err(e) => {
                out.page_failed = true;
                tracing::debug!(url = %link, error = %e, "full-text fetch failed; keeping the feed's content");
            }
        }
    }

    if let Some(p) = page.take() {
        // A page nested too deep to parse in reasonable time: the feed's content stays.
        page = crate::cpu::run(move || crate::cpu::page_is_parsable(&p.body).then_some(p))
            .await
            .flatten();
    }

    let mut article = NewArticle {
        source_id: source.id,
        section_id: source.section_id,
        guid: item.guid.clone(),
        canonical_url: feed_canonical,
        original_url: link.clone(),
        title: item.title.clone(),
        summary: feed_summary,
        body_html: feed_body_html,
        body_text: feed_body_text,
        image: item.image.clone(),
        video: item.video.clone(),
        author: item.author.clone(),
        language: item.language.clone(),
        published_at: item.published.unwrap_or(now),
        fetched_at: now,
    };

    if let Some(page) = page {
        // Extraction is CPU work, bounded like the feed's (see `cpu`).
        let (body, url, charset) = (page.body, page.url.clone(), page.charset.clone());
        let Some((ex, canonical_link, ex_html)) = crate::cpu::run(move || {
            let ex = newsroom_extract::extract(&body, Some(&url), charset.as_deref());
            let html = crate::cpu::sanitize(&ex.html, Some(&url), &ex.text);
            (ex, link_rel_canonical(&body), html)
        })
        .await
        else {
            return out;
        };
        if let Ok(c) = newsroom_core::url::canonical_for_page(&page.url, canonical_link.as_deref())
        {
            article.canonical_url = c;
        }
        // The extractor's body wins when it found more than the feed carried.
        if ex.text.chars().count() > article.body_text.chars().count() && !ex.html.trim().is_empty()
        {
            article.body_html = ex_html;
            article.body_text = ex.text.clone();
        }
        if let Some(img) = ex.image {
            article.image = Some(LeadImage {
                url: img.url,
                alt: img.alt.unwrap_or_default(),
                width: img.width,
                height: img.height,
            });
        }
        if article.video.is_none()
            && let Some(v) = ex.video
        {
            article.video = Some(Video { url: v.url });
        }
        if let Some(p) = ex.published {
            article.published_at = p;
        }
        if article.author.is_none() {
            article.author = ex.author;
        }
        if ex.language.is_some() {
            article.language = ex.language;
        }
        if article.title.trim().is_empty()
            && let Some(t) = ex.title
        {
            article.title = t;
        }
        if article.summary.is_empty() {
            article.summary = summary_text(&ex.html);
        }
    }
    if article.title.trim().is_empty() {
        article.title = summary_text(&article.body_text).chars().take(120).collect();
    }
    if article.title.trim().is_empty() {
        return out;
    }
    // A clock running ahead, or a scheduled post leaking early, must not pin an item to the top.
    if article.published_at > now + cfg.future_skew {
        article.published_at = now;
    }
    match store.upsert_article(&article, now).await {
        Ok(o) => out.kind = Some(o.kind),
        Err(e) => tracing::warn!(url = %link, error = %e, "storing an article failed"),
    }
    out
}

static CANONICAL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i)<link\b[^>]*\brel\s*=\s*["']?canonical\b[^>]*>"#).unwrap());
static HREF: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i)\bhref\s*=\s*["']([^"']+)["']"#).unwrap());

/// The page's `<link rel="canonical" href>`, from the head.
pub fn link_rel_canonical(html: &[u8]) -> Option<String> {
    let head = String::from_utf8_lossy(&html[..html.len().min(256 * 1024)]);
    let tag = CANONICAL.find(&head)?;
    HREF.captures(tag.as_str())
        .map(|c| crate::feed::decode_entities(c[1].trim()))
}

static TAGS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)<(script|style)\b.*?</(script|style)>|<[^>]*>").unwrap());

fn html_to_text(html: &str) -> String {
    if html.is_empty() {
        return String::new();
    }
    let spaced = TAGS.replace_all(html, " ");
    text_of(&spaced)
}

/// A plain-text summary of at most ~300 characters, cut at a word.
fn summary_text(html: &str) -> String {
    let text = html_to_text(html);
    if text.chars().count() <= 300 {
        return text;
    }
    let cut: String = text.chars().take(300).collect();
    let cut = cut
        .rsplit_once(' ')
        .map_or(cut.as_str(), |(a, _)| a)
        .trim_end_matches([',', ';', ':', '-']);
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_link_and_text() {
        let html = br#"<html><head><link rel="stylesheet" href="/a.css"><link href="https://x.example/a?utm_source=1&amp;b=2" rel="canonical"></head></html>"#;
        assert_eq!(
            link_rel_canonical(html).as_deref(),
            Some("https://x.example/a?utm_source=1&b=2")
        );
        assert_eq!(
            html_to_text("<p>a&nbsp;b</p><script>x()</script><p>c</p>"),
            "a b c"
        );
        let long = "word ".repeat(100);
        let s = summary_text(&long);
        assert!(s.ends_with('…') && s.chars().count() <= 301);
    }
}
