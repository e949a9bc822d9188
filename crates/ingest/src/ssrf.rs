//! The SSRF guard: newsroom fetches URLs that operators and feeds hand it, so a feed must
//! never make it talk to the machine itself, the LAN, or a cloud metadata endpoint.
//!
//! Two checks, both needed: literal-IP URLs are refused before any request (hyper connects to
//! a literal IP without asking the resolver), and host names go through [`GuardedResolver`],
//! which drops non-global answers so the connection is only ever made to an address that was
//! checked (no second lookup, no rebinding window). The fetcher runs the URL check on every
//! redirect hop, and disables environment proxies, which would resolve names themselves.
//!
//! The only switch is `fetch.allow_private_networks` (`NEWSROOM_FETCH__ALLOW_PRIVATE_NETWORKS=true`).

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use url::{Host, Url};

/// Why an address or URL was refused.
#[derive(Debug, Clone, thiserror::Error)]
#[error("refused non-global address {addr} for {host}")]
pub struct SsrfRefused {
    pub host: String,
    pub addr: String,
}

/// True for addresses reachable on the public internet. Everything else (loopback, private,
/// link-local, CGNAT, multicast, documentation, benchmarking, reserved, ULA, and IPv6 forms
/// that embed one of those) is refused unless private networks are allowed.
pub fn is_global(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_global_v4(v4),
        IpAddr::V6(v6) => is_global_v6(v6),
    }
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], prefix: u32) -> bool {
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    };
    (u32::from(ip) & mask) == (u32::from(Ipv4Addr::from(net)) & mask)
}

fn is_global_v4(ip: Ipv4Addr) -> bool {
    const NON_GLOBAL: &[([u8; 4], u32)] = &[
        ([0, 0, 0, 0], 8),       // "this network", unspecified
        ([10, 0, 0, 0], 8),      // private
        ([100, 64, 0, 0], 10),   // CGNAT shared space
        ([127, 0, 0, 0], 8),     // loopback
        ([169, 254, 0, 0], 16),  // link-local, cloud metadata
        ([172, 16, 0, 0], 12),   // private
        ([192, 0, 0, 0], 24),    // IETF protocol assignments
        ([192, 0, 2, 0], 24),    // TEST-NET-1
        ([192, 31, 196, 0], 24), // AS112
        ([192, 52, 193, 0], 24), // AMT
        ([192, 88, 99, 0], 24),  // 6to4 relay anycast
        ([192, 168, 0, 0], 16),  // private
        ([192, 175, 48, 0], 24), // direct delegation AS112
        ([198, 18, 0, 0], 15),   // benchmarking
        ([198, 51, 100, 0], 24), // TEST-NET-2
        ([203, 0, 113, 0], 24),  // TEST-NET-3
        ([224, 0, 0, 0], 4),     // multicast
        ([240, 0, 0, 0], 4),     // reserved, broadcast
    ];
    !NON_GLOBAL.iter().any(|(net, p)| in_v4(ip, *net, *p))
}

