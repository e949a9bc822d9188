//! Test harness: starts the real `newsroom` binary on 127.0.0.1 in a temp
//! folder and talks to it over HTTP.
#![allow(dead_code)]

pub mod admin_kit;
#[allow(unused_imports)]
pub use admin_kit::*;
pub mod desk_kit;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use std::sync::mpsc;
use std::time::{Duration, Instant};

pub const BROWSER_UA: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";

pub struct Server {
    pub child: Child,
    pub base: String,
    pub dir: PathBuf,
    pub log: mpsc::Receiver<String>,
    /// What it logged until it listened.
    pub startup: Vec<String>,
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_newsroom")
}

impl Server {
    /// `newsroom serve --listen 127.0.0.1:0 ARGS` in `dir`, waiting until it listens.
    pub fn start(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(bin());
        cmd.current_dir(dir)
            .arg("serve")
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .env("NEWSROOM_LOG", "info")
            .env("NEWSROOM_SITE__TIME_ZONE", "Europe/Kyiv")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start newsroom");
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("[newsroom] {line}");
                if tx.send(line).is_err() {
                    // Keep draining so the child never blocks on a full pipe.
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut startup = Vec::new();
        let base = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    let found = address_after(&line, "listening on ");
                    startup.push(line);
                    if let Some(base) = found {
                        break base;
                    }
                }
                Err(_) => {
                    let _ = child.kill();
                    panic!("newsroom did not start listening: {:?}", child.wait());
                }
            }
        };
        Server {
            child,
            base,
            dir: dir.to_path_buf(),
            log: rx,
            startup,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// SIGTERM, then wait for a clean exit.
    pub fn stop(mut self) -> std::process::ExitStatus {
        self.terminate()
    }

    /// `stop`, and what it logged that was not read yet, to its last line.
    pub fn stop_and_drain(mut self) -> (std::process::ExitStatus, Vec<String>) {
        let status = self.terminate();
        // The reader ends (and the channel closes) at the end of the pipe.
        let rest =
            std::iter::from_fn(|| self.log.recv_timeout(Duration::from_secs(10)).ok()).collect();
        (status, rest)
    }

    fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("newsroom did not stop on SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// The address logged after `marker`, in a text or a JSON log line.
pub fn address_after(line: &str, marker: &str) -> Option<String> {
    let rest = line.split(marker).nth(1)?;
    rest.split(|c: char| c.is_whitespace() || c == '"')
        .next()
        .map(str::to_string)
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs a `newsroom` command in `dir` (logging warnings only) and checks it succeeds.
pub fn run_ok(dir: &Path, args: &[&str], env: &[(&str, &str)]) {
    let out = Command::new(bin())
        .current_dir(dir)
        .args(args)
        .env("NEWSROOM_LOG", "warn")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub async fn get(url: &str, ua: &str) -> (u16, String) {
    let r = client()
        .get(url)
        .header("user-agent", ua)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

pub fn select<'a>(doc: &'a scraper::Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    doc.select(&scraper::Selector::parse(css).unwrap())
        .collect()
}

pub fn text(e: &scraper::ElementRef<'_>) -> String {
    e.text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The article's own count (the first `data-views` inside `<main>`).
pub fn main_views(html: &str) -> i64 {
    let doc = scraper::Html::parse_document(html);
    let el = select(&doc, "main [data-views]")
        .into_iter()
        .next()
        .expect("a count in main");
    el.value().attr("data-views").unwrap().parse().unwrap()
}

/// A database for a site test: the default embedded SQLite in the test's
/// folder, or a fresh PostgreSQL schema.
pub struct Backend {
    pub name: &'static str,
    database: Option<String>,
}

impl Backend {
    /// The embedded SQLite in the test's folder, only.
    pub fn sqlite() -> Backend {
        Backend {
            name: "sqlite",
            database: None,
        }
    }

    /// `serve` arguments for this backend after `base`.
    pub fn args<'a>(&'a self, base: &[&'a str]) -> Vec<&'a str> {
        let mut args = base.to_vec();
        if let Some(url) = &self.database {
            args.extend(["--database", url.as_str()]);
        }
        args
    }

    /// The database `serve --demo` in `dir` uses, for a test that writes to
    /// it directly between runs.
    pub fn demo_url(&self, dir: &Path) -> String {
        self.database
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", dir.join("data/demo.db").display()))
    }
}

/// `on_every_backend!(name => body)`: the test `name`, running
/// `body(&Backend)` once on every backend `backends()` gives.
#[allow(unused_macros)]
macro_rules! on_every_backend {
    ($name:ident => $body:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            for db in backends().await {
                eprintln!("{} on {}", stringify!($name), db.name);
                $body(&db).await;
            }
        }
    };
}

/// The backends a site test runs on: SQLite always, and PostgreSQL when
/// NEWSROOM_TEST_POSTGRES_URL names a server (each call gets a fresh schema).
/// Without it the PostgreSQL run is reported as skipped.
pub async fn backends() -> Vec<Backend> {
    let mut all = vec![Backend::sqlite()];
    if let Some(url) = newsroom_store::testdb::fresh_postgres_url("site tests on PostgreSQL").await
    {
        all.push(Backend {
            name: "postgres",
            database: Some(url),
        });
    }
    all
}

/// Where `.ci/tools.sh` installs the outside checkers (vnu-jar, axe-core,
/// schemathesis); `NEWSROOM_CI_TOOLS` moves it.
pub fn ci_tools_dir() -> PathBuf {
    std::env::var_os("NEWSROOM_CI_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/opt/newsroom-ci"))
}

/// An outside checker a test runs: the file `env` names, else `default`
/// under `ci_tools_dir()`, when it is there. Without it the test prints
/// `skipped: ...` and passes, as the PostgreSQL suites do, unless
/// `NEWSROOM_TEST_{NAME}_REQUIRED` is set (`.ci/run` sets it), which makes a
/// missing tool a failure.
pub fn outside_tool(name: &str, env: &str, default: &str) -> Option<PathBuf> {
    let path = std::env::var_os(env)
        .map(PathBuf::from)
        .unwrap_or_else(|| ci_tools_dir().join(default));
    if path.exists() {
        return Some(path);
    }
    let required = format!("NEWSROOM_TEST_{}_REQUIRED", name.to_ascii_uppercase());
    let why = format!(
        "{name} not found at {} (set {env}, or run .ci/tools.sh)",
        path.display()
    );
    if std::env::var_os(&required).is_some_and(|v| !v.is_empty() && v != "0") {
        panic!("{required} is set but {why}");
    }
    println!("skipped: {name} check not run ({why})");
    None
}

/// A demo site with an admin account (`admin` / `ADMIN_PASSWORD`), for
/// checks that visit every kind of page.
pub const ADMIN_PASSWORD: &str = "a long enough admin passphrase";

pub fn demo_with_admin(dir: &Path) -> Server {
    let server = Server::start(dir, &["--demo"], &[]);
    let db = format!("sqlite://{}", dir.join("data/demo.db").display());
    let mut child = Command::new(bin())
        .current_dir(dir)
        .args(["--database", &db, "user", "add", "admin", "--role", "admin"])
        .env("NEWSROOM_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run newsroom user add");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{ADMIN_PASSWORD}\n").as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success(), "user add");
    server
}

/// A JSON answer, parsed.
pub async fn get_json(url: &str) -> serde_json::Value {
    client()
        .get(url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The paths of one page of each kind on the demo site: home, article,
/// story, section, search, 404 (public), then the admin's.
pub async fn page_kinds(server: &Server) -> (Vec<String>, Vec<String>) {
    let api = get_json(&server.url("/api/v1/articles?per_page=100")).await;
    let articles = api["articles"].as_array().expect("articles");
    let path = |u: &serde_json::Value| {
        let u = u.as_str().unwrap();
        u[u.find("://").unwrap() + 3..]
            .find('/')
            .map(|i| u[u.find("://").unwrap() + 3 + i..].to_string())
            .unwrap()
    };
    let article = path(&articles[0]["url"]);
    let story = articles
        .iter()
        .find_map(|a| a["story_id"].as_i64())
        .map(|s| format!("/story/{s}"))
        .expect("a story on the demo site");
    let sections = get_json(&server.url("/api/v1/sections")).await;
    let section = format!(
        "/section/{}",
        sections["sections"][0]["slug"].as_str().unwrap()
    );
    let admin_story = format!("/admin{}", story.replace("/story/", "/stories/"));
    let public = vec![
        "/".to_string(),
        article,
        story,
        section,
        "/search?q=war".to_string(),
        "/no/such/page".to_string(),
    ];
    let mut admin = [
        "/admin/login",
        "/admin/",
        "/admin/articles",
        "/admin/articles/1",
        "/admin/sources",
        "/admin/sources/1",
        "/admin/users",
    ]
    .map(String::from)
    .to_vec();
    admin.push(admin_story);
    (public, admin)
}
