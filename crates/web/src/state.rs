//! Shared state of a running site, and the view models every page is built from.

use crate::config::SiteConfig;
use crate::counting::ViewCounter;
use crate::head::PageMeta;
use crate::kept::Kept;
use crate::page_cache::{Compiled, Fragments, LATEST_SLOT, PageCache, count_hole, strip_controls};
use crate::shared_runs::{SHARED_CLOSE, SHARED_OPEN};
use crate::strings::Strings;
use askama::Template;
use newsroom_core::i18n::Arg;
use newsroom_core::{ArticleId, PublicUrl, StoryId, Timestamp};
use newsroom_core::{Messages, SiteClock, time::rfc3339};
use newsroom_ingest::SourceAdder;
use newsroom_store::{ArticleCard, ListQuery, Store, StoreError, StoryMember, StoryReach};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

pub struct AppState {
    pub store: Arc<dyn Store>,
    pub cfg: SiteConfig,
    pub clock: SiteClock,
    pub msgs: Messages,
    pub t: Strings,
    pub counter: ViewCounter,
    /// Keys the login form's CSRF token (derived from the site secret).
    pub login_key: [u8; 32],
    /// Checks the seals of stored bodies (derived from the site secret).
    pub seal: newsroom_ingest::seal::SealKey,
    pub cache: PageCache,
    /// Search result pages, apart from `cache`: one entry per query, so
    /// many different queries cannot push the other pages out.
    pub search_cache: PageCache,
    /// Responses other than cached pages, compressed once per distinct body.
    pub bodies: crate::respond::compress::Bodies,
    /// When each page version was first sent, for `Last-Modified`.
    pub first_seen: crate::respond::conditional::FirstSeen,
    /// Fragments every page shows (the latest-news list).
    pub fragments: Fragments,
    /// The section menu every page shows.
    pub nav: Kept<(), Vec<NavSection>>,
    /// Each story's block on its articles' pages.
    pub story_blocks: Kept<StoryId, StoryBlock>,
    pub asset_version: String,
    /// What feed item ids start with (`feed_ids`), fixed per site.
    pub feed_id_base: String,
    /// Adds sources for the admin (feed discovery needs the fetcher). `None`
    /// where the binary gives none: the admin then cannot add sources.
    pub source_adder: Option<Arc<SourceAdder>>,
}

pub type Shared = Arc<AppState>;

pub use crate::clock::now;

/// A time as the lists show it, with the other two forms for the page script,
/// which switches form when the page stays open past midnight.
#[derive(Debug, Clone)]
pub struct TimeView {
    pub iso: String,
    pub label: String,
    pub today: String,
    pub yesterday: String,
    pub older: String,
}