fn is_global_v6(ip: Ipv6Addr) -> bool {
    let seg = ip.segments();
    // IPv4-mapped (::ffff:a.b.c.d): judged by the IPv4 address it carries.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_global_v4(v4);
    }
    // NAT64 well-known prefix 64:ff9b::/96 carries an IPv4 address too.
    if seg[0] == 0x64 && seg[1] == 0xff9b && seg[2..6] == [0, 0, 0, 0] {
        let v4 = Ipv4Addr::new(
            (seg[6] >> 8) as u8,
            seg[6] as u8,
            (seg[7] >> 8) as u8,
            seg[7] as u8,
        );
        return is_global_v4(v4);
    }
    // 6to4 (2002::/16) embeds an IPv4 address in bits 16..48.
    if seg[0] == 0x2002 {
        let v4 = Ipv4Addr::new(
            (seg[1] >> 8) as u8,
            seg[1] as u8,
            (seg[2] >> 8) as u8,
            seg[2] as u8,
        );
        return is_global_v4(v4);
    }
    // Only global unicast (2000::/3) is reachable on the internet; this also rules out ::,
    // ::1, IPv4-compatible ::/96, 100::/64 discard, ULA fc00::/7, link-local fe80::/10,
    // site-local fec0::/10 and multicast ff00::/8.
    if seg[0] & 0xe000 != 0x2000 {
        return false;
    }
    // Special ranges inside 2000::/3.
    let non_global_in_2000: &[(u16, u16, u32)] = &[
        (0x2001, 0x0000, 23), // IETF protocol assignments (Teredo, ORCHID, benchmarking ...)
        (0x2001, 0x0db8, 32), // documentation
        (0x3fff, 0x0000, 20), // documentation (RFC 9637)
    ];
    let top = (u32::from(seg[0]) << 16) | u32::from(seg[1]);
    !non_global_in_2000.iter().any(|(a, b, p)| {
        let net = (u32::from(*a) << 16) | u32::from(*b);
        let mask = u32::MAX << (32 - p);
        top & mask == net & mask
    })
}

/// The policy, shared by the URL check and the resolver.
#[derive(Debug, Clone, Default)]
pub struct SsrfGuard {
    allow_private: bool,
    /// Tests only: addresses treated as public, so a loopback test server can play a
    /// public site that redirects to a private one. Compiled only into unit tests and the
    /// `testkit` feature (which only test builds enable), and settable only from code.
    #[cfg(any(test, feature = "testkit"))]
    pub(crate) pretend_public: Vec<IpAddr>,
}

impl SsrfGuard {
    pub fn new(allow_private_networks: bool) -> Self {
        Self {
            allow_private: allow_private_networks,
            #[cfg(any(test, feature = "testkit"))]
            pretend_public: Vec::new(),
        }
    }

    pub fn allows_private(&self) -> bool {
        self.allow_private
    }

    pub fn allows(&self, ip: IpAddr) -> bool {
        #[cfg(any(test, feature = "testkit"))]
        if self.pretend_public.contains(&ip) {
            return true;
        }
        self.allow_private || is_global(ip)
    }

    /// The check run on a URL before each request, redirects included: only http(s), and a
    /// literal IP host must be allowed. Host names are checked when they resolve.
    pub fn check_url(&self, url: &Url) -> Result<(), SsrfRefused> {
        let refuse = |addr: String| SsrfRefused {
            host: url.host_str().unwrap_or("").to_string(),
            addr,
        };
        match url.host() {
            Some(Host::Ipv4(v4)) if !self.allows(IpAddr::V4(v4)) => Err(refuse(v4.to_string())),
            Some(Host::Ipv6(v6)) if !self.allows(IpAddr::V6(v6)) => Err(refuse(v6.to_string())),
            None => Err(refuse("(no host)".into())),
            _ => Ok(()),
        }
    }
}

/// A DNS resolver that hands reqwest only allowed addresses. `overrides` map host names to
/// fixed addresses (benchmarks, tests) and pass the same filter.
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    guard: SsrfGuard,
    overrides: Arc<HashMap<String, Vec<IpAddr>>>,
}

impl GuardedResolver {
    pub fn new(guard: SsrfGuard, overrides: HashMap<String, Vec<IpAddr>>) -> Self {
        Self {
            guard,
            overrides: Arc::new(overrides),
        }
    }

