//! A synthetic site of any size (`newsroom demo --articles N`), for trying
//! the site at scale and for the benchmarks: outlets of unequal output,
//! sections, stories of realistic sizes (most articles alone, a few stories
//! told by dozens of outlets), bodies of news length, images on most
//! articles, view history with a long tail, and times spread over the past
//! years, denser towards now as a growing site's are. Needs no network.
//!
//! Rows go in through `Store::import_rows`, a transaction per batch, ids
//! included: the upsert path, one article at a time, is built for ingestion's
//! merging and would take minutes for 100,000 articles. The same seed gives
//! the same site.

use super::words::*;
use anyhow::{Result, bail};
use newsroom_store::{Store, Table};
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};
use serde_json::{Value, json};

/// Rows per import transaction.
const BATCH: usize = 1000;
/// Articles span this many years back from now.
const YEARS: i64 = 3;

/// What a fill wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filled {
    pub sections: usize,
    pub sources: usize,
    pub stories: usize,
    pub articles: usize,
    pub hourly_rows: usize,
}

/// One event: what a story's articles (or a lone article) are about.
struct Event {
    section: u8,
    subject: u8,
    verb: u8,
    object: u8,
    place: u8,
    size: u16,
    /// Typical views of one of its articles.
    popularity: f32,
}

/// One article before its text is written: the text is derived from its id,
/// so 100,000 of these fit in a few megabytes.
#[derive(Clone, Copy)]
struct Planned {
    published: i64,
    event: u32,
    member: u16,
    source: u16,
}

/// Fills `store` with `articles` synthetic articles published before `now`.
/// A database with content is refused unless `force`, which empties it
/// first. `progress(done, total)` is called after each batch of articles.
pub async fn fill(
    store: &dyn Store,
    articles: usize,
    now: i64,
    seed: u64,
    force: bool,
    mut progress: impl FnMut(u64, u64),
) -> Result<Filled> {
    let counts = store.table_counts().await?;
    if !counts.is_empty_site() {
        if !force {
            bail!(
                "the database already has content ({} articles, {} sources, {} sections); \
                 use an empty database, or pass --force to delete everything in it first",
                counts.articles,
                counts.sources,
                counts.sections
            );
        }
        store.clear_all().await?;
    }
    let mut rng = SmallRng::seed_from_u64(seed);
    let sources = plan_sources(articles, &mut rng);
    let (events, mut planned) = plan_events(articles, now, &sources, &mut rng);
    // Ids rise with time, as ingestion gives them.
    planned.sort_by_key(|p| (p.published, p.event, p.member));
    let story_of = plan_stories(&events, &planned);

    let mut filled = Filled {
        sections: SECTIONS.len(),
        sources: sources.len(),
        stories: story_of.rows.len(),
        articles: planned.len(),
        hourly_rows: 0,
    };
    let section_rows: Vec<Value> = SECTIONS
        .iter()
        .enumerate()
        .map(|(i, (slug, name))| {
            json!({"id": i as i64 + 1, "slug": slug, "name": name, "position": i as i64})
        })
        .collect();
    store.import_rows(Table::Sections, &section_rows).await?;
    let source_rows: Vec<Value> = sources
        .iter()
        .enumerate()
        .map(|(i, s)| source_row(i, s, now))
        .collect();
    store.import_rows(Table::Sources, &source_rows).await?;
    for chunk in story_of.rows.chunks(BATCH) {
        store.import_rows(Table::Stories, chunk).await?;
    }

    let total = planned.len() as u64;
    progress(0, total);
    // Bodies go through the sanitiser and are sealed, as ingestion's are
    // (`newsroom_ingest::seal`): that is what the site serves, and what its
    // benchmarks should measure. A chunk's rows are made (and sanitised) on
    // a blocking thread while the one before it is written.
    let key = newsroom_ingest::seal::SealKey::of_site(store).await?;
    let plan = std::sync::Arc::new(Plan {
        events,
        planned,
        sources,
        story: story_of.story,
        seed,
        now,
        key,
    });
    let chunks = plan.planned.len().div_ceil(BATCH);
    let make = |n: usize| {
        let plan = plan.clone();
        tokio::task::spawn_blocking(move || plan.chunk(n))
    };
    let mut next = (chunks > 0).then(|| make(0));
    let mut hourly = Vec::with_capacity(BATCH * 3);
    for n in 0..chunks {
        let Some(made) = next.take() else { break };
        let (rows, totals, chunk_hourly) = made.await?;
        if n + 1 < chunks {
            next = Some(make(n + 1));
        }
        hourly.extend(chunk_hourly);
        store.import_rows(Table::Articles, &rows).await?;
        store.import_rows(Table::ArticleViews, &totals).await?;
        if hourly.len() >= BATCH * 2 {
            filled.hourly_rows += hourly.len();
            store
                .import_rows(Table::ArticleViewsHourly, &hourly)
                .await?;
            hourly.clear();
        }
        progress(((n + 1) * BATCH).min(plan.planned.len()) as u64, total);
    }
    if !hourly.is_empty() {
        filled.hourly_rows += hourly.len();
        store
            .import_rows(Table::ArticleViewsHourly, &hourly)
            .await?;
    }
    // The stories are written whole: the clustering job of `serve` starts
    // after the last article instead of filing every one again.
    newsroom_cluster::persist::StoryAssigner::handled_through(
        newsroom_cluster::worker::WorkerConfig::default().clusterer,
        newsroom_core::ArticleId(plan.planned.len() as i64),
    )
    .save(store)
    .await?;
    Ok(filled)
}

