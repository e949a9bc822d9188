//! The fetcher: one HTTP client for feeds and article pages, with the SSRF guard, manual
//! redirects (so each hop is checked), size and time caps, conditional GET, and per-host
//! politeness.

pub mod freshness;
pub mod politeness;

use crate::error::{FetchError, FetchErrorClass};
use crate::ssrf::{GuardedResolver, ResolveError, SsrfGuard};
use politeness::{HostLimiter, HostLimits};
use reqwest::header::{self, HeaderMap, HeaderValue};
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// Fetch settings (`[fetch]` in the config file).
#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// The only way to let fetches reach loopback, private and other non-global addresses.
    /// Environment: `NEWSROOM_FETCH__ALLOW_PRIVATE_NETWORKS=true`.
    pub allow_private_networks: bool,
    /// Names the site, so that publishers know who polls them.
    pub user_agent: String,
    pub connect_timeout: Duration,
    /// For the whole exchange, body included.
    pub total_timeout: Duration,
    /// Cap on the body, after decompression.
    pub max_body_bytes: u64,
    pub max_redirects: usize,
    pub per_host_concurrency: usize,
    pub per_host_rate: f64,
    pub per_host_burst: f64,
    pub jitter: Duration,
    /// Fixed answers for host names (benchmarks, tests); they pass the SSRF guard like DNS answers.
    pub resolve_overrides: HashMap<String, Vec<IpAddr>>,
}

impl Default for FetchConfig {
    fn default() -> Self {
        Self {
            allow_private_networks: false,
            user_agent: user_agent("newsroom", None),
            connect_timeout: Duration::from_secs(10),
            total_timeout: Duration::from_secs(30),
            max_body_bytes: 10 * 1024 * 1024,
            max_redirects: 5,
            per_host_concurrency: 2,
            per_host_rate: 2.0,
            per_host_burst: 4.0,
            jitter: Duration::from_millis(250),
            resolve_overrides: HashMap::new(),
        }
    }
}

/// `newsroom/0.1 (+https://news.example.org; My Site)`: the product, and the site that polls.
pub fn user_agent(site_name: &str, site_url: Option<&str>) -> String {
    let version = env!("CARGO_PKG_VERSION");
    match site_url {
        Some(u) => format!("newsroom/{version} (+{u}; {site_name})"),
        None => format!("newsroom/{version} ({site_name})"),
    }
}

/// What a request is for; it picks the Accept header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    Feed,
    Page,
}

impl Want {
    /// The `kind` label of the fetch metrics.
    pub fn label(self) -> &'static str {
        match self {
            Want::Feed => "feed",
            Want::Page => "page",
        }
    }
}

#[derive(Debug, Clone)]
pub struct FetchRequest {
    pub url: String,
    pub want: Want,
    pub validators: Validators,
}

impl FetchRequest {
    pub fn feed(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            want: Want::Feed,
            validators: Validators::default(),
        }
    }

    pub fn page(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            want: Want::Page,
            validators: Validators::default(),
        }
    }

    pub fn with_validators(mut self, v: Validators) -> Self {
        self.validators = v;
        self
    }
}

/// Conditional GET validators, kept on the source between polls.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Fetched {
    /// The URL after redirects.
    pub url: String,
    pub status: u16,
    pub content_type: Option<String>,
    /// The `charset` parameter of Content-Type.
    pub charset: Option<String>,
    pub body: Vec<u8>,
    pub validators: Validators,
    /// From Cache-Control max-age or Expires.
    pub fresh_until: Option<i64>,
    /// Set when every redirect on the way was permanent (301/308): the source may move.
    pub moved_permanently_to: Option<String>,
    /// The URLs that redirected on the way to `url`, first the one asked for.
    pub redirects: Vec<String>,
}

#[derive(Debug, Clone)]
pub enum FetchOutcome {
    Fetched(Fetched),
    /// 304: nothing changed since the validators we sent.
    NotModified {
        validators: Validators,
        fresh_until: Option<i64>,
    },
}

/// One shared client; cheap to clone.
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    guard: SsrfGuard,
    limiter: Arc<HostLimiter>,
    config: Arc<FetchConfig>,
}

impl Fetcher {
    pub fn new(config: FetchConfig) -> Result<Self, FetchError> {
        Self::with_guard(SsrfGuard::new(config.allow_private_networks), config)
    }

