//! Cross-site request forgery defences for every POST under /admin: the
//! form must carry the session's secret (compared in constant time), and a
//! browser that says where the request comes from must say it is this site.

use axum::http::{HeaderMap, header};
use subtle::ConstantTimeEq;

/// The hidden form field every POST carries.
pub const FIELD: &str = "csrf";

/// The login form's token for the nonce in its cookie: a keyed hash under a
/// server secret. A value an attacker picks for cookie and form alike does
/// not pass; only a pair this site issued does.
pub fn login_token(key: &[u8; 32], nonce: &str) -> String {
    let mut h = blake3::Hasher::new_keyed(key);
    h.update(b"newsroom login csrf v1\0");
    h.update(nonce.as_bytes());
    h.finalize().to_hex().to_string()
}

/// Constant time for equal lengths, so a wrong guess does not tell how much
/// of it was right. The length itself is no secret.
pub fn tokens_match(given: &str, expected: &str) -> bool {
    !expected.is_empty() && bool::from(given.as_bytes().ct_eq(expected.as_bytes()))
}

/// The `csrf` field of a url-encoded form body, if there is exactly one:
/// two would leave it unclear which one the rest of the code saw.
pub fn form_token(body: &[u8]) -> Option<String> {
    let mut found = None;
    for (k, v) in url::form_urlencoded::parse(body) {
        if k == FIELD {
            if found.is_some() {
                return None;
            }
            found = Some(v.into_owned());
        }
    }
    found
}

/// `scheme://host[:port]` of a URL, as a browser writes it in `Origin`.
pub fn origin_of(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    match u.origin() {
        o @ url::Origin::Tuple(..) => Some(o.ascii_serialization()),
        url::Origin::Opaque(_) => None,
    }
}

/// Whether the request may come from this site. Browsers send `Origin` on
/// POSTs (and otherwise usually `Referer`); it must name the site's
/// `base_url`, or the host the request was sent to (a site reached under
/// another address than its configured one, e.g. on a test port). A
/// request with neither header (a non-browser client, or a browser told to
/// hide them) passes here and still needs the form token.
pub fn origin_allowed(headers: &HeaderMap, base_origin: Option<&str>) -> bool {
    let claimed = if let Some(o) = headers.get(header::ORIGIN) {
        match o.to_str() {
            // "null": a sandboxed frame, a data: URL or a redirect chain.
            Ok(o) if o != "null" => origin_of(o),
            _ => return false,
        }
    } else if let Some(r) = headers.get(header::REFERER) {
        match r.to_str() {
            Ok(r) => origin_of(r),
            Err(_) => return false,
        }
    } else {
        return true;
    };
    let Some(claimed) = claimed else {
        return false;
    };
    if base_origin.is_some_and(|b| b == claimed) {
        return true;
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_ascii_lowercase);
    let claimed_authority = claimed.split_once("://").map(|(_, a)| a);
    matches!((host, claimed_authority), (Some(h), Some(a)) if h == a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(k.clone(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn tokens_compare_whole() {
        let t = "a".repeat(64);
        assert!(tokens_match(&t, &t));
        assert!(!tokens_match(&"a".repeat(63), &t));
        assert!(!tokens_match(&format!("{t}a"), &t));
        assert!(!tokens_match(&format!("b{}", &t[1..]), &t));
        assert!(!tokens_match("", ""), "an empty secret never matches");
    }

    #[test]
    fn login_tokens_are_bound_to_the_server_secret() {
        let key = [7u8; 32];
        let nonce = "ab".repeat(32);
        let t = login_token(&key, &nonce);
        assert_eq!(t.len(), 64);
        assert_ne!(t, nonce, "never the cookie's own value (no double submit)");
        assert_eq!(t, login_token(&key, &nonce), "stable for one nonce");
        assert_ne!(t, login_token(&[8u8; 32], &nonce), "another site's secret");
        assert_ne!(t, login_token(&key, &"cd".repeat(32)), "another nonce");
    }

    #[test]
    fn form_token_is_found_once() {
        assert_eq!(
            form_token(b"name=x&csrf=abc%20d&page=2").as_deref(),
            Some("abc d")
        );
        assert_eq!(form_token(b"name=x"), None);
        assert_eq!(form_token(b"csrf=a&csrf=b"), None, "ambiguous");
        assert_eq!(form_token(b"").as_deref(), None);
    }

    #[test]
    fn origins() {
        let base = origin_of("https://news.example/").unwrap();
        assert_eq!(base, "https://news.example");
        assert_eq!(
            origin_of("http://127.0.0.1:8080/admin/x?y").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        let b = Some(base.as_str());
        assert!(origin_allowed(&headers(&[]), b), "no header: token decides");
        assert!(origin_allowed(
            &headers(&[(header::ORIGIN, "https://news.example")]),
            b
        ));
        assert!(!origin_allowed(
            &headers(&[(header::ORIGIN, "https://evil.example")]),
            b
        ));
        assert!(!origin_allowed(
            &headers(&[(header::ORIGIN, "http://news.example")]),
            b
        ));
        assert!(!origin_allowed(&headers(&[(header::ORIGIN, "null")]), b));
        assert!(origin_allowed(
            &headers(&[(header::REFERER, "https://news.example/admin/articles")]),
            b
        ));
        assert!(!origin_allowed(
            &headers(&[(header::REFERER, "https://news.example.evil.example/")]),
            b
        ));
        assert!(!origin_allowed(
            &headers(&[(header::REFERER, "not a url")]),
            b
        ));
        // Reached under its own address rather than base_url.
        let local = headers(&[
            (header::ORIGIN, "http://127.0.0.1:4321"),
            (header::HOST, "127.0.0.1:4321"),
        ]);
        assert!(origin_allowed(&local, b));
        let spoof = headers(&[
            (header::ORIGIN, "http://evil.example"),
            (header::HOST, "127.0.0.1:4321"),
        ]);
        assert!(!origin_allowed(&spoof, b));
    }
}
