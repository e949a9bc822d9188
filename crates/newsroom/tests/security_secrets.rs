//! Security suite, secrets: the database password never reaches a log line,
//! an error or the help, whether it is in the URL's user info, in a
//! `password` parameter, or in a URL that does not parse; through failed
//! starts (bad URL, unknown parameter, wrong password, unreachable server)
//! and good ones. While the database cannot be reached the node already
//! listens, answering 503 with `/healthz` saying "starting".
//! The wrong-password and good-start cases need NEWSROOM_TEST_POSTGRES_URL.

mod common;

use common::*;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const SECRET: &str = "S3cret-Harden-7q";

fn serve(
    dir: &std::path::Path,
    database: &str,
    env: &[(&str, &str)],
) -> (Child, mpsc::Receiver<String>) {
    let mut cmd = Command::new(bin());
    cmd.current_dir(dir)
        .args(["serve", "--listen", "127.0.0.1:0", "--database", database])
        .env("NEWSROOM_LOG", "debug,sqlx=debug,hyper=info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("start newsroom");
    let (tx, rx) = mpsc::channel();
    for out in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
    }
    (child, rx)
}

/// Every line until the process exits (or `max` passes: then it is killed).
fn all_output(mut child: Child, rx: mpsc::Receiver<String>, max: Duration) -> (bool, String) {
    let deadline = Instant::now() + max;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    std::thread::sleep(Duration::from_millis(200));
    let text: Vec<String> = rx.try_iter().collect();
    (status.is_some_and(|s| s.success()), text.join("\n"))
}

fn assert_no_secret(case: &str, secret: &str, log: &str) {
    assert!(!log.is_empty(), "{case}: no output at all");
    assert!(
        !log.contains(secret),
        "{case}: the secret {secret:?} is in the output:\n{log}"
    );
}

#[test]
fn failed_starts_never_show_the_password() {
    let dir = tempfile::tempdir().unwrap();
    for (case, url, says) in [
        (
            "a URL that does not parse",
            format!("postgres://newsroom:{SECRET}@[::1/site"),
            "not a valid URL",
        ),
        (
            "a port out of range",
            format!("postgres://newsroom:{SECRET}@db.invalid:99999/site?password={SECRET}"),
            "not a valid URL",
        ),
        (
            "a parameter the driver does not know",
            format!("postgres://newsroom@127.0.0.1:1/site?sslpassword={SECRET}"),
            "unknown connection parameter `sslpassword`",
        ),
        (
            "a database that is not supported",
            format!("mysql://newsroom:{SECRET}@127.0.0.1/site"),
            "unsupported database URL",
        ),
    ] {
        let (child, rx) = serve(dir.path(), &url, &[]);
        let (ok, log) = all_output(child, rx, Duration::from_secs(30));
        assert!(!ok, "{case}: started anyway:\n{log}");
        assert!(log.contains(says), "{case}: {log}");
        assert_no_secret(case, SECRET, &log);
    }
}

#[test]
fn help_never_shows_the_password() {
    let env_url = format!("postgres://newsroom:{SECRET}@db/site?password={SECRET}");
    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["migrate", "--help"],
    ] {
        let out = Command::new(bin())
            .args(args)
            .env("NEWSROOM_DATABASE_URL", &env_url)
            .env("NEWSROOM_CONFIG", "/nonexistent.toml")
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{args:?}: {text}");
        assert_no_secret(&format!("{args:?}"), SECRET, &text);
    }
}

/// An unreachable database: the node listens at once and says it is
/// starting, retries, and neither the retries nor the answers show the
/// password; SIGTERM stops it cleanly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_waiting_for_its_database_answers_starting_and_hides_the_password() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on port 1: connections are refused, which is worth waiting for.
    let url = format!("postgres://newsroom:{SECRET}@127.0.0.1:1/site?password={SECRET}");
    let (child, rx) = serve(dir.path(), &url, &[]);
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    let base = loop {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("the node says it is answering while the database opens");
        seen.push(line.clone());
        if let Some(rest) = line.split("answering 503 on ").nth(1) {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    let http = client();
    let r = http.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 503);
    assert!(r.headers().contains_key("retry-after"));
    let health: serde_json::Value = r.json().await.unwrap();
    assert_eq!(health["status"], "starting", "{health}");
    let r = http.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 503);
    let page = r.text().await.unwrap();
    assert!(page.contains("starting"), "{page}");
    assert_no_secret("the starting answers", SECRET, &format!("{health}{page}"));

    // At least two retries logged, then a clean stop.
    let deadline = Instant::now() + Duration::from_secs(20);
    while seen.iter().filter(|l| l.contains("trying again")).count() < 2 {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("retries are logged");
        seen.push(line);
    }
    let pid = child.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let (ok, rest) = all_output(child, rx, Duration::from_secs(15));
    assert!(
        ok,
        "SIGTERM while waiting for the database stops cleanly:\n{rest}"
    );
    let log = format!("{}\n{rest}", seen.join("\n"));
    assert!(
        log.contains("postgres://newsroom:***@127.0.0.1:1/site"),
        "{log}"
    );
    assert_no_secret("waiting for an unreachable database", SECRET, &log);
}

/// Real PostgreSQL: a wrong password fails at once, and a good start logs
/// its database, neither showing the password however it is given.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_starts_good_and_bad_never_show_the_password() {
    let Some(url) =
        newsroom_store::testdb::fresh_postgres_url("secret redaction on PostgreSQL").await
    else {
        return;
    };
    let parsed = url::Url::parse(&url).unwrap();
    let password = parsed
        .password()
        .expect("the test URL has a password")
        .to_string();
    let dir = tempfile::tempdir().unwrap();

    // Wrong passwords, in the user info and as a parameter.
    let mut wrong = parsed.clone();
    wrong.set_password(Some(SECRET)).unwrap();
    let mut wrong_param = parsed.clone();
    wrong_param.set_password(None).unwrap();
    wrong_param
        .query_pairs_mut()
        .append_pair("password", SECRET);
    for (case, u) in [
        ("wrong password", wrong),
        ("wrong password parameter", wrong_param),
    ] {
        let (child, rx) = serve(dir.path(), u.as_str(), &[]);
        let (ok, log) = all_output(child, rx, Duration::from_secs(30));
        assert!(!ok, "{case}: started anyway");
        assert!(
            log.contains("password authentication failed"),
            "{case}: {log}"
        );
        assert_no_secret(case, SECRET, &log);
    }

    // Good starts: the real password in the user info, then as a parameter.
    let mut as_param = parsed.clone();
    as_param.set_password(None).unwrap();
    as_param
        .query_pairs_mut()
        .append_pair("password", &password);
    for (case, u, leak) in [
        ("user info", url.clone(), format!(":{password}@")),
        (
            "parameter",
            as_param.to_string(),
            format!("password={password}"),
        ),
    ] {
        let (child, rx) = serve(dir.path(), &u, &[]);
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut seen = Vec::new();
        while !seen.iter().any(|l: &String| l.contains("listening on")) {
            let line = rx
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .unwrap_or_else(|_| panic!("{case}: never listened: {seen:?}"));
            seen.push(line);
        }
        let pid = child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let (ok, rest) = all_output(child, rx, Duration::from_secs(20));
        assert!(ok, "{case}: {rest}");
        let log = format!("{}\n{rest}", seen.join("\n"));
        assert!(
            log.contains("***"),
            "{case}: the database is named, redacted: {log}"
        );
        assert!(!log.contains(&leak), "{case}: {leak:?} in the log:\n{log}");
    }
}
