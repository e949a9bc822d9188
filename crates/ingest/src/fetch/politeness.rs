//! Per-host politeness: at most N requests in flight to one host, and a token bucket that
//! spaces requests out, with jitter so that many waiters do not wake in the same instant.
//!
//! Time is tokio's, so that tests with a paused clock drive the buckets too.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

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
    /// Requests already taken from the bucket by [`HostLimiter::try_reserve`], spent by the
    /// next `acquire`s of the host. They lapse after [`RESERVATION_TTL`], so that work
    /// that never reached its request (a URL refused before fetching) leaves nothing behind.
    reserved: usize,
    reserved_at: Instant,
}

#[cfg(not(test))]
const RESERVATION_TTL: Duration = Duration::from_secs(10);
#[cfg(test)]
const RESERVATION_TTL: Duration = Duration::from_millis(300);

impl Bucket {
    /// Spend a live reservation, if there is one.
    fn spend_reservation(&mut self) -> bool {
        if self.reserved > 0 && self.reserved_at.elapsed() > RESERVATION_TTL {
            self.reserved = 0;
        }
        let had = self.reserved > 0;
        self.reserved = self.reserved.saturating_sub(1);
        had
    }

    /// Take one request now, or say how long until one is available.
    fn take(&mut self, limits: &HostLimits) -> Result<(), Duration> {
        let now = Instant::now();
        let refill = now.duration_since(self.last).as_secs_f64() * limits.rate;
        self.tokens = (self.tokens + refill).min(limits.burst.max(1.0));
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - self.tokens) / limits.rate.max(1e-6),
            ))
        }
    }
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
                        reserved: 0,
                        reserved_at: Instant::now(),
                    }),
                })
            })
            .clone()
    }

    /// Take a request from the host's budget now, for one of its next [`Self::acquire`]s,
    /// or say how long until the budget allows one. A dispatcher uses it to give a slot
    /// only to a host that can be served at once.
    pub fn try_reserve(&self, host: &str) -> Result<(), Duration> {
        let state = self.state(host);
        let mut b = state.bucket.lock().unwrap();
        b.take(&self.limits)?;
        b.reserved += 1;
        b.reserved_at = Instant::now();
        Ok(())
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
                if b.spend_reservation() {
                    Ok(())
                } else {
                    b.take(&self.limits)
                }
            };
            match wait {
                Ok(()) => break,
                Err(w) => tokio::time::sleep(w + jitter(self.limits.jitter)).await,
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

    #[tokio::test]
    async fn reservations_are_spent_by_acquire_and_lapse() {
        // One request every 200 ms, two back to back.
        let l = HostLimiter::new(HostLimits {
            concurrency: 4,
            rate: 5.0,
            burst: 2.0,
            jitter: Duration::ZERO,
        });
        assert_eq!(l.try_reserve("a.example"), Ok(()));
        assert_eq!(l.try_reserve("a.example"), Ok(()));
        // The budget is spent: the next reservation would wait about 200 ms.
        let wait = l.try_reserve("a.example").unwrap_err();
        assert!(wait > Duration::from_millis(150), "{wait:?}");
        // Acquiring spends the reservations without waiting.
        let start = Instant::now();
        drop(l.acquire("a.example").await);
        drop(l.acquire("a.example").await);
        assert!(start.elapsed() < Duration::from_millis(100));
        // A third acquire pays from the bucket.
        drop(l.acquire("a.example").await);
        assert!(start.elapsed() >= Duration::from_millis(150));
        // An unspent reservation lapses instead of piling up into a burst.
        assert_eq!(l.try_reserve("b.example"), Ok(()));
        tokio::time::sleep(RESERVATION_TTL + Duration::from_millis(200)).await;
        let start = Instant::now();
        drop(l.acquire("b.example").await);
        drop(l.acquire("b.example").await);
        // Two from the refilled bucket (burst 2), none from the lapsed reservation.
        assert!(start.elapsed() < Duration::from_millis(100));
        drop(l.acquire("b.example").await);
        assert!(start.elapsed() >= Duration::from_millis(150));
    }
}
