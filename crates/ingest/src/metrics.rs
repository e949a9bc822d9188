//! What ingestion tells the metrics recorder, through the `metrics` facade
//! (the binary installs the recorder; without one these cost nothing).
//! Labels are the code's own few names (`kind`, `outcome`, error classes),
//! never a URL or a source name, so every series is bounded.

use crate::error::FetchErrorClass;
use metrics::{Unit, counter, describe_counter, describe_histogram, histogram};
use newsroom_store::UpsertKind;
use std::time::Duration;

pub const FETCHES: &str = "newsroom_fetches_total";
pub const FETCH_ERRORS: &str = "newsroom_fetch_errors_total";
pub const FETCH_DURATION: &str = "newsroom_fetch_duration_seconds";
pub const ARTICLES: &str = "newsroom_articles_total";
pub const EXTRACTION_DURATION: &str = "newsroom_extraction_duration_seconds";

/// Help texts, once the recorder is installed.
pub fn describe() {
    describe_counter!(
        FETCHES,
        "Feed polls and article page fetches by kind (feed, page) and outcome (ok, not_modified, error)"
    );
    describe_counter!(
        FETCH_ERRORS,
        "Failed feed polls and page fetches by kind and error class (the classes of `newsroom source list`)"
    );
    describe_histogram!(
        FETCH_DURATION,
        Unit::Seconds,
        "HTTP fetches by kind, from the first request to the whole body (redirects included, waits for the host's rate limit not)"
    );
    describe_counter!(
        ARTICLES,
        "Feed items stored, by result: inserted, updated, unchanged, suppressed (hidden or deleted), skipped (no link, no text, or a failed write)"
    );
    describe_histogram!(
        EXTRACTION_DURATION,
        Unit::Seconds,
        "Extracting one article page (parse, boilerplate removal, sanitising)"
    );
}

/// What one feed poll or page fetch came to.
pub(crate) enum Outcome {
    Ok,
    NotModified,
    Error(FetchErrorClass),
}

/// `kind` is the fetch's `Want::label`.
pub(crate) fn fetched(kind: &'static str, outcome: Outcome) {
    let outcome = match outcome {
        Outcome::Ok => "ok",
        Outcome::NotModified => "not_modified",
        Outcome::Error(class) => {
            counter!(FETCH_ERRORS, "kind" => kind, "class" => class.as_str()).increment(1);
            "error"
        }
    };
    counter!(FETCHES, "kind" => kind, "outcome" => outcome).increment(1);
}

pub(crate) fn fetch_took(kind: &'static str, took: Duration) {
    histogram!(FETCH_DURATION, "kind" => kind).record(took.as_secs_f64());
}

/// One feed item's result (`None`: skipped).
pub(crate) fn stored(kind: Option<UpsertKind>) {
    let result = match kind {
        Some(UpsertKind::Inserted) => "inserted",
        Some(UpsertKind::Updated) => "updated",
        Some(UpsertKind::Unchanged) => "unchanged",
        Some(UpsertKind::Suppressed) => "suppressed",
        None => "skipped",
    };
    counter!(ARTICLES, "result" => result).increment(1);
}

pub(crate) fn extraction_took(took: Duration) {
    histogram!(EXTRACTION_DURATION).record(took.as_secs_f64());
}
