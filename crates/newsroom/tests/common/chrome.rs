//! Headless Chromium for the tests that need a real browser: Debian's
//! `chromium` driven through `chromedriver` (WebDriver, by fantoccini).
//! Included by the browser tests with `#[path]`, so the other tests do not
//! build it.
#![allow(dead_code)]

use fantoccini::{Client, ClientBuilder};
use serde_json::{Value, json};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// What the browser says it is: a desktop Chrome, as readers' browsers do.
pub const READER_UA: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";

/// Kills the child process when the test ends, also on panic.
pub struct Proc(pub Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub async fn wait_ok(http: &reqwest::Client, url: &str, what: &str, proc: &mut Proc) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = http.get(url).send().await
            && r.status().is_success()
        {
            return;
        }
        if let Ok(Some(status)) = proc.0.try_wait() {
            panic!("{what} exited before it answered {url}: {status}");
        }
        assert!(Instant::now() < deadline, "{what} did not answer {url}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A fresh browser session; `extra` goes into `goog:chromeOptions`.
pub async fn browser(driver: &str, profile: &Path, args: &[&str], extra: Value) -> Client {
    let mut all = vec![
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
    ]
    .into_iter()
    .map(String::from)
    .collect::<Vec<_>>();
    all.push(format!("--user-data-dir={}", profile.display()));
    // Headless Chromium says "HeadlessChrome", which is no reader and is
    // not counted; the test checks counting as a reader's browser does it.
    all.push(format!("--user-agent={READER_UA}"));
    all.extend(args.iter().map(|s| s.to_string()));
    let mut opts = json!({ "binary": CHROMIUM, "args": all });
    if let (Some(o), Value::Object(e)) = (opts.as_object_mut(), extra) {
        o.extend(e);
    }
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), opts);
    ClientBuilder::rustls()
        .expect("rustls connector")
        .capabilities(caps)
        .connect(driver)
        .await
        .expect("chromedriver session")
}

/// Runs `body` (a JS function body) in the page and returns what it returns.
pub async fn js(c: &Client, body: &str) -> Value {
    c.execute(body, vec![]).await.expect("script in page")
}

/// Runs one browser phase, then ends the session even when the phase failed,
/// so no Chromium outlives the test.
pub async fn run_then_close<F>(c: Client, phase: F)
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    let r = tokio::spawn(phase).await;
    let _ = c.close().await;
    if let Err(e) = r {
        match e.try_into_panic() {
            Ok(p) => std::panic::resume_unwind(p),
            Err(e) => panic!("browser phase: {e}"),
        }
    }
}

/// Whether Chromium and chromedriver are installed; if not, says why.
pub fn missing() -> Option<&'static str> {
    [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .find(|tool| !Path::new(tool).exists())
}

/// A running chromedriver on a free port of 127.0.0.1.
pub struct Driver {
    pub url: String,
    _proc: Proc,
}

impl Driver {
    pub async fn start(http: &reqwest::Client) -> Driver {
        let port = free_port();
        let url = format!("http://127.0.0.1:{port}");
        let mut proc = Proc(
            Command::new(CHROMEDRIVER)
                .args([format!("--port={port}"), "--allowed-ips=127.0.0.1".into()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start chromedriver"),
        );
        wait_ok(http, &format!("{url}/status"), "chromedriver", &mut proc).await;
        Driver { url, _proc: proc }
    }
}
