//! Sections group articles on the site (`/section/{slug}`).

use crate::ids::SectionId;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    pub id: SectionId,
    pub slug: String,
    pub name: String,
    /// Order in the navigation, lowest first.
    pub position: i64,
    /// Retention: articles older than this many days are removed by ingestion. `None` keeps them.
    pub max_age_days: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSection {
    pub slug: String,
    pub name: String,
    pub position: i64,
    pub max_age_days: Option<i64>,
}
