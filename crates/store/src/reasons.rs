//! Why each article is in its story (migration 0017): the clusterer's
//! reason (the score against the threshold, the shared terms and names, a
//! near-duplicate fold, or that it opened the story) or the editor who put
//! it there. One bounded JSON value per article, in `articles.story_reason`,
//! replaced by every re-clustering and every editor's move.

use crate::dialect::{Db, with_pool};
use crate::error::{Result, StoreError};
use newsroom_core::{ArticleId, StoryId, Timestamp};
use serde::{Deserialize, Serialize};

/// The actor the clusterer's own decisions are recorded under (reasons
/// and audit rows).
pub const CLUSTERER: &str = "clusterer";
/// Terms and names kept per reason, each.
pub const REASON_TERMS: usize = 8;
/// Characters kept of a term, and of the actor's name.
const TERM_CHARS: usize = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonKind {
    /// The article opened the story: no story scored high enough.
    Opened,
    /// The article's score against the story reached the threshold.
    Joined,
    /// A near-duplicate of an earlier article, folded into its story.
    Copy,
    /// Its story was merged into this one (by an editor, or by the
    /// clusterer when an article showed the two to be one event).
    Merged,
    /// An editor split it out into a story of its own.
    Split,
    /// An editor chose it as the story's lead.
    Lead,
}

impl ReasonKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReasonKind::Opened => "opened",
            ReasonKind::Joined => "joined",
            ReasonKind::Copy => "copy",
            ReasonKind::Merged => "merged",
            ReasonKind::Split => "split",
            ReasonKind::Lead => "lead",
        }
    }
}

/// Why one article is in its story.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoryReason {
    pub kind: ReasonKind,
    /// [`CLUSTERER`], or the editor's account.
    pub by: String,
    pub at: Timestamp,
    /// The clusterer's score for the story (joined, copy), or the best
    /// any story reached (opened).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// What a story's score had to reach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// Words shared with the story that weighed most, strongest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub terms: Vec<String>,
    /// Names (people, places, organisations) among them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entities: Vec<String>,
    /// For a copy: the article it is a near-duplicate of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy_of: Option<i64>,
    /// For a merge or a split: the story the article came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_story: Option<i64>,
}

impl StoryReason {
    /// A reason with only its kind, actor and time.
    pub fn new(kind: ReasonKind, by: &str, at: Timestamp) -> Self {
        StoryReason {
            kind,
            by: by.to_string(),
            at,
            score: None,
            threshold: None,
            terms: Vec::new(),
            entities: Vec::new(),
            copy_of: None,
            from_story: None,
        }
    }

    /// Set by the clusterer, not by an editor.
    pub fn by_clusterer(&self) -> bool {
        self.by == CLUSTERER
    }

    /// The reason as stored: at most [`REASON_TERMS`] terms and names of at
    /// most 60 characters each, without control characters; scores that
    /// are not finite are dropped.
    pub(crate) fn to_json(&self) -> String {
        let clip = |s: &str| -> String {
            s.chars()
                .filter(|c| !c.is_control())
                .take(TERM_CHARS)
                .collect()
        };
        let list = |v: &[String]| -> Vec<String> {
            v.iter()
                .map(|t| clip(t))
                .filter(|t| !t.trim().is_empty())
                .take(REASON_TERMS)
                .collect()
        };
        let bounded = StoryReason {
            by: clip(&self.by),
            score: self.score.filter(|s| s.is_finite()),
            threshold: self.threshold.filter(|s| s.is_finite()),
            terms: list(&self.terms),
            entities: list(&self.entities),
            ..self.clone()
        };
        serde_json::to_string(&bounded).unwrap_or_default()
    }

    pub(crate) fn from_json(article: i64, text: &str) -> Result<Self> {
        serde_json::from_str(text)
            .map_err(|e| StoreError::Corrupt(format!("story reason of article {article}: {e}")))
    }

    /// What happened, in words: "opened the story", "near-duplicate of
    /// article 12", "split out of story 4"...
    pub fn how(&self) -> String {
        let from = |what: &str, s: Option<i64>| match s {
            Some(s) => format!("{what} story {s}"),
            None => what
                .trim_end_matches(" from")
                .trim_end_matches(" of")
                .to_string(),
        };
        match self.kind {
            ReasonKind::Opened => "opened the story".to_string(),
            ReasonKind::Joined => "joined".to_string(),
            ReasonKind::Copy => match self.copy_of {
                Some(a) => format!("near-duplicate of article {a}"),
                None => "near-duplicate".to_string(),
            },
            ReasonKind::Merged => from("merged in from", self.from_story),
            ReasonKind::Split => from("split out of", self.from_story),
            ReasonKind::Lead => "chosen as lead".to_string(),
        }
    }

