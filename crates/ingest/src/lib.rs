#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod charset;
pub mod discover;
pub mod error;
pub mod feed;
pub mod fetch;
pub mod opml;
pub mod schedule;
pub mod ssrf;
#[cfg(feature = "testkit")]
pub mod testkit;

pub use error::{FetchError, FetchErrorClass};
pub use feed::{FeedItem, ParseOptions, ParsedFeed, parse_feed};
pub use fetch::{FetchConfig, FetchOutcome, FetchRequest, Fetched, Fetcher, Validators};

/// Now, in UTC seconds.
pub fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}
