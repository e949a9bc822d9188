//! Editors' decisions as readers see them, on SQLite and, when
//! NEWSROOM_TEST_POSTGRES_URL is set, PostgreSQL: a pinned story leads the
//! home page and its section until the pin ends on the site's clock (the
//! test moves it); a hidden story's articles leave every public list (home,
//! latest, sections, most read, feeds, sitemaps, search, the API); a merged
//! story's id in the API answers 301 to where it went. The site is the real
//! router on a real listener over the real database; decisions go through
//! `newsroom_store::moderation`, as the CLI's and the admin's do.

#[macro_use]
mod common;

use common::*;
use newsroom_core::{
    ArticleId, FullTextMode, NewArticle, NewSection, NewSource, SectionId, StoryId,
};
use newsroom_store::moderation::{self, Editor};
use newsroom_store::{PoolConfig, Store, ViewDelta};
use std::sync::Arc;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

async fn article(
    store: &dyn Store,
    outlet: &str,
    section: SectionId,
    title: &str,
    t: i64,
) -> ArticleId {
    let feed = format!("http://127.0.0.1:9/{outlet}.xml");
    let src = match store.source_by_feed_url(&feed).await.unwrap() {
        Some(s) => s.id,
        None => {
            store
                .add_source(
                    &NewSource {
                        name: outlet.into(),
                        feed_url: feed,
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
        section_id: Some(section),
        guid: Some(slug.clone()),
        canonical_url: format!("https://{outlet}.test/{slug}"),
        original_url: format!("https://{outlet}.test/{slug}"),
        title: title.to_string(),
        summary: format!("{outlet}: {title}."),
        body_text: format!("{title}. More of it."),
        body_html: format!("<p>{title}. More of it.</p>"),
        published_at: t,
        fetched_at: t,
        ..NewArticle::default()
    };
    store.upsert_article(&a, t).await.unwrap().id.unwrap()
}

async fn world_section(store: &dyn Store) -> SectionId {
    store
        .upsert_section(&NewSection {
            slug: "world".into(),
            name: "World".into(),
            position: 1,
            max_age_days: None,
        })
        .await
        .unwrap()
        .id
}

async fn story_of(store: &dyn Store, members: &[ArticleId], t: i64) -> StoryId {
    let s = store.create_story(members[0], t).await.unwrap();
    for a in &members[1..] {
        store.assign_story(*a, s, t).await.unwrap();
    }
    s
}

/// The site at `at` on its clock, with fresh caches.
async fn site_at(
    store: &Arc<dyn Store>,
    at: i64,
) -> (
    String,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<Result<(), newsroom_web::StartError>>,
) {
    let site = newsroom_web::SiteConfig {
        fixed_now: Some(at),
        ..newsroom_web::SiteConfig::default()
    };
    let state = newsroom_web::build_state(store.clone(), site, None)
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(newsroom_web::serve(listener, state, async move {
        let _ = stop_rx.await;
    }));
    (base, stop_tx, server)
}

/// The home page's lead and the first item of the section's page.
async fn leads(base: &str) -> (String, String) {
    let (status, home) = get(&format!("{base}/"), BROWSER_UA).await;
    assert_eq!(status, 200, "{home}");
    let doc = scraper::Html::parse_document(&home);
    let lead = text(&select(&doc, "main .lead-story h2")[0]);
    let (status, page) = get(&format!("{base}/section/world"), BROWSER_UA).await;
    assert_eq!(status, 200, "{page}");
    let doc = scraper::Html::parse_document(&page);
    let first = text(&select(&doc, "main .news-list a.headline")[0]);
    (lead, first)
}

/// Every public list, as (path, body).
async fn public_lists(base: &str) -> Vec<(String, String)> {
    let mut paths: Vec<String> = [
        "/",
        "/section/world",
        "/feed.xml",
        "/atom.xml",
        "/feed.json",
        "/section/world/feed.xml",
        "/sitemap-news.xml",
        "/search?q=festival",
        "/api/v1/articles",
        "/api/v1/articles?section=world",
        "/api/v1/most-read",
        "/api/v1/search?q=festival",
    ]
    .iter()
    .map(|p| p.to_string())
    .collect();
    // Each article sitemap file the index names.
    let (_, index) = get(&format!("{base}/sitemap.xml"), BROWSER_UA).await;
    for loc in index.split("<loc>").skip(1) {
        let url = &loc[..loc.find("</loc>").unwrap()];
        if let Some(at) = url.find("/sitemaps/articles-") {
            paths.push(url[at..].to_string());
        }
    }
    assert!(
        paths.iter().any(|p| p.starts_with("/sitemaps/articles-")),
        "{index}"
    );
    let mut out = Vec::new();
    for p in paths {
        let (status, body) = get(&format!("{base}{p}"), BROWSER_UA).await;
        assert_eq!(status, 200, "{p}: {body}");
        out.push((p, body.to_lowercase()));
    }
    out
}

on_every_backend!(pins_lead_and_hidden_stories_leave_every_list => pins_and_hides_on);

async fn pins_and_hides_on(db: &Backend) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    let url = db.demo_url(dir.path());
    let store: Arc<dyn Store> = newsroom_store::open(&url, &PoolConfig::default())
        .await
        .unwrap();
    let world = world_section(&*store).await;
    let t = now() - 6 * 3600;
    // An older story (to be pinned), a newer one (to be hidden), a merged
    // one and, newest, an article of its own.
    let canal = [
        article(
            &*store,
            "harbour",
            world,
            "Canal reopens after the grounding",
            t,
        )
        .await,
        article(
            &*store,
            "ledger",
            world,
            "Canal traffic resumes at last",
            t + 60,
        )
        .await,
    ];
    let zeppelin = [
        article(
            &*store,
            "harbour",
            world,
            "Zeppelin festival draws crowds",
            t + 3600,
        )
        .await,
        article(
            &*store,
            "ledger",
            world,
            "Crowds at the zeppelin festival",
            t + 3660,
        )
        .await,
    ];
    let aside = [article(
        &*store,
        "coast",
        world,
        "Canal pilots speak of the night",
        t + 1800,
    )
    .await];
    let newest = article(
        &*store,
        "coast",
        world,
        "Council approves the library budget",
        t + 7200,
    )
    .await;
    let canal_story = story_of(&*store, &canal, t).await;
    let zeppelin_story = story_of(&*store, &zeppelin, t).await;
    let aside_story = story_of(&*store, &aside, t).await;
    let hour = (t + 7200) / 3600;
    let views: Vec<ViewDelta> = [canal[0], zeppelin[0], zeppelin[1], newest]
        .iter()
        .map(|a| ViewDelta {
            article: *a,
            hour,
            n: 3,
        })
        .collect();
    store.add_views(&views).await.unwrap();

    let site_now = t + 8000;
    let ed = Editor {
        name: "ed",
        now: site_now,
    };
    let (base, stop, web) = site_at(&store, site_now).await;
    let (lead, first) = leads(&base).await;
    assert_eq!(
        lead, "Council approves the library budget",
        "no pin: the newest leads"
    );
    assert_eq!(first, "Council approves the library budget");
    let _ = stop.send(());
    web.await.unwrap().unwrap();

    // Pinned for an hour: the older story leads the home page (by its lead,
    // its earliest article) and its section (by its newest member there).
    moderation::pin(&*store, &ed, canal_story, Some(site_now + 3600))
        .await
        .unwrap();
    let (base, stop, web) = site_at(&store, site_now + 60).await;
    let (lead, first) = leads(&base).await;
    assert_eq!(lead, "Canal reopens after the grounding");
    assert_eq!(first, "Canal traffic resumes at last");
    let _ = stop.send(());
    web.await.unwrap().unwrap();
    // The pin's end passes on the site's clock: the newest leads again.
    let (base, stop, web) = site_at(&store, site_now + 3601).await;
    let (lead, first) = leads(&base).await;
    assert_eq!(lead, "Council approves the library budget", "the pin ended");
    assert_eq!(first, "Council approves the library budget");
    let _ = stop.send(());
    web.await.unwrap().unwrap();

    // Hidden: before, every list names the zeppelin story; after, none does.
    let (base, stop, web) = site_at(&store, site_now + 120).await;
    for (path, body) in public_lists(&base).await {
        assert!(
            body.contains("zeppelin"),
            "{path} lists the story before it is hidden: {body}"
        );
    }
    let _ = stop.send(());
    web.await.unwrap().unwrap();
    moderation::set_hidden(&*store, &ed, zeppelin_story, true)
        .await
        .unwrap();
    let (base, stop, web) = site_at(&store, site_now + 120).await;
    for (path, body) in public_lists(&base).await {
        assert!(
            !body.contains("zeppelin"),
            "{path} lists a hidden story's article: {body}"
        );
        if !path.contains("search?") {
            assert!(body.contains("canal"), "{path} still lists the rest");
        }
    }
    for path in [
        format!("/story/{zeppelin_story}"),
        format!("/api/v1/stories/{zeppelin_story}"),
        format!("/news/{}", zeppelin[0]),
        format!("/news/{}-crowds-at-the-zeppelin-festival", zeppelin[1]),
        format!("/api/v1/articles/{}", zeppelin[0]),
    ] {
        assert_eq!(
            get(&format!("{base}{path}"), BROWSER_UA).await.0,
            404,
            "{path}: a hidden story's articles answer as hidden articles do"
        );
    }
    // Shown again, its articles' pages come back.
    let _ = stop.send(());
    web.await.unwrap().unwrap();
    moderation::set_hidden(&*store, &ed, zeppelin_story, false)
        .await
        .unwrap();
    let (base, stop, web) = site_at(&store, site_now + 130).await;
    let (status, body) = get(
        &format!("{base}/news/{}-zeppelin-festival-draws-crowds", zeppelin[0]),
        BROWSER_UA,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = get(
        &format!("{base}/api/v1/articles/{}", zeppelin[0]),
        BROWSER_UA,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        public_lists(&base)
            .await
            .iter()
            .any(|(_, b)| b.contains("zeppelin"))
    );
    let _ = stop.send(());
    web.await.unwrap().unwrap();
    moderation::set_hidden(&*store, &ed, zeppelin_story, true)
        .await
        .unwrap();
    let (base, stop, web) = site_at(&store, site_now + 140).await;

    // Merged: the API says where the story went.
    moderation::merge(&*store, &ed, canal_story, &[aside_story])
        .await
        .unwrap();
    let no_follow = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = no_follow
        .get(format!("{base}/api/v1/stories/{aside_story}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 301);
    assert_eq!(
        r.headers()["location"],
        format!("/api/v1/stories/{canal_story}").as_str()
    );
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["merged_into"], canal_story.0);
    assert_eq!(body["id"], aside_story.0);
    assert!(
        body["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/api/v1/stories/{canal_story}"))
    );
    // Followed, it lands on the story that holds the article now.
    let target: serde_json::Value = reqwest::get(format!("{base}/api/v1/stories/{aside_story}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(target["id"], canal_story.0);
    assert!(
        target["articles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == aside[0].0)
    );
    // And the document says so, for clients and for schemathesis.
    let doc = get_json(&format!("{base}/api/openapi.json")).await;
    let op = &doc["paths"]["/api/v1/stories/{id}"]["get"]["responses"];
    assert_eq!(
        op["301"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/MergedStory"
    );
    assert!(
        doc["components"]["schemas"]["MergedStory"]["required"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("merged_into"))
    );
    let _ = stop.send(());
    web.await.unwrap().unwrap();
}

const EDITOR_PW: &str = "an editor's long passphrase";

/// `newsroom --database URL --as NAME ARGS`: success and what it printed.
fn cli(db: &Backend, server: &Server, actor: &str, args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(bin())
        .current_dir(&server.dir)
        .args(["--database", &db.demo_url(&server.dir), "--as", actor])
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

/// Posts a story form with the page's token; returns the status and where it sent us.
async fn story_form(
    c: &reqwest::Client,
    server: &Server,
    story: StoryId,
    action: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let (status, page) = page(c, &server.url(&format!("/admin/stories/{story}"))).await;
    assert_eq!(status, 200, "{page}");
    let csrf = csrf_of(&page);
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    let r = c
        .post(server.url(&format!("/admin/stories/{story}/{action}")))
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let to = location(&r);
    let body = r.text().await.unwrap();
    (status, if to.is_empty() { body } else { to })
}

/// The audit page's rows (action, object) and its "Older" link.
async fn audit_page(
    c: &reqwest::Client,
    server: &Server,
    query: &str,
) -> (Vec<(String, String)>, Option<String>) {
    let (status, html) = page(c, &server.url(&format!("/admin/audit{query}"))).await;
    assert_eq!(status, 200, "{html}");
    let doc = scraper::Html::parse_document(&html);
    let rows = select(&doc, "table.audit tbody tr")
        .iter()
        .map(|r| {
            let cells: Vec<String> = r
                .select(&scraper::Selector::parse("td").unwrap())
                .map(|td| text(&td))
                .collect();
            (cells[3].clone(), cells[4].clone())
        })
        .collect();
    let older = select(&doc, "a[rel=next]")
        .first()
        .and_then(|a| a.value().attr("href"))
        .map(str::to_string);
    (rows, older)
}

on_every_backend!(admin_story_page_decides_and_audits => admin_story_page_on);

async fn admin_story_page_on(db: &Backend) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    let url = db.demo_url(dir.path());
    let store: Arc<dyn Store> = newsroom_store::open(&url, &PoolConfig::default())
        .await
        .unwrap();
    let world = world_section(&*store).await;
    let t = now() - 3 * 3600;
    let flood = [
        article(&*store, "harbour", world, "River floods the old town", t).await,
        article(
            &*store,
            "ledger",
            world,
            "Old town under water as river floods",
            t + 60,
        )
        .await,
        article(
            &*store,
            "coast",
            world,
            "Flood: the old town counts the cost",
            t + 120,
        )
        .await,
    ];
    let levee = [article(&*store, "coast", world, "Levee gives way upstream", t + 600).await];
    let flood_story = story_of(&*store, &flood, t).await;
    let levee_story = story_of(&*store, &levee, t).await;
    let server = Server::start(dir.path(), &["--role", "web", "--database", &url], &[]);
    let (ok, out) = user_cmd(db, &server, &["add", "ed"], &format!("{EDITOR_PW}\n"));
    assert!(ok, "{out}");

    // Signed out: sent to the login page, nothing done.
    let anon = client();
    for path in [
        format!("/admin/stories/{flood_story}"),
        "/admin/audit".to_string(),
    ] {
        let r = anon.get(server.url(&path)).send().await.unwrap();
        assert_eq!(location(&r), "/admin/login", "{path}");
    }
    let ed = cookie_client();
    assert_eq!(sign_in(&ed, &server, "ed", EDITOR_PW).await.status(), 303);

    // The story's page: members, their outlets and times, the forms; the
    // articles list links to it.
    let (status, html) = page(&ed, &server.url(&format!("/admin/stories/{flood_story}"))).await;
    assert_eq!(status, 200, "{html}");
    let doc = scraper::Html::parse_document(&html);
    let rows = select(&doc, "table.members tbody tr");
    assert_eq!(rows.len(), 3);
    assert!(
        html.contains("No reason recorded"),
        "stories filed by hand have no reasons"
    );
    let first = text(&rows[0]);
    assert!(
        first.contains("River floods the old town") && first.contains("harbour"),
        "{first}"
    );
    for action in ["retitle", "merge", "split", "pin", "hide", "lead"] {
        assert!(
            html.contains(&format!("action=\"/admin/stories/{flood_story}/{action}\"")),
            "a {action} form"
        );
    }
    let (_, list) = page(&ed, &server.url("/admin/articles")).await;
    assert!(list.contains(&format!("href=\"/admin/stories/{flood_story}\"")));

    // Refused without the token or from another site; nothing changes.
    let merge_url = server.url(&format!("/admin/stories/{flood_story}/merge"));
    let others = levee_story.to_string();
    let r = ed
        .post(&merge_url)
        .form(&[("others", others.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = ed
        .post(&merge_url)
        .header("origin", "https://evil.example")
        .form(&[
            ("csrf", csrf_of(&html).as_str()),
            ("others", others.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(
        store
            .get_story(levee_story)
            .await
            .unwrap()
            .unwrap()
            .merged_into,
        None
    );

    // Merge, split, lead, retitle, pin, unpin, hide, unhide: each through
    // its form, each checked in the store.
    let (status, to) = story_form(&ed, &server, flood_story, "merge", &[("others", &others)]).await;
    assert_eq!(
        (status, to.as_str()),
        (
            303,
            format!("/admin/stories/{flood_story}?done=merge").as_str()
        )
    );
    assert_eq!(
        store
            .get_story(levee_story)
            .await
            .unwrap()
            .unwrap()
            .merged_into,
        Some(flood_story)
    );
    let (_, merged_page) = page(&ed, &server.url(&format!("/admin/stories/{levee_story}"))).await;
    assert!(merged_page.contains(&format!("data-merged-into=\"{flood_story}\"")));
    assert!(
        !merged_page.contains("/merge\""),
        "no forms on a story merged away"
    );

    let split_out = flood[2].to_string();
    let (status, to) = story_form(
        &ed,
        &server,
        flood_story,
        "split",
        &[("articles", &split_out)],
    )
    .await;
    assert_eq!(status, 303, "{to}");
    let new_story = store.article_story(flood[2]).await.unwrap().unwrap();
    assert_ne!(new_story, flood_story);
    assert_eq!(to, format!("/admin/stories/{new_story}?done=split"));
    // Why each is here: the editor's moves say who made them, and from where.
    let (_, html) = page(&ed, &server.url(&to)).await;
    let doc = scraper::Html::parse_document(&html);
    let why = select(&doc, "table.why tbody tr[data-kind=\"split\"]");
    assert_eq!(why.len(), 1, "{html}");
    let line = text(&why[0]);
    assert!(
        line.contains(&format!("split out of story {flood_story}")) && line.contains("ed"),
        "{line}"
    );
    let (_, html) = page(&ed, &server.url(&format!("/admin/stories/{flood_story}"))).await;
    let doc = scraper::Html::parse_document(&html);
    let why = select(
        &doc,
        &format!("table.why tbody tr[data-id=\"{}\"]", levee[0]),
    );
    assert!(
        text(&why[0]).contains(&format!("merged in from story {levee_story}")),
        "{html}"
    );
    // An article of another story is not this form's to split.
    let (status, body) = story_form(
        &ed,
        &server,
        flood_story,
        "split",
        &[("articles", &split_out)],
    )
    .await;
    assert_eq!(status, 400, "{body}");

    let lead = flood[1].to_string();
    assert_eq!(
        story_form(&ed, &server, flood_story, "lead", &[("articles", &lead)])
            .await
            .0,
        303
    );
    let title = "Old town flooded <b>as</b> levee fails";
    assert_eq!(
        story_form(&ed, &server, flood_story, "retitle", &[("title", title)])
            .await
            .0,
        303
    );
    let (status, body) =
        story_form(&ed, &server, flood_story, "pin", &[("until", "next week")]).await;
    assert_eq!(status, 400, "a time it cannot read: {body}");
    let until = jiff::Timestamp::from_second(now() + 86_400)
        .unwrap()
        .to_string();
    assert_eq!(
        story_form(&ed, &server, flood_story, "pin", &[("until", &until)])
            .await
            .0,
        303
    );
    let st = store.get_story(flood_story).await.unwrap().unwrap();
    assert_eq!(st.lead_article, flood[1]);
    assert!(st.editor_lead);
    assert_eq!(st.title.as_deref(), Some(title));
    assert!(st.pinned_until.unwrap() > now());
    let (_, html) = page(
        &ed,
        &server.url(&format!("/admin/stories/{flood_story}?done=pin")),
    )
    .await;
    let doc = scraper::Html::parse_document(&html);
    let h1 = &select(&doc, "main h1")[0];
    assert!(text(h1).contains(title), "{html}");
    assert!(
        select(&doc, "main h1 b").is_empty(),
        "the title is text, not markup"
    );
    assert!(html.contains("Story pinned"), "the notice");
    assert_eq!(
        story_form(&ed, &server, flood_story, "unpin", &[]).await.0,
        303
    );
    assert_eq!(
        store
            .get_story(flood_story)
            .await
            .unwrap()
            .unwrap()
            .pinned_until,
        None
    );
    assert_eq!(
        story_form(&ed, &server, flood_story, "hide", &[]).await.0,
        303
    );
    assert!(store.get_story(flood_story).await.unwrap().unwrap().hidden);
    assert_eq!(
        get(&server.url(&format!("/story/{flood_story}")), BROWSER_UA)
            .await
            .0,
        404
    );
    assert_eq!(
        story_form(&ed, &server, flood_story, "unhide", &[]).await.0,
        303
    );
    assert!(!store.get_story(flood_story).await.unwrap().unwrap().hidden);
    assert_eq!(
        story_form(&ed, &server, flood_story, "nonsense", &[])
            .await
            .0,
        404
    );

    // The audit log: the same rows the CLI writes, newest first, under the
    // editor's name; editors may read it, filtered by user, kind and object.
    let (rows, _) = audit_page(&ed, &server, "?user=ed").await;
    let actions: Vec<&str> = rows.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "story.unhide",
            "story.hide",
            "story.unpin",
            "story.pin",
            "story.retitle",
            "story.lead",
            "story.split",
            "story.merge"
        ],
        "refusals leave no row"
    );
    let (ok, out) = cli(
        db,
        &server,
        "cli-ed",
        &["story", "pin", &flood_story.to_string()],
    );
    assert!(ok, "{out}");
    let (rows, _) = audit_page(&ed, &server, "?action=story.pin").await;
    assert_eq!(
        rows.len(),
        2,
        "the admin's pin and the CLI's, one kind of row: {rows:?}"
    );
    let (rows, _) = audit_page(&ed, &server, &format!("?object=story:{new_story}")).await;
    assert!(
        rows.is_empty(),
        "the split is recorded on the article it moved"
    );
    let (rows, _) = audit_page(&ed, &server, &format!("?object=article:{}", flood[2])).await;
    assert_eq!(
        rows,
        [("story.split".to_string(), format!("article:{}", flood[2]))]
    );
    let (status, body) = page(&ed, &server.url("/admin/audit?object=story:x")).await;
    assert_eq!(status, 400, "{body}");
    // The story page shows its own history.
    let (_, html) = page(&ed, &server.url(&format!("/admin/stories/{flood_story}"))).await;
    let doc = scraper::Html::parse_document(&html);
    assert!(select(&doc, "table.history tbody tr").len() >= 7);

    // Paged by 50, newest first, the older page below the last row shown.
    for i in 0..60 {
        store
            .append_audit(&newsroom_store::NewAudit::new(
                "bulk",
                "source.enable",
                "source",
                i,
                t + i,
            ))
            .await
            .unwrap();
    }
    let (first_page, older) = audit_page(&ed, &server, "?user=bulk").await;
    assert_eq!(first_page.len(), 50);
    assert_eq!(first_page[0].1, "source:59");
    let older = older.expect("an older page");
    assert!(
        older.contains("user=bulk") && older.contains("before="),
        "{older}"
    );
    let (second, further) = audit_page(&ed, &server, &older["/admin/audit".len()..]).await;
    assert_eq!(second.len(), 10);
    assert_eq!(second[0].1, "source:9");
    assert!(further.is_none());

    // Pruning: explicit, and recorded itself.
    let (ok, out) = cli(
        db,
        &server,
        "ops",
        &["audit", "prune", "--before", &(t + 30).to_string()],
    );
    assert!(ok && out.contains("pruned 30 audit rows"), "{out}");
    let (rows, _) = audit_page(&ed, &server, "?user=bulk").await;
    assert_eq!(rows.len(), 30);
    let (rows, _) = audit_page(&ed, &server, "?user=ops").await;
    assert_eq!(rows, [("audit.prune".to_string(), "audit:0".to_string())]);
    let (ok, out) = cli(db, &server, "ops", &["audit", "prune", "--before", "soon"]);
    assert!(!ok && out.contains("RFC 3339"), "{out}");
    server.stop();
}
