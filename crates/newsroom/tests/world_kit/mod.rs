//! The simulated news world (issue 10): outlets on loopback hosts whose feeds move as real
//! ones do, polled by the real `newsroom` binary, one `newsroom fetch --once` per pass.
//!
//! Why one process per pass rather than a `serve` loop: a pass is then a fact the test
//! can see begin and end, so the world moves strictly between passes and every assertion
//! is about one known pass; and nothing survives in memory from one pass to the next, so
//! whatever newsroom remembers of an item (its addresses, validators, re-checks) must come
//! from the database, as after a restart. Time is the world's: each pass runs with
//! `NEWSROOM_TEST_NOW` set to the world's clock, so a day of half-hourly polls, with the
//! page re-checks at 1 h, 6 h and 24 h, runs in well under a minute. `serve --role web`
//! runs beside it on the same database for the JSON API.

#![allow(dead_code)]

pub mod outlets;
pub mod pages;

use crate::common::Server;
use newsroom_core::{SourceId, url::canonicalize};
use newsroom_store::{ListQuery, Store};
use outlets::{FeedState, Item, Kind, Outlet};
use pages::{Pages, f1};
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

/// How big and how long a world is.
#[derive(Debug, Clone)]
pub struct Plan {
    pub passes: usize,
    /// Seconds of world time between passes.
    pub step: i64,
    /// Plain outlets beyond the one of each kind.
    pub extra_plain: usize,
    /// Items a feed lists.
    pub window: usize,
    /// Items each outlet starts with.
    pub initial: usize,
    /// New items an outlet adds when it publishes.
    pub new_per_pass: usize,
    pub rechecks: Vec<i64>,
    /// Every item (fallen off feeds too) and the whole API list are checked every this many
    /// passes; in between, the items in a feed, touched, or paired with a copy.
    pub full_check_every: usize,
}

impl Plan {
    /// The short form for `cargo test`: a simulated day, 30 passes 48 minutes apart.
    pub fn day() -> Plan {
        Plan {
            passes: 30,
            step: 2880,
            extra_plain: 0,
            window: 12,
            initial: 4,
            new_per_pass: 1,
            rechecks: vec![3600, 6 * 3600, 24 * 3600],
            full_check_every: 1,
        }
    }

    /// The soak: a simulated week, thousands of articles.
    pub fn week() -> Plan {
        Plan {
            passes: 210,
            step: 2880,
            extra_plain: 11,
            window: 20,
            initial: 10,
            new_per_pass: 3,
            rechecks: vec![3600, 6 * 3600, 24 * 3600],
            full_check_every: 24,
        }
    }
}

/// What the world measured, for the soak's report.
#[derive(Debug, Default)]
pub struct Report {
    pub passes: usize,
    pub outlets: usize,
    pub articles: usize,
    pub first_f1_sum: f64,
    pub last_f1_sum: f64,
    pub edits_due: usize,
    pub edits_checked: usize,
    pub page_requests: usize,
    pub conditional_requests: usize,
    pub feed_requests: usize,
    pub not_modified_feeds: usize,
    pub syndicated_pairs: usize,
    pub api_details: usize,
    pub seconds: f64,
}

/// What the checks remember of a stored item between passes.
struct Track {
    article: i64,
    first_len: usize,
    first_f1: f64,
    last_f1: f64,
    body_hash: u64,
    title: String,
    truth_version: usize,
}

pub struct World {
    pub plan: Plan,
    pub pages: Pages,
    pub outlets: Vec<Outlet>,
    pub dir: tempfile::TempDir,
    pub db: String,
    pub start: i64,
    pub store: Arc<dyn Store>,
    pub web: Option<Server>,
    next_page: usize,
    tracks: HashMap<(usize, usize), Track>,
    pub report: Report,
    /// Items whose API answer is compared with the database this pass.
    touched: Vec<(usize, usize)>,
    moved_at: usize,
}

