//! The admin area through the real binary: accounts made with `newsroom
//! user`, signing in over HTTP with a cookie-keeping client, hiding an
//! article, and every refusal the area promises (wrong password, no
//! session, missing or wrong CSRF token, foreign origin, signed-out cookie,
//! throttled sign-ins, an editor managing sources). On SQLite and, when
//! NEWSROOM_TEST_POSTGRES_URL is set, PostgreSQL.

#[macro_use]
mod common;

use common::*;
use newsroom_ingest::testkit::{Resource, TestServer, sample_rss};
use std::process::Command;

const ADMIN_PW: &str = "correct horse battery staple";
const EDITOR_PW: &str = "another long passphrase";

async fn public_status(server: &Server, path: &str) -> u16 {
    get(&server.url(path), BROWSER_UA).await.0
}

on_every_backend!(admin_hides_articles_and_refuses_what_it_must => admin_hides_articles_and_refuses_what_it_must_on);

async fn admin_hides_articles_and_refuses_what_it_must_on(db: &Backend) {
    let dir = tempfile::tempdir().unwrap();
    // An outlet's site on 127.0.0.1: its home page links to its feed, which
    // the admin's form discovers as `newsroom source add` does.
    let outlet = TestServer::start().await;
    outlet.set(
        "/news.xml",
        Resource::ok(
            "application/rss+xml",
            sample_rss("Local Outlet", &outlet.url(""), 2),
        ),
    );
    outlet_site(&outlet);
    let nothing = TestServer::start().await;
    nothing.set(
        "/",
        Resource::ok("text/html", "<html><body>no feed here</body></html>"),
    );
    let server = Server::start(
        dir.path(),
        &db.args(&["--demo"]),
        &[("NEWSROOM_FETCH__ALLOW_PRIVATE_NETWORKS", "true")],
    );

    // Accounts, through the CLI.
    let (ok, out) = user_cmd(
        db,
        &server,
        &["add", "Alice", "--role", "admin"],
        &format!("{ADMIN_PW}\n"),
    );
    assert!(ok, "{out}");
    assert!(out.contains("added admin alice"), "{out}");
    let (ok, out) = user_cmd(db, &server, &["add", "ed"], &format!("{EDITOR_PW}\n"));
    assert!(ok && out.contains("added editor ed"), "{out}");
    let (ok, out) = user_cmd(db, &server, &["add", "bob"], "short\n");
    assert!(!ok && out.contains("at least 12 characters"), "{out}");
    let (ok, out) = user_cmd(db, &server, &["add", "alice"], &format!("{ADMIN_PW}\n"));
    assert!(!ok && out.contains("already exists"), "{out}");
    let (ok, out) = user_cmd(db, &server, &["list"], "");
    assert!(
        ok && out.contains("alice") && out.contains("ed ") && !out.contains("bob"),
        "{out}"
    );
    {
        let store = newsroom_store::open(&db.demo_url(dir.path()), &Default::default())
            .await
            .unwrap();
        let alice = store.user_by_name("alice").await.unwrap().unwrap();
        assert!(alice.password_hash.starts_with("$argon2id$"));
        assert!(!alice.password_hash.contains(ADMIN_PW));
    }

    // Nothing without a session.
    let anon = client();
    for path in [
        "/admin/",
        "/admin",
        "/admin/articles",
        "/admin/sources",
        "/admin/users",
    ] {
        let r = anon.get(server.url(path)).send().await.unwrap();
        assert!(r.status().is_redirection(), "{path}: {}", r.status());
        assert_eq!(location(&r), "/admin/login", "{path}");
        assert_eq!(r.headers()["cache-control"], "no-store", "{path}");
    }

    // Wrong password and unknown user: the same refusal.
    let admin = cookie_client();
    let wrong = sign_in(&admin, &server, "alice", "not the password at all").await;
    assert_eq!(wrong.status(), 401);
    let wrong_text = wrong.text().await.unwrap();
    assert!(wrong_text.contains("Unknown user name or wrong password."));
    let unknown = sign_in(&admin, &server, "mallory", ADMIN_PW).await;
    assert_eq!(unknown.status(), 401);
    assert!(
        unknown
            .text()
            .await
            .unwrap()
            .contains("Unknown user name or wrong password.")
    );
    assert!(page(&admin, &server.url("/admin/")).await.0 == 303);

    // The login token is no double submit: a value chosen for cookie and
    // form alike (as a cookie planted by a neighbouring site would be) is
    // refused even with the right password; the form's token is not the
    // cookie's nonce but a keyed hash of it.
    let chosen = "ab".repeat(32);
    let r = client()
        .post(server.url("/admin/login"))
        .header("cookie", format!("newsroom_login={chosen}"))
        .form(&[
            ("csrf", chosen.as_str()),
            ("name", "alice"),
            ("password", ADMIN_PW),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "a self-chosen login token passed");
    let issued = client()
        .get(server.url("/admin/login"))
        .send()
        .await
        .unwrap();
    let nonce = issued
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("newsroom_login="))
        .and_then(|c| c.split(';').next())
        .expect("a login cookie")
        .to_string();
    let form_token = csrf_of(&issued.text().await.unwrap());
    assert_ne!(form_token, nonce, "the form does not repeat the cookie");
    let r = client()
        .post(server.url("/admin/login"))
        .header("cookie", format!("newsroom_login={chosen}"))
        .form(&[
            ("csrf", form_token.as_str()),
            ("name", "alice"),
            ("password", ADMIN_PW),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "an issued token with another nonce passed");

    // Signing in: the name is case-insensitive; the cookie is locked down.
    let r = sign_in(&admin, &server, "ALICE", ADMIN_PW).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/admin/");
    let set_cookies: Vec<String> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let session_cookie = set_cookies
        .iter()
        .find(|c| c.starts_with("newsroom_admin="))
        .expect("a session cookie")
        .clone();
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/admin", "Max-Age=1209600"] {
        assert!(session_cookie.contains(attr), "{session_cookie}");
    }
    assert!(
        !session_cookie.contains("Secure"),
        "the test site is plain http"
    );
    let token = session_cookie
        .trim_start_matches("newsroom_admin=")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(token.len(), 64);

    let r = admin.get(server.url("/admin/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert_eq!(r.headers()["x-frame-options"], "DENY");
    let dash = r.text().await.unwrap();
    let doc = scraper::Html::parse_document(&dash);
    let count = |name: &str| -> i64 {
        text(&select(&doc, &format!("[data-count={name}]"))[0])
            .parse()
            .unwrap()
    };
    assert!(count("articles") >= 10 && count("sources") >= 3, "{dash}");
    assert_eq!(count("hidden"), 0);

    // The newest article the home page shows (a story is shown by its lead,
    // so the newest article of a story may not be there itself).
    let (status, list) = page(&admin, &server.url("/admin/articles")).await;
    assert_eq!(status, 200);
    let doc = scraper::Html::parse_document(&list);
    let home = get(&server.url("/"), BROWSER_UA).await.1;
    let (id, public) = select(&doc, "tr[data-id]")
        .iter()
        .map(|row| {
            let id = row.value().attr("data-id").unwrap().to_string();
            let public = row
                .select(&scraper::Selector::parse("td a").unwrap())
                .next()
                .expect("a link to the public page")
                .value()
                .attr("href")
                .unwrap()
                .to_string();
            (id, public)
        })
        .find(|(_, public)| home.contains(public.as_str()))
        .expect("an article of the list on the home page");
    assert!(public.starts_with(&format!("/news/{id}-")), "{public}");
    assert_eq!(public_status(&server, &public).await, 200);
    let hide = server.url(&format!("/admin/articles/{id}/hide"));
    assert!(list.contains(&format!("action=\"/admin/articles/{id}/hide\"")));
    let csrf = csrf_of(&list);

    // Forged or foreign POSTs are refused and change nothing.
    let r = admin
        .post(&hide)
        .form(&[("page", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "no token");
    let r = admin
        .post(&hide)
        .form(&[("csrf", "0".repeat(64).as_str()), ("page", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "wrong token");
    let r = admin
        .post(&hide)
        .header("origin", "https://evil.example")
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "foreign origin");
    let r = admin
        .post(&hide)
        .header("referer", "https://evil.example/page")
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "foreign referer");
    let r = admin
        .post(&hide)
        .form(&[
            ("csrf", csrf.as_str()),
            ("pad", "x".repeat(20_000).as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413, "oversized form");
    // A session's token is worth nothing without its session.
    let r = anon
        .post(&hide)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/admin/login");
    assert_eq!(public_status(&server, &public).await, 200, "still public");

    // The real thing, from our own origin.
    let r = admin
        .post(&hide)
        .header("origin", &server.base)
        .form(&[("csrf", csrf.as_str()), ("page", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/admin/articles?page=1&done=hidden");
    assert_eq!(public_status(&server, &public).await, 404, "hidden at once");
    // Cached pages learn of the write from the change log, polled every
    // server.cache_poll_ms (1 s): gone from the home page within a few polls.
    let mut home = String::new();
    for _ in 0..50 {
        home = get(&server.url("/"), BROWSER_UA).await.1;
        if !home.contains(&format!("/news/{id}-")) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        !home.contains(&format!("/news/{id}-")),
        "gone from the home page"
    );
    let (_, feed) = get(&server.url("/feed.xml"), BROWSER_UA).await;
    assert!(
        !feed.contains(&format!("/news/{id}-")),
        "gone from the feed"
    );
    let (_, list) = page(&admin, &server.url("/admin/articles")).await;
    let doc = scraper::Html::parse_document(&list);
    let row = &select(&doc, &format!("tr[data-id='{id}'] td.status"))[0];
    assert_eq!(text(row), "hidden");

    // And back.
    let r = admin
        .post(server.url(&format!("/admin/articles/{id}/unhide")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(public_status(&server, &public).await, 200);
    let r = admin
        .post(server.url("/admin/articles/999999/hide"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // Sources: add (with checks), disable, remove.
    let (_, sources) = page(&admin, &server.url("/admin/sources")).await;
    assert!(sources.contains("action=\"/admin/sources/1/remove\""));
    // A poll's per-item notes show on the source's row, as text.
    {
        let store = newsroom_store::open(&db.demo_url(dir.path()), &Default::default())
            .await
            .unwrap();
        let mut src = store
            .get_source(newsroom_core::SourceId(1))
            .await
            .unwrap()
            .unwrap();
        src.health.notes = vec![
            "2 items have no usable link".into(),
            "<script>x</script> shares the GUID".into(),
        ];
        store
            .update_source_health(src.id, &src.health)
            .await
            .unwrap();
    }
    let (_, sources) = page(&admin, &server.url("/admin/sources")).await;
    let doc = scraper::Html::parse_document(&sources);
    let notes: Vec<String> = select(&doc, "tr[data-id='1'] ul.notes li")
        .iter()
        .map(text)
        .collect();
    assert_eq!(
        notes,
        [
            "2 items have no usable link",
            "<script>x</script> shares the GUID"
        ],
        "{sources}"
    );
    let r = admin
        .post(server.url("/admin/sources"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("url", "javascript:alert(1)"),
            ("name", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("must start with http://"));
    // A page with no feed anywhere is refused with the reason, and nothing is added.
    let r = admin
        .post(server.url("/admin/sources"))
        .form(&[("csrf", csrf.as_str()), ("url", nothing.url("/").as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("No feed found"));
    // A site address: its feed is discovered.
    let site_url = outlet.url("/");
    let add = [
        ("csrf", csrf.as_str()),
        ("url", site_url.as_str()),
        ("name", "<b>New</b> & Co"),
        ("section", ""),
        ("full_text", "never"),
    ];
    let r = admin
        .post(server.url("/admin/sources"))
        .form(&add)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let r = admin
        .post(server.url("/admin/sources"))
        .form(&add)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409, "the same feed twice");
    // The feed's own address is the same source too.
    let feed_url = outlet.url("/news.xml");
    let r = admin
        .post(server.url("/admin/sources"))
        .form(&[("csrf", csrf.as_str()), ("url", feed_url.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409, "the discovered feed, given directly");
    assert!(outlet.hits("/news.xml") >= 1, "the feed was fetched");
    let (_, sources) = page(&admin, &server.url("/admin/sources")).await;
    assert!(!sources.contains("<b>New</b>"), "escaped");
    let doc = scraper::Html::parse_document(&sources);
    assert!(
        select(&doc, "td strong")
            .iter()
            .any(|e| text(e) == "<b>New</b> & Co"),
        "shown as text"
    );
    let new_id = select(&doc, "tr[data-id]")
        .iter()
        .find(|r| text(r).contains(&feed_url))
        .and_then(|r| r.value().attr("data-id"))
        .unwrap()
        .to_string();
    let r = admin
        .post(server.url(&format!("/admin/sources/{new_id}/disable")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (_, sources) = page(&admin, &server.url("/admin/sources")).await;
    let doc = scraper::Html::parse_document(&sources);
    let state = &select(&doc, &format!("tr[data-id='{new_id}'] td[class^=state-]"))[0];
    assert_eq!(text(state), "disabled");
    // Switched on and off again: a row each.
    for switch in ["enable", "disable"] {
        let r = admin
            .post(server.url(&format!("/admin/sources/{new_id}/{switch}")))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{switch}");
    }

    // An editor hides articles but cannot touch sources or see users.
    let editor = cookie_client();
    assert_eq!(
        sign_in(&editor, &server, "ed", EDITOR_PW).await.status(),
        303
    );
    let (status, ed_sources) = page(&editor, &server.url("/admin/sources")).await;
    assert_eq!(status, 200);
    assert!(
        !ed_sources.contains("/remove\""),
        "no remove buttons for editors"
    );
    let ed_csrf = csrf_of(&ed_sources);
    assert_ne!(ed_csrf, csrf, "a token per session");
    let r = editor
        .post(server.url(&format!("/admin/sources/{new_id}/remove")))
        .form(&[("csrf", ed_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(page(&editor, &server.url("/admin/users")).await.0, 403);
    let (_, sources) = page(&admin, &server.url("/admin/sources")).await;
    assert!(sources.contains(&feed_url), "the editor removed nothing");
    // Someone else's token does not work in this session.
    let r = editor
        .post(&hide)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = editor
        .post(&hide)
        .form(&[("csrf", ed_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "editors may hide");
    assert_eq!(public_status(&server, &public).await, 404);

    // The admin removes the new source.
    let r = admin
        .post(server.url(&format!("/admin/sources/{new_id}/remove")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (_, sources) = page(&admin, &server.url("/admin/sources")).await;
    assert!(!sources.contains(&feed_url));
    let (status, users) = page(&admin, &server.url("/admin/users")).await;
    assert_eq!(status, 200);
    assert!(users.contains("alice") && users.contains("ed"));

    // Signing out ends the session for good, even for a copy of the cookie.
    let r = admin
        .post(server.url("/admin/logout"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/admin/login");
    let r = admin.get(server.url("/admin/")).send().await.unwrap();
    assert_eq!(location(&r), "/admin/login");
    let r = anon
        .get(server.url("/admin/"))
        .header("cookie", format!("newsroom_admin={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/admin/login", "the old cookie is dead");

    // Removing an account signs it out.
    let (ok, out) = user_cmd(db, &server, &["remove", "ed", "--as", "root"], "");
    assert!(ok, "{out}");
    let r = editor.get(server.url("/admin/")).send().await.unwrap();
    assert_eq!(location(&r), "/admin/login");

    // Every change above is in the audit log, with its author.
    let audit = audit_rows(db, &server, &["--limit", "1000"]);
    let seen = |actor: &str, action: &str, object: &str| {
        audit
            .iter()
            .filter(|r| {
                r["actor"] == actor
                    && r["action"] == action
                    && format!("{}:{}", r["object_kind"].as_str().unwrap(), r["object_id"])
                        == object
            })
            .count()
    };
    let user_id = |name: &str| {
        audit
            .iter()
            .find(|r| r["action"] == "user.add" && r["after"]["name"] == name)
            .map(|r| r["object_id"].as_i64().unwrap())
            .unwrap_or_else(|| panic!("no user.add row for {name}: {audit:#?}"))
    };
    assert_eq!(
        seen("alice", "article.show", &format!("article:{id}")),
        1,
        "{audit:#?}"
    );
    assert_eq!(
        seen("ed", "article.hide", &format!("article:{id}")),
        1,
        "{audit:#?}"
    );
    assert!(
        seen("alice", "article.hide", &format!("article:{id}")) >= 1,
        "{audit:#?}"
    );
    assert_eq!(
        seen("alice", "source.add", &format!("source:{new_id}")),
        1,
        "{audit:#?}"
    );
    assert_eq!(
        seen("alice", "source.disable", &format!("source:{new_id}")),
        2,
        "{audit:#?}"
    );
    assert_eq!(
        seen("alice", "source.enable", &format!("source:{new_id}")),
        1,
        "{audit:#?}"
    );
    assert_eq!(
        seen("alice", "source.remove", &format!("source:{new_id}")),
        1,
        "{audit:#?}"
    );
    let removed = audit
        .iter()
        .find(|r| r["action"] == "source.remove")
        .unwrap();
    assert_eq!(
        removed["before"]["feed_url"].as_str(),
        Some(feed_url.as_str())
    );
    assert!(removed["after"].is_null(), "a removal has no after");
    assert_eq!(
        seen("root", "user.remove", &format!("user:{}", user_id("ed"))),
        1,
        "{audit:#?}"
    );
    assert_eq!(
        audit
            .iter()
            .filter(|r| r["action"] == "article.hide" && r["object_id"] == 999999)
            .count(),
        0,
        "a refused change leaves no row"
    );
    assert!(
        !audit.iter().any(|r| r.to_string().contains("argon2")),
        "no password hash in the audit log"
    );
    let hide = audit
        .iter()
        .find(|r| r["actor"] == "ed" && r["action"] == "article.hide")
        .unwrap();
    assert_eq!(
        (
            hide["before"]["status"].as_str(),
            hide["after"]["status"].as_str()
        ),
        (Some("published"), Some("hidden"))
    );
    // Filters and the table form.
    let only_ed = audit_rows(db, &server, &["--user", "ed"]);
    assert!(!only_ed.is_empty() && only_ed.iter().all(|r| r["actor"] == "ed"));
    let (ok, table) = run_audit(db, &server, &["--limit", "3"]);
    assert!(ok, "{table}");
    assert_eq!(table.lines().count(), 4, "a header and three rows: {table}");
    assert!(
        table.lines().nth(1).unwrap().contains("user.remove"),
        "{table}"
    );
    server.stop();
}

/// `newsroom --database URL audit ARGS`: success and what it printed.
fn run_audit(db: &Backend, server: &Server, args: &[&str]) -> (bool, String) {
    let out = Command::new(bin())
        .current_dir(&server.dir)
        .args(["--database", &db.demo_url(&server.dir), "audit"])
        .args(args)
        .env("NEWSROOM_LOG", "warn")
        .output()
        .expect("run newsroom audit");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// `newsroom audit --json ARGS`, one row per line.
fn audit_rows(db: &Backend, server: &Server, args: &[&str]) -> Vec<serde_json::Value> {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let (ok, out) = run_audit(db, server, &all);
    assert!(ok, "{out}");
    out.split('\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

on_every_backend!(admin_sign_in_is_throttled => admin_sign_in_is_throttled_on);

async fn admin_sign_in_is_throttled_on(db: &Backend) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &db.args(&["--demo"]), &[]);
    let (ok, out) = user_cmd(
        db,
        &server,
        &["add", "carol", "--role", "admin"],
        &format!("{ADMIN_PW}\n"),
    );
    assert!(ok, "{out}");
    let c = cookie_client();
    for i in 0..5 {
        let r = sign_in(&c, &server, "carol", &format!("guess number {i}")).await;
        assert_eq!(r.status(), 401, "attempt {i}");
    }
    let r = sign_in(&c, &server, "carol", ADMIN_PW).await;
    assert_eq!(r.status(), 429, "the right password, too late");
    assert!(
        r.headers()
            .get("set-cookie")
            .is_none_or(|v| !v.to_str().unwrap().starts_with("newsroom_admin="))
    );
    assert!(r.text().await.unwrap().contains("Too many failed sign-ins"));
    assert_eq!(
        page(&c, &server.url("/admin/")).await.0,
        303,
        "not signed in"
    );
    // The address is blocked for other names too.
    let r = sign_in(&c, &server, "dave", "whatever it may be").await;
    assert_eq!(r.status(), 429);
    server.stop();
}
