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
