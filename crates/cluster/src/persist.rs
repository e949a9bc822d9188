//! Glue between the clusterer and the `Store`: stored articles are assigned
//! to stored stories, and the clusterer's state lives in the store so that
//! a restarted node, or another node taking over, continues the same
//! stories.
//!
//! Exactly one clusterer may run at a time across all nodes, because two
//! clusterers would each open a story for the same event. The single
//! `cluster` job in the store's lease table enforces that: a node must hold
//! its lease (`ClusterLease::acquire`) to assign articles, loads the state
//! saved by whichever node ran last, and saves it before giving the lease
//! back.
//!
//! Enabled by the `store` feature.

use crate::clusterer::{Assignment, Clusterer, Config, Item};
use newsroom_core::{Article, ArticleId, StoryId, Timestamp};
use newsroom_store::moderation::{self, Editor};
use newsroom_store::{
    CLUSTERER, Filing, FilingStory, ReasonKind, Store, StoreError, StoryReason, StoryRef,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Meta key holding the serialised `StoryAssigner`.
pub const STATE_KEY: &str = "cluster.state";
/// Key and kind of the job whose lease makes one node the clusterer.
pub const JOB_KEY: &str = "cluster";
pub const JOB_KIND: &str = "cluster";

#[derive(Debug, thiserror::Error)]
pub enum PersistError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("stored clustering state is unreadable: {0}")]
    State(#[from] serde_json::Error),
    #[error("the clustering lease was lost to another worker")]
    LeaseLost,
}

/// Where one article went in the store.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    pub article: ArticleId,
    pub story: StoryId,
    pub assignment: Assignment,
    /// The stored story this article's assignment showed to be the same
    /// event, merged into `story` as an action by "clusterer".
    pub merged: Option<StoryId>,
}

/// A clusterer plus the mapping from its story ids to the store's.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoryAssigner {
    clusterer: Clusterer,
    /// Clusterer story id -> stored story id, for stories still live in the
    /// clusterer's window (older ones can never be joined again).
    stories: BTreeMap<u64, StoryId>,
    /// Clusterer thread id -> the stored story that opened the thread (the
    /// store names a thread by its first story), for threads still open.
    /// Absent from state saved before threads were stored.
    #[serde(default)]
    threads: BTreeMap<u64, StoryId>,
    /// Highest article id assigned so far. Articles are assigned in id order,
    /// so anything at or below it was handled before (perhaps by a node that
    /// crashed before it could tell its caller) and is skipped.
    last_article: Option<ArticleId>,
    /// Articles placed by the clusterer and not yet written to the store.
    #[serde(skip)]
    pending: Pending,
    /// Whether an article was placed since the state was loaded: if not,
    /// the state stored is still this one and is not written again.
    #[serde(skip)]
    placed_any: bool,
}

/// Placements decided and not yet written: a batch of them is filed in one
/// write transaction (`Store::file_articles`) where an article at a time
/// cost three (the story, the membership, the reason).
#[derive(Debug, Clone, Default)]
struct Pending {
    filings: Vec<Filing>,
    /// The clusterer's decision for each filing.
    assignments: Vec<Assignment>,
    /// Clusterer story and thread ids met in this batch, as it names them.
    stories: HashMap<u64, StoryRef>,
    threads: HashMap<u64, StoryRef>,
}

/// Placements kept back at most before they are written.
const FILE_AT_ONCE: usize = 500;

impl StoryAssigner {
    pub fn new(config: Config) -> Self {
        StoryAssigner {
            clusterer: Clusterer::new(config),
            stories: BTreeMap::new(),
            threads: BTreeMap::new(),
            last_article: None,
            pending: Pending::default(),
            placed_any: false,
        }
    }

    /// An assigner that counts every article up to `last` as handled: for a
    /// site whose stories were written whole (`newsroom demo`), so that the
    /// clustering job files only the articles that arrive after.
    pub fn handled_through(config: Config, last: ArticleId) -> Self {
        StoryAssigner {
            last_article: Some(last),
            ..StoryAssigner::new(config)
        }
    }

    /// The saved state, or a fresh assigner when none was saved yet. The
    /// saved clusterer keeps its own settings, except the thread horizon,
    /// which is the site's setting (`cluster.thread_horizon_days`) and is
    /// taken from `config`.
    pub async fn load(store: &dyn Store, config: Config) -> Result<Self, PersistError> {
        match store.get_meta(STATE_KEY).await? {
            Some(json) => {
                let mut assigner: StoryAssigner = serde_json::from_str(&json)?;
                assigner
                    .clusterer
                    .set_thread_horizon_days(config.threads.horizon_days);
                Ok(assigner)
            }
            None => Ok(StoryAssigner::new(config)),
        }
    }