impl TimeView {
    pub fn new(clock: &SiteClock, ts: i64, now: i64) -> Self {
        let today = clock.list_label(ts, ts);
        // A day later is "yesterday" except across a 25-hour day; an hour more covers that.
        let mut yesterday = clock.list_label(ts, ts + 86_400);
        if yesterday == today {
            yesterday = clock.list_label(ts, ts + 90_000);
        }
        Self {
            iso: rfc3339(ts),
            label: clock.list_label(ts, now),
            today,
            yesterday,
            older: clock.list_label(ts, ts + 4 * 86_400),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Item {
    pub id: i64,
    pub href: String,
    pub title: String,
    pub summary: String,
    pub video: bool,
    pub image: Option<ImageView>,
    /// A count hole, filled per response.
    pub views: String,
    pub time: TimeView,
    /// Set when other outlets cover the same story: "+N sources" and its page.
    pub story: Option<StoryLink>,
    /// Set in the latest list when the story continues a thread that began
    /// with an earlier story: "developing", linking to the story's timeline.
    pub developing: Option<Mark>,
}

/// A short label linking somewhere ("developing" to the story's timeline).
#[derive(Debug, Clone)]
pub struct Mark {
    pub href: String,
    pub label: String,
}

#[derive(Debug, Clone)]
pub struct StoryLink {
    pub href: String,
    pub more_sources: String,
}

#[derive(Debug, Clone)]
pub struct ImageView {
    /// Typed, so a template cannot put an unchecked string into `src`.
    pub url: PublicUrl,
    pub alt: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct NavSection {
    pub slug: String,
    pub name: String,
}

/// What every page around its main content shows.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub site_name: String,
    pub lang: &'static str,
    pub tz: String,
    pub asset_version: String,
    pub t: Strings,
    pub sections: Arc<Vec<NavSection>>,
    pub current_section: String,
    pub is_home: bool,
    /// Where the latest-news list goes: `LATEST_SLOT`, filled per response
    /// from `AppState::latest_list`, or nothing (error pages).
    pub latest_slot: &'static str,
    /// Around text that every page shows alike (`shared_runs`): the
    /// markers for cached pages, nothing for error pages.
    pub shared_open: &'static str,
    pub shared_close: &'static str,
    /// What the `<head>` says about the page; each page sets its own.
    pub meta: PageMeta,
}

/// The latest-news list on its own, rendered once for every page.
#[derive(Template)]
#[template(path = "latest.html")]
struct LatestList {
    c: Chrome,
    latest: Vec<Item>,
}

impl AppState {
    /// The time pages and answers are made at: the system clock, or the
    /// fixed time a test set (`SiteConfig::fixed_now`).
    pub fn now(&self) -> i64 {
        self.cfg.fixed_now.unwrap_or_else(now)
    }

    pub fn item(&self, c: &ArticleCard, now: i64) -> Item {
        let title = strip_controls(&c.title);
        Item {
            id: c.id.0,
            href: format!("/news/{}-{}", c.id, newsroom_core::slug::slugify(&title)),
            summary: strip_controls(&c.summary),
            title,
            video: c.video,
            image: c.image_url.as_ref().map(|u| ImageView {
                url: u.clone(),
                alt: String::new(),
                width: None,
                height: None,
            }),
            views: count_hole(c.id),
            time: TimeView::new(&self.clock, c.published_at, now),
            story: None,
            developing: None,
        }
    }

    /// Cards already reduced to one per story, each card of a story
    /// replaced by the story's lead (its earliest published article, as
    /// `StoryReach::lead` defines it), with the story's reach. Every list
    /// shows a story by its lead, so the line, its "+N sources" and the
    /// story page all carry the same headline.
    pub async fn story_leads(
        &self,
        cards: Vec<ArticleCard>,
    ) -> Result<Vec<(ArticleCard, Option<StoryReach>)>, StoreError> {
        let mut ids: Vec<StoryId> = cards.iter().filter_map(|c| c.story_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let reach: HashMap<StoryId, StoryReach> = if ids.is_empty() {
            HashMap::new()
        } else {
            self.store
                .story_reach(&ids)
                .await?
                .into_iter()
                .map(|r| (r.story, r))
                .collect()
        };
        let swap: Vec<ArticleId> = cards
            .iter()
            .filter_map(|c| {
                let r = reach.get(&c.story_id?)?;
                (r.lead != c.id).then_some(r.lead)
            })
            .collect();
        let mut leads: HashMap<ArticleId, ArticleCard> = self
            .store
            .article_cards(&swap)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        Ok(cards
            .into_iter()
            .map(|c| {
                let r = c.story_id.and_then(|s| reach.get(&s)).copied();
                // A lead hidden since the reach was read: keep the card.
                let card = r.and_then(|r| leads.remove(&r.lead)).unwrap_or(c);
                (card, r)
            })
            .collect())
    }

    /// Items for cards already reduced to one per story, each showing its
    /// story's lead, with "+N sources" when other outlets cover the story.
    pub async fn story_items(
        &self,
        cards: &[ArticleCard],
        now: i64,
    ) -> Result<Vec<Item>, StoreError> {
        let mut lines = self.story_leads(cards.to_vec()).await?;
        let times: Vec<Timestamp> = cards.iter().map(|c| c.published_at).collect();
        at_placing_time(&mut lines, &times);
        Ok(self.line_items(&lines, now, false))
    }

    /// Items for story lines; `developing` marks the stories that continue
    /// an earlier story's thread.
    fn line_items(
        &self,
        lines: &[(ArticleCard, Option<StoryReach>)],
        now: i64,
        developing: bool,
    ) -> Vec<Item> {
        let cards: Vec<ArticleCard> = lines.iter().map(|l| l.0.clone()).collect();
        let mut items = self.items(&cards, now);
        for (it, (_, reach)) in items.iter_mut().zip(lines) {
            let Some(r) = reach else { continue };
            let href = format!("/story/{}", r.story);
            if r.sources > 1 {
                it.story = Some(StoryLink {
                    href: href.clone(),
                    more_sources: self
                        .msgs
                        .get_args("more-sources", &[("n", Arg::Int(r.sources - 1))]),
                });
            }
            if developing && r.developing() {
                it.developing = Some(Mark {
                    href,
                    label: self.msgs.get("developing"),
                });
            }
        }
        items
    }

    /// The latest list: newest first, up to `limit` lines. Within the last
    /// day a story stands for its whole thread, so a developing event takes
    /// one line however many day-level stories it has; before that each
    /// story has its own line, as yesterday's news reads as history, not as
    /// a repeat. Articles outside any story stand alone.
    pub async fn latest_items(
        &self,
        recent: Vec<ArticleCard>,
        limit: usize,
        now: i64,
    ) -> Result<Vec<Item>, StoreError> {
        let placing = one_per_story(recent, usize::MAX);
        let times: Vec<Timestamp> = placing.iter().map(|c| c.published_at).collect();
        let mut lines = self.story_leads(placing).await?;
        at_placing_time(&mut lines, &times);
        let lines = one_per_thread_today(lines, now, limit);
        Ok(self.line_items(&lines, now, true))
    }

    pub fn items(&self, cards: &[ArticleCard], now: i64) -> Vec<Item> {
        self.counter.observe(cards.iter().map(|c| (c.id, c.views)));
        cards.iter().map(|c| self.item(c, now)).collect()
    }

    /// Chrome without database access, for error pages while the database is down.
    pub fn bare_chrome(&self) -> Chrome {
        Chrome {
            site_name: self.cfg.name.clone(),
            lang: self.clock.locale().tag(),
            tz: self.cfg.time_zone.clone(),
            asset_version: self.asset_version.clone(),
            t: self.t.clone(),
            sections: Arc::default(),
            current_section: String::new(),
            is_home: false,
            latest_slot: "",
            shared_open: "",
            shared_close: "",
            meta: PageMeta::new(self.cfg.name.clone(), self.site_description(), None),
        }
    }

    /// What the site is, for pages without a text of their own.
    pub fn site_description(&self) -> String {
        format!("{}: {}", self.cfg.name, self.t.latest_news)
    }

    pub async fn chrome(
        &self,
        _now: i64,
        current_section: &str,
        is_home: bool,
    ) -> Result<Chrome, StoreError> {
        Ok(Chrome {
            sections: self.nav().await?,
            current_section: current_section.to_string(),
            is_home,
            latest_slot: LATEST_SLOT,
            shared_open: SHARED_OPEN,
            shared_close: SHARED_CLOSE,
            ..self.bare_chrome()
        })
    }

    /// The section menu: kept until a section changes (`crate::invalidate`).
    async fn nav(&self) -> Result<Arc<Vec<NavSection>>, StoreError> {
        if let Some(nav) = self.nav.get(&()) {
            return Ok(nav);
        }
        let generation = self.nav.generation();
        let sections = self.store.list_sections().await?;
        let nav = sections
            .into_iter()
            .map(|s| NavSection {
                slug: s.slug,
                name: s.name,
            })
            .collect();
        Ok(self.nav.put((), nav, generation))
    }

    /// The story's block on its articles' pages: kept until the story or
    /// one of its members changes (`crate::invalidate`), so the pages of a
    /// story's articles read its members once, not once each.
    pub async fn story_block(
        &self,
        story: StoryId,
    ) -> Result<Arc<StoryBlock>, crate::error::WebError> {
        if let Some(block) = self.story_blocks.get(&story) {
            return Ok(block);
        }
        let generation = self.story_blocks.generation();
        let members = self.store.story_members(story).await?;
        let block = StoryBlock::new(self, story, &members)?;
        Ok(self.story_blocks.put(story, block, generation))
    }

    /// The latest-news list every page shows in its slot: kept until an
    /// article or story changes (`crate::invalidate`), so it is read and
    /// rendered once, not once per page. While the database is down, the
    /// last list stands in; with none, the slot stays empty.
    pub async fn latest_list(&self) -> Option<Arc<Compiled>> {
        if let Some(list) = self.fragments.latest() {
            return Some(list);
        }
        let generation = self.fragments.generation();
        match self.build_latest(self.now()).await {
            Ok(list) => Some(self.fragments.put_latest(list, generation)),
            Err(e) => {
                tracing::warn!(error = %e, "latest-news list not rebuilt; the last one stands in");
                self.fragments.last_latest()
            }
        }
    }

    async fn build_latest(&self, now: i64) -> Result<Compiled, crate::error::WebError> {
        // Read past the list's length so that a story's many articles, folded
        // into one line, still leave the list full.
        let recent = self
            .store
            .list_articles(&ListQuery {
                limit: (self.cfg.latest_size * 4).min(400),
                ..Default::default()
            })
            .await?;
        let html = LatestList {
            c: self.bare_chrome(),
            latest: self
                .latest_items(recent, self.cfg.latest_size.max(0) as usize, now)
                .await?,
        }
        .render()?;
        Ok(Compiled::new(&html))
    }
}

/// A story's block on an article page: "All coverage · N sources", linking
/// to the story, when the story has more than one published article.
pub struct StoryBlock {
    pub html: String,
    /// Every member whatever its status: a change to any of them (hidden,
    /// shown again, moved) may change what the block counts.
    pub members: Vec<ArticleId>,
}

#[derive(Template)]
#[template(
    source = r#"<p class="story-link"><a href="/story/{{ story }}">{{ all_coverage }} · {{ sources }}</a></p>"#,
    ext = "html"
)]
struct StoryLinkHtml<'a> {
    story: StoryId,
    all_coverage: &'a str,
    sources: String,
}

impl StoryBlock {
    /// The block of an article in no story: nothing.
    pub fn none() -> Self {
        Self {
            html: String::new(),
            members: Vec::new(),
        }
    }

