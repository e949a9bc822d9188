//! Test harness: starts the real `newsroom` binary on 127.0.0.1 in a temp
//! folder and talks to it over HTTP.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub mod chromium;

pub const BROWSER_UA: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";

pub struct Server {
    pub child: Child,
    pub base: String,
    pub dir: PathBuf,
    pub log: mpsc::Receiver<String>,
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
        let base = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(rest) = line.split("listening on ").nth(1) {
                        break rest.split_whitespace().next().unwrap().to_string();
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
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// SIGTERM, then wait for a clean exit.
    pub fn stop(mut self) -> std::process::ExitStatus {
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

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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
    let mut all = vec![Backend {
        name: "sqlite",
        database: None,
    }];
    if let Some(url) = newsroom_store::testdb::fresh_postgres_url("site tests on PostgreSQL").await
    {
        all.push(Backend {
            name: "postgres",
            database: Some(url),
        });
    }
    all
}
