//! The online clusterer: one code path for live ingestion and evaluation.

use crate::affix::{AffixConfig, AffixLearner};
use crate::event_terms::event_terms_tokens;
use crate::features::{FeatureWeights, View, extract_tokens, visit_terms};
use crate::hash::FxMap;
use crate::index::{Index, add_to_centroid, damp};
use crate::neardup::{NearDupConfig, NearDupIndex};
use crate::story::{StoryState, StorySummary};
use crate::tfidf::DocFreq;
use crate::thread::{ThreadConfig, ThreadSummary, Threads};
use crate::tokenize::{Token, normalise_title, tokens, url_host};
use crate::window::{ExpiryQueue, effective_time, horizon};
use serde::{Deserialize, Serialize};

/// One article as the clusterer needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub id: String,
    pub title: String,
    pub text: Option<String>,
    pub url: Option<String>,
    pub source: Option<String>,
    /// Unix seconds, UTC.
    pub published: i64,
}

/// Where an item went, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    pub story: u64,
    /// The item opened a new story.
    pub new_story: bool,
    /// Id of the earlier item this one is a near-duplicate of (it then joins
    /// that item's story).
    pub near_duplicate_of: Option<String>,
    /// The developing event the story belongs to: the id of the thread's
    /// first story.
    pub thread: u64,
    /// The item's story opened a new thread.
    pub new_thread: bool,
    /// How well the item fitted its story: the score (cosine with the
    /// story's centroid, times size prior and time decay) of the story it
    /// joined or, for a near-duplicate, of its original's story (a copy
    /// folds whatever it scores); for an item that opened a story, the best
    /// score any story reached (under `threshold`; 0 when none shared a term).
    #[serde(default)]
    pub score: f64,
    /// The score a story had to reach (`Config::threshold`).
    #[serde(default)]
    pub threshold: f64,
    /// The terms shared with the story that weighed most in `score`,
    /// strongest first, at most [`SHARED_TERMS`]; none when the item
    /// opened its story.
    #[serde(default)]
    pub shared: Vec<SharedTerm>,
    /// A story the item showed to be the same event as `story`, folded into
    /// it (`Config::merge_threshold`): its later items come to `story`.
    #[serde(default)]
    pub merged: Option<u64>,
}

/// Terms named in an [`Assignment`].
pub const SHARED_TERMS: usize = 8;

/// A term an item shares with its story, as the item writes it: a word,
/// or two adjacent headline words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedTerm {
    pub text: String,
    /// A name (its capitals say so: an acronym, or capitals inside a
    /// sentence-case headline) rather than a plain word.
    pub name: bool,
}

/// Tunables. Defaults were tuned on the first 14 days of the dev set only.
/// Missing fields take their defaults when deserialising, so partial
/// configurations and older snapshots load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// How far back a new article looks for its story: a story takes
    /// articles at full strength for this many hours after its first one,
    /// then fades (halving every `age_half_life_hours`), and is forgotten
    /// once it can no longer win. `newsroom cluster --window-hours` sets it.
    /// Events that run longer are followed by threads (`threads`).
    #[serde(alias = "age_grace_hours")]
    pub story_hours: f64,
    /// Minimum decayed similarity for joining an existing story.
    pub threshold: f64,
    /// Half-life of the document-frequency counts behind the online IDF.
    pub idf_half_life_hours: f64,
    /// Terms this common carry no signal; dropping them also keeps the
    /// longest posting lists out of the scoring loop.
    pub min_idf: f64,
    /// Exponent on IDF in term weights. 1 is plain TF-IDF; with story-level
    /// IDF, sharper (1.5) and flatter (0.5-0.75) both lost on the dev days.
    pub idf_power: f64,
    /// How a story's score is normalised: 1 divides the dot product by the
    /// centroid's norm (cosine), 0 by the story size (average similarity to
    /// the members); values in between mix the two.
    pub norm_power: f64,
    /// Exponent on a story's summed term weights before scoring; below 1
    /// flattens the centroid so that terms of a few members still count.
    pub centroid_power: f64,
    /// Count document frequency over stories instead of articles, so that a
    /// burst of coverage does not make the event's own name look common.
    pub story_idf: bool,
    /// Score factor 1 + size_bonus * ln(size): a mild prior that an event
    /// already covered widely draws the next article too.
    pub size_bonus: f64,
    /// Similarity halves for every this many hours since the story's last
    /// member arrived.
    pub idle_half_life_hours: f64,
    /// Past `story_hours`, similarity halves every this many hours.
    pub age_half_life_hours: f64,
    /// Two stories that an item fits both of merge when their centroids'
    /// cosine reaches this (above 1 = never).
    pub merge_threshold: f64,
    pub features: FeatureWeights,
    pub near_dup: NearDupConfig,
    /// A near-duplicate folds into its original's story only if that
    /// story's time decay is at least this.
    pub near_dup_min_decay: f64,
    /// Threads: developing events above day-level stories.
    pub threads: ThreadConfig,
    /// Outlet boilerplate learned per source and stripped from titles.
    pub affixes: AffixConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            story_hours: 23.0,
            threshold: 0.10,
            idf_half_life_hours: 96.0,
            min_idf: 1.0,
            idf_power: 1.0,
            norm_power: 1.0,
            centroid_power: 0.7,
            story_idf: true,
            size_bonus: 0.05,
            idle_half_life_hours: 3.5,
            age_half_life_hours: 0.5,
            merge_threshold: 0.25,
            features: FeatureWeights::default(),
            near_dup: NearDupConfig::default(),
            near_dup_min_decay: 0.5,
            threads: ThreadConfig::default(),
            affixes: AffixConfig::default(),
        }
    }
}

