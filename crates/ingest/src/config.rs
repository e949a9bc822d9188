//! Ingestion's settings and its clock, read by every stage of a poll.

use crate::poll_timing::ScheduleConfig;
use jiff::tz::TimeZone;
use newsroom_core::Timestamp;

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
    /// Seconds after an article was first seen at which its page is checked again for
    /// edits (conditionally: an unchanged page costs a 304).
    pub page_rechecks: Vec<i64>,
    /// Where item-level decisions (first seen, re-checks due, future times) read the time.
    pub clock: Clock,
    /// Seals the bodies ingestion sanitised (`seal`); loaded from the store.
    pub seal: crate::seal::SealSlot,
}

/// The time as ingestion sees it: the system clock, or one a test moves forward, so that a
/// day of re-checks runs in seconds.
#[derive(Debug, Clone, Default)]
pub struct Clock(Option<std::sync::Arc<std::sync::atomic::AtomicI64>>);

impl Clock {
    /// A clock that runs with the system's, plus whatever `advance` added.
    pub fn adjustable() -> Self {
        Self(Some(Default::default()))
    }

    /// A clock that reads `now` at this moment and runs on with the system's from there
    /// (a simulation gives each `newsroom fetch --once` process the world's time).
    pub fn starting_at(now: Timestamp) -> Self {
        let c = Self::adjustable();
        c.advance(now - crate::now());
        c
    }

    pub fn advance(&self, secs: i64) {
        if let Some(o) = &self.0 {
            o.fetch_add(secs, std::sync::atomic::Ordering::Relaxed);
        }
    }

    pub fn now(&self) -> Timestamp {
        crate::now()
            + self
                .0
                .as_ref()
                .map_or(0, |o| o.load(std::sync::atomic::Ordering::Relaxed))
    }
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
            page_rechecks: vec![3600, 6 * 3600, 24 * 3600],
            clock: Clock::default(),
            seal: Default::default(),
        }
    }
}