    pub fn clusterer(&self) -> &Clusterer {
        &self.clusterer
    }

    pub async fn save(&self, store: &dyn Store) -> Result<(), PersistError> {
        store
            .set_meta(STATE_KEY, &serde_json::to_string(self)?)
            .await?;
        Ok(())
    }

    /// Stories still open to new articles.
    pub fn live_stories(&self) -> usize {
        self.clusterer.state_size().live_stories
    }

    pub fn last_article(&self) -> Option<ArticleId> {
        self.last_article
    }

    /// What the clusterer sees of a stored article: the headline, the first
    /// part of the text, the URL and the outlet's name.
    pub fn item(article: &Article, source_name: Option<&str>) -> Item {
        Item {
            id: article.id.to_string(),
            title: article.title.clone(),
            text: (!article.body_text.is_empty())
                .then(|| article.body_text.clone())
                .or_else(|| (!article.summary.is_empty()).then(|| article.summary.clone())),
            url: Some(article.canonical_url.clone()),
            source: source_name.map(str::to_string),
            // Arrival is when we fetched it: feeds backdate and misdate.
            published: article.published_at.min(article.fetched_at),
        }
    }

    /// Assigns one article to a story in the store (creating the story when
    /// the article opens one, in the thread the clusterer chose for it).
    /// Articles must come in increasing id order; one already handled
    /// returns `None`.
    pub async fn assign(
        &mut self,
        store: &dyn Store,
        article: &Article,
        source_name: Option<&str>,
        now: Timestamp,
    ) -> Result<Option<Placement>, PersistError> {
        if self.last_article.is_some_and(|last| article.id <= last) {
            return Ok(None);
        }
        let placed = self.file(store, &[(article, source_name)], now).await?;
        self.last_article = Some(article.id);
        Ok(placed.into_iter().next())
    }

    /// [`assign`](Self::assign) for a batch in increasing id order, written
    /// in as few transactions as its merges allow. Returns how many were
    /// assigned (those already handled are skipped).
    pub async fn assign_all(
        &mut self,
        store: &dyn Store,
        articles: &[(&Article, Option<&str>)],
        now: Timestamp,
    ) -> Result<usize, PersistError> {
        let last = self.last_article;
        let new: Vec<(&Article, Option<&str>)> = articles
            .iter()
            .copied()
            .filter(|(a, _)| last.is_none_or(|last| a.id > last))
            .collect();
        let placed = self.file(store, &new, now).await?;
        self.last_article = self
            .last_article
            .max(placed.iter().map(|p| p.article).max());
        Ok(placed.len())
    }

    /// Files articles stored all at once (a demo site) as ingestion would
    /// have met them, oldest first, and counts them all as handled. Taken
    /// in id order instead, each would be clustered at the latest time seen
    /// so far, as if all had arrived at one instant.
    pub async fn file_in_time_order(
        &mut self,
        store: &dyn Store,
        articles: &[(Article, Option<String>)],
        now: Timestamp,
    ) -> Result<(), PersistError> {
        let mut order: Vec<&(Article, Option<String>)> = articles.iter().collect();
        order.sort_by_key(|(a, _)| (a.published_at.min(a.fetched_at), a.id));
        let order: Vec<(&Article, Option<&str>)> =
            order.into_iter().map(|(a, s)| (a, s.as_deref())).collect();
        self.file(store, &order, now).await?;
        self.last_article = self.last_article.max(articles.iter().map(|a| a.0.id).max());
        Ok(())
    }

    /// Places each article and writes the placements, a batch at a time.
    /// A merge of two stored stories reads the store, so what is pending is
    /// written before it.
    async fn file(
        &mut self,
        store: &dyn Store,
        articles: &[(&Article, Option<&str>)],
        now: Timestamp,
    ) -> Result<Vec<Placement>, PersistError> {
        let mut placed = Vec::new();
        for &(article, source_name) in articles {
            let merged = self.place(article, source_name, now);
            if merged.is_some_and(|gone| self.story_ref(gone).is_some()) {
                placed.extend(self.write(store, now).await?);
                if let Some(last) = placed.last_mut() {
                    self.mirror(store, last, now).await?;
                }
                self.forget_closed();
            } else if self.pending.filings.len() >= FILE_AT_ONCE {
                placed.extend(self.write(store, now).await?);
                self.forget_closed();
            }
        }
        placed.extend(self.write(store, now).await?);
        self.forget_closed();
        Ok(placed)
    }

