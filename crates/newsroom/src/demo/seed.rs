//! Demo content: the seed page's article and latest-news list, plus enough
//! more to show sections, paging and most-read. Needs no network. Times are
//! placed relative to now in the site's time zone, so the list shows all
//! three forms ("01:29", "Yesterday, 22:08", "02.02.2026, 10:12").

use anyhow::{Context, Result};
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use newsroom_core::{
    FullTextMode, LeadImage, NewArticle, NewSection, NewSource, PublicUrl, SectionId, SourceId,
    Video,
};
use newsroom_store::{Store, ViewDelta};
use std::collections::HashMap;

const SEED_BODY: &[&str] = &[
    "\"Stay close to the wall. Move fast. Single file. Just a few at a time.\" The staccato instructions come from the Ukrainian army escort taking us to a military position in battle-scarred Bakhmut, a city once famed for its sparkling wines.",
    "Ukraine's President Volodymyr Zelensky has called the eastern city \"our fortress\". Russian forces have spent the past six months trying to capture Bakhmut. Now they have intensified their onslaught - Ukraine believes - to tear it down ahead of the anniversary of the invasion.",
    "We follow orders, darting down an icy rubble-strewn street, with a clear blue sky overhead - ideal for Russian drones. Just after we cross the road, two Russian shells come slamming down behind us on the other side. We turn around to see black smoke rising and keep on running.",
    "Was the shelling random or aimed at us? We can't be sure, but everything that moves in Bakhmut is a target - soldier or civilian. For hours there is no let-up in the shelling, incoming and outgoing. A Russian fighter jet roars overhead.",
    "The nearest Russian troops are just two kilometres away. There is street fighting in some areas, but Ukrainian forces still hold the city - despite sub-zero temperatures and dwindling ammunition.",
];

/// When a seed item was published, relative to today in the site's zone.
enum When {
    /// Today at this time, or a few minutes ago if that is still ahead.
    Today(i8, i8),
    Yesterday(i8, i8),
    DaysAgo(i64, i8, i8),
}

struct SeedItem {
    title: &'static str,
    source: &'static str,
    section: &'static str,
    views: i64,
    when: When,
    video: bool,
}

/// Filler headlines published in the hours before now; the rest are older
/// than every seed item, so the latest list always shows the seed's three
/// forms of time.
const RECENT_FILLERS: usize = 4;

const SEED_LIST: &[SeedItem] = &[
    SeedItem {
        title: "Gaza’s Rafah crossing reopens, first medical evacuees enter Egypt",
        source: "Euronews",
        section: "world",
        views: 389,
        when: When::Today(1, 29),
        video: true,
    },
    SeedItem {
        title: "Iran wants to change venue and format of nuclear talks with U.S.",
        source: "Reuters",
        section: "world",
        views: 437,
        when: When::Yesterday(22, 8),
        video: false,
    },
    SeedItem {
        title: "Brussels Eyes New Sanctions Package as Russia Pummels Ukraine",
        source: "Kyiv Post",
        section: "world",
        views: 333,
        when: When::Yesterday(21, 43),
        video: false,
    },
    SeedItem {
        title: "Sweden and Denmark to jointly buy air defence systems for Ukraine",
        source: "Reuters",
        section: "world",
        views: 434,
        when: When::Yesterday(18, 13),
        video: false,
    },
    SeedItem {
        title: "Paris prosecutors raid French offices of Elon Musk's X",
        source: "France 24",
        section: "technology",
        views: 405,
        when: When::Yesterday(17, 49),
        video: false,
    },
    SeedItem {
        title: "Iranian authorities release list of names of 2,986 victims of unrest",
        source: "Iran International",
        section: "world",
        views: 822,
        when: When::DaysAgo(3, 10, 12),
        video: false,
    },
    SeedItem {
        title: "Axios: Trump remains open to a diplomatic solution with Iran",
        source: "Axios",
        section: "world",
        views: 1031,
        when: When::DaysAgo(4, 0, 50),
        video: false,
    },
    SeedItem {
        title: "AI Agents Launched a Social Network and Spawned a Digital Religion Overnight",
        source: "Decrypt",
        section: "technology",
        views: 1230,
        when: When::DaysAgo(4, 20, 18),
        video: false,
    },
];

