//! A story is one event told by one or more articles (filled by clustering).

use crate::{ArticleId, StoryId, Timestamp};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Story {
    pub id: StoryId,
    pub lead_article: ArticleId,
    pub first_seen: Timestamp,
    pub last_update: Timestamp,
    /// Number of member articles.
    pub size: i64,
    /// The thread (developing event over days) the story belongs to: the id
    /// of the thread's first story, its own id when it opened the thread.
    pub thread: StoryId,
    /// The title an editor gave it, shown instead of its lead's.
    pub title: Option<String>,
    /// The lead is an editor's choice, kept as members come and go.
    pub editor_lead: bool,
    /// Leads the home page and its section until then.
    pub pinned_until: Option<Timestamp>,
    /// Hidden by an editor: no page, no place in lists.
    pub hidden: bool,
    /// Merged into that story: its page redirects there.
    pub merged_into: Option<StoryId>,
}
