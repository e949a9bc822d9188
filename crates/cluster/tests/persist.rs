//! Story assignment through a real SQLite store: one story per event, the
//! lease keeps a second worker out, and a restart continues the same
//! stories. Runs with `--features store`.

mod events;

use events::{EVERYDAY, LAUNCH, REACTION};
use newsroom_cluster::Config;
use newsroom_cluster::persist::{ClusterLease, StoryAssigner};
use newsroom_core::{Article, FullTextMode, NewArticle, NewSource};
use newsroom_store::{PoolConfig, SqliteStore, Store};

const T0: i64 = 1_394_409_600;

async fn add(
    store: &dyn Store,
    source: newsroom_core::SourceId,
    title: &str,
    url: &str,
    t: i64,
) -> Article {
    add_text(store, source, title, "", url, t).await
}

/// A fresh SQLite site with one source, "Wire".
async fn wire_site() -> (tempfile::TempDir, SqliteStore, newsroom_core::SourceId) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("site.db").display());
    let store = SqliteStore::open(&url, &PoolConfig::default())
        .await
        .unwrap();
    let src = store
        .add_source(
            &NewSource {
                name: "Wire".into(),
                feed_url: "http://127.0.0.1:9/feed".into(),
                site_url: None,
                section_id: None,
                full_text: FullTextMode::Never,
            },
            T0,
        )
        .await
        .unwrap()
        .id;
    (dir, store, src)
}

#[tokio::test]
async fn articles_land_in_stored_stories_and_survive_a_restart() {
    let (_dir, store, src) = wire_site().await;
    let store: &dyn Store = &store;

    let titles = [
        (
            "Malaysia Airlines jet missing over South China Sea",
            "http://a.test/malaysia-airlines-jet-missing",
        ),
        (
            "Apple unveils cheaper iPhone 5c with 8GB of storage",
            "http://b.test/apple-iphone-5c-8gb",
        ),
        (
            "UPDATE 1-Malaysia Airlines jet missing over South China Sea",
            "http://c.test/malaysia-jet",
        ),
        (
            "Search for missing Malaysia Airlines jet widens",
            "http://d.test/search-missing-malaysia-airlines-jet",
        ),
    ];
    let mut articles = Vec::new();
    for (i, (t, u)) in titles.iter().enumerate() {
        articles.push(add(store, src, t, u, T0 + 60 * i as i64).await);
    }

    let now = T0 + 600;
    let mut lease = ClusterLease::acquire(store, "node-a", now, 60, Config::default())
        .await
        .unwrap()
        .unwrap();
    assert!(
        ClusterLease::acquire(store, "node-b", now, 60, Config::default())
            .await
            .unwrap()
            .is_none(),
        "a second worker must not cluster while the lease is held"
    );
    let mut placed = Vec::new();
    for a in &articles {
        placed.push(
            lease
                .assigner
                .assign(store, a, Some("Wire"), now)
                .await
                .unwrap()
                .unwrap(),
        );
    }
    lease.release(store, now, now).await.unwrap();

    let event = placed[0].story;
    assert_eq!(placed[2].story, event);
    assert_eq!(
        placed[2].assignment.near_duplicate_of.as_deref(),
        Some(articles[0].id.to_string().as_str())
    );
    assert_eq!(placed[3].story, event);
    assert_ne!(placed[1].story, event);
    let story = store.get_story(event).await.unwrap().unwrap();
    assert_eq!(story.size, 3);
    assert_eq!(story.lead_article, articles[0].id);
    assert_eq!(store.story_articles(event).await.unwrap().len(), 3);

    // Another node takes over after a "restart": it continues the stories.
    let late = add(
        store,
        src,
        "Malaysia Airlines jet search enters fifth day",
        "http://e.test/malaysia-airlines-jet-search",
        now + 60,
    )
    .await;
    let mut lease = ClusterLease::acquire(store, "node-b", now + 120, 60, Config::default())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(lease.assigner.last_article(), Some(articles[3].id));
    assert!(
        lease
            .assigner
            .assign(store, &articles[1], None, now + 120)
            .await
            .unwrap()
            .is_none(),
        "already assigned"
    );
    let p = lease
        .assigner
        .assign(store, &late, Some("Wire"), now + 120)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.story, event);
    lease.release(store, now + 120, now + 180).await.unwrap();
    assert_eq!(store.get_story(event).await.unwrap().unwrap().size, 4);

    // The saved state reloads on its own too.
    let again = StoryAssigner::load(store, Config::default()).await.unwrap();
    assert_eq!(again.last_article(), Some(late.id));

    // A lease that files nothing leaves the stored state as it was (here
    // written in another layout than `save`'s, to tell them apart); one
    // that files an article writes it.
    let key = newsroom_cluster::persist::STATE_KEY;
    let json: serde_json::Value =
        serde_json::from_str(&store.get_meta(key).await.unwrap().unwrap()).unwrap();
    let pretty = serde_json::to_string_pretty(&json).unwrap();
    store.set_meta(key, &pretty).await.unwrap();
    let lease = ClusterLease::acquire(store, "node-c", now + 240, 60, Config::default())
        .await
        .unwrap()
        .unwrap();
    lease.release(store, now + 240, now + 300).await.unwrap();
    assert_eq!(store.get_meta(key).await.unwrap().unwrap(), pretty);
    let later = add(
        store,
        src,
        "Malaysia Airlines jet search widens to Indian Ocean",
        "http://f.test/malaysia-airlines-jet-search-widens",
        now + 300,
    )
    .await;
    let mut lease = ClusterLease::acquire(store, "node-c", now + 360, 60, Config::default())
        .await
        .unwrap()
        .unwrap();
    lease
        .assigner
        .assign(store, &later, Some("Wire"), now + 360)
        .await
        .unwrap()
        .unwrap();
    lease.release(store, now + 360, now + 420).await.unwrap();
    let saved = store.get_meta(key).await.unwrap().unwrap();
    assert_ne!(saved, pretty);
    assert_eq!(
        StoryAssigner::load(store, Config::default())
            .await
            .unwrap()
            .last_article(),
        Some(later.id)
    );
}

