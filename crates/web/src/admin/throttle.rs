//! Login throttling, in memory: after `MAX_FAILURES` failed sign-ins within
//! `WINDOW` for one user name, or from one client address, further attempts
//! are refused until the oldest of them leaves the window. Kept per node;
//! several nodes each allow their own share, which still caps guessing.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const MAX_FAILURES: usize = 5;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Bounds memory when attempts come from very many addresses or names.
const MAX_KEYS: usize = 50_000;

#[derive(Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

/// Throttle keys for an attempt: the user name and the client address.
pub fn keys(name: &str, addr: &str) -> [String; 2] {
    let name: String = name.chars().take(64).collect();
    [format!("name:{name}"), format!("addr:{addr}")]
}

impl LoginThrottle {
    /// How long until an attempt under any of `keys` is allowed again, or
    /// `None` when it is allowed now.
    pub fn blocked(&self, keys: &[String], now: Instant) -> Option<Duration> {
        let map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        keys.iter()
            .filter_map(|k| map.get(k))
            .filter_map(|times| {
                let recent: Vec<&Instant> = times
                    .iter()
                    .filter(|t| now.duration_since(**t) < WINDOW)
                    .collect();
                if recent.len() >= MAX_FAILURES {
                    // Allowed again once all but MAX_FAILURES - 1 have aged out.
                    let nth = recent[recent.len() - MAX_FAILURES];
                    Some(WINDOW.saturating_sub(now.duration_since(*nth)))
                } else {
                    None
                }
            })
            .max()
    }

    pub fn failed(&self, keys: &[String], now: Instant) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_KEYS {
            map.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < WINDOW)
            });
            if map.len() >= MAX_KEYS {
                // A flood of distinct keys: forgetting beats running out of memory.
                map.clear();
            }
        }
        for k in keys {
            let times = map.entry(k.clone()).or_default();
            while times
                .front()
                .is_some_and(|t| now.duration_since(*t) >= WINDOW)
            {
                times.pop_front();
            }
            times.push_back(now);
            // Only the last MAX_FAILURES decide anything.
            while times.len() > MAX_FAILURES {
                times.pop_front();
            }
        }
    }

    /// After a successful sign-in the name starts afresh. The address does
    /// not: one valid account must not reset guessing at others.
    pub fn succeeded(&self, name_key: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(name_key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_five_failures_then_frees_after_the_window() {
        let t = LoginThrottle::default();
        let t0 = Instant::now();
        let k = keys("alice", "10.0.0.1");
        for i in 0..MAX_FAILURES as u64 {
            assert!(t.blocked(&k, t0 + Duration::from_secs(i)).is_none());
            t.failed(&k, t0 + Duration::from_secs(i));
        }
        let wait = t.blocked(&k, t0 + Duration::from_secs(10)).unwrap();
        assert_eq!(wait, WINDOW - Duration::from_secs(10));
        // Another address trying the same name is blocked by the name...
        assert!(
            t.blocked(&keys("alice", "10.0.0.2"), t0 + Duration::from_secs(10))
                .is_some()
        );
        // ...and the same address trying another name by the address.
        assert!(
            t.blocked(&keys("bob", "10.0.0.1"), t0 + Duration::from_secs(10))
                .is_some()
        );
        assert!(
            t.blocked(&keys("bob", "10.0.0.2"), t0 + Duration::from_secs(10))
                .is_none()
        );
        // The first failure ages out: one more attempt is allowed.
        assert!(
            t.blocked(&k, t0 + WINDOW + Duration::from_secs(1))
                .is_none()
        );
    }

    #[test]
    fn success_clears_the_name_but_not_the_address() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        let k = keys("alice", "10.0.0.1");
        for _ in 0..MAX_FAILURES {
            t.failed(&k, now);
        }
        t.succeeded(&k[0]);
        assert!(t.blocked(&keys("alice", "10.0.0.9"), now).is_none());
        assert!(t.blocked(&k, now).is_some(), "the address stays blocked");
    }

    #[test]
    fn four_failures_do_not_block() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        let k = keys("carol", "10.0.0.3");
        for _ in 0..MAX_FAILURES - 1 {
            t.failed(&k, now);
        }
        assert!(t.blocked(&k, now).is_none());
    }
}
