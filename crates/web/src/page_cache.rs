//! Rendered pages, kept with holes where view counts go.
//!
//! A page is rendered from the database at most once per cache period. What
//! changes with every view, the counts, is spliced in per response from the
//! in-memory counter. So a request for a cached page does no database work and
//! no template work, and still shows live counts.

use crate::respond::coding::Coding;
use crate::respond::pieces::{BrPieces, GzPieces};
use newsroom_core::ArticleId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

/// Marks a count hole in rendered HTML: START, decimal article id, END.
/// These control characters cannot come from templates, and text from
/// articles has them stripped (`strip_controls`).
const START: char = '\u{1e}';
const END: char = '\u{1f}';

/// The text a template writes where a live count of `id` goes.
pub fn count_hole(id: ArticleId) -> String {
    format!("{START}{}{END}", id.0)
}

/// Removes the hole markers (and other C0 controls but tab and newline) from untrusted text.
pub fn strip_controls(s: &str) -> String {
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        s.chars()
            .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
            .collect()
    } else {
        s.to_string()
    }
}

#[derive(Debug)]
enum Part {
    Html(Box<str>),
    Count(ArticleId),
}

/// A rendered page with its count holes.
pub struct Compiled {
    parts: Vec<Part>,
    ids: Vec<ArticleId>,
    len_hint: usize,
    /// Hash of the static text: with the counts shown, the entity tag.
    tag: u64,
    /// The static runs compressed, made on first use.
    gz: OnceLock<GzPieces>,
    br: OnceLock<BrPieces>,
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compiled")
            .field("parts", &self.parts)
            .field("ids", &self.ids)
            .finish_non_exhaustive()
    }
}

impl Compiled {
    pub fn new(html: &str) -> Self {
        let mut parts = Vec::new();
        let mut ids = Vec::new();
        let mut rest = html;
        while let Some(start) = rest.find(START) {
            let after = &rest[start + START.len_utf8()..];
            let Some(end) = after.find(END) else { break };
            let Ok(id) = after[..end].parse::<i64>() else {
                break;
            };
            parts.push(Part::Html(rest[..start].into()));
            parts.push(Part::Count(ArticleId(id)));
            if !ids.contains(&ArticleId(id)) {
                ids.push(ArticleId(id));
            }
            rest = &after[end + END.len_utf8()..];
        }
        parts.push(Part::Html(rest.into()));
        let hash = blake3::hash(html.as_bytes());
        let mut tag = [0u8; 8];
        tag.copy_from_slice(&hash.as_bytes()[..8]);
        Self {
            parts,
            ids,
            len_hint: html.len() + 16,
            tag: u64::from_le_bytes(tag),
            gz: OnceLock::new(),
            br: OnceLock::new(),
        }
    }

    /// The static runs between the holes (always one more than holes).
    fn runs(&self) -> impl Iterator<Item = &[u8]> {
        self.parts.iter().filter_map(|p| match p {
            Part::Html(s) => Some(s.as_bytes()),
            Part::Count(_) => None,
        })
    }

    /// The entity tag of the page showing `totals`, and its hash: the page's
    /// text and every count shown (FNV-1a over them, cheap per request).
    pub fn etag(&self, totals: &[i64]) -> (u64, String) {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ self.tag;
        for t in totals {
            for b in t.to_le_bytes() {
                h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
            }
        }
        (h, format!("\"p{:016x}{h:016x}\"", self.tag))
    }

    /// The page in `coding`, counts filled in (see `respond::pieces`).
    pub fn emit_coded(&self, totals: &[i64], coding: Coding) -> Vec<u8> {
        if coding == Coding::Identity {
            return self.emit(totals);
        }
        let mut bufs: Vec<([u8; 20], usize)> = Vec::with_capacity(self.parts.len() / 2);
        for p in &self.parts {
            if let Part::Count(id) = p {
                let i = self.ids.iter().position(|x| x == id).unwrap_or(0);
                let mut buf = itoa_buf();
                let len = format_int(&mut buf, totals.get(i).copied().unwrap_or(0)).len();
                bufs.push((buf, len));
            }
        }
        let digits: Vec<&[u8]> = bufs.iter().map(|(b, len)| &b[20 - len..]).collect();
        let mut out = Vec::with_capacity(self.len_hint / 3);
        match coding {
            Coding::Gzip => self
                .gz
                .get_or_init(|| GzPieces::new(self.runs()))
                .emit(&digits, &mut out),
            _ => self
                .br
                .get_or_init(|| BrPieces::new(self.runs()))
                .emit(&digits, &mut out),
        }
        out
    }

