#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod add_source;
pub mod assemble;
pub mod commands;
pub mod config;
pub mod cpu;
pub mod discover;
pub mod error;
pub mod fetch;
pub mod host_queue;
pub mod identify;
pub mod merge;
pub mod metrics;
pub mod opml;
pub mod page;
pub mod passes;
pub mod pipeline;
pub mod poll_timing;
pub mod seal;
pub mod ssrf;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod text;
pub mod worker;
pub mod write_queue;

pub use add_source::{AddSourceError, SectionPick, SourceAdder, SourceRequest};
pub use error::{FetchError, FetchErrorClass};
pub use feed::{FeedItem, ParseOptions, ParsedFeed, parse_feed};
pub use fetch::{FetchConfig, FetchOutcome, FetchRequest, Fetched, Fetcher, Validators};
/// Feed parsing and charset decoding live in `newsroom-feed`, which builds
/// without the network stack (its fuzz target stays quick to build); they
/// are re-exported here under their old paths.
pub use newsroom_feed::{self as feed, charset};
pub use passes::{Event, PassOptions, PassSummary, run_pass};
pub use pipeline::{Clock, IngestConfig, IngestError, PollReport, poll_source};
pub use worker::{WorkerConfig, run_worker};

/// Now, in UTC seconds.
pub fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}
