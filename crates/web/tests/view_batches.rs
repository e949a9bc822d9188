//! The view buffer against a real SQLite store: a flush whose commit
//! happened but whose reply was lost is not counted twice, views saved at
//! shutdown are written once at the next start, however often replayed, and
//! two nodes on one store count a visitor they share once.

use newsroom_core::{ArticleId, FullTextMode, NewArticle, NewSource};
use newsroom_store::{PoolConfig, Store, Visit};
use newsroom_web::counting::ViewCounter;
use newsroom_web::counting::counter::DEDUP_WINDOW_SECS;
use std::sync::Arc;

const T0: i64 = 1_700_000_000;

async fn store_with_article(dir: &std::path::Path) -> (Arc<dyn Store>, ArticleId) {
    let url = format!("sqlite://{}", dir.join("views.db").display());
    let store = newsroom_store::open(&url, &PoolConfig::default())
        .await
        .unwrap();
    let src = store
        .add_source(
            &NewSource {
                name: "Example".into(),
                feed_url: "https://news.example/feed.xml".into(),
                site_url: None,
                section_id: None,
                full_text: FullTextMode::Auto,
            },
            T0,
        )
        .await
        .unwrap()
        .id;
    let out = store
        .upsert_article(
            &NewArticle {
                source_id: src,
                section_id: None,
                guid: Some("g1".into()),
                canonical_url: "https://news.example/a/1".into(),
                original_url: "https://news.example/a/1".into(),
                title: "Headline".into(),
                summary: "Summary".into(),
                body_html: "<p>Body</p>".into(),
                body_text: "Body".into(),
                body_seal: None,
                image: None,
                video: None,
                author: None,
                language: Some("en".into()),
                published_at: T0,
                fetched_at: T0,
            },
            T0,
        )
        .await
        .unwrap();
    (store, out.id.unwrap())
}

async fn stored(store: &dyn Store, a: ArticleId) -> i64 {
    store.article_views(&[a]).await.unwrap()[0].1
}

/// Now: the store forgets visits a window old, so views are counted at
/// the time they would be.
fn now() -> i64 {
    newsroom_web::state::now()
}

fn count(c: &ViewCounter, a: ArticleId, visitors: std::ops::Range<u32>) {
    for v in visitors {
        assert!(c.record(a, &format!("10.0.0.{v}"), "Firefox", now()).0);
    }
}

#[tokio::test]
async fn a_batch_whose_reply_was_lost_is_not_counted_twice() {
    let dir = tempfile::tempdir().unwrap();
    let (store, a) = store_with_article(dir.path()).await;
    let c = ViewCounter::new([7; 32]);
    count(&c, a, 0..5);
    // The batch reaches the database, but the node never hears back: it
    // is still queued under its id.
    let sent = c.unflushed();
    assert_eq!(sent.len(), 1);
    for b in &sent {
        // What a flush does: the store's cross-node check, then the counts.
        let visits: Vec<Visit> = b
            .visits
            .iter()
            .map(|&(visitor, article, at)| Visit {
                visitor,
                article: ArticleId(article),
                at,
            })
            .collect();
        let claimed = store
            .claim_visits(&b.id, &visits, DEDUP_WINDOW_SECS, now())
            .await
            .unwrap();
        assert_eq!(claimed.len(), 5);
        let deltas: Vec<_> = claimed
            .iter()
            .map(|v| newsroom_store::ViewDelta {
                article: v.article,
                hour: v.at.div_euclid(3600),
                n: 1,
            })
            .collect();
        assert!(store.add_views_once(&b.id, &deltas, now()).await.unwrap());
    }
    assert_eq!(stored(&*store, a).await, 5);
    assert_eq!(c.total(a), 5, "shown once while unconfirmed");

    // The retry finds the id applied and adds nothing; new views go in a new batch.
    count(&c, a, 5..7);
    let stats = c.flush(&*store).await.unwrap();
    assert_eq!(stats.views, 2, "only the new batch was applied: {stats:?}");
    assert_eq!(stored(&*store, a).await, 7);
    assert_eq!(c.total(a), 7);
    assert_eq!(c.unconfirmed_batches(), 0);
    assert_eq!(c.pending_views(), 0);
}

#[tokio::test]
async fn saved_views_are_written_once_however_often_replayed() {
    let dir = tempfile::tempdir().unwrap();
    let (store, a) = store_with_article(dir.path()).await;
    // A node that could not reach the database at shutdown.
    let old = ViewCounter::new([7; 32]);
    count(&old, a, 0..9);
    let saved = serde_json::to_string(&old.unflushed()).unwrap();

    // The next start replays the file; a crash before it was removed makes
    // a third start replay it again.
    for _ in 0..2 {
        let next = ViewCounter::new([7; 32]);
        next.restore(serde_json::from_str(&saved).unwrap());
        assert_eq!(next.pending_views(), 9);
        next.flush(&*store).await.unwrap();
        assert_eq!(next.unconfirmed_batches(), 0);
        assert_eq!(stored(&*store, a).await, 9);
    }
}

#[tokio::test]
async fn two_nodes_count_a_shared_visitor_once() {
    let dir = tempfile::tempdir().unwrap();
    let (store, a) = store_with_article(dir.path()).await;
    // Two nodes of one site: one secret, so they hash a visitor alike.
    let (n1, n2) = (ViewCounter::new([7; 32]), ViewCounter::new([7; 32]));
    // One visitor alternating between them, each node's own memory
    // letting it through once, and two visitors seen by one node only.
    for round in 0..6 {
        let node = if round % 2 == 0 { &n1 } else { &n2 };
        node.record(a, "10.1.1.1", "Firefox", now());
        node.flush(&*store).await.unwrap();
    }
    assert!(n1.record(a, "10.1.1.2", "Firefox", now()).0);
    assert!(n2.record(a, "10.1.1.3", "Firefox", now()).0);
    n1.flush(&*store).await.unwrap();
    n2.flush(&*store).await.unwrap();
    assert_eq!(
        stored(&*store, a).await,
        3,
        "one shared visitor and two others"
    );
    // Each node shows what the store counted once it reads the article again.
    n2.observe(store.article_views(&[a]).await.unwrap());
    assert_eq!(n2.total(a), 3);
}