const SECTIONS: &[(&str, &str)] = &[
    ("world", "World"),
    ("business", "Business"),
    ("technology", "Technology"),
    ("science", "Science"),
];

const SUBJECTS: &[&str] = &[
    "City council",
    "Central bank",
    "Researchers",
    "Rail operator",
    "Health ministry",
    "Port authority",
    "Climate scientists",
    "Energy regulator",
    "Teachers' union",
    "Space agency",
    "Carmaker",
    "Wildlife charity",
];
const VERBS: &[&str] = &[
    "approves plan for",
    "warns about",
    "reports progress on",
    "delays decision on",
    "unveils budget for",
    "opens inquiry into",
];
const OBJECTS: &[&str] = &[
    "public transport",
    "interest rates",
    "flood defences",
    "energy prices",
    "data privacy rules",
    "grain exports",
    "battery recycling",
    "coastal erosion",
    "school meals",
    "satellite launches",
];

/// Fills an empty site with the demo. Returns false (and writes nothing) if
/// the database already has content. Stored image addresses are absolute
/// (every stored URL is a [`PublicUrl`]), so the demo's pictures are named
/// under `base_url`, the site's public address.
pub async fn fill_if_empty(store: &dyn Store, time_zone: &str, base_url: &str) -> Result<bool> {
    if !store.table_counts().await?.is_empty_site() {
        return Ok(false);
    }
    let picture = |name: &str| -> Result<PublicUrl> {
        let url = format!("{}/static/demo/{name}.svg", base_url.trim_end_matches('/'));
        PublicUrl::parse(&url).with_context(|| format!("site.base_url {base_url:?}"))
    };
    let tz = TimeZone::get(time_zone).with_context(|| format!("unknown time zone {time_zone}"))?;
    let now = jiff::Timestamp::now();
    let today = tz.to_datetime(now).date();
    let at = |date: Date, h: i8, m: i8| -> Result<i64> {
        Ok(tz
            .to_timestamp(date.to_datetime(Time::new(h, m, 0, 0)?))?
            .as_second())
    };

    let mut sections: HashMap<&str, SectionId> = HashMap::new();
    for (i, (slug, name)) in SECTIONS.iter().enumerate() {
        let s = store
            .upsert_section(&NewSection {
                slug: (*slug).into(),
                name: (*name).into(),
                position: i as i64,
                max_age_days: None,
            })
            .await?;
        sections.insert(slug, s.id);
    }
    let mut sources: HashMap<String, SourceId> = HashMap::new();
    let created = now.as_second();
    let mut source_id = async |name: &str| -> Result<SourceId> {
        if let Some(id) = sources.get(name) {
            return Ok(*id);
        }
        let slug = newsroom_core::slug::slugify(name);
        let s = store
            .add_source(
                &NewSource {
                    name: name.into(),
                    feed_url: format!("https://demo.invalid/{slug}/feed.xml"),
                    site_url: Some(format!("https://demo.invalid/{slug}/")),
                    section_id: None,
                    full_text: FullTextMode::Never,
                },
                created,
            )
            .await?;
        // Demo sources point nowhere: never poll them.
        store.set_source_enabled(s.id, false).await?;
        sources.insert(name.to_string(), s.id);
        Ok(s.id)
    };

    let key = newsroom_ingest::seal::SealKey::of_site(store).await?;
    let hour = created.div_euclid(3600);
    let mut views = Vec::new();

    // The seed article. Its page shows 1367 views once the first visitor has seen it.
    let bbc = source_id("BBC News").await?;
    let seed_published = at(Date::new(2023, 2, 13)?, 14, 42)?;
    let body_html: String = SEED_BODY
        .iter()
        .map(|p| format!("<p>{}</p>\n", html_escape(p)))
        .collect();
    let seed = store
        .upsert_article(
            &sealed(&key, NewArticle {
                source_id: bbc,
                section_id: sections.get("world").copied(),
                guid: Some("demo:bakhmut".into()),
                canonical_url: "https://demo.invalid/bbc-news/world-europe-64628493".into(),
                original_url: "https://demo.invalid/bbc-news/world-europe-64628493".into(),
                title: "Ukraine war: Russians slowly take ground around Bakhmut".into(),
                summary: "Russian forces have spent six months trying to capture the eastern city, and have intensified their onslaught.".into(),
                body_html,
                body_text: SEED_BODY.join("\n\n"),
                body_seal: None,
                image: Some(LeadImage {
                    url: picture("bakhmut")?,
                    alt: "Ukrainian soldiers run along a rubble-strewn street in Bakhmut".into(),
                    width: Some(1200),
                    height: Some(675),
                }),
                video: None,
                author: Some("BBC News".into()),
                language: Some("en".into()),
                published_at: seed_published,
                fetched_at: seed_published,
            }),
            created,
        )
        .await?;
    if let Some(id) = seed.id {
        views.push(ViewDelta {
            article: id,
            hour: seed_published.div_euclid(3600),
            n: 1366,
        });
    }

    for (i, item) in SEED_LIST.iter().enumerate() {
        let published = match item.when {
            When::Today(h, m) => at(today, h, m)?
                .min(created - 60 * (i as i64 + 1))
                .max(at(today, 0, 0)?),
            When::Yesterday(h, m) => at(today.yesterday()?, h, m)?,
            When::DaysAgo(d, h, m) => at(today.checked_sub(jiff::Span::new().days(d))?, h, m)?,
        };
        let src = source_id(item.source).await?;
        let slug = newsroom_core::slug::slugify(item.title);
        let url = format!(
            "https://demo.invalid/{}/{slug}",
            newsroom_core::slug::slugify(item.source)
        );
        let out = store
            .upsert_article(
                &sealed(&key, NewArticle {
                    source_id: src,
                    section_id: sections.get(item.section).copied(),
                    guid: Some(format!("demo:seed:{i}")),
                    canonical_url: url.clone(),
                    original_url: url,
                    title: item.title.into(),
                    summary: format!("{} — demo summary.", item.title),
                    body_html: format!("<p>{}.</p><p>This is demo content: the headline comes from the seed page.</p>", html_escape(item.title)),
                    body_text: format!("{}.\n\nThis is demo content: the headline comes from the seed page.", item.title),
                    body_seal: None,
                    image: Some(LeadImage { url: picture(&format!("item-{i}"))?, alt: item.title.into(), width: Some(1200), height: Some(675) }),
                    video: item.video.then(|| PublicUrl::parse(&format!("https://demo.invalid/video/{slug}.mp4"))).transpose()?.map(|url| Video { url }),
                    author: None,
                    language: Some("en".into()),
                    published_at: published,
                    fetched_at: published,
                }),
                created,
            )
            .await?;
        if let Some(id) = out.id {
            // Most of each count falls in the last day, so most-read has something to rank.
            let recent = item.views * 2 / 3;
            views.push(ViewDelta {
                article: id,
                hour: hour - (i as i64 % 5),
                n: recent,
            });
            views.push(ViewDelta {
                article: id,
                hour: published.div_euclid(3600),
                n: item.views - recent,
            });
        }
    }

    // More articles, so paging and most-read show.
    let outlets = [
        "Reuters",
        "Associated Press",
        "Euronews",
        "Axios",
        "Deutsche Welle",
        "The Guardian",
    ];
    for n in 0..64usize {
        let title = format!(
            "{} {} {}",
            SUBJECTS[n % SUBJECTS.len()],
            VERBS[(n / SUBJECTS.len() + n) % VERBS.len()],
            OBJECTS[(n * 7) % OBJECTS.len()]
        );
        let (slug, _) = SECTIONS[if n < 34 { 0 } else { 1 + n % 3 }];
        let src = source_id(outlets[n % outlets.len()]).await?;
        // A few fillers from the last hours, the rest older than the seed's
        // dated items: with fillers every three hours from now, how many
        // lines came before those items depended on the time of day, and
        // some hours the list showed no dated label at all.
        let n64 = n as i64;
        let start = match n {
            0..RECENT_FILLERS => created - 3600 * 5,
            _ => created - 86_400 * 5 - RECENT_FILLERS as i64 * 3 * 3600,
        };
        let published = start - n64 * 3 * 3600 - (n64 * 7919) % 3000;
        let url = format!("https://demo.invalid/story/{n}");
        let out = store
            .upsert_article(
                &sealed(
                    &key,
                    NewArticle {
                        source_id: src,
                        section_id: sections.get(slug).copied(),
                        guid: Some(format!("demo:more:{n}")),
                        canonical_url: url.clone(),
                        original_url: url,
                        title: title.clone(),
                        summary: format!("{title}, officials said on the day. Demo content."),
                        body_html: format!(
                            "<p>{}, officials said.</p><p>Demo content for newsroom.</p>",
                            html_escape(&title)
                        ),
                        body_text: format!(
                            "{title}, officials said.\n\nDemo content for newsroom."
                        ),
                        body_seal: None,
                        image: None,
                        video: (n % 11 == 5)
                            .then(|| {
                                PublicUrl::parse(&format!("https://demo.invalid/video/{n}.mp4"))
                            })
                            .transpose()?
                            .map(|url| Video { url }),
                        author: None,
                        language: Some("en".into()),
                        published_at: published,
                        fetched_at: published,
                    },
                ),
                created,
            )
            .await?;
        if let Some(id) = out.id {
            let n64 = n as i64;
            views.push(ViewDelta {
                article: id,
                hour: published.div_euclid(3600),
                n: 20 + (n64 * 37) % 400,
            });
            if n % 3 == 0 {
                views.push(ViewDelta {
                    article: id,
                    hour: hour - 2,
                    n: 5 + (n64 * 13) % 150,
                });
            }
        }
    }
    store.add_views(&views).await?;
    file_stories(store, created).await?;
    Ok(true)
}

