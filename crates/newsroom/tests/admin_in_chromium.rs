//! An editor in a real browser (Debian's Chromium, headless, through
//! chromedriver) merges two stories and splits an article out in the admin,
//! against the real binary on a real SQLite database seeded with two
//! stories. After each step the public story pages, the merged story's 301
//! and the audit log show what the editor did. A form whose CSRF token was
//! tampered with is refused and changes nothing.
//!
//! When `/usr/bin/chromium` or `/usr/bin/chromedriver` is missing, the test
//! says so and passes: `apt-get install -y chromium chromium-driver`.

#[path = "common/chrome.rs"]
mod chrome;
mod common;

use common::desk_kit::{stored_article, story_of};
use common::{Backend, Server, user_cmd};
use fantoccini::{Client, Locator};
use newsroom_store::{PoolConfig, Store};
use serde_json::json;
use std::time::Duration;

const PASSWORD: &str = "an editor's long passphrase";
const CANAL: [&str; 2] = [
    "Cargo ship runs aground in Suez Canal, blocking traffic",
    "Suez Canal blocked after cargo ship runs aground",
];
const CANAL_LATE: [&str; 2] = [
    "Tugs work to free the ship stuck in the Suez Canal",
    "Dredgers join the effort to refloat the Suez Canal ship",
];

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// The site as a reader sees it, without following redirects.
async fn public(base: &str, path: &str) -> (u16, String, String) {
    let r = common::client()
        .get(format!("{base}{path}"))
        .header("user-agent", common::BROWSER_UA)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let location = common::location(&r);
    (status, location, r.text().await.unwrap())
}

/// The articles a public story page lists as its coverage.
async fn public_members(base: &str, story: i64) -> Vec<i64> {
    let (status, _, page) = public(base, &format!("/story/{story}")).await;
    assert_eq!(status, 200, "/story/{story}: {page}");
    let doc = scraper::Html::parse_document(&page);
    let mut ids: Vec<i64> = common::select(&doc, "article.story li.coverage-item")
        .iter()
        .filter_map(|li| li.value().attr("data-article")?.parse().ok())
        .collect();
    ids.sort_unstable();
    ids
}

/// The audit rows the admin shows, newest first: (action, who, object).
async fn audit_rows(c: &Client, base: &str) -> Vec<(String, String, String)> {
    c.goto(&format!("{base}/admin/audit")).await.unwrap();
    let rows = chrome::js(
        c,
        r#"return [...document.querySelectorAll("table.audit tbody tr")].map(tr => {
             const td = tr.querySelectorAll("td");
             return [tr.dataset.action, td[2].innerText.trim(), td[4].innerText.trim()];
           });"#,
    )
    .await;
    serde_json::from_value(rows).unwrap()
}

