//! Stories stored before threads existed: a database migrated up to the
//! migration before story threads, given two stories with plain SQL (ids from
//! 1, as a fresh database hands them out), then opened as a store. Each old
//! story becomes a thread of its own, and new stories can join those
//! threads. The threads migration (0007) was released after 0008 to 0012,
//! so most sites meet it last: that order is checked too, and there the
//! change log (0008's triggers) records the stories whose thread was set, so
//! every node's cached pages of them go stale. SQLite always; PostgreSQL
//! when NEWSROOM_TEST_POSTGRES_URL names a server.

use newsroom_core::{ArticleId, StoryId};
use newsroom_store::{Store, testdb};

const MIGRATION: &str = "story threads";

const ROWS: &[&str] = &[
    "INSERT INTO sources (name, feed_url, created_at) VALUES ('Old Times', 'https://old.example/feed', 0)",
    "INSERT INTO stories (lead_article_id, first_seen, last_update, size) VALUES (1, 100, 100, 1), (2, 200, 200, 1)",
    "INSERT INTO articles (source_id, story_id, canonical_url, original_url, title, published_at, fetched_at, updated_at) VALUES \
     (1, 1, 'https://old.example/1', 'https://old.example/1', 'Dam talks begin', 100, 100, 100), \
     (1, 2, 'https://old.example/2', 'https://old.example/2', 'Library budget passes', 200, 200, 200), \
     (1, NULL, 'https://old.example/3', 'https://old.example/3', 'Dam talks resume', 90000, 90000, 90000)",
];

/// The migrations the older site had run: those before threads, or with
/// `last` every other one (threads are applied last, after 0012).
fn older(last: bool) -> testdb::Older<'static> {
    if last {
        testdb::Older::AllBut(MIGRATION)
    } else {
        testdb::Older::Before(MIGRATION)
    }
}

/// The older rows, and with `last` an empty change log: what the log holds
/// after the upgrade is the migration's own writes.
fn rows(last: bool) -> Vec<&'static str> {
    let mut rows = ROWS.to_vec();
    if last {
        rows.push("DELETE FROM cache_changes");
    }
    rows
}

async fn check(store: &dyn Store, last: bool) {
    if last {
        let changed: Vec<(String, i64)> = store
            .changes_after(0, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|c| (c.topic, c.key))
            .collect();
        for id in [1, 2] {
            assert!(changed.contains(&("story".into(), id)), "{changed:?}");
        }
    }
    for id in [1, 2] {
        let story = store.get_story(StoryId(id)).await.unwrap().unwrap();
        assert_eq!(story.thread, StoryId(id), "an old story is its own thread");
    }
    let next = store
        .create_story_in_thread(ArticleId(3), StoryId(1), 90_000)
        .await
        .unwrap();
    let thread = store.thread_stories(StoryId(1), 10).await.unwrap();
    assert_eq!(
        thread.iter().map(|t| t.story).collect::<Vec<_>>(),
        [next, StoryId(1)]
    );
    assert_eq!(thread[1].lead().title, "Dam talks begin");
}

#[tokio::test]
async fn sqlite_old_stories_become_threads() {
    for last in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("old.db").display());
        check(
            &testdb::sqlite_from(&url, older(last), &rows(last)).await,
            last,
        )
        .await;
    }
}

#[tokio::test]
async fn postgres_old_stories_become_threads() {
    let suite = "PostgreSQL story threads migration test";
    for last in [false, true] {
        if let Some(store) = testdb::postgres_from(suite, older(last), &rows(last)).await {
            check(&store, last).await;
        }
    }
}
