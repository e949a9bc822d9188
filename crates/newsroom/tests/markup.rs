//! The pages as the web's own checkers see them, on the demo site: one page
//! of every kind (home, article, story, section, search, 404, and the
//! admin's sign-in, dashboard, articles (the list and one article), sources,
//! accounts and one story).
//!
//! - The Nu HTML Checker (vnu-jar from npm, on a Java runtime) finds no
//!   error in any of them.
//! - axe-core, injected into Debian's headless Chromium, finds no violation,
//!   in the light and in the dark colour scheme.
//!
//! `.ci/tools.sh` installs both (pinned). Without them the tests print
//! `skipped: ...` and pass, unless `NEWSROOM_TEST_VNU_REQUIRED` or
//! `NEWSROOM_TEST_AXE_REQUIRED` is set, as `.ci/run` does.

#[path = "common/chrome.rs"]
mod chrome;
mod common;

use common::*;
use serde_json::{Value, json};
use std::process::Command;
use std::time::Duration;

/// A client signed in to the admin as `admin`.
async fn admin_client(server: &Server) -> reqwest::Client {
    let c = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = c.get(server.url("/admin/login")).send().await.unwrap();
    let html = form.text().await.unwrap();
    let doc = scraper::Html::parse_document(&html);
    let csrf = select(&doc, "input[name=csrf]")[0]
        .value()
        .attr("value")
        .unwrap()
        .to_string();
    let r = c
        .post(server.url("/admin/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "admin"),
            ("password", ADMIN_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "sign-in");
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_have_no_nu_html_checker_errors() {
    let Some(jar) = outside_tool(
        "vnu",
        "NEWSROOM_TEST_VNU_JAR",
        "node_modules/vnu-jar/build/dist/vnu.jar",
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let server = demo_with_admin(dir.path());
    let (public, admin) = page_kinds(&server).await;
    let signed_in = admin_client(&server).await;
    let pages = dir.path().join("pages");
    std::fs::create_dir_all(&pages).unwrap();
    let mut files = Vec::new();
    for (i, path) in public.iter().chain(&admin).enumerate() {
        let c = if path.starts_with("/admin/") && path != "/admin/login" {
            signed_in.clone()
        } else {
            client()
        };
        let r = c.get(server.url(path)).send().await.unwrap();
        let want = if path == "/no/such/page" { 404 } else { 200 };
        assert_eq!(r.status().as_u16(), want, "{path}");
        let file = pages.join(format!("{i:02}.html"));
        std::fs::write(&file, r.text().await.unwrap()).unwrap();
        files.push((path.clone(), file));
    }
    let out = Command::new("java")
        .arg("-jar")
        .arg(&jar)
        .args(["--format", "json", "--errors-only"])
        .args(files.iter().map(|(_, f)| f))
        .output()
        .expect("run java -jar vnu.jar");
    let report: Value = serde_json::from_slice(&out.stderr).unwrap_or_else(|e| {
        panic!(
            "vnu output is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let errors: Vec<String> = report["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["type"] == "error" || m["subType"] == "fatal")
        .map(|m| {
            let file = m["url"].as_str().unwrap_or("");
            let page = files
                .iter()
                .find(|(_, f)| {
                    file.ends_with(&f.file_name().unwrap().to_string_lossy().to_string())
                })
                .map(|(p, _)| p.as_str())
                .unwrap_or(file);
            format!(
                "{page}:{}: {}",
                m["lastLine"],
                m["message"].as_str().unwrap_or("")
            )
        })
        .collect();
    println!("vnu: {} errors on {} pages", errors.len(), files.len());
    assert!(
        errors.is_empty(),
        "Nu HTML Checker errors:\n{}",
        errors.join("\n")
    );
}

/// axe-core's violations on the page the browser shows, as `rule: targets`.
async fn axe_violations(c: &fantoccini::Client, axe: &str) -> Vec<String> {
    let loaded = c
        .execute(&format!("{axe}\n;return typeof window.axe;"), vec![])
        .await
        .expect("inject axe-core");
    assert_eq!(loaded, json!("object"), "axe-core did not load");
    let v = c
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               axe.run(document, { resultTypes: ["violations"] })
                 .then(r => done(r.violations.map(v => v.id + " (" + v.impact + "): " +
                       v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "))))
                 .catch(e => done(["axe failed: " + e]));"#,
            vec![],
        )
        .await
        .expect("run axe-core");
    serde_json::from_value(v).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_have_no_axe_violations_light_and_dark() {
    if let Some(tool) = chrome::missing() {
        println!("skipped: axe-core check not run ({tool} not found)");
        return;
    }
    let Some(axe_js) = outside_tool(
        "axe",
        "NEWSROOM_TEST_AXE_JS",
        "node_modules/axe-core/axe.min.js",
    ) else {
        return;
    };
    let axe = std::fs::read_to_string(axe_js).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let server = demo_with_admin(dir.path());
    let (public, admin) = page_kinds(&server).await;
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let driver = chrome::Driver::start(&http).await;
    let mut found = Vec::new();
    let mut checked = 0;
    for (scheme, flags) in [
        ("light", vec!["--window-size=1280,1000"]),
        (
            "dark",
            vec![
                "--window-size=1280,1000",
                "--force-dark-mode",
                "--blink-settings=preferredColorScheme=0",
            ],
        ),
    ] {
        let profile = dir.path().join(format!("profile-{scheme}"));
        let c = chrome::browser(&driver.url, &profile, &flags, json!({})).await;
        let dark = chrome::js(
            &c,
            "return matchMedia('(prefers-color-scheme: dark)').matches;",
        )
        .await;
        assert_eq!(
            dark,
            json!(scheme == "dark"),
            "{scheme}: the colour scheme the pages see"
        );
        for path in &public {
            c.goto(&server.url(path)).await.unwrap();
            for v in axe_violations(&c, &axe).await {
                found.push(format!("{scheme} {path}: {v}"));
            }
            checked += 1;
        }
        for path in &admin {
            c.goto(&server.url(path)).await.unwrap();
            let url = c.current_url().await.unwrap();
            assert_eq!(url.path(), path.as_str(), "{scheme}: not signed in");
            for v in axe_violations(&c, &axe).await {
                found.push(format!("{scheme} {path}: {v}"));
            }
            checked += 1;
            if path == "/admin/login" {
                // Sign in through the form, as an editor does.
                chrome::js(
                    &c,
                    &format!(
                        r#"document.querySelector("input[name=name]").value = "admin";
                           document.querySelector("input[name=password]").value = {};
                           document.querySelector("form").submit(); return true;"#,
                        json!(ADMIN_PASSWORD)
                    ),
                )
                .await;
                tokio::time::sleep(Duration::from_millis(1500)).await;
            }
        }
        let _ = c.close().await;
    }
    println!(
        "axe-core: {} violations on {checked} page views",
        found.len()
    );
    assert!(
        found.is_empty(),
        "axe-core violations:\n{}",
        found.join("\n")
    );
}
