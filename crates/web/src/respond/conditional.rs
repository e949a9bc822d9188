//! Conditional GET: `If-None-Match` and `If-Modified-Since` (RFC 9110,
//! 13.1.2 and 13.1.3). `If-None-Match` wins when both are sent; `*` matches
//! any current representation; tags compare weakly, and a tag names the
//! same content whatever coding it was sent in.

use axum::http::{HeaderMap, header};
use std::sync::Mutex;

/// What a request asked to revalidate, taken before the handler runs.
#[derive(Debug, Default, Clone)]
pub struct Conditions {
    none_match: Option<String>,
    modified_since: Option<i64>,
}

/// Past this many bytes, an `If-None-Match` list is not read further (and
/// so does not match): a thousand tags is about 30 KiB.
const MAX_LIST_BYTES: usize = 64 * 1024;

impl Conditions {
    pub fn of(headers: &HeaderMap) -> Self {
        let none_match = headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .map(|v| v[..floor_char_boundary(v, MAX_LIST_BYTES)].to_string());
        let modified_since = headers
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_secs() as i64);
        Self {
            none_match,
            modified_since,
        }
    }

    /// Whether the client's copy is current: answer 304.
    pub fn not_modified(&self, etag: &str, last_modified: i64) -> bool {
        match &self.none_match {
            Some(list) => list_matches(list, etag),
            None => self.modified_since.is_some_and(|ims| last_modified <= ims),
        }
    }
}

fn floor_char_boundary(s: &str, max: usize) -> usize {
    if s.len() <= max {
        return s.len();
    }
    (0..=max)
        .rev()
        .find(|i| s.is_char_boundary(*i))
        .unwrap_or(0)
}

fn list_matches(list: &str, etag: &str) -> bool {
    let want = base_tag(etag);
    list.split(',').any(|t| {
        let t = t.trim();
        t == "*" || (!want.is_empty() && base_tag(t) == want)
    })
}

/// The opaque part of a tag, without `W/`, quotes or a coding suffix.
pub fn base_tag(tag: &str) -> &str {
    let t = tag.trim().trim_start_matches("W/").trim_matches('"');
    // A gzip page's suffix ends in its pieces' levels (`validators`).
    t.trim_end_matches(|c: char| c.is_ascii_digit())
        .strip_suffix("-gz")
        .or_else(|| t.strip_suffix("-br"))
        .unwrap_or(t)
}

/// An HTTP date for `Last-Modified`.
pub fn http_date(secs: i64) -> String {
    httpdate::fmt_http_date(
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs.max(0) as u64),
    )
}

/// When this node first sent each page version (by entity tag), for its
/// `Last-Modified`. Bounded: past `MAX_SEEN` it starts over, and a page
/// then reads as modified now, which only costs a client one full answer.
#[derive(Default)]
pub struct FirstSeen(Mutex<rustc_hash::FxHashMap<u64, i64>>);
const MAX_SEEN: usize = 100_000;

impl FirstSeen {
    pub fn get(&self, tag: u64, now: i64) -> i64 {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_SEEN && !map.contains_key(&tag) {
            map.clear();
        }
        *map.entry(tag).or_insert(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn cond(name: header::HeaderName, v: &str) -> Conditions {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_str(v).unwrap());
        Conditions::of(&h)
    }

    #[test]
    fn tags_and_dates() {
        let tag = "\"abc123-br\"";
        assert!(cond(header::IF_NONE_MATCH, "\"abc123\"").not_modified(tag, 0));
        assert!(cond(header::IF_NONE_MATCH, "W/\"abc123-gz\"").not_modified(tag, 0));
        assert!(cond(header::IF_NONE_MATCH, "*").not_modified(tag, 0));
        assert!(cond(header::IF_NONE_MATCH, "\"abc123-gz16\"").not_modified(tag, 0));
        assert!(cond(header::IF_NONE_MATCH, "\"abc123-gz60\"").not_modified("\"abc123-gz66\"", 0));
        assert!(!cond(header::IF_NONE_MATCH, "\"abc12-gz3\"").not_modified(tag, 0));
        assert!(!cond(header::IF_NONE_MATCH, "\"abc124\"").not_modified(tag, 0));
        assert!(!cond(header::IF_NONE_MATCH, "\"\"").not_modified("\"\"", 0));
        let many: Vec<String> = (0..1000).map(|i| format!("\"t{i}\"")).collect();
        let list = many.join(", ");
        assert!(cond(header::IF_NONE_MATCH, &list).not_modified("\"t999\"", 0));
        assert!(!cond(header::IF_NONE_MATCH, &list).not_modified("\"t1000\"", 0));

        let date = http_date(1_700_000_000);
        assert!(cond(header::IF_MODIFIED_SINCE, &date).not_modified(tag, 1_700_000_000));
        assert!(!cond(header::IF_MODIFIED_SINCE, &date).not_modified(tag, 1_700_000_001));
        assert!(!cond(header::IF_MODIFIED_SINCE, "yesterday").not_modified(tag, 0));
        // If-None-Match decides when both come.
        let mut h = HeaderMap::new();
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"old\""));
        h.insert(
            header::IF_MODIFIED_SINCE,
            HeaderValue::from_str(&date).unwrap(),
        );
        assert!(!Conditions::of(&h).not_modified(tag, 0));
    }
}
