//! How many view-count increments a database takes when nodes flush them in
//! batches, as `newsroom serve` does. Several "nodes" (each with its own
//! pool) flush batches of single views over a set of articles for a fixed
//! time; at the end the stored total must equal what was sent.
//!
//! cargo run --release -p newsroom-store --example views_bench -- URL [nodes] [batch] [secs] [articles]
//!
//! URL is sqlite:///tmp/bench.db or a postgres:// URL. A PostgreSQL URL gets a
//! fresh schema of its own; an SQLite file must not exist yet.

use newsroom_core::{FullTextMode, NewArticle, NewSource};
use newsroom_store::{PoolConfig, Store, ViewDelta, open, testdb};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let url = args
        .first()
        .expect("usage: views_bench URL [nodes] [batch] [secs] [articles]");
    let arg = |i: usize, d: i64| args.get(i).map(|s| s.parse().unwrap()).unwrap_or(d);
    let (nodes, batch, secs, articles) = (arg(1, 4), arg(2, 1000), arg(3, 10), arg(4, 2000));

    let url = if url.starts_with("postgres") {
        testdb::fresh_schema_on(url).await.unwrap()
    } else {
        url.clone()
    };
    let cfg = PoolConfig::default();
    let store = open(&url, &cfg).await.unwrap();
    let src = store
        .add_source(
            &NewSource {
                name: "bench".into(),
                feed_url: "https://bench.example/feed".into(),
                site_url: None,
                section_id: None,
                full_text: FullTextMode::Never,
            },
            0,
        )
        .await
        .unwrap()
        .id;
    let mut ids = Vec::new();
    for n in 0..articles {
        let a = NewArticle {
            source_id: src,
            section_id: None,
            guid: None,
            canonical_url: format!("https://bench.example/{n}"),
            original_url: format!("https://bench.example/{n}"),
            title: format!("Article {n}"),
            summary: String::new(),
            body_html: String::new(),
            body_text: String::new(),
            body_seal: None,
            image: None,
            video: None,
            author: None,
            language: None,
            published_at: n,
            fetched_at: n,
        };
        ids.push(store.upsert_article(&a, n).await.unwrap().id.unwrap());
    }
    let ids = Arc::new(ids);

    let sent = Arc::new(AtomicI64::new(0));
    let rows = Arc::new(AtomicI64::new(0));
    let flushes = Arc::new(AtomicI64::new(0));
    let deadline = Instant::now() + Duration::from_secs(secs as u64);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for node in 0..nodes {
        let node_store: Arc<dyn Store> = open(&url, &cfg).await.unwrap();
        let (ids, sent, rows, flushes) = (ids.clone(), sent.clone(), rows.clone(), flushes.clone());
        tasks.push(tokio::spawn(async move {
            // A cheap deterministic spread of views: some articles much hotter than others.
            let mut x: u64 = 0x9e37_79b9_7f4a_7c15 ^ node as u64;
            let hour = 490_000;
            while Instant::now() < deadline {
                let mut b: Vec<ViewDelta> = Vec::with_capacity(batch as usize);
                for _ in 0..batch {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    let r = (x % 1_000_000) as f64 / 1_000_000.0;
                    let i = ((r * r) * ids.len() as f64) as usize;
                    b.push(ViewDelta {
                        article: ids[i.min(ids.len() - 1)],
                        hour,
                        n: 1,
                    });
                }
                let distinct = newsroom_store::merge_deltas(&b).len() as i64;
                node_store.add_views(&b).await.unwrap();
                sent.fetch_add(batch, Ordering::Relaxed);
                rows.fetch_add(distinct, Ordering::Relaxed);
                flushes.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let stored = store.table_counts().await.unwrap().total_views;
    let sent = sent.load(Ordering::Relaxed);
    let rows = rows.load(Ordering::Relaxed);
    let flushes = flushes.load(Ordering::Relaxed);
    println!(
        "{} nodes={nodes} batch={batch} articles={articles} secs={elapsed:.1}: \
         {:.0} increments/s, {:.0} flushes/s ({:.1} ms each), {:.0} distinct rows/s; stored {stored} of {sent} sent",
        store.backend(),
        sent as f64 / elapsed,
        flushes as f64 / elapsed,
        elapsed * 1000.0 * nodes as f64 / flushes as f64,
        rows as f64 / elapsed,
    );
    assert_eq!(stored, sent, "every increment stored exactly once");
}