/// The demo's stories, as the clusterer makes them of its articles taken
/// in the order they were published (the clustering job of `serve` then
/// starts after the last one). Stored in a different order, they would all
/// reach the clusterer at one instant, and the filler's shared wording
/// would make one story of all of it.
/// The article with its body as ingestion stores one: through the
/// sanitiser, and sealed (`newsroom_ingest::seal`).
fn sealed(key: &newsroom_ingest::seal::SealKey, mut a: NewArticle) -> NewArticle {
    let (html, seal) = key.sanitize_and_seal(&a.body_html, &a.body_text);
    a.body_html = html;
    a.body_seal = Some(seal);
    a
}

async fn file_stories(store: &dyn Store, now: i64) -> Result<()> {
    let names: HashMap<SourceId, String> = store
        .list_sources()
        .await?
        .into_iter()
        .map(|s| (s.source.id, s.source.name))
        .collect();
    let articles: Vec<_> = store
        .articles_after(None, 10_000)
        .await?
        .into_iter()
        .map(|a| {
            let name = names.get(&a.source_id).cloned();
            (a, name)
        })
        .collect();
    let mut assigner = newsroom_cluster::persist::StoryAssigner::new(
        newsroom_cluster::worker::WorkerConfig::default().clusterer,
    );
    assigner
        .file_in_time_order(store, &articles, now)
        .await
        .context("filing the demo's stories")?;
    assigner.save(store).await?;
    Ok(())
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
