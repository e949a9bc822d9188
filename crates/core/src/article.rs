//! Articles: one piece published by one source.

use crate::{ArticleId, PublicUrl, SectionId, SourceId, Timestamp};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ArticleStatus {
    #[default]
    Published,
    /// Hidden by an editor or deleted at the source; kept so that it never comes back.
    Hidden,
}

impl ArticleStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Published => "published",
            Self::Hidden => "hidden",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "published" => Some(Self::Published),
            "hidden" => Some(Self::Hidden),
            _ => None,
        }
    }
}

/// Image and video addresses are [`PublicUrl`]s: they go into `src` and
/// `href` attributes, so nothing but http(s) may get here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadImage {
    pub url: PublicUrl,
    pub alt: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Video {
    pub url: PublicUrl,
}

/// An article as stored. `body_html` is always sanitised before it gets here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    pub id: ArticleId,
    pub source_id: SourceId,
    pub section_id: Option<SectionId>,
    /// The feed's own id for the item, when it gave one.
    pub guid: Option<String>,
    pub canonical_url: String,
    pub original_url: String,
    pub title: String,
    pub summary: String,
    pub body_html: String,
    pub body_text: String,
    /// Proof that this site's sanitiser produced `body_html`
    /// (`newsroom_ingest::seal`); the web layer re-sanitises a body without.
    pub body_seal: Option<String>,
    pub image: Option<LeadImage>,
    pub video: Option<Video>,
    pub author: Option<String>,
    pub language: Option<String>,
    pub published_at: Timestamp,
    pub fetched_at: Timestamp,
    pub updated_at: Timestamp,
    pub status: ArticleStatus,
    /// Total counted views, as last flushed to the store.
    pub views: i64,
}

impl Article {
    pub fn is_video(&self) -> bool {
        self.video.is_some()
    }

    /// The site path, `/news/{id}-{slug}`.
    pub fn path(&self) -> String {
        format!("/news/{}-{}", self.id, crate::slug::slugify(&self.title))
    }
}

/// What ingestion (or the demo, or an editor) hands the store to create or update an article.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewArticle {
    pub source_id: SourceId,
    pub section_id: Option<SectionId>,
    pub guid: Option<String>,
    pub canonical_url: String,
    pub original_url: String,
    pub title: String,
    pub summary: String,
    pub body_html: String,
    pub body_text: String,
    /// Set only by code that ran the sanitiser on `body_html` itself.
    pub body_seal: Option<String>,
    pub image: Option<LeadImage>,
    pub video: Option<Video>,
    pub author: Option<String>,
    pub language: Option<String>,
    pub published_at: Timestamp,
    pub fetched_at: Timestamp,
}

impl Default for SourceId {
    fn default() -> Self {
        SourceId(0)
    }
}

/// Where a stored body came from. The page outranks the feed: a feed's text replaces a
/// page's only when it carries more.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum BodyOrigin {
    #[default]
    Feed,
    Page,
}

impl BodyOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Feed => "feed",
            Self::Page => "page",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "feed" => Some(Self::Feed),
            "page" => Some(Self::Page),
            _ => None,
        }
    }
}

/// What ingestion remembers about an article between polls, so that the next poll can
/// tell whether anything changed without downloading the page again.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct IngestState {
    pub body_origin: BodyOrigin,
    /// False while `published_at` is a stand-in (the time first seen) rather than a
    /// time some source stated believably.
    pub published_trusted: bool,
    pub first_seen: Timestamp,
    /// The feed's `updated` for the item when last seen.
    pub feed_updated: Option<Timestamp>,
    /// A hash of the item's content in the feed when last seen.
    pub feed_hash: Option<String>,
    /// The page's validators, for a conditional re-check.
    pub page_etag: Option<String>,
    pub page_last_modified: Option<String>,
    pub page_checked_at: Option<Timestamp>,
    /// Scheduled page re-checks done so far.
    pub rechecks: i64,
}

/// What kind of address an article was known by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AddressKind {
    Guid,
    FeedLink,
    Redirect,
    PageUrl,
    Canonical,
}

impl AddressKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Guid => "guid",
            Self::FeedLink => "feed_link",
            Self::Redirect => "redirect",
            Self::PageUrl => "page_url",
            Self::Canonical => "canonical",
        }
    }
}

/// One address an article has had. A GUID means something only within its own feed, so
/// it carries its source; URLs (canonicalised) are global, as `canonical_url` is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ArticleAddress {
    pub source: Option<SourceId>,
    pub address: String,
    pub kind: AddressKind,
}

impl ArticleAddress {
    pub fn guid(source: SourceId, guid: &str) -> Self {
        Self {
            source: Some(source),
            address: guid.to_string(),
            kind: AddressKind::Guid,
        }
    }

    pub fn url(url: &str, kind: AddressKind) -> Self {
        Self {
            source: None,
            address: url.to_string(),
            kind,
        }
    }

    /// The key column beside the address: the source for a GUID, 0 for a URL.
    pub fn scope(&self) -> i64 {
        self.source.map_or(0, |s| s.0)
    }
}