    /// Resolve and filter; an error when nothing allowed is left.
    pub async fn lookup(&self, host: &str) -> Result<Vec<IpAddr>, ResolveError> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let answers: Vec<IpAddr> = match self.overrides.get(&host) {
            Some(ips) => ips.clone(),
            None => tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|e| ResolveError::Dns(format!("{host}: {e}")))?
                .map(|sa| sa.ip())
                .collect(),
        };
        if answers.is_empty() {
            return Err(ResolveError::Dns(format!("{host}: no addresses")));
        }
        let allowed: Vec<IpAddr> = answers
            .iter()
            .copied()
            .filter(|ip| self.guard.allows(*ip))
            .collect();
        if allowed.is_empty() {
            return Err(ResolveError::Refused(SsrfRefused {
                host,
                addr: answers[0].to_string(),
            }));
        }
        Ok(allowed)
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum ResolveError {
    #[error("dns: {0}")]
    Dns(String),
    #[error(transparent)]
    Refused(SsrfRefused),
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let this = self.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let ips = this
                .lookup(&host)
                .await
                .map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)?;
            let addrs: Addrs = Box::new(ips.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn refuses_every_non_global_range() {
        for s in [
            "127.0.0.1",
            "127.255.0.9",
            "10.0.0.1",
            "10.255.255.255",
            "172.16.0.1",
            "172.31.9.9",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.254",
            "0.0.0.0",
            "0.1.2.3",
            "224.0.0.1",
            "239.255.255.250",
            "255.255.255.255",
            "240.0.0.1",
            "192.0.2.10",
            "198.51.100.7",
            "203.0.113.5",
            "198.18.0.1",
            "198.19.255.1",
            "192.0.0.8",
            "::",
            "::1",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "ff02::1",
            "fec0::1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a00:1",
            "2002:a00:1::1",
            "2001:db8::1",
            "2001::1",
            "3fff::1",
            "100::1",
        ] {
            assert!(!is_global(ip(s)), "{s} must be refused");
            assert!(!SsrfGuard::new(false).allows(ip(s)));
            assert!(SsrfGuard::new(true).allows(ip(s)));
        }
    }

    #[test]
    fn allows_public_addresses() {
        for s in [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.216.34",
            "172.32.0.1",
            "100.128.0.1",
            "192.169.0.1",
            "2606:4700::1111",
            "2a00:1450:4001::200e",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ] {
            assert!(is_global(ip(s)), "{s} must be allowed");
        }
    }

    #[test]
    fn url_check_refuses_literal_ips_in_every_spelling() {
        let guard = SsrfGuard::new(false);
        for u in [
            "http://127.0.0.1/feed",
            "http://10.0.0.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]:8080/",
            "http://[::ffff:7f00:1]/",
            "http://2130706433/",   // 127.0.0.1 as one number
            "http://0x7f.1/",       // hex and short form
            "http://017700000001/", // octal
        ] {
            let url = Url::parse(u).unwrap();
            assert!(guard.check_url(&url).is_err(), "{u} must be refused");
        }
        assert!(
            guard
                .check_url(&Url::parse("https://example.com/feed").unwrap())
                .is_ok()
        );
        assert!(
            SsrfGuard::new(true)
                .check_url(&Url::parse("http://127.0.0.1/").unwrap())
                .is_ok()
        );
    }

    #[tokio::test]
    async fn resolver_filters_answers() {
        let mut o = HashMap::new();
        o.insert("intranet.example".to_string(), vec![ip("10.1.2.3")]);
        o.insert(
            "mixed.example".to_string(),
            vec![ip("192.168.0.5"), ip("93.184.216.34")],
        );
        let r = GuardedResolver::new(SsrfGuard::new(false), o.clone());
        assert!(matches!(
            r.lookup("intranet.example").await,
            Err(ResolveError::Refused(_))
        ));
        assert_eq!(
            r.lookup("mixed.example").await.unwrap(),
            vec![ip("93.184.216.34")]
        );
        // `localhost` resolves through the system resolver to loopback only.
        assert!(matches!(
            r.lookup("localhost").await,
            Err(ResolveError::Refused(_))
        ));
        let open = GuardedResolver::new(SsrfGuard::new(true), o);
        assert_eq!(
            open.lookup("intranet.example").await.unwrap(),
            vec![ip("10.1.2.3")]
        );
    }
}
