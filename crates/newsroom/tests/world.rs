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
    let Some(site) = world_kit::TeaserSite::fetched_once().await else {
        return;
    };
    let (server, db, now) = (&site.server, &site.db, site.now);
    let run = |args: &[&str]| world_kit::newsroom(site.dir.path(), db, now, &[3600], args);
    let store = newsroom_store::open(db, &Default::default()).await.unwrap();
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
        assert!(
            b.chars().count() > 300,
            "a body is not the page's text: {b:?}"
        );
    }
    assert!(before.iter().map(|b| b.len()).sum::<usize>() > 8000);
    let pages_before = server.total_hits();

    let (ok, second, err) = run(&["fetch", "--once"]);
    assert!(ok, "{err}");
    assert_eq!(world_kit::summary_count(&second, "new"), 0, "{second}");
    assert_eq!(world_kit::summary_count(&second, "updated"), 0, "{second}");
    assert_eq!(
        world_kit::summary_count(&second, "pages fetched"),
        0,
        "{second}"
    );
    assert_eq!(
        bodies(store).await,
        before,
        "the second pass changed a body"
    );
    assert_eq!(
        server.total_hits(),
        pages_before + 1,
        "only the feed was asked again"
    );
}

/// Bad input (issue 10's last section), polled by the binary: items that lose their
/// links, GUIDs that change on every poll, two items sharing a GUID, a feed that suddenly
/// serves another outlet's items, a page that turns into a login wall. Each gets a note in
/// its source's health (shown by `source list`) or is kept as it was; no stored full text
/// is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_notes_and_loses_nothing() {
    use newsroom_ingest::testkit::{Resource, TestServer};
    use world_kit::outlets::{esc, rfc3339};
    let Some(pages) = world_kit::pages::Pages::load() else {
        return;
    };
    let server = TestServer::start().await;
    for (i, p) in pages.pages.iter().take(16).enumerate() {
        server.set(
            &format!("/p/{i}.html"),
            Resource::ok("text/html; charset=utf-8", p.html.clone()).with_etag(&format!("\"{i}\"")),
        );
    }
    let link = |i: usize| server.url(&format!("/p/{i}.html"));
    // RSS items: (guid, link page, title); `None` link leaves <link> out.
    let rss = |name: &str, items: &[(String, Option<usize>, String)]| {
        let mut s = format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>{name}</title><link>{}</link>",
            server.url("/")
        );
        for (guid, page, title) in items {
            s.push_str(&format!(
                "<item><title>{}</title><guid isPermaLink=\"false\">{guid}</guid>",
                esc(title)
            ));
            if let Some(p) = page {
                s.push_str(&format!("<link>{}</link>", link(*p)));
            }
            s.push_str("<pubDate>Wed, 01 May 2024 10:00:00 GMT</pubDate><description>teaser</description></item>");
        }
        s.push_str("</channel></rss>");
        Resource::ok("application/rss+xml", s)
    };
    let items = |first: usize, n: usize, guid: &str| -> Vec<(String, Option<usize>, String)> {
        (first..first + n)
            .map(|i| (format!("{guid}-{i}"), Some(i), format!("Story number {i}")))
            .collect()
    };
    let atom = |updated: i64| {
        Resource::ok(
            "application/atom+xml",
            format!(
                "<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Walled</title><id>urn:w</id><updated>{u}</updated>\
                 <entry><title>Walled story</title><id>urn:w:1</id><link href=\"{}\"/><published>2024-05-01T10:00:00Z</published><updated>{u}</updated><summary>teaser</summary></entry></feed>",
                link(14),
                u = rfc3339(updated)
            ),
        )
    };
    let now = jiff::Timestamp::now().as_second() - 86_400;
    server.set("/links.xml", rss("Links", &items(0, 3, "l")));
    server.set("/churn.xml", rss("Churn", &items(3, 3, "c-pass1")));
    let mut dup = items(6, 2, "d");
    dup[1].0 = dup[0].0.clone();
    server.set("/dup.xml", rss("Dup", &dup));
    server.set("/hijacked.xml", rss("Hijacked", &items(8, 3, "h")));
    server.set("/other.xml", rss("Other", &items(11, 3, "o")));
    server.set("/walled.xml", atom(now - 3600));

    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("bad.db").display());
    let run = |at: i64, args: &[&str]| world_kit::newsroom(dir.path(), &db, at, &[86_400], args);
    for feed in ["links", "churn", "dup", "hijacked", "other", "walled"] {
        let (ok, out, err) = run(
            now,
            &["source", "add", &server.url(&format!("/{feed}.xml"))],
        );
        assert!(ok, "{out}{err}");
    }
    let (ok, out, err) = run(now, &["fetch", "--once"]);
    assert!(ok, "{out}{err}");
    assert_eq!(world_kit::summary_count(&out, "new"), 15, "{out}");
    let store = newsroom_store::open(&db, &Default::default())
        .await
        .unwrap();
    let snapshot = || async {
        let mut all = std::collections::BTreeMap::new();
        for c in store
            .list_articles(&newsroom_store::ListQuery {
                limit: 1000,
                ..Default::default()
            })
            .await
            .unwrap()
        {
            let a = store.get_article(c.id).await.unwrap().unwrap();
            all.insert(a.original_url.clone(), (a.source_id, a.title, a.body_text));
        }
        all
    };
    let before = snapshot().await;
    assert_eq!(before.len(), 15);
    // Two items sharing a GUID are two articles, each with its own page's text.
    let (a, b) = (&before[&link(6)], &before[&link(7)]);
    assert_eq!(
        (a.1.as_str(), b.1.as_str()),
        ("Story number 6", "Story number 7")
    );
    assert_ne!(a.2, b.2);

    // The bad turn.
    server.set(
        "/links.xml",
        rss(
            "Links",
            &items(0, 3, "l")
                .into_iter()
                .map(|(g, _, t)| (g, None, t))
                .collect::<Vec<_>>(),
        ),
    );
    server.set("/churn.xml", rss("Churn", &items(3, 3, "c-pass2")));
    server.set("/hijacked.xml", rss("Other", &items(11, 3, "o")));
    server.set(
        "/p/14.html",
        Resource::ok(
            "text/html",
            "<html><head><title>Sign in</title></head><body><h1>Subscribe to continue reading</h1><p>Log in to read this article.</p></body></html>",
        ),
    );
    server.set("/walled.xml", atom(now + 600));
    let hits_before = server.total_hits();
    let (ok, out, err) = run(now + 1800, &["fetch", "--once"]);
    assert!(ok, "{out}{err}");
    assert_eq!(world_kit::summary_count(&out, "new"), 0, "{out}");
    assert_eq!(world_kit::summary_count(&out, "updated"), 0, "{out}");
    // Six feeds, and the walled page (its feed entry was updated): nothing else.
    assert_eq!(
        server.total_hits() - hits_before,
        7,
        "{:?}",
        &server.seen()[hits_before..]
    );
    assert_eq!(snapshot().await, before, "stored articles changed");

    let (ok, list, err) = run(now + 1800, &["source", "list"]);
    assert!(ok, "{err}");
    eprintln!("{list}");
    let block = |name: &str| -> String {
        let mut lines = list
            .lines()
            .skip_while(|l| !l.contains(&format!("  {name} <")));
        let head = lines
            .next()
            .unwrap_or_else(|| panic!("{name} missing: {list}"))
            .to_string();
        let rest: Vec<&str> = lines
            .take_while(|l| l.trim_start().starts_with('└'))
            .collect();
        format!("{head}\n{}", rest.join("\n"))
    };
    for (name, says) in [
        ("Links", "no usable link"),
        ("Churn", "GUID changed"),
        ("Dup", "share the GUID"),
        ("Hijacked", "another source"),
        ("Walled", "much shorter"),
    ] {
        let b = block(name);
        assert!(
            b.contains(says),
            "{name}: expected a note saying {says:?}:\n{b}"
        );
    }
    assert!(!block("Other").contains("note"), "{}", block("Other"));
}