    /// Counted as `Store::story_reach` counts: published members, and the
    /// distinct outlets behind them.
    fn new(
        state: &AppState,
        story: StoryId,
        members: &[StoryMember],
    ) -> Result<Self, askama::Error> {
        let published: Vec<&StoryMember> = members.iter().filter(|m| m.published).collect();
        let mut sources: Vec<_> = published.iter().map(|m| m.source).collect();
        sources.sort_unstable();
        sources.dedup();
        let html = if published.len() > 1 {
            StoryLinkHtml {
                story,
                all_coverage: &state.t.all_coverage,
                sources: state
                    .msgs
                    .get_args("sources-count", &[("n", Arg::Int(sources.len() as i64))]),
            }
            .render()?
        } else {
            String::new()
        };
        Ok(Self {
            html,
            members: members.iter().map(|m| m.id).collect(),
        })
    }
}

/// Keeps the first card of each story (the newest, in a newest-first list)
/// and every card outside a story, up to `limit` lines.
/// A story line shows the story's lead at the time of the article that
/// placed the line (its newest in the list asked for): a story begun
/// yesterday and updated now sits at the top saying "now", not yesterday.
/// Only the shown time changes; the API gives the lead's own.
fn at_placing_time(lines: &mut [(ArticleCard, Option<StoryReach>)], placed: &[Timestamp]) {
    for ((lead, _), &at) in lines.iter_mut().zip(placed) {
        lead.published_at = lead.published_at.max(at);
    }
}

/// How far back the latest list folds a thread's stories into one line.
const THREAD_FOLD_SECS: i64 = 24 * 3600;

/// One line per thread among lines placed in the last day, each the
/// thread's newest (the list is newest first). An older line is kept, one
/// per story, unless its thread has a line of the last day, which stands for
/// the whole developing event (the story page shows the timeline).
fn one_per_thread_today(
    lines: Vec<(ArticleCard, Option<StoryReach>)>,
    now: i64,
    limit: usize,
) -> Vec<(ArticleCard, Option<StoryReach>)> {
    let day_ago = now - THREAD_FOLD_SECS;
    let mut today = HashSet::new();
    lines
        .into_iter()
        .filter(|(card, r)| {
            r.is_none_or(|r| {
                if card.published_at >= day_ago {
                    today.insert(r.thread)
                } else {
                    !today.contains(&r.thread)
                }
            })
        })
        .take(limit)
        .collect()
}

pub fn one_per_story(cards: Vec<ArticleCard>, limit: usize) -> Vec<ArticleCard> {
    let mut seen = HashSet::new();
    cards
        .into_iter()
        .filter(|c| c.story_id.is_none_or(|s| seen.insert(s)))
        .take(limit)
        .collect()
}