/// Sizes of the state, for monitoring and the bounded-memory tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StateSize {
    pub live_stories: usize,
    pub story_slots: usize,
    pub postings: usize,
    pub posting_terms: usize,
    pub df_terms: usize,
    pub near_dup_entries: usize,
    pub near_dup_buckets: usize,
    pub expiry_entries: usize,
    pub live_threads: usize,
    pub thread_postings: usize,
    pub thread_df_terms: usize,
    pub affix_sources: usize,
}

/// Online story clusterer.
///
/// State is serialisable with serde (`serde_json::to_writer(&clusterer)`),
/// and a deserialised clusterer continues exactly as the original would:
/// no decision depends on hash-map iteration order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Clusterer {
    config: Config,
    clock: Option<i64>,
    next_story: u64,
    df: DocFreq,
    stories: Vec<Option<StoryState>>,
    /// Slots free for reuse. A slot freed by eviction waits in `retired`
    /// until compaction has removed its postings, so any posting that points
    /// at an empty slot is stale, and a reused slot never inherits one.
    free: Vec<u32>,
    retired: Vec<u32>,
    /// Story id -> slot, for following a near-duplicate to its story.
    slots: FxMap<u64, u32>,
    /// Merged story id -> the story that absorbed it.
    aliases: FxMap<u64, u64>,
    index: Index,
    expiry: ExpiryQueue,
    neardup: NearDupIndex,
    /// Absent from snapshots written before threads existed.
    #[serde(default)]
    threads: Threads,
    #[serde(default)]
    affixes: AffixLearner,
    #[serde(skip)]
    scratch: Scratch,
}

#[derive(Debug, Clone, Default)]
struct Scratch {
    title_tokens: Vec<Token>,
    tokens: Vec<Token>,
    shingles: Vec<u64>,
    acc: Vec<f32>,
    touched: Vec<u32>,
}

impl Default for Clusterer {
    fn default() -> Self {
        Clusterer::new(Config::default())
    }
}