/// Everything a chunk of article rows is made from.
struct Plan {
    events: Vec<Event>,
    planned: Vec<Planned>,
    sources: Vec<Outlet>,
    story: Vec<Option<i64>>,
    seed: u64,
    now: i64,
    key: newsroom_ingest::seal::SealKey,
}

impl Plan {
    /// Chunk `n`'s article rows, their view totals and their hourly view rows.
    fn chunk(&self, n: usize) -> (Vec<Value>, Vec<Value>, Vec<Value>) {
        let start = n * BATCH;
        let chunk = &self.planned[start..(start + BATCH).min(self.planned.len())];
        let mut rows = Vec::with_capacity(chunk.len());
        let mut totals = Vec::with_capacity(chunk.len());
        let mut hourly = Vec::with_capacity(chunk.len() * 3);
        for (k, p) in chunk.iter().enumerate() {
            let id = (start + k) as i64 + 1;
            let ev = &self.events[p.event as usize];
            let views = article_views(ev, p, self.seed, id);
            hourly_rows(id, p.published, views, self.now, &mut hourly);
            if views > 0 {
                totals.push(json!({ "article_id": id, "views": views }));
            }
            let mut row = article_row(
                id,
                p,
                ev,
                &self.sources[p.source as usize],
                self.story[id as usize - 1],
                self.seed,
            );
            let html = row["body_html"].as_str().unwrap_or_default();
            let text = row["body_text"].as_str().unwrap_or_default();
            let (clean, seal) = self.key.sanitize_and_seal(html, text);
            row["body_seal"] = seal.into();
            row["body_html"] = clean.into();
            rows.push(row);
        }
        (rows, totals, hourly)
    }
}

struct Outlet {
    name: String,
    slug: String,
    /// Share of the site's articles, before normalising.
    weight: f64,
    /// Some outlets cover one section only.
    section: Option<u8>,
}

fn plan_sources(articles: usize, rng: &mut SmallRng) -> Vec<Outlet> {
    let n = (articles / 1500).clamp(8, PLACES.len() * MASTHEADS.len());
    (0..n)
        .map(|i| {
            let name = format!(
                "The {} {}",
                PLACES[i % PLACES.len()],
                MASTHEADS[(i / PLACES.len() + i) % MASTHEADS.len()]
            );
            Outlet {
                slug: newsroom_core::slug::slugify(&name),
                name,
                // A few big outlets publish most of the news (Zipf-like).
                weight: 1.0 / (i as f64 + 1.0).powf(0.8),
                section: rng
                    .random_bool(0.3)
                    .then(|| rng.random_range(0..SECTIONS.len()) as u8),
            }
        })
        .collect()
}

/// Picks from `weights` by a cumulative table.
fn pick(cumulative: &[f64], rng: &mut SmallRng) -> usize {
    let x = rng.random_range(0.0..*cumulative.last().unwrap_or(&1.0));
    cumulative
        .partition_point(|c| *c <= x)
        .min(cumulative.len() - 1)
}

