//! Cached pages go stale when what they show is written, on every node.
//!
//! The database records each such write itself (triggers, migration 0008:
//! `Store::changes_after`), whoever makes it: ingestion, clustering, the
//! admin, retention, another node. Each node reads the new rows every
//! `invalidate_interval` (one indexed range read, usually empty) and marks
//! stale what they touch:
//!
//! - an article: its page, every page that shows it, every list (home,
//!   sections, feeds, sitemaps, story pages, search) and the latest-news
//!   fragment: a new article may belong to any of them;
//! - a story: the same for each of its articles (one query for them). A
//!   story opened in a thread is a story write too: it changes the latest
//!   list, which shows one line per thread, and the timelines of the
//!   thread's other story pages, all of them lists;
//! - a view batch: the home page, whose most-read block may have moved;
//! - a section or a source (names shown everywhere): everything.
//!
//! An article's change is also a change of its story (one query finds
//! them), whose block on its members' pages counts it.
//!
//! The shared fragments go the same way: the latest-news list with any
//! article or story, a story's block (`AppState::story_blocks`) with its
//! story, the section menu with everything.
//!
//! Article pages are not lists: a new article elsewhere leaves them cached,
//! and only the latest-news fragment they hold in their slot is rebuilt.
//!
//! PostgreSQL hands out ids in order but may commit them out of order, so
//! each read goes back `OVERLAP` ids and skips the ones already applied.

use crate::state::Shared;
use newsroom_core::{ArticleId, StoryId};
use newsroom_store::{Change, StoreError};
use std::collections::{BTreeSet, HashSet};
use std::time::{Duration, Instant};

/// Ids re-read behind the last one seen, for late commits.
const OVERLAP: i64 = 256;
/// Changes read per poll; more than this at once (a bulk import) drops everything.
const BATCH: i64 = 1000;
/// Change rows are kept this long, then pruned by whichever node gets there.
const KEEP_SECS: i64 = 86_400;
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// Reads the change log from where this node stands.
pub struct Follower {
    after: i64,
    applied: BTreeSet<i64>,
}

/// What one poll's changes make stale.
#[derive(Default, Debug)]
struct Stale {
    everything: bool,
    lists: bool,
    home: bool,
    articles: HashSet<ArticleId>,
    stories: Vec<StoryId>,
}

impl Follower {
    /// Starts after the changes already recorded: this node's caches are
    /// empty, so nothing before now can be stale here. Those in the overlap
    /// window count as applied; one committed late below them still counts.
    pub async fn start(state: &Shared) -> Self {
        let read = async {
            let after = state.store.last_change().await?;
            let seen = state
                .store
                .changes_after((after - OVERLAP).max(0), OVERLAP)
                .await?;
            Ok::<_, StoreError>((after, seen.iter().map(|c| c.id).collect()))
        };
        let (after, applied) = match read.await {
            Ok(start) => start,
            Err(e) => {
                tracing::warn!(error = %e, "change log not readable yet; starting from its beginning");
                (0, BTreeSet::new())
            }
        };
        Self { after, applied }
    }

    /// Reads the changes recorded since the last poll and marks stale what
    /// they touch. Returns how many changes were new.
    pub async fn poll(&mut self, state: &Shared) -> Result<usize, StoreError> {
        let floor = (self.after - OVERLAP).max(0);
        let rows = state.store.changes_after(floor, BATCH + OVERLAP).await?;
        let burst = rows.len() as i64 >= BATCH + OVERLAP;
        let mut stale = Stale {
            everything: burst,
            ..Stale::default()
        };
        let mut fresh = 0;
        for c in &rows {
            self.after = self.after.max(c.id);
            if self.applied.insert(c.id) {
                fresh += 1;
                stale.add(c);
            }
        }
        if burst {
            // Jump to the end: everything is being dropped anyway.
            self.after = state.store.last_change().await?.max(self.after);
        }
        self.applied = self.applied.split_off(&(self.after - OVERLAP));
        if fresh > 0 {
            apply(state, stale).await;
        }
        Ok(fresh)
    }
}

