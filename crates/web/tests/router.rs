//! The router in process (tower's `oneshot`, no server, no process) on a
//! real SQLite store filled with a small fixed newsroom, with a fixed clock:
//! every page, feed, sitemap and API answer is held to an insta snapshot.
//! The spawned-binary tests in `crates/newsroom/tests` keep proving the
//! binary's wiring (start-up, signals, several nodes, the browser).
//!
//! `cargo insta review` (or `INSTA_UPDATE=always`) updates the snapshots
//! after an intended change; review the diff like code.

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode};
use newsroom_core::{
    ArticleId, FullTextMode, LeadImage, NewArticle, NewSection, NewSource, SectionId, SourceId,
    StoryId, Video,
};
use newsroom_store::{Store, ViewDelta};
use newsroom_web::{SiteConfig, build_state, router::router};
use std::net::SocketAddr;
use std::sync::Arc;
use tower::ServiceExt;

/// 2026-02-03 12:00:00 UTC, a Tuesday: 14:00 in Kyiv.
const NOW: i64 = 1_770_120_000;
const HOUR: i64 = 3600;

struct Site {
    app: Router,
    _dir: tempfile::TempDir,
    /// The articles in the order `fill` wrote them.
    articles: Vec<(ArticleId, String)>,
    story: StoryId,
}

async fn section(store: &dyn Store, slug: &str, name: &str, position: i64) -> SectionId {
    store
        .upsert_section(&NewSection {
            slug: slug.into(),
            name: name.into(),
            position,
            max_age_days: None,
        })
        .await
        .unwrap()
        .id
}

async fn source(store: &dyn Store, name: &str, host: &str, section: SectionId) -> SourceId {
    store
        .add_source(
            &NewSource {
                name: name.into(),
                feed_url: format!("https://{host}/feed.xml"),
                site_url: Some(format!("https://{host}/")),
                section_id: Some(section),
                full_text: FullTextMode::Auto,
            },
            NOW - 30 * 86_400,
        )
        .await
        .unwrap()
        .id
}

/// Eight articles in three sections from three outlets over three days,
/// two of them one story, with views in and out of the last day.
async fn fill(store: &dyn Store) -> (Vec<(ArticleId, String)>, StoryId) {
    let world = section(store, "world", "World", 1).await;
    let tech = section(store, "technology", "Technology", 2).await;
    let _sport = section(store, "sport", "Sport", 3).await;
    let wire = source(store, "Wire Service", "wire.example", world).await;
    let daily = source(store, "The Daily", "daily.example", world).await;
    let bytes = source(store, "Bytes & Bits", "bytes.example", tech).await;
    let items: &[(SourceId, SectionId, &str, i64, bool, bool)] = &[
        // source, section, title, hours before NOW, image, video
        (wire, world, "Rafah crossing reopens for medical evacuees", 1, true, true),
        (daily, world, "Crossing at Rafah opens again, first patients leave", 2, false, false),
        (wire, world, "Talks on nuclear programme move to a new venue", 20, false, false),
        (daily, world, "Winter storm closes mountain passes <and> roads", 30, true, false),
        (bytes, tech, "Prosecutors search offices of a social network", 3, false, false),
        (bytes, tech, "Chip maker opens a plant, promises 2,000 jobs", 50, false, false),
        (wire, tech, "Open-source browser ships a faster engine", 70, false, false),
        (daily, world, "Café owners \"welcome\" the new opening hours", 5, false, false),
    ];
    let mut out = Vec::new();
    for (i, &(src, sec, title, ago, image, video)) in items.iter().enumerate() {
        let published = NOW - ago * HOUR - 7 * 60;
        let url = format!("https://outlet.example/{i}");
        let id = store
            .upsert_article(
                &NewArticle {
                    source_id: src,
                    section_id: Some(sec),
                    guid: Some(format!("fixture:{i}")),
                    canonical_url: url.clone(),
                    original_url: url,
                    title: title.into(),
                    summary: format!("Summary of: {title}."),
                    body_html: format!("<p>First paragraph {i}.</p><p>Second paragraph.</p>"),
                    body_text: format!("First paragraph {i}.\n\nSecond paragraph."),
                    image: image.then(|| LeadImage {
                        url: format!("https://img.example/{i}.jpg"),
                        alt: String::new(),
                        width: Some(1200),
                        height: Some(675),
                    }),
                    video: video.then(|| Video {
                        url: format!("https://video.example/{i}.mp4"),
                    }),
                    author: (i % 2 == 0).then(|| "A. Reporter".to_string()),
                    language: Some("en".into()),
                    published_at: published,
                    fetched_at: published + 60,
                },
                published + 120,
            )
            .await
            .unwrap()
            .id
            .unwrap();
        out.push((id, title.to_string()));
    }
    let story = store.create_story(out[0].0, NOW - HOUR).await.unwrap();
    store.assign_story(out[1].0, story, NOW - HOUR).await.unwrap();
    let views: Vec<ViewDelta> = out
        .iter()
        .enumerate()
        .flat_map(|(i, (id, _))| {
            let i = i as i64;
            [
                ViewDelta {
                    article: *id,
                    hour: NOW / HOUR - 1,
                    n: 10 + 7 * i,
                },
                ViewDelta {
                    article: *id,
                    hour: NOW / HOUR - 60,
                    n: 100 - 9 * i,
                },
            ]
        })
        .collect();
    store.add_views(&views).await.unwrap();
    (out, story)
}

