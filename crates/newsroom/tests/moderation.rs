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
use newsroom_cluster::Config;
use newsroom_cluster::worker::{WorkerConfig, cluster_pass};
use newsroom_core::{ArticleId, FullTextMode, NewArticle, NewSource, StoryId};
use newsroom_store::moderation;
use newsroom_store::{AuditQuery, PoolConfig, ReasonKind, Store, StoryReason};
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
    stored(store, outlet, title, t, true).await
}

/// An article with a summary and a slug in its URL, or (`rich` false) a
/// bare headline, which the clusterer sees alone.
async fn stored(store: &dyn Store, outlet: &str, title: &str, t: i64, rich: bool) -> ArticleId {
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
    let (path, summary) = if rich {
        (slug.clone(), format!("{outlet}: {title}."))
    } else {
        (
            format!("{}", slug.len() * 1000 + t as usize % 1000),
            String::new(),
        )
    };
    let a = NewArticle {
        source_id: src,
        guid: Some(slug.clone()),
        canonical_url: format!("https://{outlet}.test/{path}"),
        original_url: format!("https://{outlet}.test/{path}"),
        title: title.to_string(),
        summary,
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

async fn reason_of(store: &dyn Store, story: StoryId, a: ArticleId) -> StoryReason {
    store
        .story_reasons(story)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.0 == a)
        .unwrap_or_else(|| panic!("article {a} has no reason in story {story}"))
        .1
}

/// A site on `db` (its URL and store) with the canal event told by three
/// outlets three hours ago (their articles, and that time).
async fn canal_site(
    db: &Backend,
    dir: &std::path::Path,
) -> (String, Arc<dyn Store>, Vec<ArticleId>, i64) {
    std::fs::create_dir_all(dir.join("data")).unwrap();
    let url = db.demo_url(dir);
    let store: Arc<dyn Store> = newsroom_store::open(&url, &PoolConfig::default())
        .await
        .unwrap();
    let t0 = now() - 3 * 3600;
    let mut suez = Vec::new();
    for (i, title) in SUEZ.iter().enumerate() {
        suez.push(article(&*store, &format!("outlet{i}"), title, t0 + 300 * i as i64).await);
    }
    (url, store, suez, t0)
}

on_every_backend!(editors_shape_stories_from_the_cli => editors_shape_stories_on);

async fn editors_shape_stories_on(db: &Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (url, store, suez, t0) = canal_site(db, dir.path()).await;
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
    let why = reason_of(&*store, s, budget).await;
    assert_eq!(
        (why.kind, why.by.as_str(), why.from_story),
        (ReasonKind::Merged, "ed", Some(b.0)),
        "the merged article says who moved it"
    );
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

on_every_backend!(why_each_article_is_in_its_story => why_each_article_is_here_on);

/// Real articles through the clustering worker: the first opened the
/// story, the others joined with a score at or above the threshold and
/// the canal's name in common, the wire copy folded as a near-duplicate;
/// `story show` prints it, and an editor's split replaces it for good.
async fn why_each_article_is_here_on(db: &Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (url, store, suez, t0) = canal_site(db, dir.path()).await;
    let wire = article(&*store, "wire", &format!("UPDATE 1-{}", SUEZ[0]), t0 + 1200).await;
    let budget = article(&*store, "outlet9", BUDGET, t0 + 1500).await;
    cluster(&*store, "w1").await;
    let s = story_of(&*store, suez[0]).await;
    assert_eq!(story_of(&*store, wire).await, s);

    let opened = reason_of(&*store, s, suez[0]).await;
    assert_eq!(
        (opened.kind, opened.by.as_str()),
        (ReasonKind::Opened, "clusterer")
    );
    assert!(
        opened.score.unwrap() < opened.threshold.unwrap(),
        "{opened:?}"
    );
    for a in &suez[1..] {
        let r = reason_of(&*store, s, *a).await;
        assert_eq!(r.kind, ReasonKind::Joined, "{r:?}");
        assert!(r.score.unwrap() >= r.threshold.unwrap(), "{r:?}");
        assert!(r.threshold.unwrap() > 0.0);
        assert!(
            r.entities.iter().any(|e| e.contains("Canal")),
            "the shared name: {r:?}"
        );
        assert!(
            r.terms.iter().chain(&r.entities).count() <= 16,
            "bounded: {r:?}"
        );
    }
    let copy = reason_of(&*store, s, wire).await;
    assert_eq!(
        (copy.kind, copy.copy_of),
        (ReasonKind::Copy, Some(suez[0].0)),
        "{copy:?}"
    );
    let b = story_of(&*store, budget).await;
    assert_eq!(reason_of(&*store, b, budget).await.kind, ReasonKind::Opened);

    // `story show` says it, in text and in JSON.
    let text = ok(&url, &["story", "show", &s.to_string()]);
    assert!(text.contains("why: opened the story"), "{text}");
    assert!(
        text.contains(&format!("why: near-duplicate of article {}", suez[0])),
        "{text}"
    );
    assert!(text.contains("why: joined: score "), "{text}");
    let shown: serde_json::Value =
        serde_json::from_str(&ok(&url, &["story", "show", &s.to_string(), "--json"])).unwrap();
    let members = shown["members"].as_array().unwrap();
    assert_eq!(members.len(), 4);
    let kinds: Vec<&str> = members
        .iter()
        .map(|m| m["why"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "joined").count(),
        2,
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&"opened") && kinds.contains(&"copy"),
        "{kinds:?}"
    );

    // An editor's split replaces the reason, and re-clustering leaves it.
    ok(&url, &["story", "split", &suez[2].to_string()]);
    let n = story_of(&*store, suez[2]).await;
    let split = reason_of(&*store, n, suez[2]).await;
    assert_eq!(
        (split.kind, split.by.as_str(), split.from_story),
        (ReasonKind::Split, "ed", Some(s.0))
    );
    let later = article(
        &*store,
        "outlet5",
        "Suez Canal still blocked by cargo ship aground",
        now() - 600,
    )
    .await;
    cluster(&*store, "w1").await;
    assert_eq!(reason_of(&*store, n, suez[2]).await.kind, ReasonKind::Split);
    let joined = reason_of(&*store, story_of(&*store, later).await, later).await;
    assert!(
        matches!(joined.kind, ReasonKind::Joined | ReasonKind::Copy),
        "{joined:?}"
    );
}

on_every_backend!(the_clusterers_merges_land_in_the_store => clusterer_merges_on);

/// Background headlines so that IDF tells event words from filler.
const FILLER: [&str; 6] = [
    "Stocks rise as investors weigh earnings",
    "Local team wins championship game",
    "New study links coffee to longer life",
    "Storm brings heavy snow to the north",
    "Film tops weekend box office",
    "Court rules on voting law",
];
const REVIEW: &str = "Titanfall review: robots and parkour thrill";
const SALES: &str = "Titanfall launch lifts Microsoft console sales";
const BRIDGE: &str =
    "As Titanfall launch lifts Microsoft console sales, review says robots and parkour thrill";

/// Filler and two halves of one event, clustered as two stories at a high
/// threshold; `before` (an editor's doing) runs next; then the headline
/// that shows the halves are one event arrives. Returns the two halves'
/// stories (review, sales) and the bridging article.
async fn two_halves(
    store: &dyn Store,
    before: impl AsyncFnOnce(StoryId, StoryId),
) -> (StoryId, StoryId, ArticleId, [ArticleId; 2]) {
    let cfg = halves_config();
    let t0 = now() - 3 * 3600;
    for (i, f) in FILLER.iter().enumerate() {
        stored(store, &format!("filler{i}"), f, t0 + i as i64, false).await;
    }
    let review = stored(store, "reviews", REVIEW, t0 + 100, false).await;
    let sales = stored(store, "markets", SALES, t0 + 200, false).await;
    cluster_pass(store, "w1", &cfg, || false).await.unwrap();
    let (r, s) = (story_of(store, review).await, story_of(store, sales).await);
    assert_ne!(r, s, "at this threshold the halves open two stories");
    before(r, s).await;
    let bridge = stored(store, "wires", BRIDGE, t0 + 300, false).await;
    cluster_pass(store, "w1", &cfg, || false).await.unwrap();
    (r, s, bridge, [review, sales])
}

/// A threshold high enough to keep the halves apart until the bridge.
fn halves_config() -> WorkerConfig {
    WorkerConfig {
        clusterer: Config {
            threshold: 0.3,
            merge_threshold: 0.1,
            ..Config::default()
        },
        ..WorkerConfig::default()
    }
}

/// A fresh, empty site on `db`'s kind of database.
async fn fresh_store(db: &Backend, dir: &std::path::Path) -> Arc<dyn Store> {
    let fresh = backends()
        .await
        .into_iter()
        .find(|b| b.name == db.name)
        .unwrap();
    std::fs::create_dir_all(dir.join("data")).unwrap();
    newsroom_store::open(&fresh.demo_url(dir), &PoolConfig::default())
        .await
        .unwrap()
}

async fn clusterer_rows(store: &dyn Store) -> Vec<newsroom_store::AuditEntry> {
    store
        .list_audit(&AuditQuery {
            actor: Some("clusterer".into()),
            limit: 10,
            ..AuditQuery::default()
        })
        .await
        .unwrap()
}

/// The clusterer's own merges are mirrored in the store through the
/// editors' merge, as actions by "clusterer"; a story an editor shaped is
/// the one kept, and two shaped stories are left apart.
async fn clusterer_merges_on(db: &Backend) {
    // Nobody touched either half: one stored story, one audit row.
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(db, dir.path()).await;
    let (r, s, bridge, halves) = two_halves(&*store, async |_, _| {}).await;
    let kept = story_of(&*store, bridge).await;
    assert!(kept == r || kept == s);
    let gone = if kept == r { s } else { r };
    for a in halves {
        assert_eq!(
            story_of(&*store, a).await,
            kept,
            "one event, one stored story"
        );
    }
    assert_eq!(
        store.get_story(gone).await.unwrap().unwrap().merged_into,
        Some(kept)
    );
    let rows = clusterer_rows(&*store).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        (rows[0].action.as_str(), rows[0].object_id),
        ("story.merge", kept.0)
    );
    let moved = if kept == r { halves[1] } else { halves[0] };
    let why = reason_of(&*store, kept, moved).await;
    assert_eq!(
        (why.kind, why.by.as_str(), why.from_story),
        (ReasonKind::Merged, "clusterer", Some(gone.0))
    );
    // What follows goes to the one story; nothing is merged twice.
    let next = stored(
        &*store,
        "later",
        "Titanfall launch lifts Microsoft console sales again",
        now() - 3 * 3600 + 400,
        false,
    )
    .await;
    cluster_pass(&*store, "w1", &halves_config(), || false)
        .await
        .unwrap();
    assert_eq!(story_of(&*store, next).await, kept);
    assert_eq!(clusterer_rows(&*store).await.len(), 1);

    // An editor retitled the sales half: it is the story kept, title and all.
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(db, dir.path()).await;
    let ed = moderation::Editor {
        name: "ed",
        now: now(),
    };
    let st = store.clone();
    let (r, s, bridge, halves) = two_halves(&*store, async move |_, s| {
        moderation::retitle(&*st, &ed, s, "Titanfall sells")
            .await
            .unwrap();
    })
    .await;
    for a in [bridge, halves[0], halves[1]] {
        assert_eq!(story_of(&*store, a).await, s, "the editor's story is kept");
    }
    assert_eq!(
        store.get_story(r).await.unwrap().unwrap().merged_into,
        Some(s)
    );
    let kept = store.get_story(s).await.unwrap().unwrap();
    assert_eq!(kept.title.as_deref(), Some("Titanfall sells"));
    assert_eq!(clusterer_rows(&*store).await.len(), 1);

    // Both halves shaped by editors (one hidden, one retitled): left apart.
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(db, dir.path()).await;
    let st = store.clone();
    let (r, s, _, halves) = two_halves(&*store, async move |r, s| {
        moderation::set_hidden(&*st, &ed, r, true).await.unwrap();
        moderation::retitle(&*st, &ed, s, "Titanfall sells")
            .await
            .unwrap();
    })
    .await;
    assert_eq!(story_of(&*store, halves[0]).await, r);
    assert_eq!(story_of(&*store, halves[1]).await, s);
    assert!(
        store.get_story(r).await.unwrap().unwrap().hidden,
        "hidden stays hidden"
    );
    assert!(clusterer_rows(&*store).await.is_empty());
}
