#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod article;
pub mod i18n;
pub mod ids;
pub mod public_url;
pub mod section;
pub mod slug;
pub mod source;
pub mod story;
pub mod time;
pub mod url;
pub mod url_error;

pub use article::{
    AddressKind, Article, ArticleAddress, ArticleStatus, BodyOrigin, IngestState, LeadImage,
    NewArticle, Video,
};
pub use i18n::Messages;
pub use ids::{ArticleId, SectionId, SourceId, StoryId};
pub use public_url::PublicUrl;
pub use section::{NewSection, Section};
pub use source::{
    FullTextMode, HealthLabel, NewSource, PollBounds, Source, SourceHealth, SourceSettings,
};
pub use story::Story;
pub use time::{Locale, SiteClock, TimeError, UnknownLocale};

/// Seconds since the Unix epoch, UTC.
pub type Timestamp = i64;