/// `newsroom copy` carries what ingestion remembers (article_addresses and
/// article_ingest_state): a copy's first poll of the same feed fetches no page again and
/// changes nothing, as the original's would. SQLite to SQLite, and to PostgreSQL when
/// NEWSROOM_TEST_POSTGRES_URL names a server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_carries_what_ingestion_remembers() {
    let Some(site) = world_kit::TeaserSite::fetched_once().await else {
        return;
    };
    let (server, from, now, dir) = (&site.server, &site.db, site.now, &site.dir);
    let run = |db: &str, args: &[&str]| world_kit::newsroom(dir.path(), db, now, &[3600], args);
    let original = newsroom_store::open(from, &Default::default())
        .await
        .unwrap();
    let counts = original.table_counts().await.unwrap();
    assert!(
        counts.article_addresses >= 10 && counts.article_ingest_state == 5,
        "{counts:?}"
    );
    // The admin's history of that poll: the fetch, its hour, the articles stored.
    assert!(
        counts.source_fetches == 1 && counts.source_fetch_hours == 1 && counts.site_hours >= 1,
        "{counts:?}"
    );

    let mut targets = vec![format!("sqlite://{}", dir.path().join("to.db").display())];
    targets.extend(newsroom_store::testdb::fresh_postgres_url("copy of the ingest memory").await);
    for to in targets {
        let (ok, out, err) = run(from, &["copy", "--from", from, "--to", &to]);
        assert!(ok, "{out}{err}");
        assert!(
            out.contains("5 ingest states") && out.contains("1 fetch records (1 hourly rows)"),
            "{out}"
        );
        let copy = newsroom_store::open(&to, &Default::default())
            .await
            .unwrap();
        // Everything, and the copy's own audit row (`site.copy`).
        let mut expected = counts.clone();
        expected.audit_log += 1;
        assert_eq!(copy.table_counts().await.unwrap(), expected);
        for c in original
            .list_articles(&newsroom_store::ListQuery {
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap()
        {
            assert_eq!(
                copy.ingest_state(c.id).await.unwrap(),
                original.ingest_state(c.id).await.unwrap()
            );
        }
        let hits = server.total_hits();
        let (ok, out, err) = run(&to, &["fetch", "--once"]);
        assert!(ok, "{out}{err}");
        assert_eq!(world_kit::summary_count(&out, "new"), 0, "{out}");
        assert_eq!(world_kit::summary_count(&out, "updated"), 0, "{out}");
        assert_eq!(
            server.total_hits(),
            hits + 1,
            "the copy asked again for known pages"
        );
    }
}

/// Issue 10's end-to-end benchmark: 400 new items linking to real pages, spread over 200
/// hosts (127.0.0.20-219, one test-kit server each), full text on, ingested by one
/// `newsroom fetch --once` of the binary this test was built with; then the same pass
/// again with nothing new, as the reference. Prints wall time, articles per second, CPU
/// per article and peak RSS (from /usr/bin/time). Figures: docs/PERFORMANCE.md.
/// `cargo test --release -p newsroom --test world -- --ignored --nocapture bench_400`
/// (with NEWSROOM_BENCH_BINS and NEWSROOM_BENCH_ROUNDS to compare builds, see below).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark; run by hand in release, figures in docs/PERFORMANCE.md"]
async fn bench_400_new_items_end_to_end() {
    use newsroom_ingest::testkit::{Resource, TestServer};
    use std::net::{IpAddr, Ipv4Addr};
    let Some(pages) = world_kit::pages::Pages::load() else {
        return;
    };
    let (hosts, per_host) = (200usize, 2usize);
    let now = jiff::Timestamp::now().as_second();
    let mut servers = Vec::new();
    let mut opml = String::from(
        "<?xml version=\"1.0\"?><opml version=\"2.0\"><head><title>bench</title></head><body>",
    );
    for h in 0..hosts {
        let s = TestServer::start_on(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 20 + h as u8))).await;
        let mut rss = format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Bench outlet {h}</title><link>{}</link>",
            s.url("/")
        );
        for i in 0..per_host {
            let page = (h * per_host + i) % pages.len();
            let path = format!("/a/{i}.html");
            // Each page names its own address as canonical, so each item is its own article.
            s.set(
                &path,
                Resource::ok(
                    "text/html; charset=utf-8",
                    pages.html(page, &s.url(&path), &[]),
                ),
            );
            rss.push_str(&format!(
                "<item><title>{}</title><link>{}</link><guid isPermaLink=\"false\">{h}-{i}</guid><pubDate>{}</pubDate><description>{}</description></item>",
                world_kit::outlets::esc(&pages.teaser(page)),
                s.url(&path),
                world_kit::outlets::rfc2822(now - 600 * i as i64),
                world_kit::outlets::esc(&pages.teaser(page)),
            ));
        }
        rss.push_str("</channel></rss>");
        s.set("/feed.xml", Resource::ok("application/rss+xml", rss));
        opml.push_str(&format!(
            "<outline type=\"rss\" text=\"Bench outlet {h}\" xmlUrl=\"{}\"/>",
            s.url("/feed.xml")
        ));
        servers.push(s);
    }
    opml.push_str("</body></opml>");
    // NEWSROOM_BENCH_BINS=/tmp/a:/tmp/b compares binaries in one run, each
    // on a fresh site, interleaved NEWSROOM_BENCH_ROUNDS times (default 1).
    let bins: Vec<String> = match std::env::var("NEWSROOM_BENCH_BINS") {
        Ok(list) => list.split(':').map(str::to_string).collect(),
        Err(_) => vec![common::bin().to_string()],
    };
    let rounds: usize = std::env::var("NEWSROOM_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(1);
    for round in 1..=rounds {
        for bin in &bins {
            eprintln!("round {round}, {bin}");
            bench_400_once(bin, &opml, now, hosts * per_host);
        }
    }
}

