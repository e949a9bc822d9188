//! Story moderation through the real binary (`newsroom story ...`) while a
//! `serve --role web` of the same database runs, on SQLite and, when
//! NEWSROOM_TEST_POSTGRES_URL is set, PostgreSQL: merge (and the 301 of
//! the merged page), split, retitle, lead, pin, hide and unhide, each
//! action's audit row, and the decisions holding when the clusterer files
//! new articles, in a second pass and after a restart (a fresh worker on a
//! fresh connection, which reloads the clusterer's state from the store).

#[macro_use]
mod common;

use common::*;
use newsroom_cluster::worker::{WorkerConfig, cluster_pass};
use newsroom_core::{ArticleId, FullTextMode, NewArticle, NewSource, StoryId};
use newsroom_store::{PoolConfig, Store};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

const SUEZ: [&str; 3] = [
    "Cargo ship runs aground in Suez Canal, blocking traffic",
    "Suez Canal blocked after cargo ship runs aground",
    "Giant cargo ship aground in Suez Canal blocks shipping traffic",
];
const BUDGET: &str = "Local council approves new budget for public libraries";

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

async fn article(store: &dyn Store, outlet: &str, title: &str, t: i64) -> ArticleId {
    let src = match store
        .source_by_feed_url(&format!("http://127.0.0.1:9/{outlet}.xml"))
        .await
        .unwrap()
    {
        Some(s) => s.id,
        None => {
            store
                .add_source(
                    &NewSource {
                        name: outlet.into(),
                        feed_url: format!("http://127.0.0.1:9/{outlet}.xml"),
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
        guid: Some(slug.clone()),
        canonical_url: format!("https://{outlet}.test/{slug}"),
        original_url: format!("https://{outlet}.test/{slug}"),
        title: title.to_string(),
        summary: format!("{outlet}: {title}."),
        published_at: t,
        fetched_at: t,
        ..NewArticle::default()
    };
    store.upsert_article(&a, t).await.unwrap().id.unwrap()
}

async fn cluster(store: &dyn Store, worker: &str) {
    let cfg = WorkerConfig::default();
    cluster_pass(store, worker, &cfg, || false).await.unwrap();
}

/// `newsroom --database URL --as ed ARGS`.
fn desk(db_url: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(bin())
        .args(["--database", db_url, "--as", "ed"])
        .args(args)
        .env("NEWSROOM_LOG", "warn")
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn ok(db_url: &str, args: &[&str]) -> String {
    let (ok, out) = desk(db_url, args);
    assert!(ok, "newsroom {args:?}: {out}");
    out
}

async fn story_of(store: &dyn Store, a: ArticleId) -> StoryId {
    store
        .article_story(a)
        .await
        .unwrap()
        .expect("filed in a story")
}

/// Waits (bounded) until the page at `path` satisfies `check`.
async fn page_until(
    server: &Server,
    path: &str,
    check: impl Fn(u16, &str) -> bool,
) -> (u16, String) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = get(&server.url(path), "Mozilla/5.0 test").await;
        if check(status, &body) || Instant::now() > deadline {
            return (status, body);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

on_every_backend!(editors_shape_stories_from_the_cli => editors_shape_stories_on);

async fn editors_shape_stories_on(db: &Backend) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    let url = db.demo_url(dir.path());
    let store: Arc<dyn Store> = newsroom_store::open(&url, &PoolConfig::default())
        .await
        .unwrap();
    let t0 = now() - 3 * 3600;
    let mut suez = Vec::new();
    for (i, title) in SUEZ.iter().enumerate() {
        suez.push(article(&*store, &format!("outlet{i}"), title, t0 + 300 * i as i64).await);
    }
    let budget = article(&*store, "outlet9", BUDGET, t0 + 1000).await;
    cluster(&*store, "w1").await;
    let s = story_of(&*store, suez[0]).await;
    for a in &suez {
        assert_eq!(story_of(&*store, *a).await, s, "one event, one story");
    }
    let b = story_of(&*store, budget).await;
    assert_ne!(b, s);

    let server = Server::start(dir.path(), &["--role", "web", "--database", &url], &[]);
    let (status, page) = get(&server.url(&format!("/story/{b}")), "Mozilla/5.0 test").await;
    assert_eq!(status, 200, "{page}");

    // Merge: the budget story's article joins the canal story, and the
    // budget story's page (cached a moment ago) answers 301 to it.
    ok(&url, &["story", "merge", &s.to_string(), &b.to_string()]);
    assert_eq!(story_of(&*store, budget).await, s);
    let merged = store.get_story(b).await.unwrap().unwrap();
    assert_eq!(merged.merged_into, Some(s));
    let no_follow = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let r = no_follow
            .get(server.url(&format!("/story/{b}")))
            .send()
            .await
            .unwrap();
        if r.status() == 301 {
            assert_eq!(r.headers()["location"], format!("/story/{s}").as_str());
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the merged page still answers {}",
            r.status()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // A story merged away takes no more decisions.
    let (done, out) = desk(&url, &["story", "retitle", &b.to_string(), "x"]);
    assert!(
        !done && out.contains(&format!("merged into story {s}")),
        "{out}"
    );
    let (done, out) = desk(&url, &["story", "merge", &s.to_string(), &s.to_string()]);
    assert!(!done && out.contains("itself"), "{out}");

    // Split: the third outlet's article leaves for a story of its own.
    ok(&url, &["story", "split", &suez[2].to_string()]);
    let n = story_of(&*store, suez[2]).await;
    assert_ne!(n, s);
    assert_eq!(store.story_articles(s).await.unwrap().len(), 3);

    // Retitle, lead, pin; the page a running site cached shows the title.
    let (_, before) = page_until(&server, &format!("/story/{s}"), |st, _| st == 200).await;
    assert!(!before.contains("Canal blocked by a stranded ship"));
    ok(
        &url,
        &[
            "story",
            "retitle",
            &s.to_string(),
            "  Canal blocked\n by a stranded ship ",
        ],
    );
    ok(
        &url,
        &["story", "lead", &s.to_string(), &suez[1].to_string()],
    );
    let (done, out) = desk(
        &url,
        &["story", "lead", &s.to_string(), &suez[2].to_string()],
    );
    assert!(
        !done && out.contains("not in story"),
        "a lead must be a member: {out}"
    );
    ok(
        &url,
        &[
            "story",
            "pin",
            &s.to_string(),
            "--until",
            &(now() + 86_400).to_string(),
        ],
    );
    let (_, after) = page_until(&server, &format!("/story/{s}"), |_, b| {
        b.contains("Canal blocked by a stranded ship")
    })
    .await;
    assert!(
        after.contains("Canal blocked by a stranded ship"),
        "the cached page follows the change"
    );

    // Hide and back.
    ok(&url, &["story", "hide", &s.to_string()]);
    let (status, _) = page_until(&server, &format!("/story/{s}"), |st, _| st == 404).await;
    assert_eq!(status, 404);
    ok(&url, &["story", "unhide", &s.to_string()]);
    let (status, _) = page_until(&server, &format!("/story/{s}"), |st, _| st == 200).await;
    assert_eq!(status, 200);

    // Show: members, sources, the editor's settings.
    let shown: serde_json::Value =
        serde_json::from_str(&ok(&url, &["story", "show", &s.to_string(), "--json"])).unwrap();
    assert_eq!(shown["story"]["title"], "Canal blocked by a stranded ship");
    assert_eq!(shown["story"]["lead_article"], suez[1].0);
    assert_eq!(shown["story"]["editor_lead"], true);
    assert_eq!(shown["members"].as_array().unwrap().len(), 3);
    assert_eq!(shown["sources"].as_array().unwrap().len(), 3);
    let text = ok(&url, &["story", "show", &s.to_string()]);
    assert!(
        text.contains("editor's choice") && text.contains("pinned until"),
        "{text}"
    );

    // New articles arrive: a second pass, then a restart (a new worker on a
    // new connection, reading the clusterer's saved state).
    let (split_out, chosen_lead) = (suez[2], suez[1]);
    let check = |store: Arc<dyn Store>, round: &'static str| async move {
        assert_eq!(
            story_of(&*store, split_out).await,
            n,
            "{round}: the split article stays out"
        );
        assert_eq!(
            story_of(&*store, budget).await,
            s,
            "{round}: the merge holds"
        );
        let st = store.get_story(s).await.unwrap().unwrap();
        assert_eq!(
            st.title.as_deref(),
            Some("Canal blocked by a stranded ship"),
            "{round}"
        );
        assert_eq!(
            st.lead_article, chosen_lead,
            "{round}: the editor's lead holds"
        );
        assert!(st.editor_lead);
    };
    let later = article(
        &*store,
        "outlet5",
        "Suez Canal still blocked by cargo ship aground",
        now() - 600,
    )
    .await;
    let budget2 = article(
        &*store,
        "outlet8",
        "Local council approves new budget for public libraries again",
        now() - 500,
    )
    .await;
    cluster(&*store, "w1").await;
    check(store.clone(), "second pass").await;
    assert_eq!(
        story_of(&*store, later).await,
        s,
        "the event's next article joins the edited story"
    );
    assert_eq!(
        story_of(&*store, budget2).await,
        s,
        "what the clusterer files under a merged story lands in its target"
    );
    drop(store);
    let store: Arc<dyn Store> = newsroom_store::open(&url, &PoolConfig::default())
        .await
        .unwrap();
    article(
        &*store,
        "outlet6",
        "Cargo ship aground in Suez Canal, traffic blocked",
        now() - 300,
    )
    .await;
    cluster(&*store, "w2").await;
    check(store.clone(), "after a restart").await;

    // Every action is in the audit log under the editor's name.
    let audit = ok(&url, &["audit", "--json", "--user", "ed", "--limit", "100"]);
    let actions: Vec<String> = audit
        .split('\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["action"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        actions,
        [
            "story.unhide",
            "story.hide",
            "story.pin",
            "story.lead",
            "story.retitle",
            "story.split",
            "story.merge"
        ],
        "newest first, refusals left out"
    );
    let retitle = audit.lines().find(|l| l.contains("story.retitle")).unwrap();
    let retitle: serde_json::Value = serde_json::from_str(retitle).unwrap();
    assert_eq!(retitle["before"]["title"], serde_json::Value::Null);
    assert_eq!(
        retitle["after"]["title"],
        "Canal blocked by a stranded ship"
    );
    server.stop();
}
