//! How long a response stays fresh, and when a server lets us back: Cache-Control max-age,
//! Expires and Retry-After, all turned into a "not before" instant in UTC seconds.

use reqwest::header::{AGE, CACHE_CONTROL, EXPIRES, HeaderMap, RETRY_AFTER};

/// Parse an HTTP date (IMF-fixdate, and the obsolete RFC 850 and asctime forms servers
/// still send).
pub fn parse_http_date(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(z) = jiff::fmt::rfc2822::parse(s) {
        return Some(z.timestamp().as_second());
    }
    // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"; asctime: "Sun Nov  6 08:49:37 1994".
    let squeezed = s.split_whitespace().collect::<Vec<_>>().join(" ");
    for fmt in ["%A, %d-%b-%y %H:%M:%S GMT", "%a %b %d %H:%M:%S %Y"] {
        if let Ok(tm) = jiff::fmt::strtime::parse(fmt, &squeezed)
            && let Ok(dt) = tm.to_datetime()
            && let Ok(ts) = dt.to_zoned_datetime(jiff::tz::TimeZone::UTC)
        {
            return Some(ts.timestamp().as_second());
        }
    }
    None
}

/// Retry-After is either delay seconds or an HTTP date.
pub fn retry_after(headers: &HeaderMap, now: i64) -> Option<i64> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<i64>() {
        return Some(now + secs.max(0));
    }
    parse_http_date(v).map(|t| t.max(now))
}

/// The instant until which the response is fresh, from max-age (less Age) or Expires.
/// `no-store`/`no-cache` make it stale at once.
pub fn fresh_until(headers: &HeaderMap, now: i64) -> Option<i64> {
    if let Some(cc) = headers.get(CACHE_CONTROL).and_then(|v| v.to_str().ok()) {
        let mut max_age = None;
        for directive in cc.split(',') {
            let d = directive.trim().to_ascii_lowercase();
            if d == "no-store" || d == "no-cache" {
                return None;
            }
            if let Some(v) = d.strip_prefix("max-age=") {
                max_age = v.trim_matches('"').parse::<i64>().ok();
            }
        }
        if let Some(max_age) = max_age {
            let age = headers
                .get(AGE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<i64>().ok())
                .unwrap_or(0);
            let left = max_age - age;
            return (left > 0).then_some(now + left);
        }
    }
    let expires = parse_http_date(headers.get(EXPIRES)?.to_str().ok()?)?;
    (expires > now).then_some(expires)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn h(pairs: &[(reqwest::header::HeaderName, &str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.insert(k.clone(), HeaderValue::from_str(v).unwrap());
        }
        m
    }

    #[test]
    fn http_dates_in_all_three_forms() {
        let t = 784111777; // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(t));
        assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), Some(t));
        assert_eq!(parse_http_date("Sun Nov  6 08:49:37 1994"), Some(t));
        assert_eq!(parse_http_date("soon"), None);
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = 1_700_000_000;
        assert_eq!(
            retry_after(&h(&[(RETRY_AFTER, "120")]), now),
            Some(now + 120)
        );
        assert_eq!(
            retry_after(&h(&[(RETRY_AFTER, "Sun, 06 Nov 1994 08:49:37 GMT")]), now),
            Some(now)
        );
        assert_eq!(
            retry_after(&h(&[(RETRY_AFTER, "Wed, 15 Nov 2023 00:00:00 GMT")]), now),
            Some(1_700_006_400)
        );
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn max_age_beats_expires_and_no_cache_wins() {
        let now = 1_700_000_000;
        assert_eq!(
            fresh_until(&h(&[(CACHE_CONTROL, "public, max-age=600")]), now),
            Some(now + 600)
        );
        assert_eq!(
            fresh_until(&h(&[(CACHE_CONTROL, "max-age=600"), (AGE, "100")]), now),
            Some(now + 500)
        );
        assert_eq!(
            fresh_until(
                &h(&[
                    (CACHE_CONTROL, "max-age=60"),
                    (EXPIRES, "Wed, 15 Nov 2023 00:00:00 GMT")
                ]),
                now
            ),
            Some(now + 60)
        );
        assert_eq!(
            fresh_until(&h(&[(EXPIRES, "Wed, 15 Nov 2023 00:00:00 GMT")]), now),
            Some(1_700_006_400)
        );
        assert_eq!(
            fresh_until(&h(&[(CACHE_CONTROL, "no-cache, max-age=600")]), now),
            None
        );
        assert_eq!(fresh_until(&h(&[(EXPIRES, "0")]), now), None);
    }
}