/// One fresh site fed `opml`'s sources and fetched twice by `bin`.
fn bench_400_once(bin: &str, opml: &str, now: i64, items: usize) {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("bench.db").display());
    std::fs::write(dir.path().join("bench.opml"), opml).unwrap();
    let out = std::process::Command::new(bin)
        .current_dir(dir.path())
        .args(["--database", &db, "import-opml", "bench.opml"])
        .env("NEWSROOM_LOG", "warn")
        .env("NEWSROOM_TEST_NOW", now.to_string())
        .env("NEWSROOM_FETCH__ALLOW_PRIVATE_NETWORKS", "true")
        .output()
        .expect("import-opml");
    assert!(out.status.success(), "{out:?}");
    let timed = |label: &str| {
        let out = std::process::Command::new("/usr/bin/time")
            .current_dir(dir.path())
            .args([
                "-f",
                "TIME %e %U %S %M",
                bin,
                "--database",
                &db,
                "fetch",
                "--once",
            ])
            .env("NEWSROOM_LOG", "warn")
            .env("NEWSROOM_FETCH__ALLOW_PRIVATE_NETWORKS", "true")
            .output()
            .expect("/usr/bin/time");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{stdout}{stderr}");
        let t: Vec<f64> = stderr
            .lines()
            .find_map(|l| l.strip_prefix("TIME "))
            .unwrap_or_else(|| panic!("{stderr}"))
            .split_whitespace()
            .map(|v| v.parse().unwrap())
            .collect();
        eprintln!(
            "{label}: {:.2} s wall, {:.2} s CPU (user {:.2} + sys {:.2}), peak RSS {:.0} MB\n  {}",
            t[0],
            t[1] + t[2],
            t[1],
            t[2],
            t[3] / 1024.0,
            stdout.trim().replace('\n', "\n  ")
        );
        (t[0], t[1] + t[2], stdout)
    };
    let (wall, cpu, out) = timed("400 new items");
    let n = items as f64;
    assert_eq!(world_kit::summary_count(&out, "new"), items, "{out}");
    eprintln!(
        "  {:.0} articles/s end to end, {:.2} ms CPU per article (profile: {})",
        n / wall,
        cpu * 1000.0 / n,
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    let (wall2, cpu2, out2) = timed("the same pass, nothing new (reference)");
    assert_eq!(
        world_kit::summary_count(&out2, "pages fetched"),
        0,
        "{out2}"
    );
    eprintln!(
        "  new/unchanged: {:.1}x the wall time, {:.1}x the CPU",
        wall / wall2,
        cpu / cpu2
    );
}
