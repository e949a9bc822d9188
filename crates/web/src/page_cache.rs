//! Rendered pages, kept with holes where view counts go and a slot where the
//! latest-news list goes.
//!
//! A page is rendered from the database once and kept until what it shows is
//! written (`crate::invalidate` marks it stale: its article, its story, the
//! lists it holds) or `ttl` passes, which bounds how old a time label
//! ("Yesterday") may get. What changes with every view, the counts, is
//! spliced in per response from the in-memory counter; the latest-news list,
//! which every page shows and every new article changes, is a fragment of its
//! own (`Fragments`), spliced in the same way. So a new article rebuilds one
//! small fragment, not every article page, and a request for a cached page
//! does no database or template work and still shows live counts.
//!
//! The cache is bounded in bytes, not entries; when full, pages not asked
//! for lately go first (CLOCK: a hand walks the pages, sparing each that was
//! served since it last passed). Hits and misses are counted (`stats`, shown
//! by `/healthz`, and the metrics).

use crate::respond::chunks::{Chunks, ChunksBuilder};
use crate::respond::coding::Coding;
use crate::respond::compress::GZIP_LEVEL;
use crate::respond::pieces::{BrPieces, BrWriter, GZIP_FIRST_LEVEL, Gap, GzPieces, GzWriter};
use crate::shared_runs::{self, SHARED_CLOSE, SharedRun};
use axum::body::Bytes;
use newsroom_core::ArticleId;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

/// Marks a count hole in rendered HTML: START, decimal article id, END.
/// These control characters cannot come from templates, and text from
/// articles has them stripped (`strip_controls`).
const START: char = '\u{1e}';
const END: char = '\u{1f}';

/// What a template writes where the latest-news list goes.
pub const LATEST_SLOT: &str = "\u{1e}L\u{1f}";

/// The text a template writes where a live count of `id` goes.
pub fn count_hole(id: ArticleId) -> String {
    format!("{START}{}{END}", id.0)
}

/// Removes the hole markers (and other C0 controls but tab and newline) from untrusted text.
pub fn strip_controls(s: &str) -> String {
    if has_controls(s) {
        s.chars()
            .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
            .collect()
    } else {
        s.to_string()
    }
}

/// `char::is_control` but tab and newline, on the bytes: every stored body
/// passes here on its way into a page. Controls are C0 (one byte), DEL and
/// C1 (U+0080..U+009F, `C2 80`..`C2 9F` in UTF-8).
fn has_controls(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        (c < 0x20 && c != b'\n' && c != b'\t')
            || c == 0x7f
            || (c == 0xc2 && b.get(i + 1).is_some_and(|n| (0x80..=0x9f).contains(n)))
    })
}

#[derive(Debug)]
enum Part {
    /// Shared, so an identity body sends it without a copy (`respond::chunks`).
    Html(Bytes),
    Count(ArticleId),
    /// The latest-news list (`LATEST_SLOT`).
    Slot,
    /// Text many pages hold (`SHARED_OPEN` … `SHARED_CLOSE`), kept once.
    Shared(Arc<SharedRun>),
}

/// A rendered page with its count holes.
pub struct Compiled {
    parts: Vec<Part>,
    ids: Vec<ArticleId>,
    len_hint: usize,
    /// Hash of the static text: with the counts shown, the entity tag.
    tag: u64,
    /// The static runs compressed, made on first use (gzip's again when a
    /// count's length changes, or when the page turns out to be read).
    gz: Mutex<Option<Arc<GzPieces>>>,
    br: OnceLock<BrPieces>,
    /// What the compressed pieces weigh, and the cache it is held in.
    charge: Mutex<Charge>,
}

