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
    store: Arc<dyn Store>,
    _dir: tempfile::TempDir,
    /// The articles in the order `fill` wrote them.
    articles: Vec<(ArticleId, String)>,
    /// The Rafah story: two outlets today, continuing yesterday's story.
    story: StoryId,
    /// Yesterday's Rafah story, which opened the thread (and names it).
    earlier: StoryId,
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

/// Nine articles in three sections from three outlets over three days, two
/// of them one story that continues yesterday's story of a third (one
/// thread), with views in and out of the last day.
async fn fill(store: &dyn Store) -> (Vec<(ArticleId, String)>, StoryId, StoryId) {
    let world = section(store, "world", "World", 1).await;
    let tech = section(store, "technology", "Technology", 2).await;
    let _sport = section(store, "sport", "Sport", 3).await;
    let wire = source(store, "Wire Service", "wire.example", world).await;
    let daily = source(store, "The Daily", "daily.example", world).await;
    let bytes = source(store, "Bytes & Bits", "bytes.example", tech).await;
    let items: &[(SourceId, SectionId, &str, i64, bool, bool)] = &[
        // source, section, title, hours before NOW, image, video
        (
            wire,
            world,
            "Rafah crossing reopens for medical evacuees",
            1,
            true,
            true,
        ),
        (
            daily,
            world,
            "Crossing at Rafah opens again, first patients leave",
            2,
            false,
            false,
        ),
        (
            wire,
            world,
            "Talks on nuclear programme move to a new venue",
            20,
            false,
            false,
        ),
        (
            daily,
            world,
            "Winter storm closes mountain passes <and> roads",
            30,
            true,
            false,
        ),
        (
            bytes,
            tech,
            "Prosecutors search offices of a social network",
            3,
            false,
            false,
        ),
        (
            bytes,
            tech,
            "Chip maker opens a plant, promises 2,000 jobs",
            50,
            false,
            false,
        ),
        (
            wire,
            tech,
            "Open-source browser ships a faster engine",
            70,
            false,
            false,
        ),
        (
            daily,
            world,
            "Café owners \"welcome\" the new opening hours",
            5,
            false,
            false,
        ),
        (
            wire,
            world,
            "Aid trucks wait at Rafah as the crossing stays shut",
            26,
            false,
            false,
        ),
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
                    body_seal: None,
                    image: image.then(|| LeadImage {
                        url: newsroom_core::PublicUrl::parse(&format!(
                            "https://img.example/{i}.jpg"
                        ))
                        .unwrap(),
                        alt: String::new(),
                        width: Some(1200),
                        height: Some(675),
                    }),
                    video: video.then(|| Video {
                        url: newsroom_core::PublicUrl::parse(&format!(
                            "https://video.example/{i}.mp4"
                        ))
                        .unwrap(),
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
    let earlier = store.create_story(out[8].0, NOW - 26 * HOUR).await.unwrap();
    let story = store
        .create_story_in_thread(out[0].0, earlier, NOW - HOUR)
        .await
        .unwrap();
    store
        .assign_story(out[1].0, story, NOW - HOUR)
        .await
        .unwrap();
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
    (out, story, earlier)
}

async fn site() -> Site {
    site_with(|_| {}).await
}

/// The fixture site with its configuration changed by `f`.
async fn site_with(f: impl FnOnce(&mut SiteConfig)) -> Site {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("site.db").display());
    let store: Arc<dyn Store> = newsroom_store::open(&url, &Default::default())
        .await
        .unwrap();
    let (articles, story, earlier) = fill(&*store).await;
    let mut cfg = SiteConfig {
        name: "Fixture News".into(),
        time_zone: "Europe/Kyiv".into(),
        base_url: "https://news.example".into(),
        fixed_now: Some(NOW),
        ..SiteConfig::default()
    };
    f(&mut cfg);
    let state = build_state(store.clone(), cfg, None).await.unwrap();
    Site {
        app: router(state),
        store,
        _dir: dir,
        articles,
        story,
        earlier,
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
    call_with(app, method, path, &[]).await
}

async fn call_with(app: &Router, method: Method, path: &str, headers: &[(&str, &str)]) -> Answer {
    let mut req = Request::builder().method(method).uri(path).header(
        "user-agent",
        "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
    );
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut req = req.body(Body::empty()).unwrap();
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
    let (status, content_type, cache_control) = (
        resp.status(),
        header("content-type"),
        header("cache-control"),
    );
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
        ("story_earlier", format!("/story/{}", site.earlier)),
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
        (
            "articles_page_2",
            "/api/v1/articles?per_page=3&page=2".to_string(),
        ),
        (
            "articles_section",
            "/api/v1/articles?section=technology".to_string(),
        ),
        ("article", format!("/api/v1/articles/{id}")),
        ("story", format!("/api/v1/stories/{}", site.story)),
        ("thread", format!("/api/v1/threads/{}", site.earlier)),
        ("sections", "/api/v1/sections".to_string()),
        ("most_read", "/api/v1/most-read".to_string()),
        (
            "most_read_week",
            "/api/v1/most-read?hours=168&limit=3".to_string(),
        ),
        ("search", "/api/v1/search?q=rafah".to_string()),
        ("views", format!("/api/v1/views?ids={id},{other},999999")),
        ("openapi", "/api/openapi.json".to_string()),
        // The documented error answers.
        (
            "error_article_unknown",
            "/api/v1/articles/999999".to_string(),
        ),
        (
            "error_article_not_a_number",
            "/api/v1/articles/x".to_string(),
        ),
        ("error_story_unknown", "/api/v1/stories/999999".to_string()),
        ("error_thread_unknown", "/api/v1/threads/999999".to_string()),
        // A story that is not the first of its thread names no thread.
        (
            "error_thread_not_first",
            format!("/api/v1/threads/{}", site.story),
        ),
        (
            "error_section_unknown",
            "/api/v1/articles?section=nope".to_string(),
        ),
        ("error_page_range", "/api/v1/articles?page=0".to_string()),
        (
            "error_per_page_range",
            "/api/v1/articles?per_page=101".to_string(),
        ),
        ("error_hours_range", "/api/v1/most-read?hours=0".to_string()),
        (
            "error_search_page",
            "/api/v1/search?q=rafah&page=99".to_string(),
        ),
        (
            "error_search_past_end",
            "/api/v1/search?q=rafah&page=2".to_string(),
        ),
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

fn doc(html: &str) -> scraper::Html {
    scraper::Html::parse_document(html)
}

fn sel(css: &str) -> scraper::Selector {
    scraper::Selector::parse(css).unwrap()
}

fn text(e: scraper::ElementRef<'_>) -> String {
    e.text().collect::<String>().trim().to_string()
}

/// The line of a list that links to `story` with "+N sources": its headline.
fn story_line(html: &str, list: &str, story: &str) -> Vec<String> {
    let d = doc(html);
    d.select(&sel(list))
        .filter(|li| {
            li.select(&sel("a.more-sources"))
                .any(|a| a.value().attr("href") == Some(story))
        })
        .map(|li| text(li.select(&sel("a.headline, h2 a")).next().unwrap()))
        .collect()
}

/// The demo's bug (issue 14): the home page's lead item showed the newest
/// article's headline and linked "+1 source" to a story page headed by
/// another article. A story now shows its lead (the earliest published
/// article) everywhere: home lead, latest list, most read, story page, API.
#[tokio::test]
async fn a_story_shows_one_lead_everywhere() {
    let site = site().await;
    let (lead_id, lead) = &site.articles[1];
    let newest = &site.articles[0].1;
    assert_ne!(lead, newest);
    let href = format!("/story/{}", site.story);
    let home = get(&site.app, "/").await.body;
    assert_eq!(
        story_line(&home, "main .lead-story", &href),
        [lead.as_str()],
        "home lead"
    );
    assert_eq!(
        story_line(&home, "aside .news-item", &href),
        [lead.as_str()],
        "latest list"
    );
    assert_eq!(
        story_line(&home, "main .most-read .news-item", &href),
        [lead.as_str()],
        "most read"
    );
    assert_eq!(
        story_line(&home, "main .section-block .news-item", &href),
        [lead.as_str()],
        "section block"
    );
    let page = get(&site.app, &href).await.body;
    let d = doc(&page);
    assert_eq!(text(d.select(&sel("main h1")).next().unwrap()), *lead);
    let first = d.select(&sel("main .coverage-item")).next().unwrap();
    assert_eq!(
        first.value().attr("data-article"),
        Some(lead_id.to_string().as_str())
    );
    let api: serde_json::Value = serde_json::from_str(
        &get(&site.app, &format!("/api/v1/stories/{}", site.story))
            .await
            .body,
    )
    .unwrap();
    assert_eq!(api["lead_article_id"], lead_id.0);
    assert_eq!(api["articles"][0]["title"], lead.as_str());
    let most: serde_json::Value =
        serde_json::from_str(&get(&site.app, "/api/v1/most-read").await.body).unwrap();
    let line = most["most_read"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["article"]["story_id"] == site.story.0)
        .expect("the story is read");
    assert_eq!(
        line["article"]["id"], lead_id.0,
        "the API's most read shows the lead too"
    );
    let thread: serde_json::Value = serde_json::from_str(
        &get(&site.app, &format!("/api/v1/threads/{}", site.earlier))
            .await
            .body,
    )
    .unwrap();
    assert_eq!(thread["stories"][0]["lead_article_id"], lead_id.0);
}

/// The story page explains itself: every outlet with its time, the names
/// and words the articles share, a timeline, and the thread's other stories.
#[tokio::test]
async fn story_page_explains_and_shows_its_thread() {
    let site = site().await;
    let page = get(&site.app, &format!("/story/{}", site.story)).await.body;
    let d = doc(&page);
    let outlets: Vec<String> = d
        .select(&sel(".story-outlets li"))
        .map(|li| text(li.select(&sel(".source-name")).next().unwrap()))
        .collect();
    assert_eq!(
        outlets,
        ["The Daily", "Wire Service"],
        "in the order they reported"
    );
    let offsets: Vec<String> = d.select(&sel(".story-outlets .offset")).map(text).collect();
    assert_eq!(offsets, ["first", "+1 h"]);
    let names: Vec<String> = d
        .select(&sel(".shared-names .shared-term"))
        .map(text)
        .collect();
    assert_eq!(names, ["Rafah"]);
    let words: Vec<String> = d
        .select(&sel(".shared-words .shared-term"))
        .map(text)
        .collect();
    assert!(words.contains(&"crossing".to_string()), "{words:?}");
    let earlier: Vec<String> = d
        .select(&sel(".thread .thread-story a.headline"))
        .map(text)
        .collect();
    assert_eq!(
        earlier,
        ["Aid trucks wait at Rafah as the crossing stays shut"]
    );
    assert_eq!(
        text(d.select(&sel("main .meta .developing")).next().unwrap()),
        "developing"
    );
    // From the earlier story, the thread goes on.
    let page = get(&site.app, &format!("/story/{}", site.earlier))
        .await
        .body;
    let d = doc(&page);
    let later: Vec<String> = d
        .select(&sel(".thread .thread-story a.headline"))
        .map(text)
        .collect();
    assert_eq!(later, [site.articles[1].1.as_str()]);
    assert!(d.select(&sel("main .meta .developing")).next().is_none());
    // The latest list: one line for the thread, marked developing.
    let home = get(&site.app, "/").await.body;
    let d = doc(&home);
    let rafah: Vec<_> = d
        .select(&sel("aside .news-item"))
        .filter(|li| text(*li).contains("Rafah"))
        .collect();
    assert_eq!(rafah.len(), 1, "one line per thread: {home}");
    let dev = rafah[0]
        .select(&sel("a.developing"))
        .next()
        .expect("developing");
    assert_eq!(
        dev.value().attr("href"),
        Some(format!("/story/{}", site.story).as_str())
    );
    assert_eq!(d.select(&sel("aside a.developing")).count(), 1);
}

/// A thread folds into one line only for the last day: two stories of one
/// thread from two and three days ago keep a line each, as history does,
/// while yesterday's Rafah story stays folded into today's developing line.
#[tokio::test]
async fn the_latest_list_folds_threads_for_the_last_day_only() {
    let site = site().await;
    let (chip, browser) = (&site.articles[5], &site.articles[6]);
    let older = site
        .store
        .create_story(browser.0, NOW - 70 * HOUR)
        .await
        .unwrap();
    let newer = site
        .store
        .create_story_in_thread(chip.0, older, NOW - 50 * HOUR)
        .await
        .unwrap();
    let thread: serde_json::Value = serde_json::from_str(
        &get(&site.app, &format!("/api/v1/threads/{older}"))
            .await
            .body,
    )
    .unwrap();
    assert_eq!(
        thread["stories"].as_array().map(Vec::len),
        Some(2),
        "story {newer} continues thread {older}: {thread}"
    );
    let home = get(&site.app, "/").await.body;
    let d = doc(&home);
    let lines: Vec<String> = d.select(&sel("aside .news-item")).map(text).collect();
    let count = |words: &str| lines.iter().filter(|l| l.contains(words)).count();
    assert_eq!(count(&chip.1), 1, "{lines:#?}");
    assert_eq!(count(&browser.1), 1, "{lines:#?}");
    assert_eq!(count("Rafah"), 1, "{lines:#?}");
}

/// Every error under `/api/` is the documented JSON, whoever made it: our
/// handlers, axum's query parsing, the fallback for unknown paths, the
/// method router. Each status an operation answers is in its OpenAPI entry.
#[tokio::test]
async fn api_errors_are_documented_json() {
    let site = site().await;
    let doc: serde_json::Value =
        serde_json::from_str(&get(&site.app, "/api/openapi.json").await.body).unwrap();
    let long = "s".repeat(101);
    let cases: Vec<(Method, String, Option<&str>, u16)> = vec![
        // (method, path, OpenAPI path it falls under, status)
        (
            Method::GET,
            "/api/v1/articles?per_page=null".into(),
            Some("/api/v1/articles"),
            400,
        ),
        (
            Method::GET,
            "/api/v1/articles?page=".into(),
            Some("/api/v1/articles"),
            400,
        ),
        (
            Method::GET,
            "/api/v1/articles?page=1.5".into(),
            Some("/api/v1/articles"),
            400,
        ),
        (
            Method::GET,
            "/api/v1/articles?page=1&page=2".into(),
            Some("/api/v1/articles"),
            400,
        ),
        (
            Method::GET,
            format!("/api/v1/articles?section={long}"),
            Some("/api/v1/articles"),
            404,
        ),
        (
            Method::GET,
            "/api/v1/most-read?limit=null".into(),
            Some("/api/v1/most-read"),
            400,
        ),
        (
            Method::GET,
            "/api/v1/most-read?hours=x".into(),
            Some("/api/v1/most-read"),
            400,
        ),
        (
            Method::GET,
            "/api/v1/search?q=rafah&page=".into(),
            Some("/api/v1/search"),
            400,
        ),
        (
            Method::GET,
            "/api/v1/search?q=rafah&page=null".into(),
            Some("/api/v1/search"),
            400,
        ),
        (
            Method::GET,
            format!("/api/v1/search?q=rafah&section={long}"),
            Some("/api/v1/search"),
            400,
        ),
        (
            Method::GET,
            "/api/v1/search?q=rafah&section=nope".into(),
            Some("/api/v1/search"),
            404,
        ),
        (
            Method::GET,
            "/api/v1/views".into(),
            Some("/api/v1/views"),
            400,
        ),
        (
            Method::GET,
            "/api/v1/stories/x".into(),
            Some("/api/v1/stories/{id}"),
            404,
        ),
        (
            Method::POST,
            "/api/v1/views/x".into(),
            Some("/api/v1/views/{id}"),
            404,
        ),
        (Method::GET, "/api/v2/articles".into(), None, 404),
        (Method::GET, "/api/".into(), None, 404),
        (Method::GET, "/api".into(), None, 404),
        (Method::DELETE, "/api/v1/articles".into(), None, 405),
        (Method::POST, "/api/v1/sections".into(), None, 405),
    ];
    for (method, path, documented, status) in cases {
        let a = call(&site.app, method.clone(), &path).await;
        assert_eq!(a.status.as_u16(), status, "{method} {path}: {}", a.body);
        assert!(
            a.content_type.starts_with("application/json"),
            "{method} {path}: {}",
            a.content_type
        );
        assert_eq!(a.cache_control, "no-store", "{path}");
        let body: serde_json::Value = serde_json::from_str(&a.body).unwrap();
        let obj = body.as_object().unwrap();
        assert_eq!(obj.len(), 1, "{path}: {body}");
        let text = obj["error"].as_str().unwrap();
        assert!(!text.is_empty() && !text.contains('<'), "{path}: {text}");
        if let Some(op) = documented {
            let m = method.as_str().to_ascii_lowercase();
            let responses = &doc["paths"][op][m.as_str()]["responses"];
            assert!(
                responses.get(status.to_string()).is_some(),
                "{method} {path}: {status} is not in the OpenAPI document for {op}"
            );
        }
    }
    // The query-parsing error says which parameter failed.
    let a = get(&site.app, "/api/v1/articles?per_page=null").await;
    assert!(a.body.contains("per_page"), "{}", a.body);
    // Limits are in the document: the section's length, per_page's bounds.
    let params = &doc["paths"]["/api/v1/articles"]["get"]["parameters"];
    let param = |name: &str| {
        params
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap()["schema"]
            .clone()
    };
    assert_eq!(param("section")["maxLength"], 100);
    assert_eq!(param("per_page")["maximum"], 100);
    assert_eq!(param("per_page")["minimum"], 1);
    let search = &doc["paths"]["/api/v1/search"]["get"]["parameters"];
    assert!(
        search
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "section" && p["schema"]["maxLength"] == 100)
    );
    // Pages are unchanged: a bad page number there is the site's 404 page.
    let a = get(&site.app, "/section/world?page=x").await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert!(a.content_type.starts_with("text/html"));
    // The search form's empty page is the first page.
    let a = get(&site.app, "/search?q=rafah&page=").await;
    assert_eq!(a.status, StatusCode::OK);
}

/// The JSON-LD documents of a page, parsed, and its `<meta>`/`<link>` by name.
struct Head {
    json_ld: Vec<serde_json::Value>,
    doc: scraper::Html,
}

impl Head {
    fn of(html: &str) -> Head {
        let doc = scraper::Html::parse_document(html);
        let sel = scraper::Selector::parse(r#"script[type="application/ld+json"]"#).unwrap();
        let json_ld = doc
            .select(&sel)
            .map(|s| serde_json::from_str(&s.inner_html()).expect("JSON-LD parses"))
            .collect();
        Head { json_ld, doc }
    }

    fn attr(&self, selector: &str, attr: &str) -> Option<String> {
        let sel = scraper::Selector::parse(selector).unwrap();
        let all: Vec<_> = self.doc.select(&sel).collect();
        assert!(all.len() <= 1, "{selector} is there {} times", all.len());
        all.first()
            .and_then(|e| e.value().attr(attr))
            .map(String::from)
    }

    fn meta(&self, key: &str) -> Option<String> {
        self.attr(
            &format!(r#"meta[property="{key}"], meta[name="{key}"]"#),
            "content",
        )
    }

    fn of_type(&self, t: &str) -> &serde_json::Value {
        self.json_ld
            .iter()
            .find(|d| d["@type"] == t)
            .unwrap_or_else(|| panic!("no {t} in {:?}", self.json_ld))
    }
}

fn absolute(v: &serde_json::Value) -> String {
    let s = v.as_str().unwrap_or_else(|| panic!("{v} is not a string"));
    let u = url::Url::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
    assert_eq!(u.scheme(), "https", "{s}");
    s.to_string()
}

fn date_time(v: &serde_json::Value) {
    let s = v.as_str().unwrap();
    assert!(
        s.parse::<jiff::Timestamp>().is_ok(),
        "{s} is not a date-time"
    );
}

fn nonempty(v: &serde_json::Value) -> String {
    let s = v.as_str().unwrap_or_else(|| panic!("{v} is not a string"));
    assert!(!s.trim().is_empty());
    s.to_string()
}

/// Every page says what it is to search engines and link previews; the
/// JSON-LD carries what schema.org and Google's article documentation
/// require, with the right types.
#[tokio::test]
async fn structured_data_and_previews() {
    let site = site().await;
    let (id, title) = &site.articles[0];
    let article = slug_path(*id, title);
    let story = format!("/story/{}", site.story);
    let pages = [
        ("/", "https://news.example/"),
        (article.as_str(), ""),
        (story.as_str(), ""),
        ("/section/world", "https://news.example/section/world"),
        ("/search?q=rafah", "https://news.example/search?q=rafah"),
    ];
    for (path, canonical) in pages {
        let a = get(&site.app, path).await;
        assert_eq!(a.status, StatusCode::OK, "{path}");
        let h = Head::of(&a.body);
        let url = h.attr(r#"link[rel="canonical"]"#, "href").unwrap();
        absolute(&serde_json::json!(url));
        if !canonical.is_empty() {
            assert_eq!(url, canonical, "{path}");
        }
        assert_eq!(h.meta("og:url").as_deref(), Some(url.as_str()), "{path}");
        for key in [
            "description",
            "og:title",
            "og:description",
            "og:type",
            "twitter:card",
        ] {
            nonempty(&serde_json::json!(
                h.meta(key).unwrap_or_else(|| panic!("{path}: no {key}"))
            ));
        }
        assert_eq!(h.meta("og:site_name").as_deref(), Some("Fixture News"));
    }

    // The article: NewsArticle with every field Google's documentation names.
    let h = Head::of(&get(&site.app, &article).await.body);
    let canonical = format!("https://news.example{article}");
    assert_eq!(h.meta("og:type").as_deref(), Some("article"));
    assert_eq!(
        h.meta("og:image").as_deref(),
        Some("https://img.example/0.jpg")
    );
    assert_eq!(
        h.meta("twitter:card").as_deref(),
        Some("summary_large_image")
    );
    let na = h.of_type("NewsArticle");
    assert_eq!(na["@context"], "https://schema.org");
    assert_eq!(na["headline"], title.as_str());
    assert_eq!(absolute(&na["image"][0]), "https://img.example/0.jpg");
    date_time(&na["datePublished"]);
    date_time(&na["dateModified"]);
    assert!(na["dateModified"].as_str() >= na["datePublished"].as_str());
    assert_eq!(na["author"][0]["@type"], "Person");
    assert_eq!(na["author"][0]["name"], "A. Reporter");
    assert_eq!(na["publisher"]["@type"], "Organization");
    assert_eq!(na["publisher"]["name"], "Fixture News");
    assert_eq!(na["publisher"]["logo"]["@type"], "ImageObject");
    absolute(&na["publisher"]["logo"]["url"]);
    assert_eq!(na["mainEntityOfPage"]["@type"], "WebPage");
    assert_eq!(na["mainEntityOfPage"]["@id"], canonical.as_str());
    assert_eq!(na["isBasedOn"], "https://outlet.example/0");
    // An article without a named author credits its outlet.
    let (id1, title1) = &site.articles[1];
    let h1 = Head::of(&get(&site.app, &slug_path(*id1, title1)).await.body);
    let na1 = h1.of_type("NewsArticle");
    assert_eq!(na1["author"][0]["@type"], "Organization");
    assert_eq!(na1["author"][0]["name"], "The Daily");
    assert_eq!(
        na1["image"][0], "https://news.example/favicon.svg",
        "the logo stands in"
    );
    assert_eq!(h1.meta("twitter:card").as_deref(), Some("summary"));
    assert!(h1.meta("og:image").is_none());

    // The story: a CollectionPage whose ItemList holds its articles in order.
    let h = Head::of(&get(&site.app, &story).await.body);
    let cp = h.of_type("CollectionPage");
    assert_eq!(cp["url"], format!("https://news.example{story}").as_str());
    let list = &cp["mainEntity"];
    assert_eq!(list["@type"], "ItemList");
    let items = list["itemListElement"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    for (i, it) in items.iter().enumerate() {
        assert_eq!(it["@type"], "ListItem");
        assert_eq!(it["position"], i + 1);
        absolute(&it["url"]);
        nonempty(&it["name"]);
    }

    // Home and section: WebSite with a SearchAction, and where they stand.
    for (path, trail) in [
        ("/", vec!["https://news.example/"]),
        (
            "/section/world",
            vec![
                "https://news.example/",
                "https://news.example/section/world",
            ],
        ),
    ] {
        let h = Head::of(&get(&site.app, path).await.body);
        let ws = h.of_type("WebSite");
        assert_eq!(ws["url"], "https://news.example/");
        let action = &ws["potentialAction"];
        assert_eq!(action["@type"], "SearchAction");
        let template = action["target"]["urlTemplate"].as_str().unwrap();
        assert_eq!(
            template,
            "https://news.example/search?q={search_term_string}"
        );
        assert_eq!(action["query-input"], "required name=search_term_string");
        let crumbs = h.of_type("BreadcrumbList")["itemListElement"]
            .as_array()
            .unwrap()
            .clone();
        let urls: Vec<String> = crumbs.iter().map(|c| absolute(&c["item"])).collect();
        assert_eq!(urls, trail, "{path}");
        assert_eq!(crumbs.last().unwrap()["position"], trail.len());
    }
}

/// A headline cannot break out of the JSON-LD script: `</script>`, an HTML
/// comment and the JavaScript line separators come back as they were
/// written, and the page holds no script but its own.
#[tokio::test]
async fn json_ld_survives_hostile_headlines() {
    let site = site().await;
    let hostile = "Crash </script><script>alert(1)</script> <!-- & \u{2028}\u{2029} end";
    let sec = site.store.section_by_slug("world").await.unwrap().unwrap();
    let src = site.store.list_sources().await.unwrap()[0].source.id;
    let id = site
        .store
        .upsert_article(
            &NewArticle {
                source_id: src,
                section_id: Some(sec.id),
                guid: Some("fixture:hostile".into()),
                canonical_url: "https://outlet.example/hostile".into(),
                original_url: "https://outlet.example/hostile".into(),
                title: hostile.into(),
                summary: "</script><script>alert(2)</script>".into(),
                body_html: "<p>Text.</p>".into(),
                body_text: "Text.".into(),
                body_seal: None,
                image: None,
                video: None,
                author: Some("</script>\u{2028}x\u{2029}".into()),
                language: Some("en".into()),
                published_at: NOW - 600,
                fetched_at: NOW - 500,
            },
            NOW - 400,
        )
        .await
        .unwrap()
        .id
        .unwrap();
    let a = get(&site.app, &slug_path(id, hostile)).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(!a.body.contains("<script>alert"), "a headline broke out");
    let h = Head::of(&a.body);
    let na = h.of_type("NewsArticle");
    // Whitespace, the line separators included, is folded in a headline.
    assert_eq!(
        na["headline"],
        "Crash </script><script>alert(1)</script> <!-- & end"
    );
    assert_eq!(na["author"][0]["name"], "</script>\u{2028}x\u{2029}");
    let sel = scraper::Selector::parse("script").unwrap();
    let scripts: Vec<_> = h.doc.select(&sel).collect();
    assert!(
        scripts.iter().all(|s| {
            let t = s.value().attr("type");
            t == Some("application/ld+json")
                || s.value()
                    .attr("src")
                    .is_some_and(|src| src.starts_with("/static/site.js"))
        }),
        "{} scripts",
        scripts.len()
    );
    assert_eq!(scripts.len(), 2);
    let ld = scripts[0].inner_html();
    assert!(!ld.contains(['<', '\u{2028}', '\u{2029}']), "{ld}");
}

fn canonical_of(html: &str) -> String {
    Head::of(html)
        .attr(r#"link[rel="canonical"]"#, "href")
        .unwrap()
}

/// Without `site.base_url`, absolute addresses are the request's own; each
/// address has its own cached pages; a Host that is not a plain host is
/// refused; the proxy's X-Forwarded-Host/Proto count only when trusted.
#[tokio::test]
async fn public_address_from_the_request() {
    let open = site_with(|c| c.base_url = String::new()).await;
    let app = &open.app;
    let at = |host: &'static str| [("host", host)];
    for _ in 0..2 {
        for (host, base) in [
            ("a.example:8080", "http://a.example:8080"),
            ("B.example", "http://b.example"),
        ] {
            let home = call_with(app, Method::GET, "/", &at(host)).await;
            assert_eq!(canonical_of(&home.body), format!("{base}/"));
            assert!(!home.body.contains(if host.starts_with('a') {
                "b.example"
            } else {
                "a.example"
            }));
            let feed = call_with(app, Method::GET, "/feed.xml", &at(host)).await;
            assert!(
                feed.body.contains(&format!("<link>{base}/</link>")),
                "{}",
                feed.body
            );
            let robots = call_with(app, Method::GET, "/robots.txt", &at(host)).await;
            assert!(
                robots
                    .body
                    .contains(&format!("Sitemap: {base}/sitemap.xml"))
            );
            let api = call_with(app, Method::GET, "/api/openapi.json", &at(host)).await;
            let doc: serde_json::Value = serde_json::from_str(&api.body).unwrap();
            assert_eq!(doc["servers"][0]["url"], base);
            let list = call_with(app, Method::GET, "/api/v1/articles?per_page=1", &at(host)).await;
            assert!(
                list.body.contains(&format!("\"{base}/news/")),
                "{}",
                list.body
            );
        }
    }
    // Item ids are the same whatever the address.
    let a = call_with(app, Method::GET, "/feed.json", &at("a.example")).await;
    let b = call_with(app, Method::GET, "/feed.json", &at("b.example")).await;
    let ids = |body: &str| -> Vec<String> {
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&a.body), ids(&b.body));
    assert!(
        ids(&a.body)[0].starts_with("tag:site-"),
        "{:?}",
        ids(&a.body)
    );
    // Markup, a user, a path or a scheme in Host: refused, on pages and the API alike.
    for bad in [
        "evil.example\"><script>alert(1)</script>",
        "u@evil.example",
        "evil.example/x",
        "javascript:x",
    ] {
        let page = call_with(app, Method::GET, "/", &[("host", bad)]).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(!page.body.contains("evil"), "{bad}");
        let api = call_with(app, Method::GET, "/api/v1/sections", &[("host", bad)]).await;
        assert_eq!(api.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(api.content_type.starts_with("application/json"));
    }
    // Forwarded headers are a client's word unless the proxy is trusted.
    let fwd = [
        ("host", "internal:8080"),
        ("x-forwarded-host", "news.example"),
        ("x-forwarded-proto", "https"),
    ];
    let page = call_with(app, Method::GET, "/section/world", &fwd).await;
    assert_eq!(
        canonical_of(&page.body),
        "http://internal:8080/section/world"
    );
    let trusted = site_with(|c| {
        c.base_url = String::new();
        c.trust_forwarded_for = true;
    })
    .await;
    let page = call_with(&trusted.app, Method::GET, "/section/world", &fwd).await;
    assert_eq!(
        canonical_of(&page.body),
        "https://news.example/section/world"
    );
    // With base_url set, Host changes nothing.
    let set = site().await;
    let page = call_with(&set.app, Method::GET, "/", &[("host", "other.example")]).await;
    assert_eq!(canonical_of(&page.body), "https://news.example/");
}

/// A site that gave out `{base_url}/news/{id}` ids before keeps them, when
/// base_url is changed or unset later; a new site's ids are tag: URIs.
#[tokio::test]
async fn feed_ids_stay_through_the_change() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("site.db").display());
    let store: Arc<dyn Store> = newsroom_store::open(&url, &Default::default())
        .await
        .unwrap();
    let (articles, _, _) = fill(&*store).await;
    // What migration 0009 leaves on a database that had articles.
    store.set_meta("feed_id_base", "legacy").await.unwrap();
    let id = articles[0].0;
    let mut first: Option<Vec<String>> = None;
    for base in ["https://news.example", "", "https://elsewhere.example"] {
        let cfg = SiteConfig {
            base_url: base.into(),
            fixed_now: Some(NOW),
            ..SiteConfig::default()
        };
        let app = router(build_state(store.clone(), cfg, None).await.unwrap());
        let rss = call_with(
            &app,
            Method::GET,
            "/feed.xml",
            &[("host", "127.0.0.1:9999")],
        )
        .await;
        let atom = call_with(
            &app,
            Method::GET,
            "/atom.xml",
            &[("host", "127.0.0.1:9999")],
        )
        .await;
        assert!(
            rss.body.contains(&format!(
                r#"<guid isPermaLink="false">https://news.example/news/{id}</guid>"#
            )),
            "{base}: {}",
            rss.body
        );
        let ids: Vec<String> = atom
            .body
            .split("<id>")
            .skip(1)
            .map(|s| s.split("</id>").next().unwrap().to_string())
            .collect();
        assert_eq!(ids[0], "https://news.example/atom.xml");
        match &first {
            None => first = Some(ids),
            Some(f) => assert_eq!(f, &ids, "{base}"),
        }
    }
    // A new site: tag: ids from its configured host and its first day.
    let site = site().await;
    let json = get(&site.app, "/feed.json").await;
    assert!(
        json.body.contains("\"tag:news.example,2026-02-03:/news/"),
        "{}",
        json.body
    );
}

/// Revalidation and compression: `router/respond.rs`.
#[path = "router/respond.rs"]
mod respond;

/// Pages kept until what they show is written: `router/invalidate.rs`.
#[path = "router/invalidate.rs"]
mod invalidate;

/// CPU time of this thread so far, in nanoseconds (Linux), for the
/// measurements run by hand (`hot_path`, `uncached`).
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Bytes of a GET of `path` answered 200, for the measurements run by hand:
/// read frame by frame, as hyper takes them, with no joining copy.
/// The body's length as served to `user_agent`, asking for `coding`
/// (`Accept-Encoding`; empty: none).
async fn served_bytes(app: &Router, path: &str, user_agent: &str, coding: &str) -> usize {
    use http_body::Body as _;
    let mut req = Request::get(path).header("user-agent", user_agent);
    if !coding.is_empty() {
        req = req.header("accept-encoding", coding);
    }
    let mut req = req.body(Body::empty()).unwrap();
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40_000))));
    let resp = app.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "{path}");
    let mut body = resp.into_body();
    let mut bytes = 0;
    while let Some(frame) =
        std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await
    {
        bytes += frame.unwrap().data_ref().map_or(0, |d| d.len());
    }
    bytes
}

#[path = "router/hot_path.rs"]
mod hot_path;

/// Uncached article pages' CPU, a measurement: `router/uncached.rs`.
#[path = "router/uncached.rs"]
mod uncached;

/// Sealed bodies served as stored, others sanitised again: `router/seal.rs`.
#[path = "router/seal.rs"]
mod seal;

/// Search results show where the words matched: the body around them with
/// each match in `<mark>`, and nothing else of the text as markup.
#[tokio::test]
async fn search_snippets_mark_matches_and_nothing_else() {
    let site = site().await;
    let src = site.store.list_sources().await.unwrap()[0].source.id;
    site.store
        .upsert_article(
            &NewArticle {
                source_id: src,
                section_id: None,
                guid: Some("fixture:snippet".into()),
                canonical_url: "https://outlet.example/snippet".into(),
                original_url: "https://outlet.example/snippet".into(),
                title: "Ferries return".into(),
                summary: "Crossings resume.".into(),
                body_html: "<p>x</p>".into(),
                body_text: "Boats <b>sailed</b> again <script>alert(1)</script> as ferries were sailing \u{1e}7\u{1f} on time.".into(),
                body_seal: None,
                image: None,
                video: None,
                author: None,
                language: Some("en".into()),
                published_at: NOW - 600,
                fetched_at: NOW - 500,
            },
            NOW - 400,
        )
        .await
        .unwrap();
    let page = get(&site.app, "/search?q=sail").await;
    let doc = scraper::Html::parse_document(&page.body);
    let sel = scraper::Selector::parse(".search-results .snippet").unwrap();
    let snippet = doc.select(&sel).next().expect("a snippet").inner_html();
    assert!(
        snippet.contains("<mark>sailed</mark>") && snippet.contains("<mark>sailing</mark>"),
        "{snippet}"
    );
    assert!(
        snippet.contains("&lt;b&gt;") && snippet.contains("&lt;script&gt;"),
        "{snippet}"
    );
    let inner = scraper::Selector::parse(".snippet *").unwrap();
    assert!(
        doc.select(&inner).all(|e| e.value().name() == "mark"),
        "{snippet}"
    );
    assert!(
        !snippet.contains('\u{1e}'),
        "no count hole from article text"
    );
    let api = get(&site.app, "/api/v1/search?q=sail").await;
    let v: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    let s = v["articles"][0]["snippet"].as_str().unwrap();
    assert!(
        s.contains("<mark>sailing</mark>") && !s.contains("<script"),
        "{s}"
    );
}
