//! Connection limits: the `[server]` settings that keep one client from
//! holding the site, and the per-address count of open connections.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How connections are bounded. See the README's `[server]` section.
#[derive(Debug, Clone)]
pub struct ConnLimits {
    /// The request line and headers must arrive within this, counted from
    /// when the connection is ready for a request (so a kept-alive
    /// connection waiting for its next request is bounded by it too).
    pub header_timeout: Duration,
    /// A kept-alive connection with no new request for this long is closed.
    pub keep_alive_timeout: Duration,
    /// A request body must arrive whole within this.
    pub body_timeout: Duration,
    /// Open connections at most; past it, no new connection is accepted
    /// (they wait in the kernel's queue) until one closes.
    pub max_connections: usize,
    /// Open connections from one address at most; more are closed at once.
    /// 0: no per-address limit (behind a proxy, every client has its address).
    pub max_connections_per_ip: usize,
}

impl Default for ConnLimits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            keep_alive_timeout: Duration::from_secs(5),
            body_timeout: Duration::from_secs(10),
            max_connections: 4096,
            max_connections_per_ip: 128,
        }
    }
}

/// Open connections per client address.
#[derive(Clone, Default)]
pub(crate) struct PerIp {
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
    max: usize,
}

/// One open connection of an address; dropping it closes the count.
pub(crate) struct IpSlot {
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
    ip: IpAddr,
}

impl PerIp {
    pub(crate) fn new(max: usize) -> Self {
        Self {
            open: Arc::default(),
            max,
        }
    }

    /// A slot for one more connection from `ip`, unless it has its share.
    pub(crate) fn enter(&self, ip: IpAddr) -> Option<IpSlot> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let n = open.entry(ip).or_default();
        if self.max > 0 && *n >= self.max {
            return None;
        }
        *n += 1;
        Some(IpSlot {
            open: self.open.clone(),
            ip,
        })
    }
}

impl Drop for IpSlot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = open.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// The process's limit on open files, where the system tells it: a
/// connection cap above it would never be reached, the accept call failing
/// with "too many open files" first.
pub(crate) fn open_files_limit() -> Option<usize> {
    let text = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_ip_slots_are_counted_and_returned() {
        let p = PerIp::new(2);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let s1 = p.enter(a).unwrap();
        let _s2 = p.enter(a).unwrap();
        assert!(p.enter(a).is_none(), "third from one address");
        assert!(p.enter(b).is_some(), "another address is not affected");
        drop(s1);
        assert!(p.enter(a).is_some(), "a closed connection frees its slot");
        let unlimited = PerIp::new(0);
        let held: Vec<_> = (0..1000).map(|_| unlimited.enter(a).unwrap()).collect();
        assert_eq!(held.len(), 1000);
    }

    #[test]
    fn open_files_limit_is_read_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(open_files_limit().is_some_and(|n| n > 0));
        }
    }
}
