//! Driving the admin area as a browser would: accounts made with `newsroom
//! user`, a cookie-keeping client, the CSRF token of a page's forms.

use super::{Backend, Server, bin, select};
use newsroom_ingest::testkit::{Resource, TestServer};
use std::io::Write;
use std::process::{Command, Stdio};

/// `newsroom --database URL user ARGS`, with `stdin` piped in.
pub fn user_cmd(db: &Backend, server: &Server, args: &[&str], stdin: &str) -> (bool, String) {
    let mut child = Command::new(bin())
        .current_dir(&server.dir)
        .args(["--database", &db.demo_url(&server.dir), "user"])
        .args(args)
        .env("NEWSROOM_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run newsroom user");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

pub fn cookie_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap()
}

/// The first form token on a page.
pub fn csrf_of(html: &str) -> String {
    let doc = scraper::Html::parse_document(html);
    select(&doc, "input[name=csrf]")
        .first()
        .and_then(|e| e.value().attr("value"))
        .expect("a csrf field")
        .to_string()
}

pub fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

pub async fn sign_in(
    c: &reqwest::Client,
    server: &Server,
    name: &str,
    pw: &str,
) -> reqwest::Response {
    let page = c.get(server.url("/admin/login")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let csrf = csrf_of(&page.text().await.unwrap());
    c.post(server.url("/admin/login"))
        .form(&[("csrf", csrf.as_str()), ("name", name), ("password", pw)])
        .send()
        .await
        .unwrap()
}

pub async fn page(c: &reqwest::Client, url: &str) -> (u16, String) {
    let r = c.get(url).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// An outlet whose home page links to its feed.
pub fn outlet_site(outlet: &TestServer) {
    outlet.set(
        "/",
        Resource::ok(
            "text/html",
            format!(
                "<html><head><link rel=\"alternate\" type=\"application/rss+xml\" href=\"{}\"></head><body>home</body></html>",
                outlet.url("/news.xml")
            ),
        ),
    );
}
