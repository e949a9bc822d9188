//! Per-host politeness: at most N requests in flight to one host, and a token bucket that
//! spaces requests out, with jitter so that many waiters do not wake in the same instant.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

#[derive(Debug, Clone, Copy)]
pub struct HostLimits {
    pub concurrency: usize,
    /// Sustained requests per second.
    pub rate: f64,
    /// Requests allowed back to back before the rate applies.
    pub burst: f64,
    /// Up to this much random delay is added to every wait.
    pub jitter: Duration,
}

struct Bucket {
    tokens: f64,
    last: Instant,
}

struct HostState {
    slots: Arc<Semaphore>,
    bucket: Mutex<Bucket>,
}

/// Hands out per-host permits. Hosts are keyed by name, so that virtual hosts on one
/// address each get their own budget.
pub struct HostLimiter {
    limits: HostLimits,
    hosts: Mutex<HashMap<String, Arc<HostState>>>,
}

/// Held while a request to the host is in flight.
pub struct HostPermit {
    _slot: OwnedSemaphorePermit,
}

impl HostLimiter {
    pub fn new(limits: HostLimits) -> Self {
        Self {
            limits,
            hosts: Mutex::new(HashMap::new()),
        }
    }

    fn state(&self, host: &str) -> Arc<HostState> {
        let mut hosts = self.hosts.lock().unwrap();
        if hosts.len() > 50_000 {
            // Keep memory bounded on huge source lists: drop idle hosts (full bucket, no one waiting).
            let now = Instant::now();
            hosts.retain(|_, s| {
                Arc::strong_count(s) > 1
                    || now.duration_since(s.bucket.lock().unwrap().last) < Duration::from_secs(60)
            });
        }
        hosts
            .entry(host.to_ascii_lowercase())
            .or_insert_with(|| {
                Arc::new(HostState {
                    slots: Arc::new(Semaphore::new(self.limits.concurrency.max(1))),
                    bucket: Mutex::new(Bucket {
                        tokens: self.limits.burst.max(1.0),
                        last: Instant::now(),
                    }),
                })
            })
            .clone()
    }

    pub async fn acquire(&self, host: &str) -> HostPermit {
        let state = self.state(host);
        let slot = state
            .slots
            .clone()
            .acquire_owned()
            .await
            .expect("semaphore never closed");
        loop {
            let wait = {
                let mut b = state.bucket.lock().unwrap();
                let now = Instant::now();
                let refill = now.duration_since(b.last).as_secs_f64() * self.limits.rate;
                b.tokens = (b.tokens + refill).min(self.limits.burst.max(1.0));
                b.last = now;
                if b.tokens >= 1.0 {
                    b.tokens -= 1.0;
                    None
                } else {
                    Some(Duration::from_secs_f64(
                        (1.0 - b.tokens) / self.limits.rate.max(1e-6),
                    ))
                }
            };
            match wait {
                None => break,
                Some(w) => tokio::time::sleep(w + jitter(self.limits.jitter)).await,
            }
        }
        HostPermit { _slot: slot }
    }
}

pub(crate) fn jitter(max: Duration) -> Duration {
    if max.is_zero() {
        return Duration::ZERO;
    }
    max.mul_f64(rand::random_range(0.0..1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn token_bucket_spaces_requests() {
        let l = HostLimiter::new(HostLimits {
            concurrency: 8,
            rate: 20.0,
            burst: 2.0,
            jitter: Duration::ZERO,
        });
        let start = Instant::now();
        for _ in 0..6 {
            let _p = l.acquire("a.example").await;
        }
        // Two free, four at 50 ms each.
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(180), "{took:?}");
        // Another host has its own budget.
        let start = Instant::now();
        let _p = l.acquire("b.example").await;
        assert!(start.elapsed() < Duration::from_millis(20));
    }

    #[tokio::test]
    async fn concurrency_is_capped_per_host() {
        let l = Arc::new(HostLimiter::new(HostLimits {
            concurrency: 2,
            rate: 1000.0,
            burst: 100.0,
            jitter: Duration::ZERO,
        }));
        let p1 = l.acquire("a.example").await;
        let _p2 = l.acquire("a.example").await;
        let l2 = l.clone();
        let third = tokio::spawn(async move { l2.acquire("a.example").await });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!third.is_finished());
        drop(p1);
        tokio::time::timeout(Duration::from_secs(1), third)
            .await
            .unwrap()
            .unwrap();
    }
}