impl Stale {
    fn add(&mut self, c: &Change) {
        match c.topic.as_str() {
            "article" => {
                self.articles.insert(ArticleId(c.key));
                self.lists = true;
            }
            "story" => {
                self.stories.push(StoryId(c.key));
                self.lists = true;
            }
            "views" => self.home = true,
            _ => self.everything = true,
        }
    }
}

async fn apply(state: &Shared, mut stale: Stale) {
    touched_stories(state, &mut stale).await;
    drop_fragments(state, &stale);
    for story in std::mem::take(&mut stale.stories) {
        match state.store.story_articles(story).await {
            Ok(cards) => stale.articles.extend(cards.iter().map(|c| c.id)),
            // Cannot tell which pages show it: drop them all.
            Err(_) => stale.everything = true,
        }
    }
    if stale.everything || stale.lists {
        state.fragments.invalidate();
        state.search_cache.invalidate(|_, _| true);
    }
    let n = state.cache.invalidate(|key, page| {
        if stale.everything {
            return true;
        }
        // Without a configured base URL a key ends in "@" and the address.
        let key = key.split_once('@').map_or(key, |(k, _)| k);
        match key.strip_prefix("article:") {
            Some(id) => {
                id.parse()
                    .is_ok_and(|id| stale.articles.contains(&ArticleId(id)))
                    || page.page.ids().iter().any(|id| stale.articles.contains(id))
            }
            None => stale.lists || (stale.home && key == "home"),
        }
    });
    tracing::debug!(pages = n, ?stale, "cached pages marked stale");
}

/// Adds to the stale stories those of the changed articles: a member
/// hidden, shown again or edited changes its story's block, which the
/// pages of the other members show too. A deleted article is no longer
/// filed anywhere; the blocks that counted it name it among their members.
async fn touched_stories(state: &Shared, stale: &mut Stale) {
    if stale.everything || stale.articles.is_empty() {
        return;
    }
    let ids: Vec<ArticleId> = stale.articles.iter().copied().collect();
    match state.store.article_stories(&ids).await {
        Ok(stories) => stale.stories.extend(stories),
        // Cannot tell which stories they are in: drop everything.
        Err(_) => stale.everything = true,
    }
    let counted = state
        .story_blocks
        .keys_where(|block| block.members.iter().any(|m| stale.articles.contains(m)));
    stale.stories.extend(counted);
    stale.stories.sort_unstable();
    stale.stories.dedup();
}

/// The shared fragments the changes touch: the section menu with
/// everything; a story's block with its story.
fn drop_fragments(state: &Shared, stale: &Stale) {
    if stale.everything {
        state.nav.clear();
        state.story_blocks.clear();
    } else if !stale.stories.is_empty() {
        state
            .story_blocks
            .retain(|story, _| !stale.stories.contains(story));
    }
}

/// Follows the change log every `invalidate_interval` until aborted, and
/// prunes it hourly.
pub fn start(state: Shared) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut follower = Follower::start(&state).await;
        let mut tick = tokio::time::interval(state.cfg.invalidate_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut pruned = Instant::now();
        let mut failing = false;
        loop {
            tick.tick().await;
            match follower.poll(&state).await {
                Ok(_) if failing => {
                    failing = false;
                    tracing::info!("change log readable again");
                }
                Ok(_) => {}
                Err(e) if !failing => {
                    failing = true;
                    // Cached pages stay as they are: better a page a little
                    // old than none while the database is away.
                    tracing::warn!(error = %e, "change log not readable; cached pages kept");
                }
                Err(_) => {}
            }
            if pruned.elapsed() >= PRUNE_EVERY {
                pruned = Instant::now();
                let _ = state.store.prune_changes(state.now() - KEEP_SECS).await;
            }
        }
    })
}