async fn site() -> Site {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("site.db").display());
    let store: Arc<dyn Store> = newsroom_store::open(&url, &Default::default())
        .await
        .unwrap();
    let (articles, story) = fill(&*store).await;
    let cfg = SiteConfig {
        name: "Fixture News".into(),
        time_zone: "Europe/Kyiv".into(),
        base_url: "https://news.example".into(),
        fixed_now: Some(NOW),
        ..SiteConfig::default()
    };
    let state = build_state(store, cfg, None).await.unwrap();
    Site {
        app: router(state),
        _dir: dir,
        articles,
        story,
    }
}

struct Answer {
    status: StatusCode,
    content_type: String,
    cache_control: String,
    body: String,
}

impl Answer {
    /// What a snapshot holds: the status, the headers that matter to a
    /// client, and the body (JSON pretty-printed).
    fn snapshot(&self) -> String {
        let body = if self.content_type.contains("json") {
            serde_json::from_str::<serde_json::Value>(&self.body)
                .map(|v| serde_json::to_string_pretty(&v).unwrap())
                .unwrap_or_else(|_| self.body.clone())
        } else {
            self.body.clone()
        };
        format!(
            "{}\ncontent-type: {}\ncache-control: {}\n\n{}",
            self.status, self.content_type, self.cache_control, body
        )
    }
}

async fn call(app: &Router, method: Method, path: &str) -> Answer {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("user-agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0")
        .body(Body::empty())
        .unwrap();
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40_000))));
    let resp = app.clone().oneshot(req).await.unwrap();
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let (status, content_type, cache_control) =
        (resp.status(), header("content-type"), header("cache-control"));
    let bytes = axum::body::to_bytes(resp.into_body(), 8 << 20)
        .await
        .unwrap();
    Answer {
        status,
        content_type,
        cache_control,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

async fn get(app: &Router, path: &str) -> Answer {
    call(app, Method::GET, path).await
}

/// The static files' version changes with every edit of the CSS or script;
/// it is not what these snapshots are about.
fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.add_filter(r"([?&]v=)[0-9a-zA-Z_-]{6,}", "${1}[asset-version]");
    s.set_prepend_module_to_snapshot(false);
    s
}

fn slug_path(id: ArticleId, title: &str) -> String {
    format!("/news/{}-{}", id, newsroom_core::slug::slugify(title))
}