    /// Articles whose counts this page shows.
    pub fn ids(&self) -> &[ArticleId] {
        &self.ids
    }

    /// The page with counts filled in; `totals[i]` belongs to `ids()[i]`.
    pub fn emit(&self, totals: &[i64]) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len_hint);
        let mut buf = itoa_buf();
        for p in &self.parts {
            match p {
                Part::Html(s) => out.extend_from_slice(s.as_bytes()),
                Part::Count(id) => {
                    let i = self.ids.iter().position(|x| x == id).unwrap_or(0);
                    let n = totals.get(i).copied().unwrap_or(0);
                    out.extend_from_slice(format_int(&mut buf, n));
                }
            }
        }
        out
    }
}

fn itoa_buf() -> [u8; 20] {
    [0; 20]
}

fn format_int(buf: &mut [u8; 20], n: i64) -> &[u8] {
    let mut v = n.unsigned_abs();
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if n < 0 {
        i -= 1;
        buf[i] = b'-';
    }
    &buf[i..]
}

/// A cached page and what a request needs to know about it.
#[derive(Debug)]
pub struct CachedPage {
    pub page: Compiled,
    /// For article pages: the canonical path, to redirect other slugs to it.
    pub canonical_path: Option<String>,
    pub status: u16,
    made: Instant,
    /// When a request took on rebuilding this page after it went stale.
    refresh_claimed: Mutex<Option<Instant>>,
}

/// A rebuild that has not replaced the page after this long is presumed
/// failed, and the next request tries again.
const REFRESH_CLAIM: Duration = Duration::from_secs(10);
/// How long past its `ttl` a page may still be served while one request
/// rebuilds it. Past this, every request rebuilds (the site was idle).
const STALE_WHILE_REVALIDATE: Duration = Duration::from_secs(30);
/// How long past its `ttl` a page may stand in for one that cannot be built
/// because the database is unreachable.
pub const STALE_IF_ERROR: Duration = Duration::from_secs(3600);

/// Rendered pages by key, each fresh for `ttl`. Time labels ("Yesterday")
/// and lists change at most that late.
///
/// When a page goes stale, the first request to see it rebuilds it while the
/// others are served the stale copy, so a busy page is never rebuilt by
/// every request at once (the p99 spike every `ttl` a naive cache shows).
/// While the database is down, `stale` lets a handler serve the last good
/// copy instead of an error page.
pub struct PageCache {
    ttl: Duration,
    max_entries: usize,
    map: RwLock<HashMap<String, Arc<CachedPage>>>,
}

impl PageCache {
    pub fn new(ttl: Duration, max_entries: usize) -> Self {
        Self {
            ttl,
            max_entries,
            map: RwLock::new(HashMap::new()),
        }
    }

    /// The page to serve, or `None` when this caller must build it: it is
    /// missing, too old, or stale and no other request is rebuilding it.
    pub fn get(&self, key: &str) -> Option<Arc<CachedPage>> {
        if self.ttl.is_zero() {
            return None;
        }
        let map = self.map.read().unwrap_or_else(|p| p.into_inner());
        let page = map.get(key)?;
        let age = page.made.elapsed();
        if age < self.ttl {
            return Some(page.clone());
        }
        if age >= self.ttl + STALE_WHILE_REVALIDATE {
            return None;
        }
        let mut claim = page
            .refresh_claimed
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        match *claim {
            Some(at) if at.elapsed() < REFRESH_CLAIM => Some(page.clone()),
            _ => {
                *claim = Some(Instant::now());
                None
            }
        }
    }

    /// Whether a page is held under `key`, fresh or not. Claims nothing.
    pub fn contains(&self, key: &str) -> bool {
        !self.ttl.is_zero()
            && self
                .map
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .contains_key(key)
    }

