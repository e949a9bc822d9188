//! The page stages: whether an item's page is worth a request, fetching it (conditionally
//! when it was read before, so an unchanged page costs a 304), and extracting it.

use crate::config::IngestConfig;
use crate::error::FetchErrorClass;
use crate::fetch::{FetchOutcome, FetchRequest, Fetched, Fetcher, Validators, Want};
use crate::identify::{Identity, rechecks_due};
use crate::metrics::Outcome;
use newsroom_core::{BodyOrigin, FullTextMode, Source, Timestamp};
use newsroom_extract::Extracted;

/// Why a page is fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// Not stored yet, and the feed's text is not enough.
    New,
    /// The feed's `updated` for the item moved forward.
    FeedUpdated,
    /// The item's content in the feed changed.
    FeedContentChanged,
    /// A scheduled re-check of a recent article.
    Recheck,
}

/// What the feed says of an item, as far as the page plan cares.
pub struct FeedSignals<'a> {
    pub text_len: usize,
    pub hash: &'a str,
    pub updated: Option<Timestamp>,
}

/// Whether to request the item's page, and why. A known item whose feed entry did not
/// change and whose re-check is not due costs no request.
pub fn plan(
    cfg: &IngestConfig,
    source: &Source,
    id: &Identity,
    feed: &FeedSignals<'_>,
    now: Timestamp,
) -> Option<Why> {
    let feed_enough = feed.text_len >= cfg.full_text_min_chars;
    let wants_pages = match source.full_text {
        FullTextMode::Always => true,
        FullTextMode::Never => false,
        FullTextMode::Auto => !feed_enough,
    };
    if source.full_text == FullTextMode::Never {
        return None;
    }
    let Some(known) = &id.known else {
        return wants_pages.then_some(Why::New);
    };
    let s = &known.state;
    // A body that came from a full-content feed is kept up to date by the feed itself.
    if !wants_pages && s.body_origin == BodyOrigin::Feed {
        return None;
    }
    if let (Some(new), Some(old)) = (feed.updated, s.feed_updated)
        && new > old
    {
        return Some(Why::FeedUpdated);
    }
    if s.feed_hash.as_deref().is_some_and(|h| h != feed.hash) {
        return Some(Why::FeedContentChanged);
    }
    // A guessed state has not counted its re-checks: the ones already past are not due.
    if known.had_state && rechecks_due(&cfg.page_rechecks, s.first_seen, now) > s.rechecks {
        return Some(Why::Recheck);
    }
    None
}

/// What a page request gave.
pub enum PageFetch {
    Fetched(Fetched),
    NotModified(Validators),
    Failed,
}

pub async fn fetch(fetcher: &Fetcher, link: &str, validators: Validators) -> PageFetch {
    let req = FetchRequest::page(link.to_string()).with_validators(validators);
    let (page, outcome) = match fetcher.fetch(&req).await {
        // Counted by `extract`, which tells a page from a bot wall.
        Ok(FetchOutcome::Fetched(f)) => return PageFetch::Fetched(f),
        Ok(FetchOutcome::NotModified { validators, .. }) => {
            (PageFetch::NotModified(validators), Outcome::NotModified)
        }
        Err(e) => {
            tracing::debug!(url = %link, error = %e, "page fetch failed; keeping what is stored");
            (PageFetch::Failed, Outcome::Error(e.class))
        }
    };
    crate::metrics::fetched(Want::Page.label(), outcome);
    page
}

/// A page read and extracted.
pub struct PageRead {
    /// The URL after redirects.
    pub url: String,
    pub redirects: Vec<String>,
    pub validators: Validators,
    pub extracted: Extracted,
}

/// What the extract stage made of a fetched page.
pub enum Extraction {
    /// Boxed: the other two carry nothing.
    Read(Box<PageRead>),
    /// A bot-protection interstitial answered instead of the article: it
    /// would be "extracted" into nonsense, and the stored text is better.
    BotWall,
    /// Too deep to parse, or the extractor failed.
    Unread,
}

/// A bot wall's own text is a few sentences (Cloudflare's block page, the longest of
/// them, about 800 characters); a page whose article text is longer is no wall, and is
/// not scanned for one (150 µs a page). A wall's markers in such a page are the script
/// some walls also put into pages they let through.
const WALL_TEXT_MAX: usize = 2_000;

/// The extract stage. Extraction is CPU work: it runs in the `cpu` pool, off the async
/// threads, so that a burst of pages queues instead of piling up parsed DOMs. The bot-wall
/// check runs there too, after extraction and only where it found little text.
pub async fn extract(page: Fetched) -> Extraction {
    let Fetched {
        url,
        body,
        charset,
        validators,
        redirects,
        ..
    } = page;
    let for_extract = url.clone();
    let job = crate::cpu::run(move || {
        // A page nested too deep to parse in reasonable time is not read: the feed's
        // content stays.
        let extracted = crate::cpu::page_is_parsable(&body).then(|| {
            let start = std::time::Instant::now();
            let mut e = newsroom_extract::extract(&body, Some(&for_extract), charset.as_deref());
            // The extractor writes within the allow-list by construction; the allow-list
            // runs over it anyway, so that what is stored (and sealed) is its output,
            // as the web layer would serve it.
            e.html = crate::cpu::sanitize_extracted(&e.html, &e.text);
            crate::metrics::extraction_took(start.elapsed());
            e
        });
        let little = extracted
            .as_ref()
            .is_none_or(|e| e.text.chars().nth(WALL_TEXT_MAX).is_none());
        if little && crate::fetch::looks_like_challenge(&body) {
            return Err(());
        }
        Ok(extracted)
    })
    .await;
    let outcome = if matches!(job, Some(Err(()))) {
        tracing::debug!(url = %url, "bot wall instead of the article page");
        Outcome::Error(FetchErrorClass::BotWall)
    } else {
        Outcome::Ok
    };
    crate::metrics::fetched(Want::Page.label(), outcome);
    match job {
        Some(Ok(Some(extracted))) => Extraction::Read(Box::new(PageRead {
            url,
            redirects,
            validators,
            extracted,
        })),
        Some(Err(())) => Extraction::BotWall,
        _ => Extraction::Unread,
    }
}