/// A page's compressed pieces are made when a coding first asks for them,
/// and remade; the cache it is in counts them as they come, so its bound
/// holds the bytes really held: charged as if made at once, an
/// identity-only node kept half the pages its budget holds.
#[derive(Default)]
struct Charge {
    pieces: u64,
    /// The byte count of the cache holding the page, while it does.
    cache: Option<Arc<AtomicU64>>,
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
        // The page's own text since the last part; a marker that is not a
        // part (a shared block's end met alone) joins the text around it.
        let mut own: Vec<u8> = Vec::with_capacity(html.len());
        let mut rest = html;
        while let Some(start) = rest.find(START) {
            let after = &rest[start + START.len_utf8()..];
            let Some(end) = after.find(END) else { break };
            let next = &after[end + END.len_utf8()..];
            let marker_on = &rest[start..];
            own.extend_from_slice(&rest.as_bytes()[..start]);
            rest = next;
            let part = match &after[..end] {
                "L" => Part::Slot,
                "]" => continue,
                "[" => match next.find(SHARED_CLOSE) {
                    // Shared text holds no hole: its pieces serve every page.
                    Some(close) if !next[..close].contains(START) => {
                        rest = &next[close + SHARED_CLOSE.len()..];
                        Part::Shared(shared_runs::intern(&next[..close]))
                    }
                    _ => continue,
                },
                digits => match digits.parse::<i64>() {
                    Ok(id) => Part::Count(ArticleId(id)),
                    Err(_) => {
                        // Not a marker after all: kept as text, as is the rest.
                        rest = marker_on;
                        break;
                    }
                },
            };
            parts.push(Part::Html(Bytes::copy_from_slice(&own)));
            own.clear();
            if let Part::Count(id) = part
                && !ids.contains(&id)
            {
                ids.push(id);
            }
            parts.push(part);
        }
        own.extend_from_slice(rest.as_bytes());
        parts.push(Part::Html(Bytes::copy_from_slice(&own)));
        let hash = blake3::hash(html.as_bytes());
        let mut tag = [0u8; 8];
        tag.copy_from_slice(&hash.as_bytes()[..8]);
        Self {
            parts,
            ids,
            len_hint: html.len() + 16,
            tag: u64::from_le_bytes(tag),
            gz: Mutex::new(None),
            br: OnceLock::new(),
            charge: Mutex::default(),
        }
    }

    fn charge(&self) -> std::sync::MutexGuard<'_, Charge> {
        self.charge.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Pieces made or dropped: to the page's weight, and to
    /// its cache's count while one holds it.
    fn charge_pieces(&self, made: usize, dropped: usize) {
        let mut c = self.charge();
        c.pieces = (c.pieces + made as u64).saturating_sub(dropped as u64);
        if let Some(bytes) = &c.cache {
            bytes.fetch_add(made as u64, Ordering::Relaxed);
            bytes.fetch_sub(dropped as u64, Ordering::Relaxed);
        }
    }

    /// Counts this page in `bytes` from now on; returns its weight, added.
    fn attach(&self, bytes: &Arc<AtomicU64>) -> u64 {
        let mut c = self.charge();
        let weight = self.own_weight() + c.pieces;
        c.cache = Some(bytes.clone());
        bytes.fetch_add(weight, Ordering::Relaxed);
        weight
    }

    /// Takes this page out of its cache's count; returns its weight, taken.
    fn detach(&self) -> u64 {
        let mut c = self.charge();
        let Some(bytes) = c.cache.take() else {
            return 0;
        };
        let weight = self.own_weight() + c.pieces;
        bytes.fetch_sub(weight, Ordering::Relaxed);
        weight
    }

    /// The static runs between the holes (always one more than holes).
    fn runs(&self) -> impl Iterator<Item = &[u8]> {
        self.parts.iter().filter_map(|p| match p {
            Part::Html(s) => Some(&s[..]),
            _ => None,
        })
    }

    /// Articles whose counts this page shows.
    pub fn ids(&self) -> &[ArticleId] {
        &self.ids
    }

    /// Whether the page has the latest-news slot.
    pub fn has_slot(&self) -> bool {
        self.parts.iter().any(|p| matches!(p, Part::Slot))
    }

    /// Bytes this page holds: its text, its compressed pieces made so far
    /// and its bookkeeping. Shared runs are held once for all pages, and
    /// not counted here.
    pub fn weight(&self) -> usize {
        (self.own_weight() + self.charge().pieces) as usize
    }

    /// The text and bookkeeping, with the allocator's share: a node
    /// holding the whole-site bench's 37,990 pages (identity) grew by 281-291
    /// MB of anonymous memory over one with no cache, for 210 MB of text and
    /// parts (docs/PERFORMANCE.md, session 14).
    fn own_weight(&self) -> u64 {
        let own: usize = self.runs().map(<[u8]>::len).sum();
        ((own + 256 + self.parts.len() * 40) * 11 / 8) as u64
    }

    /// The hash of the page's static text: its entity tag starts with it.
    pub fn tag(&self) -> u64 {
        self.tag
    }

    /// The version of the page showing `totals` (and `fragment` with its
    /// totals in the slot), which its entity tag names: a hash of the texts
    /// and every count shown (FNV-1a over them, cheap per request).
    pub fn version(&self, totals: &[i64], fragment: Option<(&Compiled, &[i64])>) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ self.tag;
        let mut mix = |t: u64| {
            for b in t.to_le_bytes() {
                h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
            }
        };
        totals.iter().for_each(|t| mix(*t as u64));
        if let Some((f, ft)) = fragment {
            mix(f.tag);
            ft.iter().for_each(|t| mix(*t as u64));
        }
        h
    }

    /// Calls `sink` with each run of static text (with its page and index,
    /// so a coding can use the run's compressed piece) and each count, in
    /// page order, the fragment's inside the slot.
    fn walk<'a>(
        &'a self,
        totals: &[i64],
        fragment: Option<(&'a Compiled, &[i64])>,
        sink: &mut impl FnMut(Chunk<'a, '_>),
    ) {
        let mut run = 0;
        let mut buf = itoa_buf();
        for p in &self.parts {
            match p {
                Part::Html(s) => {
                    sink(Chunk::Run(self, run, s));
                    run += 1;
                }
                Part::Count(id) => {
                    sink(Chunk::Digits(format_int(&mut buf, self.total(totals, *id))));
                }
                Part::Slot => {
                    if let Some((f, ft)) = fragment {
                        // A fragment has no slot of its own.
                        f.walk(ft, None, sink);
                    }
                }
                Part::Shared(run) => sink(Chunk::Shared(run)),
            }
        }
    }

    /// The page with counts filled in; `totals[i]` belongs to `ids()[i]`.
    pub fn emit(&self, totals: &[i64]) -> Vec<u8> {
        self.emit_with(totals, None)
    }

    /// The page with counts filled in and `fragment` in its slot.
    pub fn emit_with(&self, totals: &[i64], fragment: Option<(&Compiled, &[i64])>) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len_hint + fragment.map_or(0, |f| f.0.len_hint));
        self.walk(totals, fragment, &mut |c| match c {
            Chunk::Run(_, _, text) => out.extend_from_slice(text),
            Chunk::Shared(run) => out.extend_from_slice(run.text()),
            Chunk::Digits(d) => out.extend_from_slice(d),
        });
        out
    }

    /// The page with counts filled in and `fragment` in its slot, as a body
    /// that shares the page's long runs instead of copying them.
    pub fn emit_body(&self, totals: &[i64], fragment: Option<(&Compiled, &[i64])>) -> Chunks {
        let mut out = ChunksBuilder::new();
        self.walk(totals, fragment, &mut |c| match c {
            Chunk::Run(_, _, text) => out.run(text),
            Chunk::Shared(run) => out.run(run.text()),
            Chunk::Digits(d) => out.copied(d),
        });
        out.finish()
    }

    /// What lies between the runs with `totals` shown: each count's
    /// length, a restart at the slot, and each shared run's text.
    fn gaps<'a>(&'a self, totals: &'a [i64]) -> impl Iterator<Item = Gap> + 'a {
        let mut buf = itoa_buf();
        self.parts.iter().filter_map(move |p| match p {
            Part::Html(_) => None,
            Part::Count(id) => {
                let n = format_int(&mut buf, self.total(totals, *id)).len();
                Some(Gap::Digits(n as u8))
            }
            Part::Slot => Some(Gap::Restart),
            Part::Shared(run) => Some(Gap::Fixed(run.text().clone())),
        })
    }

    fn total(&self, totals: &[i64], id: ArticleId) -> i64 {
        let i = self.ids.iter().position(|x| *x == id).unwrap_or(0);
        totals.get(i).copied().unwrap_or(0)
    }

    /// The gzip pieces for `totals`: the kept ones while they fit, else made
    /// now; made again at `GZIP_LEVEL` once they have served a few responses.
    fn gz(&self, totals: &[i64]) -> Arc<GzPieces> {
        let kept = self.gz.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let level = match &kept {
            Some(k) if k.fits(self.gaps(totals)) => match k.turns_hot() {
                false => return k.clone(),
                true => GZIP_LEVEL,
            },
            Some(k) => k.level(),
            None => GZIP_FIRST_LEVEL,
        };
        let gaps: Vec<Gap> = self.gaps(totals).collect();
        let made = Arc::new(GzPieces::new(self.runs(), &gaps, level));
        let old = self
            .gz
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .replace(made.clone());
        self.charge_pieces(made.held_bytes(), old.map_or(0, |o| o.held_bytes()));
        made
    }

    /// The gzip pieces one response of this page, with `fragment` in its
    /// slot, is written from.
    pub fn gz_plan(&self, totals: &[i64], fragment: Option<(&Compiled, &[i64])>) -> GzPlan {
        GzPlan {
            page: self.gz(totals),
            fragment: fragment.map(|(f, ft)| f.gz(ft)),
        }
    }

    fn br(&self) -> &BrPieces {
        self.br.get_or_init(|| {
            let made = BrPieces::new(self.runs());
            self.charge_pieces(made.held_bytes(), 0);
            made
        })
    }

    /// The page in `coding`, counts filled in (see `respond::pieces`).
    pub fn emit_coded(
        &self,
        totals: &[i64],
        fragment: Option<(&Compiled, &[i64])>,
        coding: Coding,
    ) -> Vec<u8> {
        match coding {
            Coding::Identity => self.emit_with(totals, fragment),
            Coding::Gzip => self.emit_gz(&self.gz_plan(totals, fragment), totals, fragment),
            Coding::Br => {
                let mut out = Vec::with_capacity(self.len_hint / 3);
                let mut br = BrWriter::start(&mut out);
                self.walk(totals, fragment, &mut |c| match c {
                    Chunk::Run(page, i, _) => br.piece(page.br(), i),
                    Chunk::Shared(run) => br.piece(run.br(), 0),
                    Chunk::Digits(d) => br.digits(d),
                });
                br.finish();
                out
            }
        }
    }

    /// The page in gzip from `plan` (made by `gz_plan` for these counts).
    pub fn emit_gz(
        &self,
        plan: &GzPlan,
        totals: &[i64],
        fragment: Option<(&Compiled, &[i64])>,
    ) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len_hint / 3);
        let mut gz = GzWriter::start(&mut out);
        self.walk(totals, fragment, &mut |c| match c {
            Chunk::Run(page, i, _) => match &plan.fragment {
                Some(f) if !std::ptr::eq(page, self) => gz.piece(f, i),
                _ => gz.piece(&plan.page, i),
            },
            Chunk::Shared(run) => gz.piece(run.gz(), 0),
            Chunk::Digits(d) => gz.digits(d),
        });
        gz.finish();
        out
    }
}

