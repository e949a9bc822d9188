//! Text that many cached pages hold verbatim (the site's header and menu,
//! the links in every `<head>`, the footer), kept once by content.
//!
//! A template marks such text with `SHARED_OPEN` and `SHARED_CLOSE`; a page
//! compiled from it (`page_cache::Compiled`) holds the run by reference, so
//! the run's bytes are in memory once for the whole cache, not once a page,
//! and its gzip and brotli pieces are made once, not at every first render
//! of a page: deflating a page's static text at level 1 was a tenth of the
//! whole site's CPU in gzip (docs/PERFORMANCE.md, session 13).

use crate::respond::compress::GZIP_LEVEL;
use crate::respond::pieces::{BrPieces, GzPieces};
use axum::body::Bytes;
use rustc_hash::{FxHashMap, FxHasher};
use std::hash::Hasher;
use std::sync::{Arc, LazyLock, Mutex, OnceLock};

/// Where a template opens text that many pages share verbatim.
pub const SHARED_OPEN: &str = "\u{1e}[\u{1f}";
/// Where that text ends.
pub const SHARED_CLOSE: &str = "\u{1e}]\u{1f}";

/// A run of static text shared by pages, with its compressed pieces.
pub struct SharedRun {
    text: Bytes,
    gz: OnceLock<GzPieces>,
    br: OnceLock<BrPieces>,
}

impl std::fmt::Debug for SharedRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedRun")
            .field("len", &self.text.len())
            .finish_non_exhaustive()
    }
}

impl SharedRun {
    pub fn text(&self) -> &Bytes {
        &self.text
    }

    /// Its gzip piece: one sync-flushed deflate run from a fresh start, so
    /// it may stand between any two pieces of a page whose chain restarts
    /// after it. Made once, so at the level of a page that is read.
    pub fn gz(&self) -> &GzPieces {
        self.gz
            .get_or_init(|| GzPieces::new(std::iter::once(&self.text[..]), &[], GZIP_LEVEL))
    }

    /// Its brotli piece, a catable stream like every page piece.
    pub fn br(&self) -> &BrPieces {
        self.br
            .get_or_init(|| BrPieces::new(std::iter::once(&self.text[..])))
    }
}

/// The runs made, by a hash of their text. The table holds them too, so a
/// page rendered while no cached page holds its runs (an uncached site, a
/// cache just cleared) does not make their pieces again; runs no page holds
/// are swept when the table has doubled. A site has a few of them (a menu
/// per section, the head's links, the footer), made from its templates and
/// settings, never from a request.
struct Table {
    runs: FxHashMap<u64, Arc<SharedRun>>,
    sweep_at: usize,
}

static TABLE: LazyLock<Mutex<Table>> = LazyLock::new(|| {
    Mutex::new(Table {
        runs: FxHashMap::default(),
        sweep_at: 64,
    })
});

/// The shared run holding `text`: the one already in use, or a new one.
pub fn intern(text: &str) -> Arc<SharedRun> {
    let mut h = FxHasher::default();
    h.write(text.as_bytes());
    h.write_usize(text.len());
    let key = h.finish();
    let mut table = TABLE.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(run) = table.runs.get(&key) {
        // Another text with the same hash gets a run of its own, not kept.
        if run.text[..] == *text.as_bytes() {
            return run.clone();
        }
        return Arc::new(fresh(text));
    }
    let run = Arc::new(fresh(text));
    table.runs.insert(key, run.clone());
    if table.runs.len() >= table.sweep_at {
        table.runs.retain(|_, r| Arc::strong_count(r) > 1);
        table.sweep_at = (table.runs.len() * 2).max(64);
    }
    run
}

fn fresh(text: &str) -> SharedRun {
    SharedRun {
        text: Bytes::copy_from_slice(text.as_bytes()),
        gz: OnceLock::new(),
        br: OnceLock::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_share_one_run_and_the_table_forgets_unused_ones() {
        let a = intern("<header>menu one</header>");
        let b = intern(&String::from("<header>menu one</header>"));
        assert!(Arc::ptr_eq(&a, &b));
        let c = intern("<header>menu two</header>");
        assert!(!Arc::ptr_eq(&a, &c));
        assert_eq!(&c.text()[..], b"<header>menu two</header>");
        // A run no page holds is still there for the next page, pieces and all.
        let pieces: *const GzPieces = c.gz();
        drop(c);
        let again = intern("<header>menu two</header>");
        assert!(std::ptr::eq(again.gz(), pieces));
        // Runs no page holds are swept once the table has grown.
        for i in 0..200 {
            drop(intern(&format!("run {i}")));
        }
        let table = TABLE.lock().unwrap();
        assert!(table.runs.len() < 200, "{} entries kept", table.runs.len());
        assert!(
            table.runs.values().any(|r| Arc::ptr_eq(r, &a)),
            "a run in use was swept"
        );
    }

    #[test]
    fn a_runs_pieces_decompress_to_its_text() {
        let run = intern("<footer>&copy; The Daily · <a href=\"/\">Home</a></footer>");
        let mut out = Vec::new();
        let mut gz = crate::respond::pieces::GzWriter::start(&mut out);
        gz.piece(run.gz(), 0);
        gz.finish();
        let mut text = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&out[..]), &mut text).unwrap();
        assert_eq!(text, run.text()[..]);
    }
}