    pub(crate) fn with_guard(guard: SsrfGuard, config: FetchConfig) -> Result<Self, FetchError> {
        let resolver = GuardedResolver::new(guard.clone(), config.resolve_overrides.clone());
        let client = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .connect_timeout(config.connect_timeout)
            .timeout(config.total_timeout)
            .read_timeout(config.total_timeout)
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would resolve names itself, out of the guard's sight.
            .no_proxy()
            .dns_resolver(Arc::new(resolver))
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| {
                FetchError::new(
                    FetchErrorClass::Connect,
                    format!("building the HTTP client: {e}"),
                )
            })?;
        let limiter = HostLimiter::new(HostLimits {
            concurrency: config.per_host_concurrency,
            rate: config.per_host_rate,
            burst: config.per_host_burst,
            jitter: config.jitter,
        });
        Ok(Self {
            client,
            guard,
            limiter: Arc::new(limiter),
            config: Arc::new(config),
        })
    }

    pub fn config(&self) -> &FetchConfig {
        &self.config
    }

    /// The guard every request of this fetcher passes, for checking addresses before any
    /// fetch (an OPML import stores addresses without fetching them).
    pub fn ssrf_guard(&self) -> &SsrfGuard {
        &self.guard
    }

    /// The per-host budgets every request of this fetcher draws on.
    pub fn limiter(&self) -> &HostLimiter {
        &self.limiter
    }

    /// Fetch a URL: follow redirects one checked hop at a time, and answer with the body,
    /// a 304, or a classified error.
    pub async fn fetch(&self, req: &FetchRequest) -> Result<FetchOutcome, FetchError> {
        let start = std::time::Instant::now();
        let mut waited = Duration::ZERO;
        let result = self.fetch_hops(req, &mut waited).await;
        crate::metrics::fetch_took(req.want.label(), start.elapsed().saturating_sub(waited));
        result
    }

    /// `fetch`, adding to `waited` the time spent waiting for the host's politeness budget.
    async fn fetch_hops(
        &self,
        req: &FetchRequest,
        waited: &mut Duration,
    ) -> Result<FetchOutcome, FetchError> {
        let mut url = Url::parse(req.url.trim()).map_err(|e| {
            FetchError::new(
                FetchErrorClass::Parse,
                format!("invalid URL {:?}: {e}", req.url),
            )
        })?;
        let mut seen = HashSet::new();
        let mut all_permanent = true;
        let mut redirects = Vec::new();
        for hop in 0..=self.config.max_redirects {
            if !seen.insert(url.to_string()) {
                return Err(FetchError::new(
                    FetchErrorClass::RedirectLoop,
                    format!("redirect loop at {url}"),
                ));
            }
            self.check(&url)?;
            let host = url.host_str().unwrap_or_default().to_string();
            let asked = std::time::Instant::now();
            let permit = self.limiter.acquire(&host).await;
            *waited += asked.elapsed();
            let resp = self.send(&url, req).await?;
            let status = resp.status().as_u16();
            if (300..400).contains(&status) && status != 304 {
                let location = resp
                    .headers()
                    .get(header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| {
                        FetchError::new(
                            FetchErrorClass::Http4xx,
                            format!("{status} without Location"),
                        )
                        .with_status(status)
                    })?;
                let next = url.join(location.trim()).map_err(|e| {
                    FetchError::new(
                        FetchErrorClass::Parse,
                        format!("bad redirect Location {location:?}: {e}"),
                    )
                })?;
                all_permanent &= status == 301 || status == 308;
                drop(permit);
                tracing::debug!(from = %url, to = %next, hop, "redirect");
                redirects.push(std::mem::replace(&mut url, next).into());
                continue;
            }
            let mut result = self.finish(resp, &url, hop > 0 && all_permanent).await;
            drop(permit);
            if let Ok(FetchOutcome::Fetched(f)) = &mut result {
                f.redirects = redirects;
            }
            return result;
        }
        Err(FetchError::new(
            FetchErrorClass::RedirectLoop,
            format!("more than {} redirects", self.config.max_redirects),
        ))
    }

    fn check(&self, url: &Url) -> Result<(), FetchError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::new(
                FetchErrorClass::UnsupportedScheme,
                format!("{}: addresses are not fetched ({url})", url.scheme()),
            ));
        }
        self.guard
            .check_url(url)
            .map_err(|e| FetchError::new(FetchErrorClass::SsrfBlocked, e.to_string()))
    }

    async fn send(&self, url: &Url, req: &FetchRequest) -> Result<reqwest::Response, FetchError> {
        let accept = match req.want {
            Want::Feed => {
                "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
            }
            Want::Page => "text/html, application/xhtml+xml;q=0.9, */*;q=0.5",
        };
        let mut rb = self.client.get(url.clone()).header(header::ACCEPT, accept);
        if let Some(etag) = &req.validators.etag {
            rb = rb.header(header::IF_NONE_MATCH, etag);
        }
        if let Some(lm) = &req.validators.last_modified {
            rb = rb.header(header::IF_MODIFIED_SINCE, lm);
        }
        rb.send().await.map_err(|e| classify_reqwest(&e, url))
    }

    async fn finish(
        &self,
        mut resp: reqwest::Response,
        url: &Url,
        moved: bool,
    ) -> Result<FetchOutcome, FetchError> {
        let now = crate::now();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let validators = Validators {
            etag: header_str(&headers, header::ETAG),
            last_modified: header_str(&headers, header::LAST_MODIFIED),
        };
        let fresh_until = freshness::fresh_until(&headers, now);
        if status == 304 {
            return Ok(FetchOutcome::NotModified {
                validators,
                fresh_until,
            });
        }
        if headers.contains_key("cf-mitigated") {
            return Err(FetchError::new(
                FetchErrorClass::BotWall,
                format!("{status} with cf-mitigated from {url}"),
            )
            .with_status(status));
        }
        if !(200..300).contains(&status) {
            // A little of the body tells a challenge page from a plain error.
            let peek = read_capped(&mut resp, 64 * 1024).await.unwrap_or_default();
            let not_before = freshness::retry_after(&headers, now);
            let class = match status {
                403 | 503 | 429 if looks_like_challenge(&peek) => FetchErrorClass::BotWall,
                404 | 410 => FetchErrorClass::Gone,
                429 => FetchErrorClass::RateLimited,
                400..=499 => FetchErrorClass::Http4xx,
                _ => FetchErrorClass::Http5xx,
            };
            return Err(FetchError::new(class, format!("HTTP {status} from {url}"))
                .with_status(status)
                .with_not_before(not_before));
        }
        let max = self.config.max_body_bytes;
        if let Some(len) = resp.content_length()
            && len > max
        {
            return Err(FetchError::new(
                FetchErrorClass::TooLarge,
                format!("Content-Length {len} over the {max}-byte cap"),
            ));
        }
        let body = read_capped(&mut resp, max).await?;
        let content_type = header_str(&headers, header::CONTENT_TYPE);
        let charset = content_type
            .as_deref()
            .and_then(crate::charset::charset_param);
        Ok(FetchOutcome::Fetched(Fetched {
            url: url.to_string(),
            status,
            content_type,
            charset,
            body,
            validators,
            fresh_until,
            moved_permanently_to: moved.then(|| url.to_string()),
            redirects: Vec::new(),
        }))
    }
}