/// The gzip pieces of a page, and of the fragment in its slot, for one
/// response.
pub struct GzPlan {
    page: Arc<GzPieces>,
    fragment: Option<Arc<GzPieces>>,
}

impl GzPlan {
    /// The levels the page's and the fragment's pieces were made at (0:
    /// no fragment), for the entity tag: other levels are other bytes.
    pub fn levels(&self) -> [u8; 2] {
        let level = |g: &GzPieces| g.level().min(9) as u8;
        [level(&self.page), self.fragment.as_deref().map_or(0, level)]
    }
}

/// One step of a page's emission.
enum Chunk<'a, 'b> {
    /// Static text: its page, the run's index there, the text.
    Run(&'a Compiled, usize, &'a Bytes),
    /// Static text shared by pages.
    Shared(&'a SharedRun),
    Digits(&'b [u8]),
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
    /// How long it is fresh: the cache's `ttl`, or less for a page whose
    /// content ends sooner (a story's pin).
    ttl: Duration,
    /// When a request took on rebuilding this page after it went stale.
    refresh_claimed: Mutex<Option<Instant>>,
    /// Something it shows was written: rebuild it (`invalidate`).
    stale: AtomicBool,
    /// Served since the clock hand last passed it: spared once.
    referenced: AtomicBool,
}

impl CachedPage {
    fn mark_used(&self) {
        // Read first: a page served by every request is not written by each.
        if !self.referenced.load(Ordering::Relaxed) {
            self.referenced.store(true, Ordering::Relaxed);
        }
    }
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

/// What the cache did, for `/healthz`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct CacheStats {
    pub entries: usize,
    pub bytes: usize,
    pub max_bytes: usize,
    pub hits: u64,
    pub misses: u64,
}

/// Rendered pages by key, each kept until `invalidate` marks it stale or
/// `ttl` passes.
///
/// When a page goes stale, the first request to see it rebuilds it while the
/// others are served the stale copy, so a busy page is never rebuilt by
/// every request at once (the p99 spike a naive cache shows). While the
/// database is down, `stale` lets a handler serve the last good copy
/// instead of an error page.
pub struct PageCache {
    /// Its label in the metrics.
    name: &'static str,
    ttl: Duration,
    max_bytes: usize,
    held: RwLock<Held>,
    /// What the pages held weigh; each page adds its pieces as made.
    bytes: Arc<AtomicU64>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl PageCache {
    pub fn new(ttl: Duration, max_bytes: usize) -> Self {
        Self {
            name: "pages",
            ttl,
            max_bytes,
            held: RwLock::new(Held::default()),
            bytes: Arc::default(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The same cache, named `name` in the metrics (else "pages").
    pub fn named(mut self, name: &'static str) -> Self {
        self.name = name;
        self
    }

    /// The page to serve, or `None` when this caller must build it: it is
    /// missing, too old, or stale and no other request is rebuilding it.
    pub fn get(&self, key: &str) -> Option<Arc<CachedPage>> {
        let found = self.lookup(key);
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        crate::metrics::cache_lookup(self.name, found.is_some());
        found
    }

    /// Tells the metrics how much is held (after every change of it).
    fn held(&self, bytes: u64) {
        crate::metrics::cache_bytes(self.name, bytes);
    }

    fn lookup(&self, key: &str) -> Option<Arc<CachedPage>> {
        if self.ttl.is_zero() {
            return None;
        }
        let held = self.read();
        let page = &held.map.get(key)?.page;
        page.mark_used();
        let age = page.made.elapsed();
        let stale = page.stale.load(Ordering::Relaxed);
        if age < page.ttl && !stale {
            return Some(page.clone());
        }
        if age >= page.ttl + STALE_WHILE_REVALIDATE {
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
        !self.ttl.is_zero() && self.read().map.contains_key(key)
    }

    /// The last copy under `key` if it is not older than `STALE_IF_ERROR`
    /// past its `ttl`: for when the page cannot be built.
    pub fn stale(&self, key: &str) -> Option<Arc<CachedPage>> {
        self.read()
            .map
            .get(key)
            .map(|e| &e.page)
            .filter(|p| p.made.elapsed() < self.ttl + STALE_IF_ERROR)
            .cloned()
    }

    pub fn remove(&self, key: &str) {
        if let Some(old) = self.write().remove(key) {
            old.page.detach();
            self.held(self.bytes.load(Ordering::Relaxed));
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Held> {
        self.held.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Held> {
        self.held.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Marks stale every page `pick` names; the next request for one rebuilds
    /// it (while a copy is still there to stand in if the database is down).
    pub fn invalidate(&self, mut pick: impl FnMut(&str, &CachedPage) -> bool) -> usize {
        let held = self.read();
        let mut n = 0;
        for (key, Entry { page, .. }) in held.map.iter() {
            if pick(key, page) && !page.stale.swap(true, Ordering::Relaxed) {
                n += 1;
            }
        }
        n
    }

    pub fn put(
        &self,
        key: String,
        page: Compiled,
        canonical_path: Option<String>,
        status: u16,
    ) -> Arc<CachedPage> {
        self.put_for(key, page, canonical_path, status, self.ttl)
    }

    /// As `put`, fresh for at most `ttl` (never longer than the cache's).
    pub fn put_for(
        &self,
        key: String,
        page: Compiled,
        canonical_path: Option<String>,
        status: u16,
        ttl: Duration,
    ) -> Arc<CachedPage> {
        let entry = Arc::new(CachedPage {
            page,
            canonical_path,
            status,
            made: Instant::now(),
            ttl: ttl.min(self.ttl),
            refresh_claimed: Mutex::new(None),
            stale: AtomicBool::new(false),
            // Unmarked: a page asked for once and never again goes at the
            // hand's next pass; one asked for again is spared. (Marked, a
            // full cache of new pages would have the hand clear them all
            // and drop the oldest, busy or not.) Its slot is usually the
            // one just freed, behind the hand: the last it visits.
            referenced: AtomicBool::new(false),
        });
        if self.ttl.is_zero() || entry.page.weight() as u64 > self.max_bytes as u64 / 4 {
            return entry;
        }
        let mut held = self.write();
        if let Some(old) = held.insert(key, entry.clone()) {
            old.page.detach();
        }
        entry.page.attach(&self.bytes);
        // Pieces made since the last put count too: the bound holds at
        // every put, give or take what pages made in between.
        let total = self.bytes.load(Ordering::Relaxed);
        if total > self.max_bytes as u64 {
            held.evict(total - self.max_bytes as u64);
        }
        self.held(self.bytes.load(Ordering::Relaxed));
        entry
    }

    pub fn clear(&self) {
        let old = std::mem::take(&mut *self.write());
        // A page still being served goes on making pieces: not counted here.
        for e in old.map.values() {
            e.page.page.detach();
        }
        self.held(self.bytes.load(Ordering::Relaxed));
    }

    pub fn stats(&self) -> CacheStats {
        CacheStats {
            entries: self.read().map.len(),
            bytes: self.bytes.load(Ordering::Relaxed) as usize,
            max_bytes: self.max_bytes,
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
        }
    }
}

/// The pages by key, and the clock over them. Eviction costs a few steps
/// of the hand per page dropped, under the write lock a `put` takes anyway:
/// sorting every entry by its last use, as before, stalled every reader
/// once per quarter of the budget.
#[derive(Default)]
struct Held {
    map: HashMap<Arc<str>, Entry>,
    /// The clock's face: each page's key in its slot, `None` when free.
    ring: Vec<Option<Arc<str>>>,
    free: Vec<usize>,
    hand: usize,
}

struct Entry {
    page: Arc<CachedPage>,
    /// Its slot in `ring`.
    slot: usize,
}

impl Held {
    /// Keeps `page` under `key` (a page it replaces keeps its slot), and
    /// returns the one replaced.
    fn insert(&mut self, key: String, page: Arc<CachedPage>) -> Option<Arc<CachedPage>> {
        if let Some(e) = self.map.get_mut(key.as_str()) {
            return Some(std::mem::replace(&mut e.page, page));
        }
        let key: Arc<str> = key.into();
        let slot = match self.free.pop() {
            Some(i) => {
                self.ring[i] = Some(key.clone());
                i
            }
            None => {
                self.ring.push(Some(key.clone()));
                self.ring.len() - 1
            }
        };
        self.map.insert(key, Entry { page, slot });
        None
    }

    fn remove(&mut self, key: &str) -> Option<Arc<CachedPage>> {
        let e = self.map.remove(key)?;
        self.ring[e.slot] = None;
        self.free.push(e.slot);
        Some(e.page)
    }

    /// Drops pages the hand finds unused since its last pass until `over`
    /// bytes are freed (or nothing is left), taking each out of the
    /// cache's count; returns the bytes freed. Each
    /// pass clears the marks it meets, so two turns always find a page.
    fn evict(&mut self, over: u64) -> u64 {
        let mut freed = 0;
        let mut steps = 2 * self.ring.len();
        while freed < over && steps > 0 {
            steps -= 1;
            let i = self.hand;
            self.hand = (i + 1) % self.ring.len();
            let Some(key) = &self.ring[i] else { continue };
            let page = &self.map[key].page;
            if page.referenced.swap(false, Ordering::Relaxed) {
                continue;
            }
            freed += page.page.detach();
            let key = key.clone();
            self.remove(&key);
        }
        freed
    }
}

/// Rendered fragments every page shows: for now the latest-news list, with
/// its count holes. Rebuilt when `invalidate` drops it, or after `ttl`.
pub struct Fragments {
    ttl: Duration,
    /// When it was made, the list, and whether it is still current.
    latest: RwLock<Option<(Instant, Arc<Compiled>, bool)>>,
    /// Bumped by every invalidation, so a list built from data read before
    /// a change is not kept as current.
    generation: AtomicU64,
}

impl Fragments {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            latest: RwLock::new(None),
            generation: AtomicU64::new(0),
        }
    }

    /// The current latest-news list, if one is kept and fresh.
    pub fn latest(&self) -> Option<Arc<Compiled>> {
        let l = self.latest.read().unwrap_or_else(|p| p.into_inner());
        let found = l
            .as_ref()
            .filter(|(made, _, current)| *current && made.elapsed() < self.ttl)
            .map(|(_, c, _)| c.clone());
        crate::metrics::cache_lookup("fragment", found.is_some());
        found
    }

    /// The last list kept, however old: for when it cannot be built.
    pub fn last_latest(&self) -> Option<Arc<Compiled>> {
        let l = self.latest.read().unwrap_or_else(|p| p.into_inner());
        l.as_ref().map(|(_, c, _)| c.clone())
    }

    /// Where a rebuild starts: pass it back to `put_latest`.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Keeps `list` unless the fragment was invalidated since `generation`
    /// (it may hold what was just changed); returns it either way.
    pub fn put_latest(&self, list: Compiled, generation: u64) -> Arc<Compiled> {
        let list = Arc::new(list);
        let mut l = self.latest.write().unwrap_or_else(|p| p.into_inner());
        if self.generation.load(Ordering::Acquire) == generation && !self.ttl.is_zero() {
            *l = Some((Instant::now(), list.clone(), true));
        }
        list
    }

    pub fn invalidate(&self) {
        let mut l = self.latest.write().unwrap_or_else(|p| p.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        // The last copy stays for `last_latest`, but is no longer fresh.
        if let Some((_, _, current)) = l.as_mut() {
            *current = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared_runs::SHARED_OPEN;

    #[test]
    fn controls_are_found_as_char_is_control_finds_them() {
        // Every char up to U+00FF and a few beyond, alone and between text.
        for c in (0u32..0x100)
            .chain([0x2028, 0x1e, 0xfeff])
            .filter_map(char::from_u32)
        {
            let s = format!("a{c}b");
            let want = c.is_control() && c != '\n' && c != '\t';
            assert_eq!(has_controls(&s), want, "U+{:04X}", c as u32);
            assert_eq!(strip_controls(&s) == "ab", want, "U+{:04X}", c as u32);
        }
        assert!(!has_controls("Grüße, ça va? — «ok»"));
    }

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
    fn shared_text_is_held_once_and_every_coding_shows_it() {
        use std::io::Read;
        let page = |own: &str, id: i64| {
            format!(
                "<head>{SHARED_OPEN}<link rel=\"stylesheet\">{SHARED_CLOSE}<title>{own}</title>\
                 {SHARED_OPEN}<header>menu</header>{SHARED_CLOSE}<p>{own} {}</p><header>menu</header>\
                 {LATEST_SLOT}{SHARED_OPEN}<footer>end</footer>{SHARED_CLOSE}",
                count_hole(ArticleId(id))
            )
        };
        let (a, b) = (
            Compiled::new(&page("one", 1)),
            Compiled::new(&page("two", 2)),
        );
        let shared = |c: &Compiled| -> Vec<Arc<SharedRun>> {
            c.parts
                .iter()
                .filter_map(|p| match p {
                    Part::Shared(r) => Some(r.clone()),
                    _ => None,
                })
                .collect()
        };
        let (sa, sb) = (shared(&a), shared(&b));
        assert_eq!(sa.len(), 3);
        assert!(sa.iter().zip(&sb).all(|(x, y)| Arc::ptr_eq(x, y)));
        // The page's weight counts its own text, not the shared runs.
        let menu = format!("<nav>{}</nav>", "m".repeat(2000));
        let held = Compiled::new(&format!("{SHARED_OPEN}{menu}{SHARED_CLOSE}<p>x</p>")).weight();
        let plain = Compiled::new(&format!("{menu}<p>x</p>")).weight();
        assert!(held + 1900 < plain, "{held} against {plain}");
        let latest = Compiled::new(&format!("<ul><li>{}</li></ul>", count_hole(ArticleId(9))));
        let want = "<head><link rel=\"stylesheet\"><title>one</title><header>menu</header>\
                    <p>one 1367</p><header>menu</header><ul><li>12</li></ul><footer>end</footer>";
        let fragment = Some((&latest, &[12i64][..]));
        assert_eq!(
            String::from_utf8(a.emit_with(&[1367], fragment)).unwrap(),
            want
        );
        let body = a.emit_body(&[1367], fragment).concat();
        assert_eq!(String::from_utf8(body).unwrap(), want);
        let mut gz = String::new();
        flate2::read::GzDecoder::new(&a.emit_coded(&[1367], fragment, Coding::Gzip)[..])
            .read_to_string(&mut gz)
            .unwrap();
        assert_eq!(gz, want);
        let mut br = String::new();
        brotli::Decompressor::new(&a.emit_coded(&[1367], fragment, Coding::Br)[..], 4096)
            .read_to_string(&mut br)
            .unwrap();
        assert_eq!(br, want);
    }

    #[test]
    fn a_shared_marker_without_its_pair_is_dropped() {
        let html = format!(
            "a{SHARED_CLOSE}b{SHARED_OPEN}c{} d{SHARED_CLOSE}e{SHARED_OPEN}f",
            count_hole(ArticleId(3))
        );
        let c = Compiled::new(&html);
        assert_eq!(String::from_utf8(c.emit(&[5])).unwrap(), "abc5 def");
        assert!(!c.parts.iter().any(|p| matches!(p, Part::Shared(_))));
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
        let cache = PageCache::new(Duration::from_millis(30), 1 << 20);
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
        let cache = PageCache::new(Duration::from_millis(10), 1 << 20);
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
        let off = PageCache::new(Duration::ZERO, 1 << 20);
        off.put("k".into(), Compiled::new("v"), None, 200);
        assert!(off.get("k").is_none() && !off.contains("k"));
    }

    #[test]
    fn a_page_may_be_fresh_for_less_than_the_cache_keeps_pages() {
        let cache = PageCache::new(Duration::from_secs(600), 1 << 20);
        cache.put_for(
            "pin".into(),
            Compiled::new("v"),
            None,
            200,
            Duration::from_millis(20),
        );
        cache.put_for(
            "long".into(),
            Compiled::new("v"),
            None,
            200,
            Duration::from_secs(9999),
        );
        assert!(cache.get("pin").is_some(), "fresh");
        std::thread::sleep(Duration::from_millis(30));
        assert!(cache.get("pin").is_none(), "its own end passed: rebuilt");
        assert!(
            cache.get("long").is_some(),
            "never past the cache's ttl, and that is far"
        );
    }

    /// A page of `n` bytes' weight, give or take.
    fn page_of(tag: usize) -> Compiled {
        Compiled::new(&format!("{tag:0>1000}"))
    }

    #[test]
    fn the_cache_stays_within_its_bytes_and_keeps_what_is_asked_for() {
        let weight = page_of(0).weight();
        let cache = PageCache::new(Duration::from_secs(600), weight * 40);
        let mut asked = 0;
        for i in 0..1000 {
            cache.put(format!("p{i}"), page_of(i), None, 200);
            // The first page is asked for between every two new ones.
            asked += usize::from(cache.get("p0").is_some());
            let s = cache.stats();
            assert!(s.bytes <= s.max_bytes, "{s:?} after {i}");
            assert_eq!(s.bytes, s.entries * weight, "bytes counted per page held");
        }
        assert_eq!(asked, 1000, "a page asked for all along is never dropped");
        let s = cache.stats();
        assert!(s.entries >= 30, "the budget is used: {s:?}");
        assert!(cache.get("p999").is_some(), "the newest page is kept");
        assert!(cache.get("p500").is_none(), "old unasked pages went");
        assert_eq!((s.hits, s.misses), (1000, 0));
    }

    #[test]
    fn removed_and_replaced_pages_free_their_slots() {
        let weight = page_of(0).weight();
        let cache = PageCache::new(Duration::from_secs(600), weight * 8);
        for round in 0..50 {
            for i in 0..4 {
                // Replaced in place, then removed and put again.
                cache.put(format!("k{i}"), page_of(round), None, 200);
                cache.put(format!("k{i}"), page_of(round + 1), None, 200);
            }
            cache.remove("k0");
            cache.put(format!("n{round}"), page_of(round), None, 200);
        }
        let s = cache.stats();
        assert!(
            s.bytes <= s.max_bytes && s.bytes == s.entries * weight,
            "{s:?}"
        );
        let held = cache.read();
        assert_eq!(held.map.len(), s.entries);
        assert!(
            held.ring.len() <= 9,
            "slots are reused: {}",
            held.ring.len()
        );
        let in_ring = held.ring.iter().flatten().count();
        assert_eq!(in_ring, held.map.len(), "every page in one slot");
        for (key, e) in &held.map {
            assert_eq!(held.ring[e.slot].as_deref(), Some(&**key));
        }
        drop(held);
        assert_eq!(
            cache.get("k1").unwrap().page.emit(&[]),
            page_of(50).emit(&[])
        );
        cache.clear();
        assert_eq!(cache.stats().entries, 0);
        assert!(cache.read().ring.is_empty());
    }

    /// A page of varied text (so its compressed pieces are not nothing)
    /// with one count hole.
    fn wordy_page(tag: usize) -> Compiled {
        let words: String = (0..300)
            .map(|i| format!("w{} ", (i * 7919 + tag) % 1009))
            .collect();
        Compiled::new(&format!("<p>{tag} {words}{}</p>", count_hole(ArticleId(1))))
    }

    #[test]
    fn compressed_pieces_weigh_as_they_are_made() {
        let cache = PageCache::new(Duration::from_secs(600), 1 << 20);
        let plain = wordy_page(1).weight();
        cache.put("a".into(), wordy_page(1), None, 200);
        cache.put("b".into(), wordy_page(2), None, 200);
        let both = cache.stats().bytes;
        let a = cache.get("a").unwrap();
        assert_eq!(a.page.weight(), plain, "no pieces yet: the text alone");
        let gz = a.page.emit_coded(&[7], None, Coding::Gzip);
        assert!(!gz.is_empty());
        let with_gz = a.page.weight();
        assert!(with_gz > plain, "{with_gz} > {plain}");
        assert_eq!(
            cache.stats().bytes,
            both + (with_gz - plain),
            "the cache counts them"
        );
        a.page.emit_coded(&[7], None, Coding::Br);
        let with_br = a.page.weight();
        assert!(with_br > with_gz);
        // A count of another length makes the gzip pieces again: replaced, not added.
        a.page.emit_coded(&[1_000_000], None, Coding::Gzip);
        let remade = a.page.weight();
        assert!(
            remade.abs_diff(with_br) < (with_gz - plain) / 2,
            "{remade} against {with_br}"
        );
        assert_eq!(cache.stats().bytes, both + (remade - plain));
        // Out of the cache, its pieces no longer count there.
        cache.remove("a");
        assert_eq!(cache.stats().bytes, both - plain);
        a.page.emit_coded(&[22], None, Coding::Gzip);
        assert_eq!(
            cache.stats().bytes,
            both - plain,
            "a page served after its removal"
        );
        let b = cache.get("b").unwrap();
        cache.clear();
        b.page.emit_coded(&[3], None, Coding::Gzip);
        assert_eq!(cache.stats().bytes, 0, "nor after the cache is cleared");
    }

    #[test]
    fn a_budget_holds_more_pages_while_no_coding_asks_for_pieces() {
        let weight = wordy_page(0).weight();
        let cache = PageCache::new(Duration::from_secs(600), weight * 40);
        for i in 0..100 {
            cache.put(format!("p{i}"), wordy_page(i), None, 200);
        }
        assert!(cache.stats().entries >= 38, "{:?}", cache.stats());
        // Every page asked for in gzip: the budget then holds fewer.
        for i in 100..200 {
            let page = cache.put(format!("p{i}"), wordy_page(i), None, 200);
            page.page.emit_coded(&[1], None, Coding::Gzip);
        }
        let s = cache.stats();
        assert!(s.entries < 38, "{s:?}");
        let held: usize = cache
            .read()
            .map
            .values()
            .map(|e| e.page.page.weight())
            .sum();
        assert_eq!(held, s.bytes, "the count is the pages' weights");
    }

    #[test]
    fn invalidated_pages_are_rebuilt_and_the_rest_kept() {
        let cache = PageCache::new(Duration::from_secs(600), 1 << 20);
        for i in 0..10 {
            cache.put(format!("article:{i}"), page_of(i), None, 200);
        }
        let n = cache.invalidate(|key, _| key.ends_with('3') || key.ends_with('7'));
        assert_eq!(n, 2);
        assert!(cache.get("article:3").is_none(), "stale: rebuilt");
        assert!(
            cache.get("article:3").is_some(),
            "the others get the stale copy meanwhile"
        );
        assert!(cache.get("article:4").is_some());
        assert_eq!(
            cache.invalidate(|key, _| key.ends_with('3')),
            0,
            "already stale"
        );
    }
}
