//! Debian's Chromium, headless, driven through chromedriver: what the
//! browser tests (`browser.rs`, `security_xss.rs`) share.
//!
//! When `/usr/bin/chromium` or `/usr/bin/chromedriver` is missing, a test
//! says so and passes: `apt-get install -y chromium chromium-driver`.

use fantoccini::{Client, ClientBuilder};
use serde_json::{Value, json};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// True when both are installed; otherwise prints why the caller skips.
pub fn chromium_available() -> bool {
    for tool in [CHROMIUM, CHROMEDRIVER] {
        if !Path::new(tool).exists() {
            println!("skipped: headless Chromium test not run ({tool} not found)");
            return false;
        }
    }
    true
}

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

/// chromedriver on a free port, answering; and its URL.
pub async fn start_chromedriver(http: &reqwest::Client) -> (Proc, String) {
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let mut driver = Proc(
        Command::new(CHROMEDRIVER)
            .args([format!("--port={port}"), "--allowed-ips=127.0.0.1".into()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver"),
    );
    wait_ok(http, &format!("{url}/status"), "chromedriver", &mut driver).await;
    (driver, url)
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
    // not counted; the tests browse as a reader's browser does.
    all.push(format!("--user-agent={}", super::BROWSER_UA));
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
