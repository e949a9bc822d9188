//! Pages that stay rendered until what they show is written: each kind of
//! write shows on the next request after the change log is read
//! (`invalidate::Follower::poll`, which every node runs each
//! `invalidate_interval`), and two nodes on one PostgreSQL see each other's
//! writes within a poll interval.

use super::*;
use newsroom_core::{Article, ArticleStatus};
use newsroom_web::invalidate::Follower;
use newsroom_web::state::Shared;
use std::time::Duration;

struct Live {
    app: Router,
    state: Shared,
    store: Arc<dyn Store>,
    articles: Vec<(ArticleId, String)>,
    story: StoryId,
    _dir: tempfile::TempDir,
}

fn config() -> SiteConfig {
    SiteConfig {
        name: "Fixture News".into(),
        time_zone: "Europe/Kyiv".into(),
        base_url: "https://news.example".into(),
        fixed_now: Some(NOW),
        invalidate_interval: Duration::from_millis(50),
        ..SiteConfig::default()
    }
}

async fn live() -> Live {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("site.db").display());
    let store: Arc<dyn Store> = newsroom_store::open(&url, &Default::default())
        .await
        .unwrap();
    let (articles, story, _) = fill(&*store).await;
    let state = build_state(store.clone(), config(), None).await.unwrap();
    Live {
        app: router(state.clone()),
        state,
        store,
        articles,
        story,
        _dir: dir,
    }
}

async fn page(app: &Router, path: &str) -> (StatusCode, String) {
    let a = get(app, path).await;
    (a.status, a.body)
}

/// The article as the upsert takes it, to write it again changed.
fn again(a: &Article) -> NewArticle {
    NewArticle {
        source_id: a.source_id,
        section_id: a.section_id,
        guid: a.guid.clone(),
        canonical_url: a.canonical_url.clone(),
        original_url: a.original_url.clone(),
        title: a.title.clone(),
        summary: a.summary.clone(),
        body_html: a.body_html.clone(),
        body_text: a.body_text.clone(),
        body_seal: None,
        image: a.image.clone(),
        video: a.video.clone(),
        author: a.author.clone(),
        language: a.language.clone(),
        published_at: a.published_at,
        fetched_at: a.fetched_at,
    }
}

async fn new_article(store: &dyn Store, like: ArticleId, n: i64, title: &str) -> ArticleId {
    let a = store.get_article(like).await.unwrap().unwrap();
    let mut new = again(&a);
    new.guid = Some(format!("new:{n}"));
    new.canonical_url = format!("https://outlet.example/new/{n}");
    new.original_url = new.canonical_url.clone();
    new.title = title.into();
    new.published_at = NOW - 60;
    new.fetched_at = NOW - 30;
    store.upsert_article(&new, NOW).await.unwrap().id.unwrap()
}

