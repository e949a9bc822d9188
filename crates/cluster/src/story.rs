//! A story as the clusterer sees it: a centroid of its members' vectors plus
//! the times that drive decay and expiry.

use crate::hash::FxMap;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoryState {
    pub id: u64,
    /// Id of the item that opened the story.
    pub lead: String,
    pub first_seen: i64,
    pub last_update: i64,
    pub size: u32,
    /// Sum of members' unit TF-IDF vectors: term -> (weight, position of the
    /// term's posting in the index).
    pub terms: FxMap<u64, (f32, u32)>,
    /// Squared L2 norm of the centroid, kept incrementally.
    pub norm2: f64,
    /// The thread the story belongs to (0 until decided; absent from older
    /// snapshots).
    #[serde(default)]
    pub thread: u64,
}

impl StoryState {
    pub fn new(id: u64, lead: String, now: i64) -> Self {
        StoryState {
            id,
            lead,
            first_seen: now,
            last_update: now,
            size: 0,
            terms: FxMap::default(),
            norm2: 0.0,
            thread: 0,
        }
    }
}

/// Public summary of a live story.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorySummary {
    pub id: u64,
    pub lead: String,
    pub first_seen: i64,
    pub last_update: i64,
    pub size: u32,
    pub thread: u64,
}

impl From<&StoryState> for StorySummary {
    fn from(s: &StoryState) -> Self {
        StorySummary {
            id: s.id,
            lead: s.lead.clone(),
            first_seen: s.first_seen,
            last_update: s.last_update,
            size: s.size,
            thread: s.thread,
        }
    }
}
