//! Fair dispatch of work by host.
//!
//! Jobs are queued per host. A slot of the global concurrency is only given to a host whose
//! politeness budget can serve a request now (the request is reserved at that moment, see
//! [`HostLimiter::try_reserve`]), so a host at its rate limit waits on its own queue instead
//! of holding a slot that another host could use. Hosts take turns, one job each, and the
//! order jobs arrive in (never their names) decides the first turn.

use crate::fetch::politeness::HostLimiter;
use futures::stream::{FuturesUnordered, StreamExt};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::future::Future;
use tokio::time::Instant;

/// The politeness key of a URL: its host name in lower case ("" when it has none, so that
/// unparsable URLs share one queue and fail fast there).
pub fn host_of(url: &str) -> String {
    url::Url::parse(url.trim())
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .unwrap_or_default()
}

struct HostJobs<J> {
    jobs: VecDeque<J>,
    running: usize,
}

/// Run `work` on every `(host, job)`: at most `concurrency` jobs at once, at most `per_host`
/// per host, each started only once its host's limiter has a request for it. `done` gets
/// each output as it finishes.
pub async fn run_by_host<J, O, Fut>(
    jobs: Vec<(String, J)>,
    concurrency: usize,
    per_host: usize,
    limiter: &HostLimiter,
    mut work: impl FnMut(J) -> Fut,
    mut done: impl FnMut(O),
) where
    Fut: Future<Output = O>,
{
    let (concurrency, per_host) = (concurrency.max(1), per_host.max(1));
    let mut hosts: HashMap<String, HostJobs<J>> = HashMap::new();
    // Every host with queued jobs is in exactly one place: `ready` (may start now),
    // `sleeping` (rate-limited until an instant) or neither (at its per-host cap; it comes
    // back to `ready` when one of its jobs ends).
    let mut ready: VecDeque<String> = VecDeque::new();
    let mut sleeping: BinaryHeap<Reverse<(Instant, String)>> = BinaryHeap::new();
    for (host, job) in jobs {
        hosts
            .entry(host.clone())
            .or_insert_with(|| {
                ready.push_back(host);
                HostJobs {
                    jobs: VecDeque::new(),
                    running: 0,
                }
            })
            .jobs
            .push_back(job);
    }
    let mut running = FuturesUnordered::new();
    loop {
        let now = Instant::now();
        while sleeping.peek().is_some_and(|Reverse((t, _))| *t <= now) {
            if let Some(Reverse((_, h))) = sleeping.pop() {
                ready.push_back(h);
            }
        }
        while running.len() < concurrency {
            let Some(host) = ready.pop_front() else { break };
            let Some(q) = hosts.get_mut(&host) else {
                continue;
            };
            match limiter.try_reserve(&host) {
                Ok(()) => {
                    let Some(job) = q.jobs.pop_front() else {
                        continue;
                    };
                    q.running += 1;
                    if !q.jobs.is_empty() && q.running < per_host {
                        ready.push_back(host.clone());
                    }
                    let fut = work(job);
                    running.push(async move { (host, fut.await) });
                }
                Err(wait) => sleeping.push(Reverse((now + wait, host))),
            }
        }
        if running.is_empty() && ready.is_empty() && sleeping.is_empty() {
            return;
        }
        let wake = sleeping.peek().map(|Reverse((t, _))| *t);
        tokio::select! {
            Some((host, out)) = running.next(), if !running.is_empty() => {
                done(out);
                if let Some(q) = hosts.get_mut(&host) {
                    let was_capped = q.running >= per_host;
                    q.running -= 1;
                    if was_capped && !q.jobs.is_empty() {
                        ready.push_back(host);
                    } else if q.jobs.is_empty() && q.running == 0 {
                        hosts.remove(&host);
                    }
                }
            }
            _ = tokio::time::sleep_until(wake.unwrap_or(now)), if wake.is_some() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::politeness::HostLimits;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    fn limiter(rate: f64, burst: f64) -> HostLimiter {
        HostLimiter::new(HostLimits {
            concurrency: 4,
            rate,
            burst,
            jitter: Duration::ZERO,
        })
    }

    /// Runs jobs named "host/n" that take `work_ms`; returns the order they started in.
    async fn started(
        jobs: &[(&str, &str)],
        concurrency: usize,
        l: &HostLimiter,
        work_ms: u64,
    ) -> Vec<String> {
        let log = Arc::new(Mutex::new(Vec::new()));
        let jobs = jobs
            .iter()
            .map(|(h, j)| (h.to_string(), j.to_string()))
            .collect();
        run_by_host(
            jobs,
            concurrency,
            4,
            l,
            |j: String| {
                let log = log.clone();
                async move {
                    log.lock().unwrap().push(j);
                    tokio::time::sleep(Duration::from_millis(work_ms)).await;
                }
            },
            |_| {},
        )
        .await;
        Arc::try_unwrap(log).unwrap().into_inner().unwrap()
    }

    #[tokio::test]
    async fn a_rate_limited_host_never_holds_a_slot() {
        // Host "slow" has 6 jobs and 10 requests a second; 4 other hosts have one job each,
        // queued after all of slow's. With 2 slots, the others must all start before
        // slow's second job, which its budget only allows 100 ms later.
        let l = limiter(10.0, 1.0);
        let mut jobs: Vec<(&str, &str)> = vec![
            ("slow", "slow/1"),
            ("slow", "slow/2"),
            ("slow", "slow/3"),
            ("slow", "slow/4"),
            ("slow", "slow/5"),
            ("slow", "slow/6"),
        ];
        jobs.extend([("a", "a/1"), ("b", "b/1"), ("c", "c/1"), ("d", "d/1")]);
        let t = Instant::now();
        let order = started(&jobs, 2, &l, 10).await;
        let second_slow = order.iter().position(|j| j == "slow/2").unwrap();
        for other in ["a/1", "b/1", "c/1", "d/1"] {
            let p = order.iter().position(|j| j == other).unwrap();
            assert!(p < second_slow, "{other} waited behind slow: {order:?}");
        }
        // And slow's own jobs still all ran, spaced by its budget.
        assert_eq!(order.len(), 10);
        assert!(
            t.elapsed() >= Duration::from_millis(450),
            "{:?}",
            t.elapsed()
        );
    }

    #[tokio::test]
    async fn hosts_take_turns_whatever_the_job_order() {
        // Three hosts with three jobs each, queued host after host: with one slot the
        // hosts alternate, so the first round serves every host once.
        let l = limiter(1000.0, 1000.0);
        let jobs = [
            ("x", "x/1"),
            ("x", "x/2"),
            ("x", "x/3"),
            ("y", "y/1"),
            ("y", "y/2"),
            ("y", "y/3"),
            ("z", "z/1"),
            ("z", "z/2"),
            ("z", "z/3"),
        ];
        let order = started(&jobs, 1, &l, 1).await;
        let hosts: Vec<&str> = order.iter().map(|j| &j[..1]).collect();
        assert_eq!(hosts, ["x", "y", "z", "x", "y", "z", "x", "y", "z"]);
    }

    #[tokio::test]
    async fn per_host_cap_holds() {
        let l = limiter(1000.0, 1000.0);
        let peak = Arc::new(Mutex::new((0usize, 0usize)));
        let jobs = (0..12).map(|i| ("h".to_string(), i)).collect();
        run_by_host(
            jobs,
            8,
            3,
            &l,
            |_i: i32| {
                let peak = peak.clone();
                async move {
                    {
                        let mut p = peak.lock().unwrap();
                        p.0 += 1;
                        p.1 = p.1.max(p.0);
                    }
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    peak.lock().unwrap().0 -= 1;
                }
            },
            |_| {},
        )
        .await;
        assert_eq!(peak.lock().unwrap().1, 3);
    }

    #[test]
    fn host_keys() {
        assert_eq!(
            host_of("http://News.Example.ORG:8080/rss"),
            "news.example.org"
        );
        assert_eq!(host_of("not a url"), "");
    }
}
