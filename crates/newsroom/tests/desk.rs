//! Editors' decisions as readers see them, on SQLite and, when
//! NEWSROOM_TEST_POSTGRES_URL is set, PostgreSQL: a pinned story leads the
//! home page and its section until the pin ends on the site's clock (the
//! test moves it); a hidden story's articles leave every public list (home,
//! latest, sections, most read, feeds, sitemaps, search, the API); a merged
//! story's id in the API answers 301 to where it went. The site is the real
//! router on a real listener over the real database; decisions go through
//! `newsroom_store::moderation`, as the CLI's and the admin's do.

#[macro_use]
mod common;

use common::*;
use newsroom_core::{
    ArticleId, FullTextMode, NewArticle, NewSection, NewSource, SectionId, StoryId,
};
use newsroom_store::moderation::{self, Editor};
use newsroom_store::{PoolConfig, Store, ViewDelta};
use std::sync::Arc;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

async fn article(
    store: &dyn Store,
    outlet: &str,
    section: SectionId,
    title: &str,
    t: i64,
) -> ArticleId {
    let feed = format!("http://127.0.0.1:9/{outlet}.xml");
    let src = match store.source_by_feed_url(&feed).await.unwrap() {
        Some(s) => s.id,
        None => {
            store
                .add_source(
                    &NewSource {
                        name: outlet.into(),
                        feed_url: feed,
                        site_url: None,
                        section_id: None,
                        full_text: FullTextMode::Never,
                    },
                    t,
                )
                .await
                .unwrap()
                .id
        }
    };
    let slug: String = title
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    let a = NewArticle {
        source_id: src,
        section_id: Some(section),
        guid: Some(slug.clone()),
        canonical_url: format!("https://{outlet}.test/{slug}"),
        original_url: format!("https://{outlet}.test/{slug}"),
        title: title.to_string(),
        summary: format!("{outlet}: {title}."),
        body_text: format!("{title}. More of it."),
        body_html: format!("<p>{title}. More of it.</p>"),
        published_at: t,
        fetched_at: t,
        ..NewArticle::default()
    };
    store.upsert_article(&a, t).await.unwrap().id.unwrap()
}

async fn story_of(store: &dyn Store, members: &[ArticleId], t: i64) -> StoryId {
    let s = store.create_story(members[0], t).await.unwrap();
    for a in &members[1..] {
        store.assign_story(*a, s, t).await.unwrap();
    }
    s
}

/// The site at `at` on its clock, with fresh caches.
async fn site_at(
    store: &Arc<dyn Store>,
    at: i64,
) -> (
    String,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<Result<(), newsroom_web::StartError>>,
) {
    let site = newsroom_web::SiteConfig {
        fixed_now: Some(at),
        ..newsroom_web::SiteConfig::default()
    };
    let state = newsroom_web::build_state(store.clone(), site, None)
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(newsroom_web::serve(listener, state, async move {
        let _ = stop_rx.await;
    }));
    (base, stop_tx, server)
}

/// The home page's lead and the first item of the section's page.
async fn leads(base: &str) -> (String, String) {
    let (status, home) = get(&format!("{base}/"), BROWSER_UA).await;
    assert_eq!(status, 200, "{home}");
    let doc = scraper::Html::parse_document(&home);
    let lead = text(&select(&doc, "main .lead-story h2")[0]);
    let (status, page) = get(&format!("{base}/section/world"), BROWSER_UA).await;
    assert_eq!(status, 200, "{page}");
    let doc = scraper::Html::parse_document(&page);
    let first = text(&select(&doc, "main .news-list a.headline")[0]);
    (lead, first)
}

/// Every public list, as (path, body).
async fn public_lists(base: &str) -> Vec<(String, String)> {
    let mut paths: Vec<String> = [
        "/",
        "/section/world",
        "/feed.xml",
        "/atom.xml",
        "/feed.json",
        "/section/world/feed.xml",
        "/sitemap-news.xml",
        "/search?q=festival",
        "/api/v1/articles",
        "/api/v1/articles?section=world",
        "/api/v1/most-read",
        "/api/v1/search?q=festival",
    ]
    .iter()
    .map(|p| p.to_string())
    .collect();
    // Each article sitemap file the index names.
    let (_, index) = get(&format!("{base}/sitemap.xml"), BROWSER_UA).await;
    for loc in index.split("<loc>").skip(1) {
        let url = &loc[..loc.find("</loc>").unwrap()];
        if let Some(at) = url.find("/sitemaps/articles-") {
            paths.push(url[at..].to_string());
        }
    }
    assert!(
        paths.iter().any(|p| p.starts_with("/sitemaps/articles-")),
        "{index}"
    );
    let mut out = Vec::new();
    for p in paths {
        let (status, body) = get(&format!("{base}{p}"), BROWSER_UA).await;
        assert_eq!(status, 200, "{p}: {body}");
        out.push((p, body.to_lowercase()));
    }
    out
}

on_every_backend!(pins_lead_and_hidden_stories_leave_every_list => pins_and_hides_on);

