//! The header values of a response's validators (`ETag`, `Last-Modified`),
//! made once per version rather than once per request.
//!
//! A cached page's version is the hash of its text and the counts it shows
//! (`Compiled::version`), so while no count changes every request for it
//! sends the same two values. Formatting them (and the lock on `FirstSeen`)
//! showed in the hot page's profile; each worker thread remembers the last
//! few versions it sent, by hash and coding, in a small table of its own.

use super::coding::Coding;
use super::conditional::{FirstSeen, http_date};
use axum::http::HeaderValue;
use std::cell::RefCell;

/// What a response is revalidated by.
#[derive(Clone)]
pub struct Validators {
    /// The entity tag with the coding's suffix, as sent.
    pub etag: HeaderValue,
    pub last_modified: i64,
    pub last_modified_value: HeaderValue,
}

impl Validators {
    /// For a tag given as text (`"…"`, a handler's or a body's hash).
    pub fn new(etag: &str, coding: Coding, last_modified: i64) -> Self {
        let t = etag.trim_end_matches('"');
        let etag = HeaderValue::from_str(&format!("{t}{}\"", coding.tag_suffix()))
            .unwrap_or_else(|_| HeaderValue::from_static("\"\""));
        Self {
            etag,
            last_modified,
            last_modified_value: date_value(last_modified),
        }
    }

    /// The tag as text, for matching `If-None-Match` (tags compare without
    /// their coding suffix, `conditional::base_tag`).
    pub fn etag_str(&self) -> &str {
        self.etag.to_str().unwrap_or("")
    }
}

/// Slots in each thread's table; a page version maps to one by its hash.
const SLOTS: usize = 64;

struct Slot {
    version: u64,
    coding: Coding,
    levels: [u8; 2],
    v: Validators,
}

thread_local! {
    static RECENT: RefCell<Vec<Option<Slot>>> = RefCell::new((0..SLOTS).map(|_| None).collect());
    /// The last `Last-Modified` value made here: most new versions are first
    /// seen in the second the previous one was.
    static LAST_DATE: RefCell<Option<(i64, HeaderValue)>> = const { RefCell::new(None) };
}

/// The validators of the cached page version `version` (whose page's own
/// text hash is `page_tag`) sent in `coding`; `first_seen` gives its
/// `Last-Modified` the first time this thread sends it.
pub fn of_page(
    version: u64,
    page_tag: u64,
    coding: Coding,
    levels: [u8; 2],
    first_seen: &FirstSeen,
    now: i64,
) -> Validators {
    let i = (version as usize ^ coding as usize) % SLOTS;
    let hit = RECENT.with_borrow(|t| match &t[i] {
        Some(s) if s.version == version && s.coding == coding && s.levels == levels => {
            Some(s.v.clone())
        }
        _ => None,
    });
    if let Some(v) = hit {
        return v;
    }
    let last_modified = first_seen.get(version, now);
    let v = Validators {
        etag: page_etag(page_tag, version, coding, levels),
        last_modified,
        last_modified_value: date_value(last_modified),
    };
    RECENT.with_borrow_mut(|t| {
        t[i] = Some(Slot {
            version,
            coding,
            levels,
            v: v.clone(),
        })
    });
    v
}

/// `"p<page tag><version><coding suffix>"`; in gzip the suffix also names
/// the levels the page's and its fragment's pieces were made at, as other
/// levels are other bytes (`conditional::base_tag` takes them off too).
fn page_etag(page_tag: u64, version: u64, coding: Coding, levels: [u8; 2]) -> HeaderValue {
    let mut b = [0u8; 40];
    b[0] = b'"';
    b[1] = b'p';
    hex16(page_tag, &mut b[2..18]);
    hex16(version, &mut b[18..34]);
    let suffix = coding.tag_suffix().as_bytes();
    b[34..34 + suffix.len()].copy_from_slice(suffix);
    let mut end = 34 + suffix.len();
    if coding == Coding::Gzip {
        for l in levels {
            b[end] = b'0' + l.min(9);
            end += 1;
        }
    }
    b[end] = b'"';
    HeaderValue::from_bytes(&b[..=end]).unwrap_or_else(|_| HeaderValue::from_static("\"\""))
}

fn hex16(v: u64, out: &mut [u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (i, o) in out.iter_mut().enumerate() {
        *o = HEX[((v >> (60 - 4 * i)) & 0xf) as usize];
    }
}

/// The HTTP date of `secs`, remembered for the second last asked.
fn date_value(secs: i64) -> HeaderValue {
    LAST_DATE.with_borrow_mut(|last| match last {
        Some((s, v)) if *s == secs => v.clone(),
        _ => {
            let v = HeaderValue::from_str(&http_date(secs))
                .unwrap_or_else(|_| HeaderValue::from_static("Thu, 01 Jan 1970 00:00:00 GMT"));
            *last = Some((secs, v.clone()));
            v
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tags_read_as_formatted_and_stay_per_version() {
        let seen = FirstSeen::default();
        let a = of_page(0xfeed, 0xabc, Coding::Gzip, [1, 6], &seen, 1_700_000_000);
        assert_eq!(a.etag_str(), "\"p0000000000000abc000000000000feed-gz16\"");
        assert_eq!(a.last_modified, 1_700_000_000);
        assert_eq!(a.last_modified_value, http_date(1_700_000_000).as_str());
        // Asked again later: the same version keeps the time it was first sent.
        let again = of_page(0xfeed, 0xabc, Coding::Gzip, [1, 6], &seen, 1_700_000_500);
        assert_eq!(again.last_modified, 1_700_000_000);
        let id = of_page(
            0xfeed,
            0xabc,
            Coding::Identity,
            [1, 6],
            &seen,
            1_700_000_500,
        );
        assert_eq!(id.etag_str(), "\"p0000000000000abc000000000000feed\"");
        assert_eq!(
            id.last_modified, 1_700_000_000,
            "one version, one first-seen time"
        );
        // Another version (a count changed) gets its own tag and time.
        let next = of_page(
            0xfeee,
            0xabc,
            Coding::Identity,
            [1, 6],
            &seen,
            1_700_000_600,
        );
        assert_ne!(next.etag, id.etag);
        assert_eq!(next.last_modified_value, http_date(1_700_000_600).as_str());
        // A version whose slot another took is made again, alike.
        for v in 0..(SLOTS as u64 * 2) {
            of_page(v, 1, Coding::Br, [1, 6], &seen, 1_700_000_700);
        }
        let back = of_page(0xfeed, 0xabc, Coding::Gzip, [1, 6], &seen, 1_700_000_800);
        assert_eq!(back.etag, a.etag);
        assert_eq!(back.last_modified, 1_700_000_000);
        // Pieces made again at another level: another tag, the same time.
        let hot = of_page(0xfeed, 0xabc, Coding::Gzip, [6, 6], &seen, 1_700_000_900);
        assert_eq!(hot.etag_str(), "\"p0000000000000abc000000000000feed-gz66\"");
        assert_eq!(hot.last_modified, 1_700_000_000);
    }

    #[test]
    fn given_tags_get_the_coding_suffix() {
        let v = Validators::new("\"b1234\"", Coding::Br, 0);
        assert_eq!(v.etag_str(), "\"b1234-br\"");
        assert_eq!(v.last_modified_value, "Thu, 01 Jan 1970 00:00:00 GMT");
        let v = Validators::new("W/\"x\"", Coding::Identity, 0);
        assert_eq!(v.etag_str(), "W/\"x\"");
    }
}
