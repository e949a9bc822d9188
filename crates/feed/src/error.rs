//! Why bytes were not a feed. The ingest crate maps each class onto its
//! fetch error classes, which the admin and `source list` show.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedErrorClass {
    /// Larger than [`crate::MAX_FEED_BYTES`].
    TooLarge,
    /// A bot-protection wall (a JavaScript challenge page).
    BotWall,
    /// HTML or something else where a feed was expected.
    NotAFeed,
    /// A feed that cannot be read (malformed XML or JSON, an entity bomb).
    Parse,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct FeedError {
    pub class: FeedErrorClass,
    pub detail: String,
}

impl FeedError {
    pub fn new(class: FeedErrorClass, detail: impl Into<String>) -> Self {
        Self {
            class,
            detail: detail.into(),
        }
    }
}

impl fmt::Display for FeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let class = match self.class {
            FeedErrorClass::TooLarge => "too large",
            FeedErrorClass::BotWall => "bot wall",
            FeedErrorClass::NotAFeed => "not a feed",
            FeedErrorClass::Parse => "parse error",
        };
        write!(f, "{class}: {}", self.detail)
    }
}