    /// The clusterer's decision for one article, kept for [`write`](Self::write).
    /// Returns the story it showed to be the same event as its own, if any.
    fn place(
        &mut self,
        article: &Article,
        source_name: Option<&str>,
        now: Timestamp,
    ) -> Option<u64> {
        let assignment = self.clusterer.add(Self::item(article, source_name));
        self.placed_any = true;
        let story = match (assignment.new_story, self.story_ref(assignment.story)) {
            (false, Some(story)) => FilingStory::Join(story),
            // A new story, or (after a state written by an older version)
            // one we have no stored id for: open it in the store, in the
            // thread it continues, if that thread has a stored story.
            _ => FilingStory::Open {
                thread: (!assignment.new_thread)
                    .then(|| self.thread_ref(assignment.thread))
                    .flatten(),
            },
        };
        crate::metrics::filed(&assignment, article.fetched_at, now);
        let named = match story {
            FilingStory::Join(s) => s,
            FilingStory::Open { .. } => StoryRef::Opened(self.pending.filings.len()),
        };
        self.pending.stories.insert(assignment.story, named);
        // A thread's first stored story names it; a story the clusterer knew
        // before threads existed opens its thread here and is its own thread
        // in the store too.
        if self.thread_ref(assignment.thread).is_none() {
            self.pending.threads.insert(assignment.thread, named);
        }
        self.pending.filings.push(Filing {
            article: article.id,
            story,
            reason: Some(reason(&assignment, now)),
        });
        let merged = assignment.merged;
        self.pending.assignments.push(assignment);
        merged
    }

    /// The clusterer's story `id` as the pending batch names it.
    fn story_ref(&self, id: u64) -> Option<StoryRef> {
        let stored = || self.stories.get(&id).map(|&s| StoryRef::Stored(s));
        self.pending.stories.get(&id).copied().or_else(stored)
    }

    fn thread_ref(&self, id: u64) -> Option<StoryRef> {
        let stored = || self.threads.get(&id).map(|&s| StoryRef::Stored(s));
        self.pending.threads.get(&id).copied().or_else(stored)
    }

    /// Writes the pending placements in one transaction and learns the ids
    /// of the stories they opened.
    async fn write(
        &mut self,
        store: &dyn Store,
        now: Timestamp,
    ) -> Result<Vec<Placement>, PersistError> {
        if self.pending.filings.is_empty() {
            return Ok(Vec::new());
        }
        let pending = std::mem::take(&mut self.pending);
        let ids = store.file_articles(&pending.filings, now).await?;
        let id = |r: StoryRef| match r {
            StoryRef::Stored(s) => s,
            StoryRef::Opened(i) => ids[i],
        };
        for (story, named) in pending.stories {
            self.stories.insert(story, id(named));
        }
        for (thread, named) in pending.threads {
            self.threads.entry(thread).or_insert(id(named));
        }
        Ok(pending
            .filings
            .iter()
            .zip(pending.assignments)
            .zip(&ids)
            .map(|((f, assignment), &story)| Placement {
                article: f.article,
                story,
                assignment,
                merged: None,
            })
            .collect())
    }

    /// Mirrors in the store the merge that the placement's article showed.
    async fn mirror(
        &mut self,
        store: &dyn Store,
        placed: &mut Placement,
        now: Timestamp,
    ) -> Result<(), PersistError> {
        if let Some(gone) = placed.assignment.merged
            && let Some(&gone_story) = self.stories.get(&gone)
            && let Some((target, other)) =
                mirror_merge(store, placed.story, gone_story, now).await?
        {
            self.stories.insert(gone, target);
            self.stories.insert(placed.assignment.story, target);
            placed.story = target;
            placed.merged = Some(other);
        }
        Ok(())
    }

    /// Stories and threads no longer live in the clusterer's window can
    /// never be joined again (kept until a merge they were part of is
    /// mirrored).
    fn forget_closed(&mut self) {
        if self.stories.len() > 2 * self.clusterer.state_size().live_stories + 64 {
            let live: std::collections::BTreeSet<u64> =
                self.clusterer.stories().iter().map(|s| s.id).collect();
            self.stories.retain(|id, _| live.contains(id));
        }
        if self.threads.len() > 2 * self.clusterer.state_size().live_threads + 64 {
            let live: std::collections::BTreeSet<u64> =
                self.clusterer.threads().iter().map(|t| t.id).collect();
            self.threads.retain(|id, _| live.contains(id));
        }
    }
}

/// Why the clusterer filed the article where it did, as the store keeps it.
fn reason(a: &Assignment, now: Timestamp) -> StoryReason {
    let kind = if a.new_story {
        ReasonKind::Opened
    } else if a.near_duplicate_of.is_some() {
        ReasonKind::Copy
    } else {
        ReasonKind::Joined
    };
    let (entities, terms): (Vec<_>, Vec<_>) = a.shared.iter().partition(|t| t.name);
    StoryReason {
        score: Some(a.score),
        threshold: Some(a.threshold),
        terms: terms.into_iter().map(|t| t.text.clone()).collect(),
        entities: entities.into_iter().map(|t| t.text.clone()).collect(),
        copy_of: a
            .near_duplicate_of
            .as_deref()
            .and_then(|id| id.parse().ok()),
        ..StoryReason::new(kind, CLUSTERER, now)
    }
}