fn plan_events(
    articles: usize,
    now: i64,
    sources: &[Outlet],
    rng: &mut SmallRng,
) -> (Vec<Event>, Vec<Planned>) {
    let span = (YEARS * 365 * 86_400) as f64;
    let mut cumulative = Vec::with_capacity(sources.len());
    let mut acc = 0.0;
    for s in sources {
        acc += s.weight;
        cumulative.push(acc);
    }
    let mut events = Vec::new();
    let mut planned = Vec::with_capacity(articles);
    while planned.len() < articles {
        // Most articles stand alone; a story's size has a long tail.
        let size = if rng.random_bool(0.7) {
            1
        } else {
            let u: f64 = rng.random_range(0.0..1.0);
            (2.0 + ((1.0 - u).powf(-1.0 / 1.3) - 1.0) * 1.5).min(60.0) as usize
        }
        .min(articles - planned.len());
        // Denser towards now: x near 0 is recent.
        let x: f64 = rng.random_range(0.0f64..1.0).powf(1.6);
        let start = now - 120 - (x * span) as i64;
        let section = rng.random_range(0..SECTIONS.len()) as u8;
        let u: f64 = rng.random_range(0.0..1.0);
        let event = events.len() as u32;
        events.push(Event {
            section,
            subject: rng.random_range(0..SUBJECTS.len()) as u8,
            verb: rng.random_range(0..VERBS.len()) as u8,
            object: rng.random_range(0..OBJECTS.len()) as u8,
            place: rng.random_range(0..PLACES.len()) as u8,
            size: size as u16,
            popularity: (25.0 * (1.0 - u).powf(-0.9)).min(250_000.0) as f32,
        });
        for member in 0..size {
            let later = if member == 0 {
                0
            } else {
                rng.random_range(60..36 * 3600)
            };
            planned.push(Planned {
                published: (start + later).min(now - 60),
                event,
                member: member as u16,
                source: pick(&cumulative, rng) as u16,
            });
        }
    }
    (events, planned)
}

struct Stories {
    /// Rows of the stories table.
    rows: Vec<Value>,
    /// The story id of each article (index = article id - 1).
    story: Vec<Option<i64>>,
}

/// Events told by two or more articles become stories, numbered in the order
/// their first article appears; the first article leads.
fn plan_stories(events: &[Event], planned: &[Planned]) -> Stories {
    let mut story_of_event: Vec<Option<i64>> = vec![None; events.len()];
    let mut spans: Vec<(i64, i64, i64, i64)> = Vec::new(); // lead, first, last, size
    let mut story = Vec::with_capacity(planned.len());
    for (i, p) in planned.iter().enumerate() {
        let ev = &events[p.event as usize];
        if ev.size < 2 {
            story.push(None);
            continue;
        }
        let id = *story_of_event[p.event as usize].get_or_insert_with(|| {
            spans.push((i as i64 + 1, p.published, p.published, 0));
            spans.len() as i64
        });
        let s = &mut spans[id as usize - 1];
        s.2 = s.2.max(p.published);
        s.3 += 1;
        story.push(Some(id));
    }
    let rows = spans
        .iter()
        .enumerate()
        .map(|(i, (lead, first, last, size))| {
            // Each story is a thread of its own, as a clustered story that
            // continues no earlier one is.
            json!({"id": i as i64 + 1, "lead_article_id": lead, "first_seen": first,
                   "last_update": last, "size": size, "thread_id": i as i64 + 1})
        })
        .collect();
    Stories { rows, story }
}

fn source_row(i: usize, s: &Outlet, now: i64) -> Value {
    json!({
        "id": i as i64 + 1,
        "name": s.name,
        "feed_url": format!("https://demo.invalid/{}/feed.xml", s.slug),
        "site_url": format!("https://demo.invalid/{}/", s.slug),
        "section_id": s.section.map(|x| x as i64 + 1),
        "full_text": "never",
        // Demo sources point nowhere: never poll them.
        "enabled": 0,
        "created_at": now - YEARS * 365 * 86_400,
        "consecutive_failures": 0,
        "next_poll_at": 0,
    })
}

