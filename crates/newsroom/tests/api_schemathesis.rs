//! schemathesis, installed from pip by `.ci/tools.sh`, against the running
//! demo site: it reads `/api/openapi.json`, calls every operation with
//! inputs the document allows and inputs it forbids, and fails on any
//! answer the document does not describe (a status, a content type, a body
//! that does not fit its schema, a 5xx, a forbidden input accepted, a
//! method not refused). Bounded: a fixed number of cases per operation, a
//! fixed seed, and a time budget.
//!
//! Without schemathesis the test prints `skipped: ...` and passes, unless
//! `NEWSROOM_TEST_SCHEMATHESIS_REQUIRED` is set, as `.ci/run` does.

mod common;

use common::*;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Cases per operation: enough for every phase to reach each parameter.
const MAX_EXAMPLES: &str = "40";
/// The whole run's time budget, and the test's hard limit beyond it.
const MAX_SECS: u64 = 60;

#[test]
fn api_passes_schemathesis() {
    let Some(st) = outside_tool(
        "schemathesis",
        "NEWSROOM_TEST_SCHEMATHESIS",
        "venv/bin/schemathesis",
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--demo"], &[]);
    let report = dir.path().join("report");
    let started = Instant::now();
    let mut child = Command::new(&st)
        .current_dir(dir.path())
        .args(["run", &server.url("/api/openapi.json")])
        .args([
            "--checks",
            "all",
            "--max-examples",
            MAX_EXAMPLES,
            "--seed",
            "14",
        ])
        .args([
            "--max-time",
            &MAX_SECS.to_string(),
            "--request-timeout",
            "10",
        ])
        .args(["--workers", "2", "--generation-database", "none"])
        .arg("--report-dir")
        .arg(&report)
        // Its progress bars, colours and telemetry are for people.
        .env("NO_COLOR", "1")
        .env("SCHEMATHESIS_TELEMETRY", "false")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run schemathesis");
    let deadline = Duration::from_secs(MAX_SECS + 60);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > deadline {
            let _ = child.kill();
            panic!("schemathesis ran past {deadline:?}");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("passed") || l.contains("failed") || l.contains("error"))
        .collect();
    println!(
        "schemathesis in {:.0} s: {}",
        started.elapsed().as_secs_f64(),
        summary.last().unwrap_or(&"")
    );
    assert!(out.status.success(), "schemathesis found failures:\n{text}");
    drop(server);
}