#[tokio::test]
async fn pages() {
    let site = site().await;
    let (id, title) = &site.articles[0];
    let article = slug_path(*id, title);
    let cases = [
        ("home", "/".to_string()),
        ("article", article.clone()),
        ("story", format!("/story/{}", site.story)),
        ("section", "/section/world".to_string()),
        ("section_empty", "/section/sport".to_string()),
        ("search", "/search?q=rafah+crossing".to_string()),
        ("search_none", "/search?q=nothing+like+this".to_string()),
        ("search_prompt", "/search".to_string()),
        ("not_found", "/no/such/page".to_string()),
        ("article_unknown", "/news/99999-nothing".to_string()),
    ];
    let _g = settings().bind_to_scope();
    for (name, path) in cases {
        let a = get(&site.app, &path).await;
        let name = format!("page_{name}");
        insta::assert_snapshot!(name.as_str(), a.snapshot(), &path);
    }
    // Another slug for the article redirects to its own.
    let a = get(&site.app, &format!("/news/{id}-old-headline")).await;
    assert_eq!(a.status, StatusCode::MOVED_PERMANENTLY);
}

#[tokio::test]
async fn feeds_and_sitemaps() {
    let site = site().await;
    let _g = settings().bind_to_scope();
    for path in [
        "/feed.xml",
        "/atom.xml",
        "/feed.json",
        "/section/world/feed.xml",
        "/section/world/atom.xml",
        "/section/technology/feed.json",
        "/sitemap.xml",
        "/sitemap-news.xml",
        "/sitemaps/sections.xml",
        "/sitemaps/articles-1.xml",
        "/robots.txt",
    ] {
        let a = get(&site.app, path).await;
        assert_eq!(a.status, StatusCode::OK, "{path}");
        let name = path.trim_start_matches('/').replace(['/', '.'], "_");
        insta::assert_snapshot!(name.as_str(), a.snapshot(), path);
    }
}

#[tokio::test]
async fn api_answers() {
    let site = site().await;
    let (id, _) = site.articles[0];
    let other = site.articles[4].0;
    let cases = [
        ("articles", "/api/v1/articles".to_string()),
        ("articles_page_2", "/api/v1/articles?per_page=3&page=2".to_string()),
        ("articles_section", "/api/v1/articles?section=technology".to_string()),
        ("article", format!("/api/v1/articles/{id}")),
        ("story", format!("/api/v1/stories/{}", site.story)),
        ("sections", "/api/v1/sections".to_string()),
        ("most_read", "/api/v1/most-read".to_string()),
        ("most_read_week", "/api/v1/most-read?hours=168&limit=3".to_string()),
        ("search", "/api/v1/search?q=rafah".to_string()),
        ("views", format!("/api/v1/views?ids={id},{other},999999")),
        ("openapi", "/api/openapi.json".to_string()),
        // The documented error answers.
        ("error_article_unknown", "/api/v1/articles/999999".to_string()),
        ("error_article_not_a_number", "/api/v1/articles/x".to_string()),
        ("error_story_unknown", "/api/v1/stories/999999".to_string()),
        ("error_section_unknown", "/api/v1/articles?section=nope".to_string()),
        ("error_page_range", "/api/v1/articles?page=0".to_string()),
        ("error_per_page_range", "/api/v1/articles?per_page=101".to_string()),
        ("error_hours_range", "/api/v1/most-read?hours=0".to_string()),
        ("error_search_page", "/api/v1/search?q=rafah&page=99".to_string()),
        ("error_search_past_end", "/api/v1/search?q=rafah&page=2".to_string()),
    ];
    let _g = settings().bind_to_scope();
    for (name, path) in cases {
        let a = get(&site.app, &path).await;
        assert!(a.content_type.starts_with("application/json"), "{path}");
        let name = format!("api_{name}");
        insta::assert_snapshot!(name.as_str(), a.snapshot(), &path);
    }
    // The beacon counts a reader once, and never a bot.
    let beacon = format!("/api/v1/views/{id}");
    let first = call(&site.app, Method::POST, &beacon).await;
    insta::assert_snapshot!("api_beacon_first", first.snapshot(), &beacon);
    let again = call(&site.app, Method::POST, &beacon).await;
    insta::assert_snapshot!("api_beacon_again", again.snapshot(), &beacon);
    let unknown = call(&site.app, Method::POST, "/api/v1/views/999999").await;
    insta::assert_snapshot!("api_beacon_unknown", unknown.snapshot());
}

/// Revalidation and compression: `router/respond.rs`.
#[path = "router/respond.rs"]
mod respond;

/// Pages kept until what they show is written: `router/invalidate.rs`.
#[path = "router/invalidate.rs"]
mod invalidate;
