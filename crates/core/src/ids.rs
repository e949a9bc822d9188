//! Newtype ids: an `ArticleId` can never be passed where a `SourceId` is meant.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<i64> for $name {
            fn from(v: i64) -> Self {
                Self(v)
            }
        }
    };
}

id_type!(/// A feed or site newsroom polls.
    SourceId);
id_type!(/// One article, as published by one source.
    ArticleId);
id_type!(/// A section of the site ("World", "Business").
    SectionId);
id_type!(/// One event, told by one or more articles.
    StoryId);