    /// One line for people: "joined: score 0.31 >= 0.10; names: Suez Canal;
    /// words: aground (clusterer)".
    pub fn summary(&self) -> String {
        let mut out = self.how();
        if let (Some(s), Some(t)) = (self.score, self.threshold) {
            let cmp = if s >= t { ">=" } else { "<" };
            let what = if self.kind == ReasonKind::Opened {
                "best score"
            } else {
                "score"
            };
            out.push_str(&format!(": {what} {s:.2} {cmp} {t:.2}"));
        }
        if !self.entities.is_empty() {
            out.push_str(&format!("; names: {}", self.entities.join(", ")));
        }
        if !self.terms.is_empty() {
            out.push_str(&format!("; words: {}", self.terms.join(", ")));
        }
        out.push_str(&format!(" ({})", self.by));
        out
    }
}

pub(crate) const SET_REASON: &str = "UPDATE articles SET story_reason = $2 \
     WHERE id = $1 AND ($3 = 0 OR COALESCE(story_locked, 0) = 0)";
/// Members as `story_articles` lists them: published, oldest first.
const STORY_REASONS: &str = "SELECT id, story_reason FROM articles \
     WHERE story_id = $1 AND status = 'published' AND story_reason IS NOT NULL \
     ORDER BY published_at, id";
/// Every member of a story moved by an editor's (or the clusterer's) merge.
pub(crate) const SET_MEMBERS_REASON: &str =
    "UPDATE articles SET story_reason = $2 WHERE story_id = $1";
pub(crate) const SET_ARTICLE_REASON: &str = "UPDATE articles SET story_reason = $2 WHERE id = $1";

impl Db<'_> {
    pub(crate) async fn set_story_reason(
        self,
        article: ArticleId,
        reason: &StoryReason,
    ) -> Result<bool> {
        let json = reason.to_json();
        let clusterer = i64::from(reason.by_clusterer());
        with_pool!(self, |pool| {
            let r = sqlx::query(SET_REASON)
                .bind(article.0)
                .bind(&json)
                .bind(clusterer)
                .execute(pool)
                .await?;
            Ok(r.rows_affected() > 0)
        })
    }

    pub(crate) async fn story_reasons(
        self,
        story: StoryId,
    ) -> Result<Vec<(ArticleId, StoryReason)>> {
        let rows: Vec<(i64, String)> = with_pool!(self, |pool| {
            sqlx::query_as(STORY_REASONS)
                .bind(story.0)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter()
            .map(|(id, text)| Ok((ArticleId(id), StoryReason::from_json(id, &text)?)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_reasons_are_bounded() {
        let mut r = StoryReason::new(ReasonKind::Joined, CLUSTERER, 5);
        r.terms = (0..50)
            .map(|i| format!("word{i}\u{7}{}", "x".repeat(100)))
            .collect();
        r.score = Some(f64::NAN);
        r.threshold = Some(0.1);
        let back = StoryReason::from_json(1, &r.to_json()).unwrap();
        assert_eq!(back.terms.len(), REASON_TERMS);
        assert!(back.terms.iter().all(|t| t.chars().count() == TERM_CHARS));
        assert!(!back.terms[0].contains('\u{7}'));
        assert_eq!((back.score, back.threshold), (None, Some(0.1)));
        assert!(StoryReason::from_json(1, "{").is_err());
    }

    #[test]
    fn summaries_say_what_happened() {
        let mut r = StoryReason::new(ReasonKind::Joined, CLUSTERER, 5);
        r.score = Some(0.314);
        r.threshold = Some(0.1);
        r.entities = vec!["Suez Canal".into()];
        r.terms = vec!["aground".into()];
        assert_eq!(
            r.summary(),
            "joined: score 0.31 >= 0.10; names: Suez Canal; words: aground (clusterer)"
        );
        let mut s = StoryReason::new(ReasonKind::Split, "alice", 5);
        s.from_story = Some(4);
        assert_eq!(s.summary(), "split out of story 4 (alice)");
        s.from_story = None;
        s.kind = ReasonKind::Merged;
        assert_eq!(s.how(), "merged in");
    }
}