/// Submits the form at `form` (a CSS selector) by its button, and waits
/// until the page it leads to has loaded.
async fn submit(c: &Client, form: &str) {
    let before = c.current_url().await.unwrap();
    c.find(Locator::Css(&format!("{form} button[type=submit]")))
        .await
        .unwrap_or_else(|e| panic!("{form}: {e}"))
        .click()
        .await
        .unwrap();
    for _ in 0..100 {
        let ready = chrome::js(c, "return document.readyState").await;
        if c.current_url().await.unwrap() != before && ready == json!("complete") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{form}: the browser stayed on {before}");
}

/// On the story's admin page, names `other` in the merge form and sends
/// it; with `forged`, after putting that in place of the form's token.
async fn merge(c: &Client, story_page: &str, other: i64, forged: Option<&str>) {
    c.goto(story_page).await.unwrap();
    if let Some(token) = forged {
        c.execute(
            r#"document.querySelector("form[action$='/merge'] input[name=csrf]").value = arguments[0];"#,
            vec![json!(token)],
        )
        .await
        .unwrap();
    }
    c.find(Locator::Css("input#others"))
        .await
        .unwrap()
        .send_keys(&other.to_string())
        .await
        .unwrap();
    submit(c, "form[action$='/merge']").await;
}

/// The member ids listed on the admin page of the story shown now.
async fn members(c: &Client) -> Vec<i64> {
    let ids = chrome::js(
        c,
        r#"return [...document.querySelectorAll("table.members tbody tr")].map(tr => Number(tr.dataset.id));"#,
    )
    .await;
    serde_json::from_value(ids).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_editor_merges_and_splits_in_chromium() {
    if let Some(tool) = chrome::missing() {
        println!("skipped: headless Chromium test not run ({tool} not found)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    let db = Backend::sqlite();
    let url = db.demo_url(dir.path());

    // Two stories of one event, as the clusterer might have left them.
    let store: std::sync::Arc<dyn Store> = newsroom_store::open(&url, &PoolConfig::default())
        .await
        .unwrap();
    let t0 = now() - 3 * 3600;
    let mut early = Vec::new();
    for (i, title) in CANAL.iter().enumerate() {
        early.push(stored_article(&*store, &format!("outlet{i}"), title, t0 + 60 * i as i64).await);
    }
    let mut late = Vec::new();
    for (i, title) in CANAL_LATE.iter().enumerate() {
        late.push(
            stored_article(
                &*store,
                &format!("outlet{}", i + 2),
                title,
                t0 + 3600 + 60 * i as i64,
            )
            .await,
        );
    }
    let target = story_of(&*store, &early, t0).await;
    let other = story_of(&*store, &late, t0 + 3600).await;
    drop(store);

    let server = Server::start(dir.path(), &["--role", "web", "--database", &url], &[]);
    let (ok, out) = user_cmd(
        &db,
        &server,
        &["add", "ed", "--role", "editor"],
        &format!("{PASSWORD}\n"),
    );
    assert!(ok, "{out}");
    let (status, _, page) = public(&server.base, &format!("/story/{other}")).await;
    assert_eq!(status, 200, "the other story before the merge: {page}");

    let http = reqwest::Client::new();
    let driver = chrome::Driver::start(&http).await;
    let c = chrome::browser(
        &driver.url,
        &dir.path().join("profile"),
        &["--window-size=1280,1000"],
        json!({}),
    )
    .await;
    let session = c.clone();
    let base = server.base.clone();
    chrome::run_then_close(c, async move {
        let c = session;
        // Sign in through the login form.
        c.goto(&format!("{base}/admin/login")).await.unwrap();
        c.find(Locator::Css("input[name=name]"))
            .await
            .unwrap()
            .send_keys("ed")
            .await
            .unwrap();
        c.find(Locator::Css("input[name=password]"))
            .await
            .unwrap()
            .send_keys(PASSWORD)
            .await
            .unwrap();
        submit(&c, "form.login").await;
        assert_eq!(c.current_url().await.unwrap().path(), "/admin/");

        // A merge form whose token was tampered with is refused.
        let story_page = format!("{base}/admin/stories/{target}");
        merge(&c, &story_page, other.0, Some("forged")).await;
        let refused = chrome::js(&c, "return document.body.innerText").await;
        assert!(
            refused.as_str().unwrap().contains("security token"),
            "a forged token: {refused}"
        );
        assert_eq!(
            public(&base, &format!("/story/{other}")).await.0,
            200,
            "nothing merged"
        );

        // The merge, through the form as the page gives it.
        merge(&c, &story_page, other.0, None).await;
        let here = c.current_url().await.unwrap();
        assert_eq!(
            (here.path(), here.query()),
            (
                format!("/admin/stories/{target}").as_str(),
                Some("done=merge")
            )
        );
        let mut all: Vec<i64> = early.iter().chain(&late).map(|a| a.0).collect();
        let mut listed = members(&c).await;
        all.sort_unstable();
        listed.sort_unstable();
        assert_eq!(listed, all, "the other story's articles joined");
        let (status, location, _) = public(&base, &format!("/story/{other}")).await;
        assert_eq!(
            (status, location.as_str()),
            (301, format!("/story/{target}").as_str())
        );
        assert_eq!(
            public_members(&base, target.0).await,
            all,
            "the public page follows"
        );
        let rows = audit_rows(&c, &base).await;
        assert_eq!(
            rows.first()
                .map(|r| (r.0.as_str(), r.1.as_str(), r.2.as_str())),
            Some(("story.merge", "ed", format!("story:{target}").as_str())),
            "{rows:?}"
        );

        // Split the last article out, by its row's button.
        c.goto(&story_page).await.unwrap();
        let leaving = late[1];
        submit(
            &c,
            &format!("tr[data-id='{leaving}'] form[action$='/split']"),
        )
        .await;
        let here = c.current_url().await.unwrap();
        assert_eq!(here.query(), Some("done=split"));
        let new_story: i64 = here
            .path()
            .strip_prefix("/admin/stories/")
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("a story's page: {here}"));
        assert_ne!(new_story, target.0);
        assert_eq!(members(&c).await, [leaving.0]);
        assert_eq!(public_members(&base, new_story).await, [leaving.0]);
        let stay: Vec<i64> = all.iter().copied().filter(|a| *a != leaving.0).collect();
        assert_eq!(
            public_members(&base, target.0).await,
            stay,
            "it left the merged story"
        );
        let (status, location, _) = public(&base, &format!("/story/{other}")).await;
        assert_eq!(
            (status, location.as_str()),
            (301, format!("/story/{target}").as_str()),
            "the merge holds"
        );
        let rows = audit_rows(&c, &base).await;
        let actions: Vec<&str> = rows.iter().take(2).map(|r| r.0.as_str()).collect();
        assert_eq!(actions, ["story.split", "story.merge"], "{rows:?}");
        assert_eq!(
            (rows[0].1.as_str(), rows[0].2.as_str()),
            ("ed", format!("article:{leaving}").as_str())
        );
    })
    .await;
    assert!(server.stop().success());
    drop(driver);
}