    /// The last copy under `key` if it is not older than `STALE_IF_ERROR`
    /// past its `ttl`: for when the page cannot be built.
    pub fn stale(&self, key: &str) -> Option<Arc<CachedPage>> {
        let map = self.map.read().unwrap_or_else(|p| p.into_inner());
        map.get(key)
            .filter(|p| p.made.elapsed() < self.ttl + STALE_IF_ERROR)
            .cloned()
    }

    pub fn remove(&self, key: &str) {
        self.map
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
    }

    pub fn put(
        &self,
        key: String,
        page: Compiled,
        canonical_path: Option<String>,
        status: u16,
    ) -> Arc<CachedPage> {
        let entry = Arc::new(CachedPage {
            page,
            canonical_path,
            status,
            made: Instant::now(),
            refresh_claimed: Mutex::new(None),
        });
        if self.ttl.is_zero() {
            return entry;
        }
        let mut map = self.map.write().unwrap_or_else(|p| p.into_inner());
        if map.len() >= self.max_entries {
            let keep = self.ttl + STALE_IF_ERROR;
            map.retain(|_, p| p.made.elapsed() < keep);
            if map.len() >= self.max_entries {
                map.clear();
            }
        }
        map.insert(key, entry.clone());
        entry
    }

    pub fn clear(&self) {
        self.map.write().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holes_are_filled() {
        let html = format!(
            "<p data-views=\"{a}\">{a}</p><p>{b}</p>",
            a = count_hole(ArticleId(7)),
            b = count_hole(ArticleId(12))
        );
        let c = Compiled::new(&html);
        assert_eq!(c.ids(), &[ArticleId(7), ArticleId(12)]);
        assert_eq!(
            String::from_utf8(c.emit(&[1367, 0])).unwrap(),
            "<p data-views=\"1367\">1367</p><p>0</p>"
        );
        assert_eq!(
            String::from_utf8(c.emit(&[-5, 42])).unwrap(),
            "<p data-views=\"-5\">-5</p><p>42</p>"
        );
    }

    #[test]
    fn text_without_holes_passes_through() {
        let c = Compiled::new("plain \u{1e}not-a-number\u{1f} text");
        assert!(c.ids().is_empty());
        assert_eq!(
            c.emit(&[]),
            "plain \u{1e}not-a-number\u{1f} text".as_bytes()
        );
        assert_eq!(strip_controls("a\u{1e}b\u{1f}c\nd"), "abc\nd");
    }

    #[test]
    fn a_stale_page_is_rebuilt_by_one_request_while_others_get_it() {
        let cache = PageCache::new(Duration::from_millis(30), 10);
        assert!(cache.get("k").is_none(), "missing: build it");
        cache.put("k".into(), Compiled::new("v1"), None, 200);
        assert!(cache.get("k").is_some(), "fresh");
        std::thread::sleep(Duration::from_millis(40));
        assert!(
            cache.get("k").is_none(),
            "stale: the first request rebuilds"
        );
        for _ in 0..5 {
            let p = cache.get("k").expect("the others get the stale copy");
            assert_eq!(p.page.emit(&[]), b"v1");
        }
        cache.put("k".into(), Compiled::new("v2"), None, 200);
        assert_eq!(cache.get("k").unwrap().page.emit(&[]), b"v2");
    }

    #[test]
    fn stale_copies_stand_in_and_contains_claims_nothing() {
        let cache = PageCache::new(Duration::from_millis(10), 10);
        cache.put("k".into(), Compiled::new("v1"), None, 200);
        std::thread::sleep(Duration::from_millis(20));
        assert!(cache.contains("k"));
        assert!(
            cache.stale("k").is_some(),
            "the last good copy while the database is down"
        );
        assert!(
            cache.get("k").is_none(),
            "contains and stale left the rebuild unclaimed"
        );
        cache.remove("k");
        assert!(cache.stale("k").is_none() && !cache.contains("k"));
        let off = PageCache::new(Duration::ZERO, 10);
        off.put("k".into(), Compiled::new("v"), None, 200);
        assert!(off.get("k").is_none() && !off.contains("k"));
    }
}
