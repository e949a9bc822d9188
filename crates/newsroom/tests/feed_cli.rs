//! `newsroom feed parse` on fixture feeds, and the `[ingest]` settings driving the poll
//! schedule of a real `fetch` (with a feed's `<ttl>` honoured within their bounds).

mod common;

use common::*;
use newsroom_ingest::testkit::{Resource, TestServer};
use newsroom_store::{SqliteStore, Store};
use std::io::Write;
use std::process::{Command, Stdio};

fn fixture(name: &str) -> String {
    format!(
        "{}/../ingest/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn newsroom(args: &[&str], env: &[(&str, &str)], stdin: Option<&[u8]>) -> (bool, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(bin());
    cmd.current_dir(dir.path())
        .args(args)
        .env("NEWSROOM_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(bytes) = stdin {
        input.write_all(bytes).unwrap();
    }
    drop(input);
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn feed_parse_prints_what_newsroom_reads() {
    let path = fixture("media-bbc.xml");
    let (ok, out, err) = newsroom(
        &[
            "feed",
            "parse",
            "--url",
            "https://northshire.example/rss.xml",
            &path,
        ],
        &[],
        None,
    );
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["format"], "rss2.0");
    assert_eq!(v["title"], "Northshire News - Home");
    assert_eq!(v["site_link"], "https://northshire.example/news");
    assert_eq!(v["publisher_interval_secs"], 1800);
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 6);
    let first = &items[0];
    assert_eq!(first["guid"], "https://northshire.example/news/uk-1001");
    assert_eq!(first["link"], "https://northshire.example/news/uk-1001");
    assert_eq!(first["title"], "Bridge reopens after repairs");
    assert_eq!(first["published"], "2024-05-01T10:00:00Z");
    // RSS has no updated time of its own; feed-rs reads pubDate for it.
    assert!(first["updated"].is_null() || first["updated"] == first["published"]);
    assert_eq!(first["summary"], "The crossing was shut for six weeks.");
    assert_eq!(first["content"], serde_json::Value::Null);
    assert_eq!(
        first["image"]["url"],
        "https://ichef.northshire.example/976/bridge.jpg"
    );
    assert_eq!(first["image"]["width"], 976);
    assert_eq!(first["video"], serde_json::Value::Null);
    assert_eq!(first["author"], serde_json::Value::Null);
    assert_eq!(
        items[2]["video"],
        "https://video.northshire.example/floods.webm"
    );

    // From standard input, JSON Feed, with an author and content.
    let json = std::fs::read(fixture("jsonfeed11.json")).unwrap();
    let (ok, out, err) = newsroom(&["feed", "parse", "-"], &[], Some(&json));
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["format"], "jsonfeed");
    assert!(!v["items"].as_array().unwrap().is_empty());

    // Not a feed: a clear error naming the file and the class, nothing on stdout.
    let (ok, out, err) = newsroom(
        &["feed", "parse", "-"],
        &[],
        Some(b"<!DOCTYPE html><html><body>hello</body></html>"),
    );
    assert!(!ok);
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("not_a_feed") && err.contains('-'), "{err}");
    let (ok, _, err) = newsroom(&["feed", "parse", "/no/such/feed.xml"], &[], None);
    assert!(!ok);
    assert!(err.contains("/no/such/feed.xml"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_settings_bound_the_schedule_and_ttl_is_honoured() {
    let feeds = TestServer::start().await;
    // The publisher asks for no more than one poll every 10 hours.
    let rss = format!(
        "<rss version=\"2.0\"><channel><title>Slow Weekly</title><ttl>600</ttl>\
         <item><title>One</title><link>{}</link><guid>one</guid></item></channel></rss>",
        feeds.url("/one")
    );
    feeds.set("/feed.xml", Resource::ok("application/rss+xml", rss));
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("site.db").display());
    let allow = ("NEWSROOM_FETCH__ALLOW_PRIVATE_NETWORKS", "true");
    let (ok, _, err) = newsroom(
        &[
            "--database",
            &db,
            "source",
            "add",
            &feeds.url("/feed.xml"),
            "--full-text",
            "never",
        ],
        &[allow],
        None,
    );
    assert!(ok, "{err}");
    let next_poll_in = |env: Vec<(&'static str, &'static str)>| {
        let db = db.clone();
        async move {
            let mut env = env;
            env.push(allow);
            let before = newsroom_ingest::now();
            let (ok, out, err) = newsroom(&["--database", &db, "fetch", "--once"], &env, None);
            assert!(ok, "{out}{err}");
            let store = SqliteStore::open(&db, &Default::default()).await.unwrap();
            let s = store.list_sources().await.unwrap().remove(0).source;
            assert_eq!(s.health.consecutive_failures, 0, "{:?}", s.health);
            s.health.next_poll_at - before
        }
    };
    // A maximum of 2 minutes wins over the feed's 10 hours (10% jitter at most on top).
    let wait = next_poll_in(vec![
        ("NEWSROOM_INGEST__MIN_POLL_INTERVAL_SECS", "60"),
        ("NEWSROOM_INGEST__MAX_POLL_INTERVAL_SECS", "120"),
    ])
    .await;
    assert!((120..=135).contains(&wait), "{wait}");
    // With room above, the feed's ttl is honoured: no poll for 10 hours (without it, a
    // source of unknown rhythm would wait half the maximum, under 7 hours).
    let wait = next_poll_in(vec![
        ("NEWSROOM_INGEST__MIN_POLL_INTERVAL_SECS", "60"),
        ("NEWSROOM_INGEST__MAX_POLL_INTERVAL_SECS", "50000"),
    ])
    .await;
    assert!((36_000..=39_700).contains(&wait), "{wait}");
    // Settings are checked: a maximum below the minimum is refused, naming the key.
    let (ok, _, err) = newsroom(
        &["--database", &db, "fetch", "--once"],
        &[
            allow,
            ("NEWSROOM_INGEST__MIN_POLL_INTERVAL_SECS", "600"),
            ("NEWSROOM_INGEST__MAX_POLL_INTERVAL_SECS", "60"),
        ],
        None,
    );
    assert!(!ok);
    assert!(err.contains("ingest.max_poll_interval_secs"), "{err}");
    // One fetch by `source add` (it checks the feed), one per pass; none by the refused one.
    assert_eq!(feeds.hits("/feed.xml"), 3);
}
