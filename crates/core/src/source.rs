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
    /// What the last poll that read the feed found wrong with single items (no link, a
    /// GUID shared or changed, a much shorter text refused...), for `source list`.
    #[serde(default)]
    pub notes: Vec<String>,
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
    /// Bounds on this source's poll interval; unset, the site's settings apply.
    #[serde(default)]
    pub poll: PollBounds,
}

/// Per source bounds on the poll interval, in seconds: never polled more
/// often than every `min_secs`, and while healthy never less often than
/// every `max_secs`. `None`: the site's `[ingest]` settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PollBounds {
    pub min_secs: Option<i64>,
    pub max_secs: Option<i64>,
}

impl PollBounds {
    /// The shortest interval a source may ask for: one minute.
    pub const SHORTEST: i64 = 60;
    /// The longest: a week.
    pub const LONGEST: i64 = 7 * 86_400;

    /// Checked bounds, or the reason they are refused, in words for the admin's form.
    pub fn new(min_secs: Option<i64>, max_secs: Option<i64>) -> Result<Self, String> {
        for (what, v) in [("shortest", min_secs), ("longest", max_secs)] {
            match v {
                Some(v) if v < Self::SHORTEST => {
                    return Err(format!("The {what} interval must be at least 1 minute."));
                }
                Some(v) if v > Self::LONGEST => {
                    return Err(format!(
                        "The {what} interval may be at most 7 days (10080 minutes)."
                    ));
                }
                _ => {}
            }
        }
        if let (Some(min), Some(max)) = (min_secs, max_secs)
            && min > max
        {
            return Err("The shortest interval may not be longer than the longest.".into());
        }
        Ok(Self { min_secs, max_secs })
    }
}

/// What an admin sets on a source's page (its name and feed stay as they are).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSettings {
    pub section_id: Option<SectionId>,
    pub full_text: FullTextMode,
    pub poll: PollBounds,
    pub enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSource {
    pub name: String,
    pub feed_url: String,
    pub site_url: Option<String>,
    pub section_id: Option<SectionId>,
    pub full_text: FullTextMode,
}

/// What `newsroom source list` and the admin's source list say about a
/// source at a glance. One definition, so the two never disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthLabel {
    Disabled,
    /// Its last fetch failed.
    Failing,
    /// Never fetched successfully, and the last fetch (if any) did not fail.
    New,
    Ok,
}

impl HealthLabel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Disabled => "disabled",
            Self::Failing => "failing",
            Self::New => "new",
            Self::Ok => "ok",
        }
    }
}

impl std::fmt::Display for HealthLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `pad`, so the CLI's column widths apply.
        f.pad(self.as_str())
    }
}

impl Source {
    pub fn health_label(&self) -> HealthLabel {
        if !self.enabled {
            HealthLabel::Disabled
        } else if self.health.last_error_class.is_some() {
            HealthLabel::Failing
        } else if self.health.last_success_at.is_none() {
            HealthLabel::New
        } else {
            HealthLabel::Ok
        }
    }

    /// The last error as one line: its class and, when known, the reason.
    pub fn last_error_line(&self) -> Option<String> {
        match (&self.health.last_error_class, &self.health.last_error) {
            (Some(c), Some(e)) => Some(format!("{c}: {e}")),
            (Some(c), None) => Some(c.clone()),
            (None, Some(e)) => Some(e.clone()),
            (None, None) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(enabled: bool, success: Option<Timestamp>, class: Option<&str>) -> Source {
        Source {
            id: SourceId(1),
            name: "s".into(),
            feed_url: "https://s.example/feed".into(),
            site_url: None,
            section_id: None,
            full_text: FullTextMode::Auto,
            enabled,
            created_at: 0,
            poll: PollBounds::default(),
            health: SourceHealth {
                last_success_at: success,
                last_error_class: class.map(String::from),
                ..Default::default()
            },
        }
    }

    #[test]
    fn poll_bounds_are_checked() {
        assert_eq!(PollBounds::new(None, None), Ok(PollBounds::default()));
        assert_eq!(
            PollBounds::new(Some(60), Some(7 * 86_400)).map(|b| (b.min_secs, b.max_secs)),
            Ok((Some(60), Some(604_800)))
        );
        assert!(
            PollBounds::new(Some(59), None)
                .unwrap_err()
                .contains("at least 1 minute")
        );
        assert!(
            PollBounds::new(None, Some(0))
                .unwrap_err()
                .contains("longest interval must be at least")
        );
        assert!(
            PollBounds::new(None, Some(604_801))
                .unwrap_err()
                .contains("at most 7 days")
        );
        assert!(
            PollBounds::new(Some(3600), Some(600))
                .unwrap_err()
                .contains("may not be longer")
        );
        assert!(PollBounds::new(Some(600), Some(600)).is_ok());
    }

    #[test]
    fn health_labels() {
        use HealthLabel::*;
        assert_eq!(source(false, Some(5), Some("dns")).health_label(), Disabled);
        assert_eq!(source(true, Some(5), Some("dns")).health_label(), Failing);
        assert_eq!(source(true, None, Some("dns")).health_label(), Failing);
        assert_eq!(source(true, None, None).health_label(), New);
        assert_eq!(source(true, Some(5), None).health_label(), Ok);
        assert_eq!(format!("{:<9}|", Ok), "ok       |");
    }
}
