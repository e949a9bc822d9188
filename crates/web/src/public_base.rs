//! The site's public address, `scheme://host[:port]`, that every absolute
//! address on a page, feed or sitemap starts with.
//!
//! With `site.base_url` set, it is that. Without, it is the address the
//! request was sent to: its `Host`, or, only when the site trusts its proxy
//! (`trust_forwarded_for`), the proxy's `X-Forwarded-Host` and
//! `X-Forwarded-Proto`. A host must be a plain host name or IP address with
//! an optional port, so no header can put markup or another scheme into a
//! page; anything else is a 400. `origin_of` works it out once per request
//! (remembered per distinct header value) and `within` keeps it for the
//! request's task, where `current` reads it; cached pages are keyed on it (`cache_key`), so one
//! client's `Host` never shows in another client's page.

use crate::error::WebError;
use crate::state::AppState;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use rustc_hash::FxHashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, RwLock};

tokio::task_local! {
    static BASE: Arc<str>;
}

/// What a request without any usable address gets (an HTTP/1.0 client
/// that sends no `Host`).
const FALLBACK: &str = "http://localhost";

/// The configured base URL without its trailing slash; `None` when unset.
fn configured(state: &AppState) -> Option<&str> {
    Some(state.cfg.base_url.trim_end_matches('/')).filter(|b| !b.is_empty())
}

/// The public address for the request being handled.
pub fn current(state: &AppState) -> String {
    match configured(state) {
        Some(b) => b.to_string(),
        None => BASE
            .try_with(|b| b.to_string())
            .unwrap_or_else(|_| FALLBACK.to_string()),
    }
}

/// A page cache key for this request: the address is part of it unless it
/// is configured, and so the same for every request.
pub fn cache_key(state: &AppState, key: String) -> String {
    match configured(state) {
        Some(_) => key,
        None => match BASE.try_with(|b| format!("{key}@{b}")) {
            Ok(k) => k,
            Err(_) => format!("{key}@{FALLBACK}"),
        },
    }
}

static WARNED: AtomicBool = AtomicBool::new(false);

/// The address a request names, for `within`: `Ok(None)` when the site's
/// address is configured, `Err` (a 400 to send) when its host is not a
/// plain host.
pub fn origin_of(state: &AppState, headers: &HeaderMap) -> Result<Option<Arc<str>>, Response> {
    if configured(state).is_some() {
        return Ok(None);
    }
    if !WARNED.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            "site.base_url is not set: canonical links, feeds and sitemaps use the address each request was sent to; set it to the site's public address"
        );
    }
    match remembered(headers, state.cfg.trust_forwarded_for) {
        Some(base) => Ok(Some(base)),
        None => Err(WebError::BadRequest("invalid Host header".into()).into_response()),
    }
}

/// Runs `inner`, the rest of the request's handling (`front` calls it for
/// every request), with `origin` as what `current` answers.
pub async fn within<F: Future<Output = Response>>(origin: Option<Arc<str>>, inner: F) -> Response {
    match origin {
        Some(base) => BASE.scope(base, inner).await,
        None => inner.await,
    }
}

/// Distinct header combinations remembered; past it the memory starts over,
/// so a client inventing hosts costs only the parse it would cost anyway.
const REMEMBERED: usize = 256;

type Origins = RwLock<FxHashMap<Vec<u8>, Option<Arc<str>>>>;
static ORIGINS: LazyLock<Origins> = LazyLock::new(Default::default);

/// `from_request`, remembered by the header values it reads: parsing the
/// host as a URL on every request showed as 7% of a cached page's CPU.
fn remembered(headers: &HeaderMap, trust_proxy: bool) -> Option<Arc<str>> {
    let mut key = vec![u8::from(trust_proxy)];
    let names: &[&str] = match trust_proxy {
        true => &["host", "x-forwarded-host", "x-forwarded-proto"],
        false => &["host"],
    };
    for name in names {
        for v in headers.get_all(*name) {
            key.extend_from_slice(v.as_bytes());
            key.push(0);
        }
        key.push(0xff);
    }
    if let Some(found) = ORIGINS.read().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return found.clone();
    }
    let origin: Option<Arc<str>> = from_request(headers, trust_proxy).map(Arc::from);
    let mut map = ORIGINS.write().unwrap_or_else(|p| p.into_inner());
    if map.len() >= REMEMBERED {
        map.clear();
    }
    map.insert(key, origin.clone());
    origin
}

/// `scheme://host[:port]` from the request's headers; `None` when the
/// host it names is not a plain host.
pub fn from_request(headers: &HeaderMap, trust_proxy: bool) -> Option<String> {
    let first = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let forwarded_host = trust_proxy.then(|| first("x-forwarded-host")).flatten();
    let host = match forwarded_host.or_else(|| first(header::HOST.as_str())) {
        Some(h) => h,
        None => return Some(FALLBACK.to_string()),
    };
    let scheme = match trust_proxy.then(|| first("x-forwarded-proto")).flatten() {
        Some(p) if p.eq_ignore_ascii_case("https") => "https",
        _ => "http",
    };
    origin(scheme, host)
}

/// The origin for a `Host` value, if it is only a host and a port.
fn origin(scheme: &str, host: &str) -> Option<String> {
    let plain = !host.is_empty()
        && host.len() <= 260
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b));
    if !plain {
        return None;
    }
    let u = url::Url::parse(&format!("{scheme}://{host}/")).ok()?;
    if u.host_str().is_none_or(str::is_empty) || u.path() != "/" {
        return None;
    }
    Some(u.origin().ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn host_is_a_plain_host_or_refused() {
        let from = |host: &str| from_request(&headers(&[("host", host)]), false);
        assert_eq!(
            from("News.Example:8080").as_deref(),
            Some("http://news.example:8080")
        );
        assert_eq!(
            from("127.0.0.1:3000").as_deref(),
            Some("http://127.0.0.1:3000")
        );
        assert_eq!(from("[::1]:80").as_deref(), Some("http://[::1]"));
        for bad in [
            "evil.example\"><script>",
            "a b",
            "user@evil.example",
            "evil.example/path",
            "evil.example?x",
            "evil.example#x",
            "javascript:alert(1)",
            ":80",
            "x:notaport",
            "%65vil.example",
        ] {
            assert_eq!(from(bad), None, "{bad}");
        }
        assert_eq!(
            from_request(&HeaderMap::new(), false).as_deref(),
            Some(FALLBACK)
        );
    }

    #[test]
    fn forwarded_headers_only_from_a_trusted_proxy() {
        let h = headers(&[
            ("host", "internal:8080"),
            ("x-forwarded-host", "news.example, proxy.internal"),
            ("x-forwarded-proto", "https"),
        ]);
        assert_eq!(
            from_request(&h, false).as_deref(),
            Some("http://internal:8080")
        );
        assert_eq!(
            from_request(&h, true).as_deref(),
            Some("https://news.example")
        );
        // Only http and https: another scheme is plain http.
        let h = headers(&[
            ("host", "news.example"),
            ("x-forwarded-proto", "javascript"),
        ]);
        assert_eq!(
            from_request(&h, true).as_deref(),
            Some("http://news.example")
        );
        let h = headers(&[("host", "news.example"), ("x-forwarded-host", "<b>")]);
        assert_eq!(from_request(&h, true), None);
    }
}
