//! Whole bodies in gzip and brotli, compressed once per distinct body: a
//! body is known by its hash, and each coding of it is made the first time a
//! client asks for it and kept (`Bodies`, bounded in bytes). The hash is the
//! body's entity tag, and when this node first saw the body is its
//! `Last-Modified`.

use super::coding::Coding;
use axum::body::Bytes;
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

/// Levels for bodies and pages compressed once and served many times. Not
/// the highest: on a site with years of articles most pages are asked for
/// rarely, so the first request's compression is a large part of what a
/// page costs. On the demo's article page brotli 9 saves 9 bytes of 3,152
/// for 12 times the CPU (7.9 ms against 0.64 ms), and gzip 9 saves 2 of
/// 3,533 (docs/PERFORMANCE.md, "Compression levels").
pub const GZIP_LEVEL: u32 = 6;
const BROTLI_QUALITY: i32 = 5;
/// Brotli's window: 4 MiB, more than any page.
pub const BROTLI_LGWIN: i32 = 22;

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(data.len() / 3 + 64),
        flate2::Compression::new(GZIP_LEVEL),
    );
    // Writing to a Vec cannot fail.
    let _ = enc.write_all(data);
    enc.finish().unwrap_or_default()
}

pub fn brotli_params() -> brotli::enc::BrotliEncoderParams {
    brotli::enc::BrotliEncoderParams {
        quality: BROTLI_QUALITY,
        lgwin: BROTLI_LGWIN,
        ..Default::default()
    }
}

pub fn brotli(data: &[u8], params: &brotli::enc::BrotliEncoderParams) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() / 3 + 64);
    let _ = brotli::BrotliCompress(&mut &data[..], &mut out, params);
    out
}

/// One distinct body and the codings made of it so far.
pub struct Body {
    pub identity: Bytes,
    /// `"b3:…"`: the start of its BLAKE3 hash, quoted.
    pub etag: String,
    /// When this node first served it (seconds).
    pub first_seen: i64,
    gzip: OnceLock<Bytes>,
    br: OnceLock<Bytes>,
}

impl Body {
    fn new(identity: Bytes, first_seen: i64) -> Self {
        let etag = format!("\"b{}\"", &blake3::hash(&identity).to_hex()[..24]);
        Self {
            identity,
            etag,
            first_seen,
            gzip: OnceLock::new(),
            br: OnceLock::new(),
        }
    }

    /// The body in `coding`, compressed on first use.
    pub fn encoded(&self, coding: Coding) -> Bytes {
        match coding {
            Coding::Identity => self.identity.clone(),
            Coding::Gzip => self
                .gzip
                .get_or_init(|| gzip(&self.identity).into())
                .clone(),
            Coding::Br => self
                .br
                .get_or_init(|| brotli(&self.identity, &brotli_params()).into())
                .clone(),
        }
    }

    fn weight(&self) -> usize {
        // Counted as if both codings were made: an upper bound, cheaply.
        self.identity.len() * 2 + 256
    }
}

/// Bodies by hash, bounded in bytes. Pinned bodies (the static files,
/// compressed at start) are never dropped.
pub struct Bodies {
    inner: Mutex<Inner>,
    max_bytes: usize,
}

#[derive(Default)]
struct Inner {
    map: HashMap<[u8; 32], Arc<Body>>,
    bytes: usize,
    pinned: HashMap<[u8; 32], Arc<Body>>,
}

impl Bodies {
    pub fn new(max_bytes: usize) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            max_bytes,
        }
    }

    /// The entry for `body`, made now if it is new.
    pub fn get(&self, body: Bytes, now: i64) -> Arc<Body> {
        let key = *blake3::hash(&body).as_bytes();
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(b) = inner.pinned.get(&key).or_else(|| inner.map.get(&key)) {
            return b.clone();
        }
        let entry = Arc::new(Body::new(body, now));
        if entry.weight() > self.max_bytes / 4 {
            // Too big to keep: served, compressed per request, not held.
            return entry;
        }
        if inner.bytes + entry.weight() > self.max_bytes {
            // Simple and bounded: start over. Busy bodies come back at once.
            inner.map.clear();
            inner.bytes = 0;
        }
        inner.bytes += entry.weight();
        inner.map.insert(key, entry.clone());
        entry
    }

    /// Keeps `body` for good and makes both codings now.
    pub fn pin(&self, body: Bytes, now: i64) -> Arc<Body> {
        let key = *blake3::hash(&body).as_bytes();
        let entry = Arc::new(Body::new(body, now));
        entry.encoded(Coding::Gzip);
        entry.encoded(Coding::Br);
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.pinned.insert(key, entry.clone());
        entry
    }

    /// Bytes held by unpinned bodies (an upper bound).
    pub fn bytes(&self) -> usize {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).bytes
    }
}
