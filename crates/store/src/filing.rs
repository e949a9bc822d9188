//! A clustering batch's placements (`Store::file_articles`): apart from
//! `model`, as they name a `reasons::StoryReason`, and `reasons` reads
//! through `dialect`, which uses `model`.

use crate::reasons::StoryReason;
use newsroom_core::{ArticleId, StoryId};

/// One article of a clustering batch and the story it goes into
/// (`Store::file_articles`).
#[derive(Debug, Clone, PartialEq)]
pub struct Filing {
    pub article: ArticleId,
    pub story: FilingStory,
    /// Replaces the article's reason as `set_story_reason` would; `None`
    /// leaves it.
    pub reason: Option<StoryReason>,
}

/// Where a filed article goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilingStory {
    /// Into this story, as `assign_story`.
    Join(StoryRef),
    /// Into a new story that it leads, in the thread of the story named (a
    /// thread of its own when none is named, or it is unknown), as
    /// `create_story_in_thread`.
    Open { thread: Option<StoryRef> },
}

/// A story as a batch names it: stored already, or opened by an earlier
/// filing of the same batch (its index), whose id the batch learns only
/// as it writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoryRef {
    Stored(StoryId),
    Opened(usize),
}