fn header_str(h: &HeaderMap, name: header::HeaderName) -> Option<String> {
    h.get(name)
        .and_then(|v: &HeaderValue| v.to_str().ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Read the (decompressed) body, failing as soon as it passes `max` bytes, so that a huge
/// or endless body, or a decompression bomb, never sits in memory.
async fn read_capped(resp: &mut reqwest::Response, max: u64) -> Result<Vec<u8>, FetchError> {
    // Sized once from Content-Length when the server sends one (checked
    // against `max` before this): grown chunk by chunk, a page of a few
    // hundred KiB was copied into ever larger fresh buffers, each a round of
    // page faults (docs/PERFORMANCE.md, issue 10).
    let hint = resp.content_length().unwrap_or(0).min(max);
    let mut body = Vec::with_capacity(usize::try_from(hint).unwrap_or(0));
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() as u64 + chunk.len() as u64 > max {
                    return Err(FetchError::new(
                        FetchErrorClass::TooLarge,
                        format!("body over the {max}-byte cap"),
                    ));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) if e.is_timeout() => {
                return Err(FetchError::new(
                    FetchErrorClass::Timeout,
                    format!("reading the body: {}", chain(&e)),
                ));
            }
            Err(e) => {
                // A truncated or corrupt compressed stream, or a connection cut mid-body.
                return Err(FetchError::new(
                    FetchErrorClass::Parse,
                    format!("reading the body: {}", chain(&e)),
                ));
            }
        }
    }
}

pub use newsroom_feed::looks_like_challenge;

fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

fn classify_reqwest(e: &reqwest::Error, url: &Url) -> FetchError {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cur {
        if let Some(r) = c.downcast_ref::<ResolveError>() {
            return match r {
                ResolveError::Refused(r) => {
                    FetchError::new(FetchErrorClass::SsrfBlocked, r.to_string())
                }
                ResolveError::Dns(d) => FetchError::new(FetchErrorClass::Dns, d.clone()),
            };
        }
        cur = c.source();
    }
    let detail = format!("{url}: {}", chain(e));
    if e.is_timeout() {
        return FetchError::new(FetchErrorClass::Timeout, detail);
    }
    let lower = detail.to_ascii_lowercase();
    if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake") {
        return FetchError::new(FetchErrorClass::Tls, detail);
    }
    FetchError::new(FetchErrorClass::Connect, detail)
}

// Needs the test kit; `cargo test` enables it through the crate's dev-dependency on itself.
#[cfg(all(test, feature = "testkit"))]
mod tests;