/// Runs a `newsroom` command with the world's settings and clock; (ok, stdout, stderr).
pub fn newsroom(
    dir: &Path,
    db: &str,
    now: i64,
    rechecks: &[i64],
    args: &[&str],
) -> (bool, String, String) {
    let rechecks: Vec<String> = rechecks.iter().map(i64::to_string).collect();
    let out = Command::new(crate::common::bin())
        .current_dir(dir)
        .args(["--database", db])
        .args(args)
        .env("NEWSROOM_LOG", "warn")
        .env("NEWSROOM_TEST_NOW", now.to_string())
        .env("NEWSROOM_FETCH__ALLOW_PRIVATE_NETWORKS", "true")
        .env("NEWSROOM_FETCH__TIMEOUT_SECS", "2")
        .env("NEWSROOM_INGEST__PER_HOST_RATE", "500")
        .env("NEWSROOM_INGEST__PER_HOST_BURST", "200")
        .env("NEWSROOM_INGEST__PER_HOST_CONCURRENCY", "4")
        .env("NEWSROOM_INGEST__PAGE_RECHECK_SECS", rechecks.join(","))
        .output()
        .expect("run newsroom");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Issue 10's teaser feed (five items, description "teaser", real pages) added as a source
/// of a fresh SQLite site and fetched once: the bodies are the pages' text.
pub struct TeaserSite {
    pub server: newsroom_ingest::testkit::TestServer,
    pub dir: tempfile::TempDir,
    pub db: String,
    pub now: i64,
}

impl TeaserSite {
    /// `None` (after a line on stderr) when the dataset is absent.
    pub async fn fetched_once() -> Option<TeaserSite> {
        let server = newsroom_ingest::testkit::TestServer::start().await;
        newsroom_ingest::testkit::serve_teaser_feed(&server, 5)?;
        let dir = tempfile::tempdir().unwrap();
        let db = format!("sqlite://{}", dir.path().join("site.db").display());
        let now = jiff::Timestamp::now().as_second();
        let run = |args: &[&str]| newsroom(dir.path(), &db, now, &[3600], args);
        let (ok, out, err) = run(&["source", "add", &server.url("/feed.xml")]);
        assert!(ok, "{out}{err}");
        let (ok, out, err) = run(&["fetch", "--once"]);
        assert!(ok, "{out}{err}");
        assert_eq!(summary_count(&out, "new"), 5, "{out}");
        Some(TeaserSite {
            server,
            dir,
            db,
            now,
        })
    }
}

/// `N updated` in `fetch`'s summary line.
pub fn summary_count(out: &str, what: &str) -> usize {
    let line = out
        .lines()
        .find(|l| l.contains(" sources: "))
        .unwrap_or_else(|| panic!("no summary line in {out}"));
    line.split([',', ';'])
        .map(str::trim)
        .find_map(|part| part.strip_suffix(what).and_then(|n| n.trim().parse().ok()))
        .unwrap_or_else(|| panic!("no `{what}` in {line}"))
}

fn hash_str(s: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl World {
    /// Builds the world and adds its outlets as sources; `None` when the dataset is absent.
    pub async fn new(plan: Plan) -> Option<World> {
        let pages = Pages::load()?;
        let dir = tempfile::tempdir().unwrap();
        let db = format!("sqlite://{}", dir.path().join("world.db").display());
        // A week ago, on the hour: world time stays in the past of the web process's clock.
        let real = jiff::Timestamp::now().as_second();
        let start = (real - 8 * 86_400) / 3600 * 3600;
        let mut kinds = vec![
            Kind::Plain,
            Kind::Wire,
            Kind::Syndicator,
            Kind::Redirects,
            Kind::Canonical,
            Kind::Utm,
            Kind::Polite,
            Kind::Flaky,
            Kind::Moving,
        ];
        kinds.extend(std::iter::repeat_n(Kind::Plain, plan.extra_plain));
        let mut outlets = Vec::new();
        for (i, kind) in kinds.into_iter().enumerate() {
            let name = format!("{kind:?} Daily {i}");
            outlets.push(Outlet::start(kind, name, 10 + i as u8).await);
        }
        // The web process migrates the database before anything else opens it.
        let web = Server::start(dir.path(), &["--database", &db, "--role", "web"], &[]);
        let store = newsroom_store::open(&db, &Default::default())
            .await
            .unwrap();
        let mut w = World {
            plan,
            pages,
            outlets,
            dir,
            db,
            start,
            store,
            web: Some(web),
            next_page: 0,
            tracks: HashMap::new(),
            report: Report::default(),
            touched: Vec::new(),
            moved_at: 5,
        };
        for o in 0..w.outlets.len() {
            if w.outlets[o].kind == Kind::Syndicator {
                continue;
            }
            for k in (0..w.plan.initial).rev() {
                let at = start - 1800 * (k as i64 + 1);
                w.add_item(o, at);
            }
        }
        for o in 0..w.outlets.len() {
            w.outlets[o].publish(&mut w.pages, 0);
            let url = w.outlets[o].server.url("/feed.xml");
            let (ok, out, err) = w.run(start, &["source", "add", &url]);
            assert!(ok, "source add {url}: {out}{err}");
            let id = out
                .split("added source ")
                .nth(1)
                .and_then(|r| r.split(':').next())
                .and_then(|n| n.trim().parse().ok())
                .unwrap_or_else(|| panic!("{out}"));
            w.outlets[o].source_id = id;
            // Adding reads the feed; that is not a pass.
            w.outlets[o].take_requests();
        }
        w.report.outlets = w.outlets.len();
        Some(w)
    }

    pub fn run(&self, now: i64, args: &[&str]) -> (bool, String, String) {
        newsroom(self.dir.path(), &self.db, now, &self.plan.rechecks, args)
    }

    fn add_item(&mut self, o: usize, at: i64) -> usize {
        let page = self.next_page % self.pages.len();
        self.next_page += 1;
        let out = &mut self.outlets[o];
        let n = out.items.len();
        // A headline as outlets write them: no outlet name in it, so that what binds articles
        // into stories is what they say.
        let title = first_words(&self.pages.pages[page].truth);
        out.items.push(Item {
            n,
            page,
            title: title.clone(),
            published: at,
            updated: at,
            edits: Vec::new(),
            copy_of: None,
            seen: None,
            shown_title: title,
            bumps_shown: 0,
            fetches: 0,
            conditional_fetches: 0,
            due: Vec::new(),
            html: None,
        });
        out.feed.insert(0, n);
        n
    }

    fn now(&self, pass: usize) -> i64 {
        self.start + pass as i64 * self.plan.step
    }

    /// Moves the world on to `pass`: new items, edits, and each outlet's mood.
    fn evolve(&mut self, pass: usize) {
        let now = self.now(pass);
        self.touched.clear();
        let wire = self
            .outlets
            .iter()
            .position(|o| o.kind == Kind::Wire)
            .unwrap();
        let mut wire_new = Vec::new();
        for o in 0..self.outlets.len() {
            let kind = self.outlets[o].kind;
            let publishes = match kind {
                Kind::Syndicator => false,
                Kind::Polite => pass % 3 == 0,
                _ => (pass + o) % 2 == 0,
            };
            if publishes {
                for _ in 0..self.plan.new_per_pass {
                    let n = self.add_item(o, now - 300);
                    if o == wire {
                        wire_new.push(n);
                    }
                }
            }
            self.outlets[o].state = match kind {
                Kind::Polite if pass % 50 == 7 => FeedState::TooMany,
                Kind::Flaky if matches!(pass % 60, 9 | 10) => FeedState::Down,
                Kind::Flaky if pass % 60 == 11 => FeedState::Hanging,
                _ => FeedState::Ok,
            };
            if kind == Kind::Moving && pass == self.moved_at {
                let out = &mut self.outlets[o];
                out.old_paths.push(out.feed_path.clone());
                out.feed_path = "/moved/feed.xml".into();
            }
            match kind {
                Kind::Plain if pass % 3 == 0 => self.edit_title(o, 2, pass),
                Kind::Plain if pass % 5 == 1 => self.edit_page(o, 1, pass, false),
                Kind::Plain if pass % 5 == 3 => self.edit_page(o, 3, pass, false),
                Kind::Wire if pass % 4 == 2 => self.edit_page(o, 1, pass, true),
                _ => {}
            }
            let window = self.plan.window;
            self.outlets[o].feed.truncate(window);
        }
        // The syndicator runs most of the wire's new copy under its own address.
        if pass % 3 != 0 {
            let syn = self
                .outlets
                .iter()
                .position(|o| o.kind == Kind::Syndicator)
                .unwrap();
            for n in wire_new {
                let src = self.outlets[wire].items[n].clone();
                let m = self.outlets[syn].items.len();
                let out = &mut self.outlets[syn];
                out.items.push(Item {
                    n: m,
                    copy_of: Some((wire, n)),
                    seen: None,
                    edits: Vec::new(),
                    html: None,
                    due: Vec::new(),
                    fetches: 0,
                    conditional_fetches: 0,
                    bumps_shown: 0,
                    ..src
                });
                out.feed.insert(0, m);
                out.feed.truncate(self.plan.window);
            }
        }
    }

    fn edit_title(&mut self, o: usize, pos: usize, pass: usize) {
        let out = &mut self.outlets[o];
        let Some(&i) = out.feed.get(pos) else { return };
        let it = &mut out.items[i];
        if it.seen.is_none() {
            return;
        }
        let base = it
            .title
            .split(" [edited")
            .next()
            .unwrap_or(&it.title)
            .to_string();
        it.title = format!("{base} [edited in pass {pass}]");
        self.touched.push((o, i));
    }

    /// Adds a paragraph to an item's page; `bump` also moves its updated time in the feed.
    fn edit_page(&mut self, o: usize, pos: usize, pass: usize, bump: bool) {
        let now = self.now(pass);
        let Some(&i) = self.outlets[o].feed.get(pos) else {
            return;
        };
        let page = self.outlets[o].items[i].page;
        let Some((_, seen_at)) = self.outlets[o].items[i].seen else {
            return;
        };
        if !self.pages.editable(page) {
            return;
        }
        let sentence = format!(
            "Correction {} {} {pass}: the council of the simulated world voted on the amended plan late in the evening.",
            self.outlets[o].name.replace(' ', ""),
            i
        );
        // When the edit must be stored: at once when the feed says so, else at the first
        // re-check after it, if the item is still in the feed then.
        let due = if bump {
            Some(pass)
        } else {
            let age = now - seen_at;
            self.plan
                .rechecks
                .iter()
                .find(|&&r| r > age + 60)
                .map(|&r| (seen_at + r + 60 - self.start + self.plan.step - 1) / self.plan.step)
                .map(|p| p as usize)
                .filter(|&p| pos + (p - pass) < self.plan.window)
        };
        let it = &mut self.outlets[o].items[i];
        it.edits.push(sentence.clone());
        it.html = None;
        if bump {
            it.updated = now;
        }
        if let Some(p) = due {
            it.due.push((sentence, p));
            self.report.edits_due += 1;
        }
        self.touched.push((o, i));
    }

    /// One pass: the world moves, newsroom polls once, and everything is checked.
    pub async fn pass(&mut self, pass: usize) {
        self.evolve(pass);
        for o in 0..self.outlets.len() {
            self.outlets[o].publish(&mut self.pages, pass);
        }
        let now = self.now(pass);
        let (ok, out, err) = self.run(now, &["fetch", "--once"]);
        assert!(ok, "pass {pass}: fetch failed: {out}{err}");
        self.observe(pass);
        self.check(pass, &out).await;
        self.report.passes = pass;
    }

    /// Reads the world's request logs: what newsroom was shown, and what it asked for.
    fn observe(&mut self, pass: usize) {
        let now = self.now(pass);
        for o in 0..self.outlets.len() {
            let reqs = self.outlets[o].take_requests();
            let out = &mut self.outlets[o];
            let feed_reqs: Vec<_> = reqs.iter().filter(|r| out.is_feed_path(&r.path)).collect();
            self.report.feed_requests += feed_reqs.len();
            let expected = if out.kind == Kind::Moving && pass == self.moved_at {
                2
            } else {
                1
            };
            assert_eq!(
                feed_reqs.len(),
                expected,
                "pass {pass}: {} feed requests to {}: {feed_reqs:?}",
                feed_reqs.len(),
                out.name
            );
            if out.kind == Kind::Moving && pass > self.moved_at {
                assert!(
                    feed_reqs.iter().all(|r| r.path == out.feed_path),
                    "pass {pass}: the moved feed's old address was asked again: {feed_reqs:?}"
                );
            }
            let delivered = out.state == FeedState::Ok
                && feed_reqs
                    .iter()
                    .any(|r| r.path == out.feed_path && r.sent_body);
            if out.kind == Kind::Polite && !delivered && out.state == FeedState::Ok {
                assert!(
                    feed_reqs.iter().all(|r| r.if_none_match.is_some()),
                    "pass {pass}: a 304 without a conditional request?"
                );
                self.report.not_modified_feeds += 1;
            }
            if delivered {
                for &i in &out.feed {
                    let it = &mut out.items[i];
                    if it.seen.is_none() {
                        it.seen = Some((pass, now));
                    }
                    it.shown_title = it.title.clone();
                }
                if out.kind == Kind::Wire {
                    for &i in &out.feed {
                        let it = &mut out.items[i];
                        let bumps = it.due.iter().filter(|(_, p)| *p <= pass).count();
                        it.bumps_shown = it.bumps_shown.max(bumps);
                    }
                }
            }
            for r in &reqs {
                let Some(i) = out.item_of(&r.path) else {
                    continue;
                };
                assert!(
                    delivered && out.feed.contains(&i),
                    "pass {pass}: {} page {} requested while not in a feed newsroom read",
                    out.name,
                    r.path
                );
                let it = &mut out.items[i];
                it.fetches += 1;
                self.report.page_requests += 1;
                if r.if_none_match.is_some() || r.if_modified_since.is_some() {
                    it.conditional_fetches += 1;
                    self.report.conditional_requests += 1;
                }
            }
            // No request for a known, unchanged item: each page request is the first, or
            // follows an updated time the feed showed, or is a due re-check (conditional).
            for it in &out.items {
                let Some((_, seen_at)) = it.seen else {
                    assert_eq!(
                        it.fetches, 0,
                        "{}: page {} asked before its item was seen",
                        out.name, it.n
                    );
                    continue;
                };
                let rechecks = self
                    .plan
                    .rechecks
                    .iter()
                    .filter(|&&r| now - seen_at + 60 >= r)
                    .count();
                assert!(
                    it.fetches <= 1 + it.bumps_shown + rechecks,
                    "pass {pass}: {} item {} fetched {} times (1 + {} updates + {} re-checks allowed)",
                    out.name,
                    it.n,
                    it.fetches,
                    it.bumps_shown,
                    rechecks
                );
                assert!(
                    it.fetches - it.conditional_fetches <= 1,
                    "pass {pass}: {} item {}: {} unconditional page requests",
                    out.name,
                    it.n,
                    it.fetches - it.conditional_fetches
                );
            }
        }
    }

    /// Everything the issue lists, through the database and the JSON API.
    async fn check(&mut self, pass: usize, fetch_out: &str) {
        let store = self.store.clone();
        let full = pass % self.plan.full_check_every == 0 || pass == self.plan.passes;
        let mut changed = 0;
        let mut story_of: HashMap<(usize, usize), Option<i64>> = HashMap::new();
        for o in 0..self.outlets.len() {
            let out = &self.outlets[o];
            let src = store
                .get_source(SourceId(out.source_id))
                .await
                .unwrap()
                .expect("the source is kept");
            // The down (or rate-limited) outlet is reported with its class, and recovers.
            assert_eq!(
                src.health.last_error_class.as_deref(),
                out.state.error_class(),
                "pass {pass}: {} health {:?}",
                out.name,
                src.health
            );
            if out.kind == Kind::Moving && pass >= self.moved_at {
                assert_eq!(
                    src.feed_url,
                    out.server.url(&out.feed_path),
                    "pass {pass}: moved feed not followed"
                );
            }
            let seen: Vec<usize> = (0..out.items.len())
                .filter(|&i| out.items[i].seen.is_some())
                .collect();
            let stored = store
                .count_articles(&ListQuery {
                    section: None,
                    source: Some(src.id),
                    limit: i64::MAX,
                    offset: 0,
                })
                .await
                .unwrap();
            // Stored once each, and kept after falling off the feed.
            assert_eq!(
                stored as usize,
                seen.len(),
                "pass {pass}: {} has {stored} articles for {} items seen",
                out.name,
                seen.len()
            );
            for i in seen {
                let it = &self.outlets[o].items[i];
                let paired = it.copy_of.is_some()
                    || (self.outlets[o].kind == Kind::Wire
                        && it.seen.is_some_and(|(p, _)| p + 1 >= pass));
                let live = self.outlets[o].feed.contains(&i)
                    || self.touched.contains(&(o, i))
                    || paired
                    || it.due.iter().any(|(_, d)| *d + 1 >= pass);
                if !(full || live) {
                    continue;
                }
                let canonical = canonicalize(&self.outlets[o].canonical(it.n)).unwrap();
                let a = store
                    .article_by_canonical_url(&canonical)
                    .await
                    .unwrap()
                    .unwrap_or_else(|| panic!("pass {pass}: {canonical} not stored"));
                assert_eq!(
                    a.source_id, src.id,
                    "pass {pass}: {canonical} stored under another source"
                );
                // Feed edits arrive by the next pass (here: the pass that shows them).
                assert_eq!(a.title, it.shown_title, "pass {pass}: title of {canonical}");
                let body_hash = hash_str(&a.body_text);
                let len = a.body_text.chars().count();
                let key = (o, i);
                // The page's text as newsroom last had reason to read it: the edits already
                // stored or already due (an edit waiting for its re-check is not yet owed).
                let text_now = squash(&a.body_text);
                let owed: Vec<String> = it
                    .edits
                    .iter()
                    .filter(|e| {
                        text_now.contains(e.as_str())
                            || it.due.iter().any(|(s, d)| s == *e && *d <= pass)
                    })
                    .cloned()
                    .collect();
                let truth_version = owed.len();
                let truth = || self.pages.truth(it.page, &owed);
                match self.tracks.get_mut(&key) {
                    None => {
                        let f = f1(&a.body_text, &truth());
                        self.report.articles += 1;
                        self.report.first_f1_sum += f;
                        self.tracks.insert(
                            key,
                            Track {
                                article: a.id.0,
                                first_len: len,
                                first_f1: f,
                                last_f1: f,
                                body_hash,
                                title: a.title.clone(),
                                truth_version,
                            },
                        );
                        self.report.last_f1_sum += f;
                    }
                    Some(t) => {
                        assert_eq!(t.article, a.id.0, "pass {pass}: {canonical} changed id");
                        if t.body_hash != body_hash || t.title != a.title {
                            changed += 1;
                        }
                        // No body shorter than at first ingestion (the world's pages only grow).
                        assert!(
                            len >= t.first_len,
                            "pass {pass}: {canonical} body shrank from {} to {len} characters",
                            t.first_len
                        );
                        if t.body_hash != body_hash || t.truth_version != truth_version {
                            let f = f1(&a.body_text, &truth());
                            assert!(
                                f >= t.first_f1 - 0.05,
                                "pass {pass}: {canonical} body F1 fell from {:.3} to {f:.3}",
                                t.first_f1
                            );
                            self.report.last_f1_sum += f - t.last_f1;
                            t.last_f1 = f;
                        }
                        t.body_hash = body_hash;
                        t.title = a.title.clone();
                        t.truth_version = truth_version;
                    }
                }
                // Page edits arrive within the re-check window (at once with a feed sign).
                let text = squash(&a.body_text);
                for (sentence, due) in &it.due {
                    if *due <= pass {
                        assert!(
                            text.contains(sentence.as_str()),
                            "pass {pass}: edit due by pass {due} missing from {canonical}: {sentence}"
                        );
                        if *due == pass {
                            self.report.edits_checked += 1;
                        }
                    }
                }
                story_of.insert(key, store.article_story(a.id).await.unwrap().map(|s| s.0));
            }
        }
        // Syndicated copies land in one story.
        for o in 0..self.outlets.len() {
            for (i, it) in self.outlets[o].items.iter().enumerate() {
                let (Some(orig), true) = (it.copy_of, it.seen.is_some()) else {
                    continue;
                };
                let (a, b) = (story_of.get(&(o, i)), story_of.get(&orig));
                if a.is_none() || b.is_none() {
                    continue;
                }
                assert!(
                    matches!((a, b), (Some(Some(x)), Some(Some(y))) if x == y),
                    "pass {pass}: syndicated copy {i} of {} is in story {a:?}, the wire's original in {b:?}",
                    self.outlets[o].name
                );
                if it.seen.is_some_and(|(p, _)| p == pass) {
                    self.report.syndicated_pairs += 1;
                }
            }
        }
        // The pass summary counts honestly: "updated" is what really changed.
        assert_eq!(
            summary_count(fetch_out, "updated"),
            changed,
            "pass {pass}: fetch reported {fetch_out}"
        );
        self.check_api(pass, full).await;
        // The down outlet is reported in `source list` too, with its class.
        if let Some(o) = self.outlets.iter().find(|o| o.state != FeedState::Ok) {
            let (ok, list, err) = self.run(self.now(pass), &["source", "list"]);
            assert!(ok, "{err}");
            let row = list
                .lines()
                .find(|l| l.contains(&o.name))
                .unwrap_or_else(|| panic!("{list}"));
            assert!(
                row.contains(o.state.error_class().unwrap()),
                "pass {pass}: `source list` shows {row}"
            );
        }
    }

    /// The API and the database agree: every listed article, and the full article of each
    /// one touched this pass plus a rotating sample.
    async fn check_api(&mut self, pass: usize, full: bool) {
        let web = self.web.as_ref().unwrap();
        let client = crate::common::client();
        if !full {
            return self.check_api_details(pass, Vec::new()).await;
        }
        let mut api: HashMap<i64, serde_json::Value> = HashMap::new();
        let mut page = 1;
        loop {
            let url = web.url(&format!("/api/v1/articles?page={page}&per_page=100"));
            let v = get_json(&client, &url).await;
            for a in v["articles"].as_array().unwrap() {
                api.insert(a["id"].as_i64().unwrap(), a.clone());
            }
            if v["next"].is_null() {
                break;
            }
            page += 1;
        }
        let db = self
            .store
            .list_articles(&ListQuery {
                section: None,
                source: None,
                limit: 100_000,
                offset: 0,
            })
            .await
            .unwrap();
        assert_eq!(
            api.len(),
            db.len(),
            "pass {pass}: the API lists {} articles, the database {}",
            api.len(),
            db.len()
        );
        for c in &db {
            let a = api
                .get(&c.id.0)
                .unwrap_or_else(|| panic!("pass {pass}: article {} missing from the API", c.id.0));
            assert_eq!(
                a["title"],
                c.title.as_str(),
                "pass {pass}: title of {}",
                c.id.0
            );
            assert_eq!(a["source"]["id"], c.source_id.0, "pass {pass}");
            assert_eq!(
                a["story_id"].as_i64(),
                c.story_id.map(|s| s.0),
                "pass {pass}: story of {}",
                c.id.0
            );
            assert_eq!(a["original_url"], c.original_url.as_str(), "pass {pass}");
        }
        let sample = db
            .iter()
            .skip(pass % 7)
            .step_by(7)
            .take(6)
            .map(|c| c.id.0)
            .collect();
        self.check_api_details(pass, sample).await;
    }

    /// The full article of each one touched this pass, and of `sample`, as the API and
    /// the database have it.
    async fn check_api_details(&mut self, pass: usize, sample: Vec<i64>) {
        let web = self.web.as_ref().unwrap();
        let client = crate::common::client();
        let mut detail: Vec<i64> = self
            .touched
            .iter()
            .filter_map(|k| self.tracks.get(k).map(|t| t.article))
            .collect();
        detail.extend(sample);
        for id in detail {
            let v = get_json(&client, &web.url(&format!("/api/v1/articles/{id}"))).await;
            let a = self
                .store
                .get_article(newsroom_core::ArticleId(id))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                v["body_text"],
                a.body_text.as_str(),
                "pass {pass}: body of {id}"
            );
            assert_eq!(v["title"], a.title.as_str(), "pass {pass}: title of {id}");
            self.report.api_details += 1;
        }
    }

    pub fn finish(mut self) -> Report {
        if let Some(web) = self.web.take() {
            web.stop();
        }
        self.report
    }
}

async fn get_json(client: &reqwest::Client, url: &str) -> serde_json::Value {
    let r = client.get(url).send().await.unwrap();
    assert_eq!(r.status(), 200, "{url}");
    r.json().await.unwrap()
}

/// A title from the page's first words. Angle brackets are left out: feeds put escaped
/// markup in titles, and newsroom reads a title's `&lt;b&gt;` as markup (noted, not tested here).
fn first_words(text: &str) -> String {
    text.split_whitespace()
        .take(10)
        .collect::<Vec<_>>()
        .join(" ")
        .replace(['<', '>'], "")
}

/// Runs a whole world and prints what it measured.
pub async fn run(plan: Plan) -> Option<Report> {
    let t = std::time::Instant::now();
    let passes = plan.passes;
    let mut w = World::new(plan).await?;
    for pass in 1..=passes {
        w.pass(pass).await;
    }
    let mut r = w.finish();
    r.seconds = t.elapsed().as_secs_f64();
    let n = r.articles.max(1) as f64;
    eprintln!(
        "world: {} passes, {} outlets, {} articles; body F1 at first ingestion {:.3}, at the end {:.3}; \
         {} page edits due, all arrived; {} page requests ({} conditional), {} feed requests ({} answered 304); \
         {} syndicated pairs in one story; {} API articles compared; {:.1} s",
        r.passes,
        r.outlets,
        r.articles,
        r.first_f1_sum / n,
        r.last_f1_sum / n,
        r.edits_due,
        r.page_requests,
        r.conditional_requests,
        r.feed_requests,
        r.not_modified_feeds,
        r.syndicated_pairs,
        r.api_details,
        r.seconds
    );
    assert!(
        r.first_f1_sum / n >= 0.85,
        "mean body F1 at first ingestion {:.3}: pages are not being read",
        r.first_f1_sum / n
    );
    Some(r)
}