fn article_views(ev: &Event, p: &Planned, seed: u64, id: i64) -> i64 {
    let mut rng = SmallRng::seed_from_u64(seed ^ (id as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let share = if p.member == 0 {
        1.0
    } else {
        rng.random_range(0.05..0.8)
    };
    (ev.popularity as f64 * share * rng.random_range(0.5..1.5)) as i64
}

/// Views arrive mostly in the first hours, some a day or two later; every
/// hour is at most now's. Buckets are merged, as the table's key requires.
fn hourly_rows(id: i64, published: i64, views: i64, now: i64, out: &mut Vec<Value>) {
    if views <= 0 {
        return;
    }
    let now_hour = now.div_euclid(3600);
    let h = published.div_euclid(3600);
    let first = views * 55 / 100;
    let soon = views * 30 / 100;
    let parts = [
        (h, first),
        ((h + 3).min(now_hour), soon),
        ((h + 30).min(now_hour), views - first - soon),
    ];
    let mut merged: Vec<(i64, i64)> = Vec::with_capacity(3);
    for (hour, n) in parts {
        match merged.iter_mut().find(|(x, _)| *x == hour) {
            Some(m) => m.1 += n,
            None => merged.push((hour, n)),
        }
    }
    for (hour, n) in merged.into_iter().filter(|(_, n)| *n > 0) {
        out.push(json!({"article_id": id, "hour": hour, "views": n}));
    }
}

fn article_row(
    id: i64,
    p: &Planned,
    ev: &Event,
    source: &Outlet,
    story: Option<i64>,
    seed: u64,
) -> Value {
    let mut rng = SmallRng::seed_from_u64(seed.wrapping_add(id as u64));
    let title = headline(ev, p.member, &mut rng);
    let (body_html, body_text, summary) = body(ev, &title, &mut rng);
    let slug = newsroom_core::slug::slugify(&title);
    let url = format!("https://demo.invalid/{}/{id}-{slug}", source.slug);
    let image = rng.random_bool(0.85);
    let status = if rng.random_bool(0.005) {
        "hidden"
    } else {
        "published"
    };
    json!({
        "id": id,
        "source_id": p.source as i64 + 1,
        "section_id": source.section.unwrap_or(ev.section) as i64 + 1,
        "story_id": story,
        "guid": format!("demo:{id}"),
        "canonical_url": url,
        "original_url": url,
        "title": title,
        "summary": summary,
        "body_html": body_html,
        "body_text": body_text,
        "image_url": image.then(|| format!("/static/demo/a{id}.svg")),
        "image_alt": image.then(|| format!("{} in {}", SUBJECTS[ev.subject as usize], PLACES[ev.place as usize])),
        "image_width": image.then_some(1200),
        "image_height": image.then_some(675),
        "video_url": rng.random_bool(0.03).then(|| format!("https://demo.invalid/video/{id}.mp4")),
        "author": rng.random_bool(0.6).then(|| person(&mut rng)),
        "language": "en",
        "published_at": p.published,
        "fetched_at": p.published + rng.random_range(30..900),
        "updated_at": p.published,
        "status": status,
    })
}

fn person(rng: &mut SmallRng) -> String {
    format!(
        "{} {}",
        FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())],
        LAST_NAMES[rng.random_range(0..LAST_NAMES.len())]
    )
}

/// Each outlet words the same event its own way.
fn headline(ev: &Event, member: u16, rng: &mut SmallRng) -> String {
    let s = SUBJECTS[ev.subject as usize];
    let v = VERBS[ev.verb as usize];
    let o = OBJECTS[ev.object as usize];
    let place = PLACES[ev.place as usize];
    match (member as usize + rng.random_range(0..2)) % 6 {
        0 => format!("{place}: {s} {v} {o}"),
        1 => format!("{s} {v} {o} in {place}"),
        2 => format!("{s} in {place} {v} {o}, officials say"),
        3 => format!("Why {} {v} {o} in {place}", lower(s)),
        4 => format!("{s} {v} {o} after weeks of debate in {place}"),
        _ => format!("{place} {} {v} {o}", lower(s)),
    }
}

