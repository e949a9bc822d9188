//! Sources: the feeds and sites newsroom polls.

use crate::{SectionId, SourceId, Timestamp};
use serde::{Deserialize, Serialize};

/// Whether ingestion fetches each item's page for its full text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum FullTextMode {
    /// Fetch the page when the feed carries only a summary.
    #[default]
    Auto,
    Always,
    Never,
}

impl FullTextMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Always => "always",
            Self::Never => "never",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "auto" => Some(Self::Auto),
            "always" => Some(Self::Always),
            "never" => Some(Self::Never),
            _ => None,
        }
    }
}

/// What the scheduler last learned about a source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SourceHealth {
    pub last_success_at: Option<Timestamp>,
    pub last_attempt_at: Option<Timestamp>,
    /// A short, stable error class (`dns`, `timeout`, `http_5xx`, `not_a_feed`, ...).
    pub last_error_class: Option<String>,
    /// The human-readable reason, for `source list` and the admin area.
    pub last_error: Option<String>,
    pub consecutive_failures: i64,
    pub next_poll_at: Timestamp,
    /// Conditional GET validators.
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub id: SourceId,
    pub name: String,
    pub feed_url: String,
    pub site_url: Option<String>,
    pub section_id: Option<SectionId>,
    pub full_text: FullTextMode,
    pub enabled: bool,
    pub created_at: Timestamp,
    pub health: SourceHealth,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSource {
    pub name: String,
    pub feed_url: String,
    pub site_url: Option<String>,
    pub section_id: Option<SectionId>,
    pub full_text: FullTextMode,
}
