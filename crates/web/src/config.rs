//! What the web layer needs to know about the site. The binary fills it from
//! the config file and environment.

use newsroom_core::Locale;
use std::time::Duration;

/// Distinct visitors one address may add to one article per window, unless
/// configured otherwise: enough for an office behind one NAT address.
pub const DEFAULT_VISITORS_PER_IP: u32 = 20;

#[derive(Debug, Clone)]
pub struct SiteConfig {
    pub name: String,
    /// IANA time zone for every time shown.
    pub time_zone: String,
    pub locale: Locale,
    /// Public base URL, for canonical links and feeds (e.g.
    /// `https://news.example`). Empty: each request's own address
    /// (`public_base`).
    pub base_url: String,
    /// The longest a rendered page is kept; it is rebuilt sooner when what
    /// it shows is written (`invalidate`). Counts stay live regardless.
    pub page_cache_ttl: Duration,
    /// Bytes of rendered pages kept (search results get an eighth more).
    pub page_cache_bytes: usize,
    /// How often the database's change log is read, so that writes by any
    /// node reach this node's caches (`invalidate`).
    pub invalidate_interval: Duration,
    /// How often buffered views are written to the store.
    pub flush_interval: Duration,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
    pub page_size: i64,
    pub latest_size: i64,
    /// Where views the database did not take at shutdown are saved, to be
    /// written at the next start. `None`: they are only logged as lost.
    pub unflushed_views_file: Option<std::path::PathBuf>,
    /// Serve the public site, API and admin. Off on worker nodes, which
    /// answer only `/healthz`, so a worker put in the load balancer's pool
    /// by mistake serves nothing.
    pub public_site: bool,
    /// Distinct visitors one address may add to one article's count per
    /// dedup window (0: no limit).
    pub max_visitors_per_ip: u32,
    /// Make every page and answer as at this time (UTC seconds) instead of
    /// the system clock's: for tests whose output must not move with the
    /// day. Never set by the binary.
    pub fixed_now: Option<i64>,
}

impl SiteConfig {
    /// The longest a fragment many pages share (the latest-news list, the
    /// section menu, a story's block) is kept: as long as a page, or a
    /// minute with the page cache off, so that turning pages off does not
    /// make every page rebuild what all pages show. A write it shows makes
    /// it stale at once (`invalidate`); the bound only ages its time labels.
    pub fn fragment_ttl(&self) -> Duration {
        if self.page_cache_ttl.is_zero() {
            Duration::from_secs(60)
        } else {
            self.page_cache_ttl
        }
    }
}

impl Default for SiteConfig {
    fn default() -> Self {
        Self {
            name: "newsroom".into(),
            time_zone: "UTC".into(),
            locale: Locale::En,
            base_url: String::new(),
            page_cache_ttl: Duration::from_secs(600),
            page_cache_bytes: 256 << 20,
            invalidate_interval: Duration::from_secs(1),
            flush_interval: Duration::from_secs(2),
            trust_forwarded_for: false,
            page_size: 20,
            latest_size: 12,
            unflushed_views_file: None,
            public_site: true,
            max_visitors_per_ip: DEFAULT_VISITORS_PER_IP,
            fixed_now: None,
        }
    }
}