/// The story as it stands: a story merged away is its target.
async fn live(store: &dyn Store, id: StoryId) -> Result<Option<newsroom_core::Story>, StoreError> {
    let Some(story) = store.get_story(id).await? else {
        return Ok(None);
    };
    match story.merged_into {
        Some(target) => store.get_story(target).await,
        None => Ok(Some(story)),
    }
}

/// An editor has shaped the story: titled, led, pinned or hid it, or put
/// articles in it (merge, split, lead).
async fn shaped(store: &dyn Store, s: &newsroom_core::Story) -> Result<bool, StoreError> {
    if s.title.is_some() || s.editor_lead || s.pinned_until.is_some() || s.hidden {
        return Ok(true);
    }
    Ok(store
        .story_reasons(s.id)
        .await?
        .iter()
        .any(|(_, r)| !r.by_clusterer()))
}

/// Mirrors the clusterer's merge of two stories in the store, through the
/// editors' own `moderation::merge` (and its audit row), as "clusterer".
/// Editors' decisions hold: a story an editor shaped is the one kept, so
/// its title, lead, pin, hiding and placed articles stay as they are; two
/// such stories are left apart for an editor to join. Returns the stored
/// story kept and the one merged into it, or `None` when nothing was
/// merged (already one story, unknown, or both shaped).
async fn mirror_merge(
    store: &dyn Store,
    keep: StoryId,
    gone: StoryId,
    now: Timestamp,
) -> Result<Option<(StoryId, StoryId)>, StoreError> {
    let (Some(k), Some(g)) = (live(store, keep).await?, live(store, gone).await?) else {
        return Ok(None);
    };
    if k.id == g.id {
        return Ok(None);
    }
    let (target, other) = match (shaped(store, &k).await?, shaped(store, &g).await?) {
        (true, true) => {
            tracing::info!(
                kept = %k.id,
                other = %g.id,
                "clusterer: two stories editors shaped look like one event; left for an editor"
            );
            return Ok(None);
        }
        (false, true) => (g.id, k.id),
        _ => (k.id, g.id),
    };
    let by = Editor {
        name: CLUSTERER,
        now,
    };
    moderation::merge(store, &by, target, &[other]).await?;
    Ok(Some((target, other)))
}

/// Holding the clustering lease, with the state loaded from the store.
pub struct ClusterLease {
    worker: String,
    lease_secs: i64,
    pub assigner: StoryAssigner,
}

impl ClusterLease {
    /// Claims the clustering job for `lease_secs`; `None` when another worker
    /// holds it. The state is loaded after the claim, so it includes
    /// everything the previous holder saved.
    pub async fn acquire(
        store: &dyn Store,
        worker: &str,
        now: Timestamp,
        lease_secs: i64,
        config: Config,
    ) -> Result<Option<Self>, PersistError> {
        store.ensure_job(JOB_KEY, JOB_KIND, now, None).await?;
        let jobs = store
            .claim_jobs(JOB_KIND, worker, now, lease_secs, 1)
            .await?;
        if !jobs.iter().any(|j| j.key == JOB_KEY) {
            return Ok(None);
        }
        let assigner = StoryAssigner::load(store, config).await?;
        Ok(Some(ClusterLease {
            worker: worker.to_string(),
            lease_secs,
            assigner,
        }))
    }

    /// Extends the lease during a long batch.
    pub async fn renew(&self, store: &dyn Store, now: Timestamp) -> Result<(), PersistError> {
        if store
            .renew_lease(JOB_KEY, &self.worker, now, self.lease_secs)
            .await?
        {
            Ok(())
        } else {
            Err(PersistError::LeaseLost)
        }
    }

    /// Saves the state (when it changed) and gives the lease back, due again
    /// at `next_due`.
    pub async fn release(
        self,
        store: &dyn Store,
        now: Timestamp,
        next_due: Timestamp,
    ) -> Result<(), PersistError> {
        // Check the lease is still ours before overwriting the state: a
        // worker whose lease ran out must not clobber the new holder's.
        self.renew(store, now).await?;
        if self.assigner.placed_any {
            self.assigner.save(store).await?;
        }
        if store
            .complete_job(JOB_KEY, &self.worker, Some(next_due), None)
            .await?
        {
            Ok(())
        } else {
            Err(PersistError::LeaseLost)
        }
    }
}