/// Filing beside a running pass: what is stored while the pass runs is
/// filed as it comes, the rest once it ends, under one lease that keeps a
/// second worker out meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filing_follows_a_running_pass() {
    use newsroom_cluster::worker::{Pass, WorkerConfig, cluster_alongside, cluster_pass};
    let (_dir, store, src) = wire_site().await;
    let store: std::sync::Arc<dyn Store> = std::sync::Arc::new(store);
    let now = T0;
    let first = add(
        &*store,
        src,
        "Malaysia Airlines jet missing over South China Sea",
        "http://a.test/missing",
        now,
    )
    .await;
    let (end, ended) = tokio::sync::oneshot::channel::<()>();
    let st = store.clone();
    let filing = tokio::spawn(async move {
        let running = async {
            let _ = ended.await;
        };
        cluster_alongside(&*st, "fetch-1", &WorkerConfig::default(), running).await
    });
    // Filed while the pass still runs.
    let mut waited = 0;
    while store.article_story(first.id).await.unwrap().is_none() {
        assert!(waited < 500, "not filed while the pass ran");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        waited += 1;
    }
    assert_eq!(
        cluster_pass(&*store, "serve-1", &WorkerConfig::default(), || false)
            .await
            .unwrap(),
        Pass::Busy,
        "the lease is held for the whole pass"
    );
    let copy = add(
        &*store,
        src,
        "Malaysia Airlines jet missing over South China Sea",
        "http://b.test/missing",
        now + 60,
    )
    .await;
    end.send(()).unwrap();
    assert_eq!(filing.await.unwrap().unwrap(), Pass::Assigned(2));
    let story = store.article_story(first.id).await.unwrap();
    assert!(story.is_some());
    assert_eq!(store.article_story(copy.id).await.unwrap(), story);
    assert_eq!(
        StoryAssigner::load(&*store, Config::default())
            .await
            .unwrap()
            .last_article(),
        Some(copy.id),
        "saved when the lease is given back"
    );
}

/// An article with text, stored and read back.
async fn add_text(
    store: &dyn Store,
    source: newsroom_core::SourceId,
    title: &str,
    text: &str,
    url: &str,
    t: i64,
) -> Article {
    let a = NewArticle {
        source_id: source,
        canonical_url: url.into(),
        original_url: url.into(),
        title: title.into(),
        body_text: text.into(),
        published_at: t,
        fetched_at: t,
        ..NewArticle::default()
    };
    let id = store.upsert_article(&a, t).await.unwrap().id.unwrap();
    store.get_article(id).await.unwrap().unwrap()
}

/// Three days of everyday news, then the launch, then (after a restart of
/// the clusterer from its saved state, with a thread horizon of
/// `horizon_days`) the next day's reaction.
async fn launch_and_reaction(horizon_days: f64) -> (newsroom_core::Story, newsroom_core::Story) {
    let (_dir, store, src) = wire_site().await;
    let store: &dyn Store = &store;
    let day = 86_400;
    let mut config = Config::default();
    config.threads.horizon_days = horizon_days;
    // Saved with the default horizon; the restart below brings `config`'s.
    let mut assigner = StoryAssigner::load(store, Config::default()).await.unwrap();
    for d in 0..3 {
        for (i, (title, text)) in EVERYDAY.iter().enumerate() {
            let t = T0 - 3 * day + d * day + i as i64 * 3600;
            let a = add_text(
                store,
                src,
                &format!("{title} ({d})"),
                text,
                &format!("http://bg.test/{d}-{i}"),
                t,
            )
            .await;
            assigner.assign(store, &a, Some("Wire"), t).await.unwrap();
        }
    }
    let launch = add_text(
        store,
        src,
        "North Korea fires missile over Japan",
        LAUNCH,
        "http://a.test/launch",
        T0,
    )
    .await;
    let first = assigner
        .assign(store, &launch, Some("Wire"), T0)
        .await
        .unwrap()
        .unwrap();
    assigner.save(store).await.unwrap();
    // A restart: the next day's article is clustered from the saved state.
    let mut assigner = StoryAssigner::load(store, config).await.unwrap();
    let t = T0 + 36 * 3600;
    let reaction = add_text(
        store,
        src,
        "UN Security Council condemns Hwasong-12 launch",
        REACTION,
        "http://b.test/reaction",
        t,
    )
    .await;
    let next = assigner
        .assign(store, &reaction, Some("Wire"), t)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(first.story, next.story, "stories stay day-level");
    (
        store.get_story(first.story).await.unwrap().unwrap(),
        store.get_story(next.story).await.unwrap().unwrap(),
    )
}

#[tokio::test]
async fn a_story_continued_the_next_day_joins_the_stored_thread() {
    let (first, next) = launch_and_reaction(14.0).await;
    assert_eq!(first.thread, first.id, "the launch opens the thread");
    assert_eq!(
        next.thread, first.id,
        "the reaction continues it, across a restart"
    );
}

#[tokio::test]
async fn the_thread_horizon_setting_applies_to_saved_state() {
    // Quiet for a day and a half, past a one-day horizon: the thread closed.
    let (first, next) = launch_and_reaction(1.0).await;
    assert_eq!(first.thread, first.id);
    assert_eq!(next.thread, next.id, "a new thread past the horizon");
}
