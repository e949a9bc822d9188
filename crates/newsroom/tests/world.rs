//! Issue 10 against the real binary: the simulated news world (a day in `cargo test`, a
//! week as the soak), the teaser feed polled twice, and bad input.

mod common;
mod world_kit;

/// A simulated day: 30 passes, 48 world minutes apart, over nine outlets that each move
/// the way one kind of news site does (see `world_kit`). Every pass is checked through the
/// database, the JSON API and the world's own request logs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_simulated_day_of_news() {
    world_kit::run(world_kit::Plan::day()).await;
}

/// The soak: a simulated week (210 passes) over twenty outlets, thousands of articles.
/// `cargo test -p newsroom --test world -- --ignored --nocapture a_simulated_week`;
/// results in docs/QUALITY.md.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "soak (minutes): a simulated week; run by hand, results in docs/QUALITY.md"]
async fn a_simulated_week_of_news() {
    world_kit::run(world_kit::Plan::week()).await;
}

/// Issue 10's reproduction, through the binary: a feed of five items whose description is
/// "teaser", linking to real article pages; `source add`, then `fetch --once` twice. The
/// bodies are full after the first pass and stay full after the second, which reports
/// nothing updated and fetches no page again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teaser_feed_fetched_twice_keeps_full_bodies() {
    use newsroom_ingest::testkit::{TestServer, serve_teaser_feed};
    let server = TestServer::start().await;
    if serve_teaser_feed(&server, 5).is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("site.db").display());
    let now = jiff::Timestamp::now().as_second();
    let run = |args: &[&str]| world_kit::newsroom(dir.path(), &db, now, &[3600], args);
    let (ok, out, err) = run(&["source", "add", &server.url("/feed.xml")]);
    assert!(ok, "{out}{err}");

    let (ok, first, err) = run(&["fetch", "--once"]);
    assert!(ok, "{err}");
    assert_eq!(world_kit::summary_count(&first, "new"), 5, "{first}");
    let store = newsroom_store::open(&db, &Default::default()).await.unwrap();
    let bodies = |store: std::sync::Arc<dyn newsroom_store::Store>| async move {
        let cards = store
            .list_articles(&newsroom_store::ListQuery {
                section: None,
                source: None,
                limit: 10,
                offset: 0,
            })
            .await
            .unwrap();
        let mut out = Vec::new();
        for c in cards {
            out.push(store.get_article(c.id).await.unwrap().unwrap().body_text);
        }
        out.sort();
        out
    };
    let before = bodies(store.clone()).await;
    assert_eq!(before.len(), 5);
    // The pages' texts run from a paywalled 400 characters to several thousand.
    for b in &before {
        assert!(b.chars().count() > 300, "a body is not the page's text: {b:?}");
    }
    assert!(before.iter().map(|b| b.len()).sum::<usize>() > 8000);
    let pages_before = server.total_hits();

    let (ok, second, err) = run(&["fetch", "--once"]);
    assert!(ok, "{err}");
    assert_eq!(world_kit::summary_count(&second, "new"), 0, "{second}");
    assert_eq!(world_kit::summary_count(&second, "updated"), 0, "{second}");
    assert_eq!(world_kit::summary_count(&second, "pages fetched"), 0, "{second}");
    assert_eq!(bodies(store).await, before, "the second pass changed a body");
    assert_eq!(server.total_hits(), pages_before + 1, "only the feed was asked again");
}

