#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod add_source;
pub mod charset;
pub mod commands;
pub mod discover;
pub mod error;
pub mod feed;
pub mod fetch;
pub mod opml;
pub mod pipeline;
pub mod schedule;
pub mod scheduler;
pub mod ssrf;
#[cfg(feature = "testkit")]
pub mod testkit;

pub use add_source::{AddSourceError, SectionPick, SourceAdder, SourceRequest};
pub use error::{FetchError, FetchErrorClass};
pub use feed::{FeedItem, ParseOptions, ParsedFeed, parse_feed};
pub use fetch::{FetchConfig, FetchOutcome, FetchRequest, Fetched, Fetcher, Validators};
pub use pipeline::{IngestConfig, IngestError, PollReport, poll_source};
pub use scheduler::{Event, PassOptions, PassSummary, run_pass, run_worker};

/// Now, in UTC seconds.
pub fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}
