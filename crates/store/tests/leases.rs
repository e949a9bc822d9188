//! Job leases across processes, on a SQLite file shared by two processes and
//! on PostgreSQL: two workers race for the same jobs and none is worked
//! twice; a worker killed while it holds a job loses the job when its lease
//! runs out, and the other worker does it.
//!
//! The workers are this test executable run again: the parent starts it with
//! `LEASE_WORKER_*` set and a filter that runs only `lease_worker_process`.

use newsroom_store::{PoolConfig, Store, testdb};
use std::collections::HashMap;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const SUITE: &str = "PostgreSQL lease tests";
const KIND: &str = "lease-test";

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

async fn open(url: &str) -> Arc<dyn Store> {
    newsroom_store::open(url, &PoolConfig::default())
        .await
        .unwrap()
}

fn sqlite_url() -> String {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("site.db").display());
    std::mem::forget(dir);
    url
}

/// A worker process. `mode` is "race" (work every job it can claim until none
/// is left), "hold" (claim one job, say so, then hang without finishing it) or
/// "wait" (keep trying until it has worked one job).
fn spawn_worker(url: &str, name: &str, mode: &str, lease_secs: i64) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "lease_worker_process",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("LEASE_WORKER_URL", url)
        .env("LEASE_WORKER_NAME", name)
        .env("LEASE_WORKER_MODE", mode)
        .env("LEASE_WORKER_LEASE", lease_secs.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

/// The lines a worker printed that start with `prefix`, until it exits.
async fn collect(child: &mut Child, prefix: &str) -> Vec<String> {
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut out = Vec::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        // The harness prints "test lease_worker_process ... " without a line
        // end before the test runs, so a marker may start mid-line.
        if let Some(at) = line.find(prefix) {
            out.push(line[at + prefix.len()..].to_string());
        }
    }
    let status = child.wait().await.unwrap();
    assert!(status.success(), "worker failed: {status}");
    out
}

/// Not a test of its own: the body of a worker process (see `spawn_worker`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lease_worker_process() {
    let Ok(url) = std::env::var("LEASE_WORKER_URL") else {
        return;
    };
    let name = std::env::var("LEASE_WORKER_NAME").unwrap();
    let mode = std::env::var("LEASE_WORKER_MODE").unwrap();
    let lease: i64 = std::env::var("LEASE_WORKER_LEASE")
        .unwrap()
        .parse()
        .unwrap();
    let store = open(&url).await;
    match mode.as_str() {
        "race" => loop {
            let jobs = store
                .claim_jobs(KIND, &name, now(), lease, 3)
                .await
                .unwrap();
            if jobs.is_empty() {
                let left = store.table_counts().await.unwrap().jobs;
                if left == 0 {
                    break;
                }
                // Jobs remain but are held by the other worker: they finish or their lease ends.
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
            for j in jobs {
                // The "work": long enough for the two workers to overlap.
                tokio::time::sleep(Duration::from_millis(3)).await;
                println!("WORKED {}", j.key);
                let held = store.complete_job(&j.key, &name, None, None).await.unwrap();
                assert!(held, "{name} lost the lease on {} while working it", j.key);
            }
        },
        "hold" => {
            let jobs = store
                .claim_jobs(KIND, &name, now(), lease, 1)
                .await
                .unwrap();
            assert_eq!(jobs.len(), 1);
            println!("CLAIMED {}", jobs[0].key);
            // Killed here by the parent.
            tokio::time::sleep(Duration::from_secs(600)).await;
        }
        "wait" => {
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                let jobs = store
                    .claim_jobs(KIND, &name, now(), lease, 1)
                    .await
                    .unwrap();
                if let Some(j) = jobs.into_iter().next() {
                    println!("WORKED {} attempts={}", j.key, j.attempts);
                    assert!(store.complete_job(&j.key, &name, None, None).await.unwrap());
                    break;
                }
                assert!(Instant::now() < deadline, "{name} never got the job");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        other => panic!("unknown worker mode {other}"),
    }
}

async fn race(url: String) {
    let store = open(&url).await;
    let n = 150;
    for i in 0..n {
        store
            .ensure_job(&format!("job:{i:03}"), KIND, now() - 10, None)
            .await
            .unwrap();
    }
    let mut a = spawn_worker(&url, "worker-a", "race", 60);
    let mut b = spawn_worker(&url, "worker-b", "race", 60);
    let (wa, wb) = tokio::join!(collect(&mut a, "WORKED "), collect(&mut b, "WORKED "));
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for (who, keys) in [("a", &wa), ("b", &wb)] {
        for k in keys {
            if let Some(other) = seen.insert(k, who) {
                panic!("{k} was worked by {other} and by {who}");
            }
        }
    }
    assert_eq!(seen.len(), n, "every job worked once");
    assert!(
        !wa.is_empty() && !wb.is_empty(),
        "both workers took part: a {} b {}",
        wa.len(),
        wb.len()
    );
    assert_eq!(store.table_counts().await.unwrap().jobs, 0);
}

async fn killed_worker(url: String) {
    let store = open(&url).await;
    store
        .ensure_job("job:only", KIND, now() - 10, None)
        .await
        .unwrap();
    let lease = 3;
    let mut holder = spawn_worker(&url, "doomed", "hold", lease);
    let mut lines = BufReader::new(holder.stdout.take().unwrap()).lines();
    let claimed_at = loop {
        let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await
            .expect("the worker claims the job")
            .unwrap()
            .expect("worker output");
        if line.ends_with("CLAIMED job:only") {
            break Instant::now();
        }
    };
    // While the holder lives its lease keeps the job from everyone else.
    assert!(
        store
            .claim_jobs(KIND, "parent", now(), 60, 1)
            .await
            .unwrap()
            .is_empty()
    );
    let mut taker = spawn_worker(&url, "survivor", "wait", 60);
    holder.kill().await.unwrap();
    let worked = collect(&mut taker, "WORKED ").await;
    assert_eq!(worked, ["job:only attempts=2"]);
    assert!(
        claimed_at.elapsed() >= Duration::from_secs(lease as u64 - 1),
        "taken over only once the lease ran out"
    );
    assert!(store.get_job("job:only").await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_two_processes_never_work_a_job_twice() {
    race(sqlite_url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_killed_worker_loses_its_job() {
    killed_worker(sqlite_url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_two_processes_never_work_a_job_twice() {
    let Some(url) = testdb::fresh_postgres_url(SUITE).await else {
        return;
    };
    race(url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_killed_worker_loses_its_job() {
    let Some(url) = testdb::fresh_postgres_url(SUITE).await else {
        return;
    };
    killed_worker(url).await;
}