impl Clusterer {
    pub fn new(config: Config) -> Self {
        Clusterer {
            df: DocFreq::new(config.idf_half_life_hours * 3600.0),
            neardup: NearDupIndex::new(config.near_dup.clone()),
            threads: Threads::new(config.threads.clone()),
            affixes: AffixLearner::new(config.affixes.clone()),
            config,
            clock: None,
            next_story: 1,
            stories: Vec::new(),
            free: Vec::new(),
            retired: Vec::new(),
            slots: FxMap::default(),
            aliases: FxMap::default(),
            index: Index::default(),
            expiry: ExpiryQueue::default(),
            scratch: Scratch::default(),
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Changes the thread horizon of a running (or restored) clusterer: a
    /// site's setting, not part of the state. Takes effect at the next item.
    pub fn set_thread_horizon_days(&mut self, days: f64) {
        self.config.threads.horizon_days = days;
        self.threads.set_horizon_days(days);
    }

    /// How long after its last update a story is kept: past its lifetime
    /// and eight fade half-lives (1/256) it can no longer win.
    fn window_secs(&self) -> i64 {
        let hours =
            self.config.story_hours.max(0.0) + 8.0 * self.config.age_half_life_hours.max(0.0);
        (hours * 3600.0).round() as i64
    }

    /// Clusters one item, using only what has arrived before it.
    pub fn add(&mut self, item: Item) -> Assignment {
        let now = effective_time(item.published, self.clock);
        self.clock = Some(now);
        self.evict(horizon(now, self.window_secs()));
        self.threads.evict(now);

        let source = item
            .source
            .as_deref()
            .or_else(|| item.url.as_deref().and_then(url_host));
        let bare = self.affixes.strip(source, &item.title);
        let title = normalise_title(bare, item.source.as_deref());
        self.scratch.title_tokens.clear();
        tokens(&title, &mut self.scratch.title_tokens);
        let raw = extract_tokens(
            &self.scratch.title_tokens,
            item.url.as_deref(),
            item.text.as_deref(),
            &self.config.features,
            &mut self.scratch.tokens,
        );
        let fp = self.neardup.fingerprint(&title, &mut self.scratch.shingles);
        // A copy joins its original's story only while that story is still
        // current; a wire headline re-run days later is a new story's lead.
        let dup = self.neardup.find(&fp).filter(|m| {
            self.slot_of(m.story)
                .and_then(|slot| self.stories[slot as usize].as_ref())
                .is_some_and(|s| self.decay(s, now) >= self.config.near_dup_min_decay)
        });

        if !self.config.story_idf {
            self.df.observe(raw.iter().map(|e| e.0), now);
        }
        let query = self.weigh(&raw, now);

        let mut runner_up = None;
        let mut score = 0.0;
        let (slot, new_story, near_duplicate_of) = match dup {
            Some(m) => (self.slot_of(m.story).unwrap_or(0), false, Some(m.item)),
            None => match self.best_story(&query, now) {
                (Some(slot), second, best) => {
                    runner_up = second;
                    score = best;
                    (slot, false, None)
                }
                (None, _, best) => {
                    score = best;
                    (self.open_story(item.id.clone(), now), true, None)
                }
            },
        };
        // What the item shares with the story, read before it joins.
        let shared = if new_story {
            Vec::new()
        } else {
            let (fit, top) = self.fit(slot, &query, now);
            if near_duplicate_of.is_some() {
                score = fit;
            }
            self.name_terms(&top, &title, item.url.as_deref(), item.text.as_deref())
        };
        self.absorb(slot, &query, now);
        let mut story = self.stories[slot as usize].as_ref().map_or(0, |s| s.id);
        let mut merged = None;
        // An item that fits two stories may show they are one event told
        // twice; merge them when their centroids agree, so the rest of the
        // coverage is not split between them.
        if let Some(other) = runner_up
            && self.config.merge_threshold <= 1.0
            && self.story_cosine(slot, other) >= self.config.merge_threshold
        {
            // The bigger story absorbs the smaller; on a tie the older one.
            let rank = |x: u32| {
                self.stories[x as usize]
                    .as_ref()
                    .map_or((0, 0), |s| (s.size, u64::MAX - s.id))
            };
            let (keep, gone) = if rank(slot) >= rank(other) {
                (slot, other)
            } else {
                (other, slot)
            };
            merged = self.stories[gone as usize].as_ref().map(|s| s.id);
            self.merge(keep, gone);
            story = self.resolve(story);
        }
        self.neardup.insert(fp, item.id, story, now);
        let (thread, new_thread) =
            self.thread_of(story, new_story, &title, item.text.as_deref(), now);
        Assignment {
            story,
            new_story,
            near_duplicate_of,
            thread,
            new_thread,
            score,
            threshold: self.config.threshold,
            shared,
            merged,
        }
    }

    /// The item's score against the story in `slot`, and the terms that
    /// weighed most in it (strongest first, at most [`SHARED_TERMS`]).
    fn fit(&self, slot: u32, query: &[(u64, f32)], now: i64) -> (f64, Vec<u64>) {
        let Some(s) = self.stories.get(slot as usize).and_then(Option::as_ref) else {
            return (0.0, Vec::new());
        };
        let gamma = self.config.centroid_power;
        let mut parts: Vec<(f32, u64)> = query
            .iter()
            .filter_map(|&(t, qw)| s.terms.get(&t).map(|(w, _)| (qw * damp(*w, gamma), t)))
            .collect();
        let dot: f64 = parts.iter().map(|p| f64::from(p.0)).sum();
        parts.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let top = parts.iter().take(SHARED_TERMS).map(|p| p.1).collect();
        (story_score(&self.config, s, dot, now), top)
    }

    /// Names hashed terms from the item's own words: headline words as
    /// written, pairs of them, then URL and lede words. A term no view
    /// names (none should be missing) is left out.
    fn name_terms(
        &mut self,
        top: &[u64],
        title: &str,
        url: Option<&str>,
        text: Option<&str>,
    ) -> Vec<SharedTerm> {
        if top.is_empty() {
            return Vec::new();
        }
        let mut names: Vec<Option<SharedTerm>> = vec![None; top.len()];
        let mut missing = top.len();
        let surface = |t: &Token| {
            title
                .get(t.span.0 as usize..t.span.1 as usize)
                .unwrap_or(&t.text)
                .to_string()
        };
        let Scratch {
            title_tokens,
            tokens,
            ..
        } = &mut self.scratch;
        visit_terms(
            title_tokens,
            url,
            text,
            &self.config.features,
            tokens,
            |h, _, view| {
                let Some(i) = top.iter().position(|&t| t == h) else {
                    return true;
                };
                if names[i].is_some() {
                    return true;
                }
                names[i] = Some(match view {
                    View::Title { token, name } => SharedTerm {
                        text: surface(token),
                        name,
                    },
                    View::Pair {
                        first,
                        second,
                        name,
                    } => SharedTerm {
                        text: format!("{} {}", surface(first), surface(second)),
                        name,
                    },
                    View::Url(token) | View::Text(token) => SharedTerm {
                        text: token.text.clone(),
                        name: false,
                    },
                });
                missing -= 1;
                missing > 0
            },
        );
        names.into_iter().flatten().collect()
    }

    /// A new story joins the thread its article matches best, or opens one;
    /// an article of a known story goes to the story's thread. Either way
    /// the article adds to the thread's content.
    fn thread_of(
        &mut self,
        story: u64,
        new_story: bool,
        title: &str,
        text: Option<&str>,
        now: i64,
    ) -> (u64, bool) {
        let raw = event_terms_tokens(
            title,
            &self.scratch.title_tokens,
            text,
            &self.config.threads.terms,
            &mut self.scratch.tokens,
        );
        let q = self.threads.weigh(&raw, now);
        let slot = self.slot_of(story);
        let known = slot
            .and_then(|s| self.stories[s as usize].as_ref())
            .map(|s| s.thread)
            .filter(|&t| t != 0 && self.threads.is_open(t));
        let found = match known {
            Some(t) if !new_story => Some(t),
            _ if new_story => {
                let has_text = text.is_some_and(|t| !t.trim().is_empty());
                self.threads.best(&q, now, has_text).map(|b| b.0)
            }
            _ => None,
        };
        let (thread, new_thread) = match found {
            Some(t) => (t, false),
            None => {
                self.threads.open(story, now);
                (story, true)
            }
        };
        if let Some(s) = slot.and_then(|s| self.stories[s as usize].as_mut()) {
            s.thread = thread;
        }
        self.threads
            .absorb(thread, &q, now, new_story || new_thread);
        (thread, new_thread)
    }

    /// Unit-length TF-IDF vector of the item's informative terms.
    fn weigh(&self, raw: &[(u64, f32)], now: i64) -> Vec<(u64, f32)> {
        let mut q: Vec<(u64, f32)> = raw
            .iter()
            .filter_map(|&(t, w)| {
                let idf = self.df.idf(t, now);
                // Judged only once the term has been seen often enough for
                // its IDF to mean something; a cold start keeps every term.
                let common = idf < self.config.min_idf && self.df.df(t, now) >= 10.0;
                (!common).then(|| (t, (f64::from(w) * pow(idf, self.config.idf_power)) as f32))
            })
            .collect();
        let norm = q.iter().map(|e| f64::from(e.1).powi(2)).sum::<f64>().sqrt();
        if norm > 0.0 {
            for e in &mut q {
                e.1 = (f64::from(e.1) / norm) as f32;
            }
        }
        q
    }

    /// Time decay of a story's pull on a new item.
    pub fn decay(&self, story: &StoryState, now: i64) -> f64 {
        decay(&self.config, story.first_seen, story.last_update, now)
    }

    /// The best story at or above the threshold, the runner-up if it is
    /// above the threshold too, and the best score, whether it reached the
    /// threshold or not.
    fn best_story(&mut self, query: &[(u64, f32)], now: i64) -> (Option<u32>, Option<u32>, f64) {
        let Scratch { acc, touched, .. } = &mut self.scratch;
        if acc.len() < self.stories.len() {
            acc.resize(self.stories.len(), 0.0);
        }
        for &(term, qw) in query {
            for p in self.index.postings(term) {
                let a = &mut acc[p.slot as usize];
                if *a == 0.0 {
                    touched.push(p.slot);
                }
                *a += qw * p.weight;
            }
        }
        let mut best: Option<(f64, u64, u32)> = None;
        let mut second: Option<(f64, u64, u32)> = None;
        for &slot in touched.iter() {
            let dot = f64::from(std::mem::take(&mut acc[slot as usize]));
            let Some(s) = self.stories[slot as usize].as_ref() else {
                continue;
            };
            if s.norm2 <= 0.0 {
                continue;
            }
            let score = story_score(&self.config, s, dot, now);
            let beats = |other: Option<(f64, u64, u32)>| match other {
                None => true,
                Some((b, id, _)) => score > b || (score == b && s.id < id),
            };
            if beats(best) {
                second = best;
                best = Some((score, s.id, slot));
            } else if beats(second) {
                second = Some((score, s.id, slot));
            }
        }
        touched.clear();
        let t = self.config.threshold;
        (
            best.filter(|b| b.0 >= t).map(|b| b.2),
            second.filter(|b| b.0 >= t).map(|b| b.2),
            best.map_or(0.0, |b| b.0),
        )
    }

    /// Cosine between two stories' centroids as scored.
    fn story_cosine(&self, a: u32, b: u32) -> f64 {
        let (Some(sa), Some(sb)) = (
            self.stories[a as usize].as_ref(),
            self.stories[b as usize].as_ref(),
        ) else {
            return 0.0;
        };
        let (small, large) = if sa.terms.len() <= sb.terms.len() {
            (sa, sb)
        } else {
            (sb, sa)
        };
        let g = self.config.centroid_power;
        let dot: f64 = small
            .terms
            .iter()
            .filter_map(|(t, (w, _))| {
                large
                    .terms
                    .get(t)
                    .map(|(v, _)| f64::from(damp(*w, g)) * f64::from(damp(*v, g)))
            })
            .sum();
        let norm = (sa.norm2 * sb.norm2).sqrt();
        if norm > 0.0 { dot / norm } else { 0.0 }
    }

    /// Folds story `from` into story `into`: later items find one story
    /// where there were two. Items already assigned keep their answers.
    fn merge(&mut self, into: u32, from: u32) {
        let Some(gone) = self.stories[from as usize].take() else {
            return;
        };
        self.slots.remove(&gone.id);
        self.index.mark_stale(gone.terms.len());
        self.retired.push(from);
        let gamma = self.config.centroid_power;
        let Some(s) = self.stories[into as usize].as_mut() else {
            return;
        };
        let mut terms: Vec<(u64, f32)> = gone.terms.iter().map(|(t, (w, _))| (*t, *w)).collect();
        // Map order differs between a live and a restored clusterer; sort so
        // that float sums, and so later decisions, come out the same.
        terms.sort_unstable_by_key(|e| e.0);
        for (term, w) in terms {
            add_to_centroid(
                &mut s.terms,
                &mut s.norm2,
                &mut self.index,
                into,
                term,
                w,
                gamma,
            );
        }
        s.size += gone.size;
        s.first_seen = s.first_seen.min(gone.first_seen);
        s.last_update = s.last_update.max(gone.last_update);
        let (id, last) = (s.id, s.last_update);
        self.expiry.touch(last, into, id);
        self.aliases.insert(gone.id, id);
    }

    fn open_story(&mut self, lead: String, now: i64) -> u32 {
        let id = self.next_story;
        self.next_story += 1;
        let state = StoryState::new(id, lead, now);
        if self.config.story_idf {
            self.df.add_doc(now);
        }
        let slot = match self.free.pop() {
            Some(slot) => {
                self.stories[slot as usize] = Some(state);
                slot
            }
            None => {
                self.stories.push(Some(state));
                (self.stories.len() - 1) as u32
            }
        };
        self.slots.insert(id, slot);
        slot
    }

    fn absorb(&mut self, slot: u32, query: &[(u64, f32)], now: i64) {
        let story_idf = self.config.story_idf;
        let gamma = self.config.centroid_power;
        let Some(s) = self.stories[slot as usize].as_mut() else {
            return;
        };
        for &(term, w) in query {
            let new = add_to_centroid(
                &mut s.terms,
                &mut s.norm2,
                &mut self.index,
                slot,
                term,
                w,
                gamma,
            );
            if new && story_idf {
                self.df.add_term(term, now);
            }
        }
        s.size += 1;
        s.last_update = s.last_update.max(now);
        self.expiry.touch(now, slot, s.id);
    }

    fn slot_of(&self, story: u64) -> Option<u32> {
        self.slots.get(&self.resolve(story)).copied()
    }

    /// Follows merges to the story that absorbed `story`.
    fn resolve(&self, mut story: u64) -> u64 {
        // Chains are short: each step goes to a bigger, live story.
        for _ in 0..64 {
            match self.aliases.get(&story) {
                Some(&next) => story = next,
                None => break,
            }
        }
        story
    }

    fn evict(&mut self, horizon: i64) {
        let Clusterer {
            stories,
            expiry,
            index,
            retired,
            slots,
            ..
        } = self;
        expiry.drain_before(horizon, |slot, id| {
            // Entries of merged-away stories outlive their slot, which may
            // since be reused or cut off the end of the slab.
            let Some(cell) = stories.get_mut(slot as usize) else {
                return;
            };
            if cell
                .as_ref()
                .is_some_and(|s| s.id == id && s.last_update < horizon)
                && let Some(s) = cell.take()
            {
                index.mark_stale(s.terms.len());
                slots.remove(&s.id);
                retired.push(slot);
            }
        });
        self.neardup.evict(horizon);
        if self.index.needs_compaction() {
            self.compact();
        }
    }

    /// Purges postings of evicted stories and closed threads and recycles
    /// their slots.
    pub fn compact(&mut self) {
        self.threads.compact();
        let Clusterer {
            stories,
            index,
            retired,
            free,
            aliases,
            slots,
            ..
        } = self;
        let live: Vec<bool> = stories.iter().map(Option::is_some).collect();
        index.compact(
            |slot| live[slot as usize],
            |term, slot, pos| {
                if let Some(Some(s)) = stories.get_mut(slot as usize)
                    && let Some(e) = s.terms.get_mut(&term)
                {
                    e.1 = pos;
                }
            },
        );
        free.append(retired);
        // An alias is needed only while the story it leads to is live.
        let live_targets: Vec<u64> = self_aliases_live(aliases, slots);
        aliases.retain(|from, _| live_targets.binary_search(from).is_ok());
        // Reuse low slots first so the slab stays dense.
        free.sort_unstable_by(|a, b| b.cmp(a));
        while stories.last().is_some_and(Option::is_none) {
            let last = (stories.len() - 1) as u32;
            stories.pop();
            free.retain(|&s| s != last);
        }
        stories.shrink_to_fit();
    }

    /// Live stories, oldest first.
    pub fn stories(&self) -> Vec<StorySummary> {
        let mut v: Vec<StorySummary> = self
            .stories
            .iter()
            .flatten()
            .map(StorySummary::from)
            .collect();
        v.sort_by_key(|s| s.id);
        v
    }

    pub fn state_size(&self) -> StateSize {
        let threads = self.threads.sizes();
        StateSize {
            live_stories: self.stories.iter().flatten().count(),
            story_slots: self.stories.len(),
            postings: self.index.entries(),
            posting_terms: self.index.terms(),
            df_terms: self.df.len(),
            near_dup_entries: self.neardup.len(),
            near_dup_buckets: self.neardup.bucket_count(),
            expiry_entries: self.expiry.len(),
            live_threads: threads.0,
            thread_postings: threads.1,
            thread_df_terms: threads.2,
            affix_sources: self.affixes.sources(),
        }
    }

    /// Live threads, oldest first.
    pub fn threads(&self) -> Vec<ThreadSummary> {
        self.threads.threads()
    }
}

/// Sorted ids of merged stories whose chain still ends at a live story.
fn self_aliases_live(aliases: &FxMap<u64, u64>, slots: &FxMap<u64, u32>) -> Vec<u64> {
    let mut out: Vec<u64> = aliases
        .keys()
        .copied()
        .filter(|&from| {
            let mut s = from;
            for _ in 0..64 {
                match aliases.get(&s) {
                    Some(&next) => s = next,
                    None => break,
                }
            }
            slots.contains_key(&s)
        })
        .collect();
    out.sort_unstable();
    out
}

/// `powf` with the common exponents short-cut: it is on the per-term path.
#[inline]
fn pow(x: f64, e: f64) -> f64 {
    if e == 1.0 {
        x
    } else if e == 0.0 {
        1.0
    } else if e == 0.5 {
        x.sqrt()
    } else {
        x.powf(e)
    }
}

/// A story's score for an item whose dot product with its centroid is `dot`.
fn story_score(c: &Config, s: &StoryState, dot: f64, now: i64) -> f64 {
    if s.norm2 <= 0.0 {
        return 0.0;
    }
    let n = f64::from(s.size.max(1));
    let norm = pow(s.norm2.sqrt(), c.norm_power) * pow(n, 1.0 - c.norm_power);
    dot / norm * (1.0 + c.size_bonus * n.ln()) * decay(c, s.first_seen, s.last_update, now)
}

/// Idle decay times age decay, in (0, 1].
pub fn decay(c: &Config, first_seen: i64, last_update: i64, now: i64) -> f64 {
    let idle = now.saturating_sub(last_update).max(0) as f64 / 3600.0;
    let age = now.saturating_sub(first_seen).max(0) as f64 / 3600.0;
    let mut d = (-idle / c.idle_half_life_hours.max(1e-3)).exp2();
    if age > c.story_hours {
        d *= (-(age - c.story_hours) / c.age_half_life_hours.max(1e-3)).exp2();
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_394_409_600;

    fn item(id: &str, title: &str, t: i64) -> Item {
        Item {
            id: id.into(),
            title: title.into(),
            text: None,
            url: None,
            source: None,
            published: t,
        }
    }

    /// Background traffic so that IDF separates event words from filler.
    fn warm(c: &mut Clusterer, t: i64) {
        let filler = [
            "Stocks rise as investors weigh earnings",
            "Local team wins championship game",
            "New study links coffee to longer life",
            "Storm brings heavy snow to the north",
            "Film tops weekend box office",
            "Court rules on voting law",
        ];
        for (i, f) in filler.iter().enumerate() {
            c.add(item(&format!("w{i}"), f, t + i as i64));
        }
    }

    #[test]
    fn decay_is_one_when_fresh_and_falls_with_idle_time_and_age() {
        let c = Config::default();
        assert_eq!(decay(&c, 0, 0, 0), 1.0);
        let h = 3600;
        assert!((decay(&c, 0, 0, (c.idle_half_life_hours * 3600.0) as i64) - 0.5).abs() < 1e-9);
        assert!(decay(&c, 0, 2 * h, 3 * h) > decay(&c, 0, 0, 3 * h));
        // Past the grace period, age bites hard even if the story is busy.
        let grace = (c.story_hours * 3600.0) as i64;
        assert!(decay(&c, 0, grace + 2 * h, grace + 2 * h) < 0.1);
        // Clock skew never makes a story more attractive than fresh.
        assert_eq!(decay(&c, 10, 10, 0), 1.0);
    }

    #[test]
    fn same_event_joins_and_other_events_do_not() {
        let mut c = Clusterer::default();
        warm(&mut c, T0);
        let a = c.add(item(
            "a",
            "Malaysia Airlines flight MH370 missing over South China Sea",
            T0 + 100,
        ));
        let b = c.add(item(
            "b",
            "Search for missing Malaysia Airlines MH370 widens",
            T0 + 200,
        ));
        let d = c.add(item(
            "d",
            "Apple unveils cheaper iPhone 5c with 8GB of storage",
            T0 + 300,
        ));
        assert!(a.new_story);
        assert_eq!(b.story, a.story);
        assert!(!b.new_story);
        assert!(d.new_story);
        assert_ne!(d.story, a.story);
        // Why: the joined item cleared the threshold with the words it
        // shares, names as written; the openers share nothing.
        assert!(b.score >= b.threshold && b.threshold == 0.10, "{b:?}");
        let shared: Vec<(&str, bool)> =
            b.shared.iter().map(|t| (t.text.as_str(), t.name)).collect();
        assert!(shared.contains(&("MH370", true)), "{shared:?}");
        assert!(shared.contains(&("Airlines", true)), "{shared:?}");
        assert!(shared.contains(&("missing", false)), "{shared:?}");
        assert!(!shared.iter().any(|t| t.0 == "Apple"));
        assert!(b.shared.len() <= SHARED_TERMS);
        assert!(a.shared.is_empty() && d.shared.is_empty());
        assert!(d.score < d.threshold, "{d:?}");
        assert_eq!(b.merged, None);
        // A copy folds onto its original, and says how it scored.
        let copy = c.add(item(
            "copy",
            "UPDATE 1-Search for missing Malaysia Airlines MH370 widens",
            T0 + 400,
        ));
        assert_eq!(copy.near_duplicate_of.as_deref(), Some("b"));
        assert!(copy.score > 0.0 && !copy.shared.is_empty(), "{copy:?}");
    }

    #[test]
    fn a_day_later_the_same_words_open_a_new_story() {
        let mut c = Clusterer::default();
        warm(&mut c, T0);
        let a = c.add(item(
            "a",
            "Malaysia Airlines flight MH370 missing over South China Sea",
            T0 + 100,
        ));
        let b = c.add(item(
            "b",
            "Malaysia Airlines flight MH370 still missing",
            T0 + 100 + 26 * 3600,
        ));
        assert!(b.new_story);
        assert_ne!(a.story, b.story);
    }

    #[test]
    fn stories_leave_the_window_with_their_postings() {
        let mut c = Clusterer::new(Config {
            story_hours: 0.5,
            age_half_life_hours: 0.05,
            ..Config::default()
        });
        for i in 0..50 {
            c.add(item(
                &i.to_string(),
                &format!("Event number{i} happens in town{i}"),
                T0 + i,
            ));
        }
        assert!(c.state_size().live_stories > 0);
        c.add(item(
            "late",
            "Something else entirely happens today",
            T0 + 2 * 3600,
        ));
        let s = c.state_size();
        assert_eq!(s.live_stories, 1);
        assert_eq!(s.near_dup_entries, 1);
        c.compact();
        let s = c.state_size();
        // Only the live story's postings and slot (and perhaps one slot
        // below it) remain.
        assert!(s.postings <= 16, "{s:?}");
        assert!(s.story_slots <= 2, "{s:?}");
    }

    #[test]
    fn a_bridging_item_merges_two_halves_of_one_event() {
        let config = Config {
            threshold: 0.3,
            merge_threshold: 0.1,
            ..Config::default()
        };
        let mut c = Clusterer::new(config);
        warm(&mut c, T0);
        let a = c.add(item(
            "a",
            "Titanfall review: robots and parkour thrill",
            T0 + 100,
        ));
        let b = c.add(item(
            "b",
            "Titanfall launch lifts Microsoft console sales",
            T0 + 200,
        ));
        // At this threshold the two open separate stories...
        assert_ne!(a.story, b.story);
        // ...until an item that fits both shows they are one event.
        let m = c.add(item(
            "m",
            "As Titanfall launch lifts Microsoft console sales, review says robots and parkour thrill",
            T0 + 300,
        ));
        assert!(!m.new_story);
        // The item says which story it folded into which.
        let gone_story = if m.story == a.story { b.story } else { a.story };
        assert_eq!(m.merged, Some(gone_story));
        assert_eq!(
            c.stories().len(),
            7,
            "six filler stories and one Titanfall story"
        );
        let after = c.add(item(
            "x",
            "Titanfall launch lifts Microsoft console sales again",
            T0 + 400,
        ));
        assert_eq!(after.story, m.story);
        // A copy of a member of the merged-away story lands in the survivor.
        let (gone, copy_title) = if m.story == a.story {
            (
                "b",
                "UPDATE 1-Titanfall launch lifts Microsoft console sales",
            )
        } else {
            ("a", "UPDATE 1-Titanfall review: robots and parkour thrill")
        };
        let copy = c.add(item("copy", copy_title, T0 + 500));
        assert_eq!(copy.near_duplicate_of.as_deref(), Some(gone));
        assert_eq!(copy.story, m.story);
    }
}