async fn pins_and_hides_on(db: &Backend) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    let url = db.demo_url(dir.path());
    let store: Arc<dyn Store> = newsroom_store::open(&url, &PoolConfig::default())
        .await
        .unwrap();
    let world = store
        .upsert_section(&NewSection {
            slug: "world".into(),
            name: "World".into(),
            position: 1,
            max_age_days: None,
        })
        .await
        .unwrap()
        .id;
    let t = now() - 6 * 3600;
    // An older story (to be pinned), a newer one (to be hidden), a merged
    // one and, newest, an article of its own.
    let canal = [
        article(
            &*store,
            "harbour",
            world,
            "Canal reopens after the grounding",
            t,
        )
        .await,
        article(
            &*store,
            "ledger",
            world,
            "Canal traffic resumes at last",
            t + 60,
        )
        .await,
    ];
    let zeppelin = [
        article(
            &*store,
            "harbour",
            world,
            "Zeppelin festival draws crowds",
            t + 3600,
        )
        .await,
        article(
            &*store,
            "ledger",
            world,
            "Crowds at the zeppelin festival",
            t + 3660,
        )
        .await,
    ];
    let aside = [article(
        &*store,
        "coast",
        world,
        "Canal pilots speak of the night",
        t + 1800,
    )
    .await];
    let newest = article(
        &*store,
        "coast",
        world,
        "Council approves the library budget",
        t + 7200,
    )
    .await;
    let canal_story = story_of(&*store, &canal, t).await;
    let zeppelin_story = story_of(&*store, &zeppelin, t).await;
    let aside_story = story_of(&*store, &aside, t).await;
    let hour = (t + 7200) / 3600;
    let views: Vec<ViewDelta> = [canal[0], zeppelin[0], zeppelin[1], newest]
        .iter()
        .map(|a| ViewDelta {
            article: *a,
            hour,
            n: 3,
        })
        .collect();
    store.add_views(&views).await.unwrap();

    let site_now = t + 8000;
    let ed = Editor {
        name: "ed",
        now: site_now,
    };
    let (base, stop, web) = site_at(&store, site_now).await;
    let (lead, first) = leads(&base).await;
    assert_eq!(
        lead, "Council approves the library budget",
        "no pin: the newest leads"
    );
    assert_eq!(first, "Council approves the library budget");
    let _ = stop.send(());
    web.await.unwrap().unwrap();

    // Pinned for an hour: the older story leads the home page (by its lead,
    // its earliest article) and its section (by its newest member there).
    moderation::pin(&*store, &ed, canal_story, Some(site_now + 3600))
        .await
        .unwrap();
    let (base, stop, web) = site_at(&store, site_now + 60).await;
    let (lead, first) = leads(&base).await;
    assert_eq!(lead, "Canal reopens after the grounding");
    assert_eq!(first, "Canal traffic resumes at last");
    let _ = stop.send(());
    web.await.unwrap().unwrap();
    // The pin's end passes on the site's clock: the newest leads again.
    let (base, stop, web) = site_at(&store, site_now + 3601).await;
    let (lead, first) = leads(&base).await;
    assert_eq!(lead, "Council approves the library budget", "the pin ended");
    assert_eq!(first, "Council approves the library budget");
    let _ = stop.send(());
    web.await.unwrap().unwrap();

    // Hidden: before, every list names the zeppelin story; after, none does.
    let (base, stop, web) = site_at(&store, site_now + 120).await;
    for (path, body) in public_lists(&base).await {
        assert!(
            body.contains("zeppelin"),
            "{path} lists the story before it is hidden: {body}"
        );
    }
    let _ = stop.send(());
    web.await.unwrap().unwrap();
    moderation::set_hidden(&*store, &ed, zeppelin_story, true)
        .await
        .unwrap();
    let (base, stop, web) = site_at(&store, site_now + 120).await;
    for (path, body) in public_lists(&base).await {
        assert!(
            !body.contains("zeppelin"),
            "{path} lists a hidden story's article: {body}"
        );
        if !path.contains("search?") {
            assert!(body.contains("canal"), "{path} still lists the rest");
        }
    }
    for path in [
        format!("/story/{zeppelin_story}"),
        format!("/api/v1/stories/{zeppelin_story}"),
    ] {
        assert_eq!(
            get(&format!("{base}{path}"), BROWSER_UA).await.0,
            404,
            "{path}"
        );
    }

    // Merged: the API says where the story went.
    moderation::merge(&*store, &ed, canal_story, &[aside_story])
        .await
        .unwrap();
    let no_follow = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = no_follow
        .get(format!("{base}/api/v1/stories/{aside_story}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 301);
    assert_eq!(
        r.headers()["location"],
        format!("/api/v1/stories/{canal_story}").as_str()
    );
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["merged_into"], canal_story.0);
    assert_eq!(body["id"], aside_story.0);
    assert!(
        body["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/api/v1/stories/{canal_story}"))
    );
    // Followed, it lands on the story that holds the article now.
    let target: serde_json::Value = reqwest::get(format!("{base}/api/v1/stories/{aside_story}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(target["id"], canal_story.0);
    assert!(
        target["articles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == aside[0].0)
    );
    // And the document says so, for clients and for schemathesis.
    let doc = get_json(&format!("{base}/api/openapi.json")).await;
    let op = &doc["paths"]["/api/v1/stories/{id}"]["get"]["responses"];
    assert_eq!(
        op["301"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/MergedStory"
    );
    assert!(
        doc["components"]["schemas"]["MergedStory"]["required"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("merged_into"))
    );
    let _ = stop.send(());
    web.await.unwrap().unwrap();
}