/// The headlines of the most-read block on the home page, in order.
fn most_read(home: &str) -> Vec<String> {
    let doc = home.split("class=\"most-read\"").nth(1).unwrap();
    let block = doc.split("</section>").next().unwrap();
    block
        .split("class=\"headline\"")
        .skip(1)
        .map(|s| {
            s.split('>')
                .nth(1)
                .unwrap()
                .split('<')
                .next()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[tokio::test]
async fn each_write_shows_on_the_next_request() {
    let site = live().await;
    let mut follower = Follower::start(&site.state).await;
    let (id, title) = site.articles[0].clone();
    let path = slug_path(id, &title);
    let other = slug_path(site.articles[2].0, &site.articles[2].1);
    for p in [
        &path,
        &other,
        &"/".to_string(),
        &"/section/technology".to_string(),
    ] {
        assert_eq!(page(&site.app, p).await.0, StatusCode::OK, "{p}");
    }

    // An edited article.
    let stored = site.store.get_article(id).await.unwrap().unwrap();
    let mut edited = again(&stored);
    edited.body_html = "<p>Corrected first paragraph.</p>".into();
    site.store.upsert_article(&edited, NOW).await.unwrap();
    assert_eq!(follower.poll(&site.state).await.unwrap(), 1);
    let (_, html) = page(&site.app, &path).await;
    assert!(
        html.contains("Corrected first paragraph."),
        "the edit shows"
    );

    // A new article in a section: on its section page, and in the latest
    // list of every page, without rebuilding an unrelated article page.
    let misses = site.state.cache.stats().misses;
    let fresh = new_article(
        &*site.store,
        site.articles[4].0,
        1,
        "Fresh chip plant opens",
    )
    .await;
    assert!(follower.poll(&site.state).await.unwrap() >= 1);
    let (_, section) = page(&site.app, "/section/technology").await;
    assert!(section.contains("Fresh chip plant opens"), "in its section");
    let (_, elsewhere) = page(&site.app, &other).await;
    assert!(
        elsewhere.contains("Fresh chip plant opens"),
        "in the latest list"
    );
    assert_eq!(
        site.state.cache.stats().misses,
        misses + 1,
        "only the section page was rebuilt; the article page kept its text and took the new list"
    );

    // A new member of a story: on the story page and the member's page.
    let member = new_article(&*site.store, site.articles[4].0, 2, "Third outlet on Rafah").await;
    site.store
        .assign_story(member, site.story, NOW)
        .await
        .unwrap();
    follower.poll(&site.state).await.unwrap();
    let (_, story) = page(&site.app, &format!("/story/{}", site.story)).await;
    assert!(story.contains("Third outlet on Rafah"), "on the story page");
    let (_, lead) = page(&site.app, &path).await;
    assert!(
        lead.contains("3 sources"),
        "the member's page counts the new outlet"
    );

    // A new most-read order: the least-read article jumps to the top.
    let (_, home) = page(&site.app, "/").await;
    let before = most_read(&home);
    let last = site
        .articles
        .iter()
        .find(|(_, t)| *t == *before.last().unwrap())
        .unwrap()
        .0;
    site.store
        .add_views_once(
            "test/1",
            &[ViewDelta {
                article: last,
                hour: NOW / HOUR,
                n: 10_000,
            }],
            NOW,
        )
        .await
        .unwrap();
    follower.poll(&site.state).await.unwrap();
    let (_, home) = page(&site.app, "/").await;
    assert_eq!(most_read(&home)[0], *before.last().unwrap(), "{before:?}");

    // A hidden article: gone from its page, the lists and the latest list.
    site.store
        .set_article_status(fresh, ArticleStatus::Hidden, NOW)
        .await
        .unwrap();
    follower.poll(&site.state).await.unwrap();
    let (status, _) = page(&site.app, &format!("/news/{fresh}-fresh-chip-plant-opens")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for p in ["/section/technology", "/", other.as_str()] {
        let (_, html) = page(&site.app, p).await;
        assert!(!html.contains("Fresh chip plant opens"), "hidden from {p}");
    }

    // Nothing written: nothing rebuilt.
    assert_eq!(follower.poll(&site.state).await.unwrap(), 0);
    let misses = site.state.cache.stats().misses;
    for p in [&path, &other] {
        page(&site.app, p).await;
    }
    assert_eq!(site.state.cache.stats().misses, misses);
    assert!(site.state.cache.stats().hits > 0);
}

/// The latest-news list's lines: each headline, and whether it is marked
/// "developing".
fn latest_lines(html: &str) -> Vec<(String, bool)> {
    let d = doc(html);
    d.select(&sel("aside.sidebar li"))
        .map(|li| {
            let headline = text(li.select(&sel("a.headline")).next().unwrap());
            (headline, li.select(&sel("a.developing")).next().is_some())
        })
        .collect()
}

/// The headlines of a story page's list of its thread's later stories.
fn later_stories(html: &str) -> Vec<String> {
    let d = doc(html);
    d.select(&sel(
        "section.thread[aria-labelledby=thread-later-h] a.headline",
    ))
    .map(text)
    .collect()
}

/// A story that opens in an earlier story's thread changes what the folded
/// latest list shows (one line per thread) and the earlier story's timeline:
/// both show on the next request after a poll, in the fragment that cached
/// article pages hold in their slot too.
#[tokio::test]
async fn a_story_joining_a_thread_shows_on_the_next_request() {
    let site = live().await;
    let mut follower = Follower::start(&site.state).await;
    let (talks, talks_title) = site.articles[2].clone();
    let reader = slug_path(site.articles[5].0, &site.articles[5].1);
    let first = site
        .store
        .create_story(talks, NOW - 20 * HOUR)
        .await
        .unwrap();
    let fresh = new_article(
        &*site.store,
        talks,
        3,
        "Nuclear talks end with a draft deal",
    )
    .await;
    follower.poll(&site.state).await.unwrap();
    let earlier_page = format!("/story/{first}");
    let (_, story) = page(&site.app, &earlier_page).await;
    assert_eq!(later_stories(&story), Vec::<String>::new());
    let (_, html) = page(&site.app, &reader).await;
    let lines = latest_lines(&html);
    assert!(lines.contains(&(talks_title.clone(), false)), "{lines:?}");
    assert!(
        lines.contains(&("Nuclear talks end with a draft deal".into(), false)),
        "{lines:?}"
    );

    // The clusterer files the new article as a story of the talks' thread.
    site.store
        .create_story_in_thread(fresh, first, NOW)
        .await
        .unwrap();
    assert!(follower.poll(&site.state).await.unwrap() >= 1);
    let misses = site.state.cache.stats().misses;
    let (_, html) = page(&site.app, &reader).await;
    assert_eq!(
        site.state.cache.stats().misses,
        misses,
        "the article page kept its text"
    );
    let lines = latest_lines(&html);
    assert!(
        lines.contains(&("Nuclear talks end with a draft deal".into(), true)),
        "the thread's newest story, developing: {lines:?}"
    );
    assert!(
        !lines.iter().any(|(t, _)| *t == talks_title),
        "one line per thread: {lines:?}"
    );
    let (_, story) = page(&site.app, &earlier_page).await;
    assert_eq!(
        later_stories(&story),
        ["Nuclear talks end with a draft deal"],
        "the earlier story's timeline shows the later one"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_on_one_postgres_see_each_others_writes() {
    let Some(url) =
        newsroom_store::testdb::fresh_postgres_url("cache invalidation across nodes").await
    else {
        return;
    };
    let open = || async {
        newsroom_store::open(&url, &Default::default())
            .await
            .unwrap()
    };
    let a_store: Arc<dyn Store> = open().await;
    let (articles, _, _) = fill(&*a_store).await;
    let b_store: Arc<dyn Store> = open().await;
    let a = build_state(a_store.clone(), config(), None).await.unwrap();
    let b = build_state(b_store.clone(), config(), None).await.unwrap();
    let watchers = [
        newsroom_web::invalidate::start(a.clone()),
        newsroom_web::invalidate::start(b.clone()),
    ];
    let (apps, stores) = ([router(a), router(b)], [a_store, b_store]);
    let (id, title) = &articles[0];
    let path = slug_path(*id, title);
    for (n, writer) in stores.iter().enumerate() {
        for app in &apps {
            assert_eq!(page(app, &path).await.0, StatusCode::OK);
        }
        let stored = writer.get_article(*id).await.unwrap().unwrap();
        let mut edited = again(&stored);
        edited.body_html = format!("<p>Written by node {n}.</p>");
        writer.upsert_article(&edited, NOW).await.unwrap();
        // Within one poll interval (50 ms), with room for a slow machine.
        tokio::time::sleep(Duration::from_millis(400)).await;
        for (m, app) in apps.iter().enumerate() {
            let (_, html) = page(app, &path).await;
            assert!(
                html.contains(&format!("Written by node {n}.")),
                "node {m} sees node {n}'s write"
            );
        }
    }
    // A story's block, kept apart from the pages on each node: a member
    // hidden by one node leaves the block on both nodes' pages of the other.
    let block = |html: &str| html.contains("class=\"story-link\"");
    for app in &apps {
        assert!(block(&page(app, &path).await.1), "two outlets: a block");
    }
    stores[1]
        .set_article_status(articles[1].0, ArticleStatus::Hidden, NOW)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    for (m, app) in apps.iter().enumerate() {
        assert!(
            !block(&page(app, &path).await.1),
            "node {m} dropped the story's block"
        );
    }
    for w in watchers {
        w.abort();
    }
}

/// The fragments an article page is built from, kept apart from it: its
/// story's block ("All coverage · N sources") follows a member hidden and
/// shown again, though the page of the member that did not change is the
/// one asked for; the section menu follows a renamed section. Each on the
/// next request after a poll.
#[tokio::test]
async fn story_blocks_and_the_menu_follow_their_writes() {
    let site = live().await;
    let mut follower = Follower::start(&site.state).await;
    let (lead, lead_title) = site.articles[0].clone();
    let member = site.articles[1].0;
    let path = slug_path(lead, &lead_title);
    let block = |html: &str| doc(html).select(&sel("p.story-link")).next().map(text);
    let (_, html) = page(&site.app, &path).await;
    assert_eq!(block(&html).as_deref(), Some("All coverage · 2 sources"));

    site.store
        .set_article_status(member, ArticleStatus::Hidden, NOW)
        .await
        .unwrap();
    assert_eq!(follower.poll(&site.state).await.unwrap(), 1);
    let (_, html) = page(&site.app, &path).await;
    assert_eq!(block(&html), None, "one published article left: no block");

    site.store
        .set_article_status(member, ArticleStatus::Published, NOW)
        .await
        .unwrap();
    follower.poll(&site.state).await.unwrap();
    let (_, html) = page(&site.app, &path).await;
    assert_eq!(block(&html).as_deref(), Some("All coverage · 2 sources"));

    let (_, html) = page(&site.app, &path).await;
    assert!(html.contains(">Technology</a>"));
    site.store
        .upsert_section(&NewSection {
            slug: "technology".into(),
            name: "Tech & Science".into(),
            position: 2,
            max_age_days: None,
        })
        .await
        .unwrap();
    follower.poll(&site.state).await.unwrap();
    let (_, html) = page(&site.app, &path).await;
    assert!(
        html.contains(">Tech &#38; Science</a>") && !html.contains(">Technology</a>"),
        "the menu shows the new name: {}",
        html.split("sections-nav")
            .nth(1)
            .unwrap_or("")
            .split("</nav>")
            .next()
            .unwrap()
    );
}