fn lower(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Paragraphs of news length: a median of about 450 words, a few past 2,000.
fn body(ev: &Event, title: &str, rng: &mut SmallRng) -> (String, String, String) {
    let u: f64 = rng.random_range(0.0001..1.0);
    let paragraphs = (3.0 - u.ln() * 5.0).min(45.0) as usize;
    let mut html = String::with_capacity(paragraphs * 400);
    let mut text = String::with_capacity(paragraphs * 380);
    let mut summary = String::new();
    let s = lower(SUBJECTS[ev.subject as usize]);
    let v = VERBS[ev.verb as usize];
    let o = OBJECTS[ev.object as usize];
    let place = PLACES[ev.place as usize];
    for i in 0..paragraphs {
        if i > 2 && rng.random_bool(0.08) {
            let h = SUBHEADS[rng.random_range(0..SUBHEADS.len())];
            html.push_str(&format!("<h2>{h}</h2>\n"));
            text.push_str(h);
            text.push_str("\n\n");
        }
        let mut para = String::new();
        if i == 0 {
            para.push_str(&format!(
                "The {s} in {place} {v} {o}. Officials said {}. ",
                CLAUSES[rng.random_range(0..CLAUSES.len())]
            ));
            summary = para.trim().to_string();
        }
        for _ in 0..rng.random_range(2..5) {
            match rng.random_range(0..4) {
                0 => para.push_str(&format!(
                    "{} {} {}. ",
                    OPENERS[rng.random_range(0..OPENERS.len())],
                    DAYS[rng.random_range(0..DAYS.len())],
                    CLAUSES[rng.random_range(0..CLAUSES.len())]
                )),
                1 => para.push_str(&format!(
                    "The plan for {o} in {place} comes after officials said {}. ",
                    CLAUSES[rng.random_range(0..CLAUSES.len())]
                )),
                _ => {
                    para.push_str(FILLERS[rng.random_range(0..FILLERS.len())]);
                    para.push(' ');
                }
            }
        }
        let para = para.trim_end();
        if i > 1 && rng.random_bool(0.1) {
            let q = QUOTES[rng.random_range(0..QUOTES.len())];
            html.push_str(&format!("<blockquote><p>“{q}”</p></blockquote>\n"));
            text.push_str(&format!("“{q}”\n\n"));
        }
        html.push_str("<p>");
        html.push_str(&escape(para));
        html.push_str("</p>\n");
        text.push_str(para);
        text.push_str("\n\n");
    }
    if summary.is_empty() {
        summary = title.to_string();
    }
    (html, text.trim_end().to_string(), summary)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_are_realistic_and_repeatable() {
        let now = 1_800_000_000;
        let mut rng = SmallRng::seed_from_u64(7);
        let sources = plan_sources(20_000, &mut rng);
        let (events, planned) = plan_events(20_000, now, &sources, &mut rng);
        assert_eq!(planned.len(), 20_000);
        assert!(planned.iter().all(|p| p.published < now));
        let oldest = planned.iter().map(|p| p.published).min().unwrap();
        assert!(now - oldest > 2 * 365 * 86_400, "spread over years");
        let alone = planned
            .iter()
            .filter(|p| events[p.event as usize].size == 1)
            .count();
        assert!(
            (5_000..15_000).contains(&alone),
            "{alone} articles stand alone"
        );
        assert!(events.iter().any(|e| e.size >= 20), "a big story exists");
        let mut rng2 = SmallRng::seed_from_u64(7);
        let s2 = plan_sources(20_000, &mut rng2);
        let (_, p2) = plan_events(20_000, now, &s2, &mut rng2);
        assert!(
            planned
                .iter()
                .zip(&p2)
                .all(|(a, b)| a.published == b.published)
        );

        let words: Vec<usize> = (0..400)
            .map(|i| {
                let mut r = SmallRng::seed_from_u64(i);
                body(&events[i as usize], "t", &mut r)
                    .1
                    .split_whitespace()
                    .count()
            })
            .collect();
        let mut sorted = words.clone();
        sorted.sort_unstable();
        let median = sorted[200];
        assert!((200..900).contains(&median), "median body {median} words");
    }

    #[test]
    fn hourly_buckets_never_repeat_an_hour_or_pass_now() {
        let mut out = Vec::new();
        hourly_rows(1, 1_000_000, 100, 1_000_000 + 60, &mut out);
        let hours: Vec<i64> = out.iter().map(|r| r["hour"].as_i64().unwrap()).collect();
        assert_eq!(
            hours,
            vec![1_000_000 / 3600],
            "all in the one hour there is"
        );
        assert_eq!(out[0]["views"], 100);
    }
}
