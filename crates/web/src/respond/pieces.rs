//! Pages with count holes, compressed once and still live.
//!
//! A cached page is static text with holes where view counts go. Each run
//! of static text is compressed once; per request only the digits are
//! added, uncompressed, between the pieces. So a compressed page costs a
//! copy of its pieces and a few bytes of framing, and its counts are as
//! live as the identity page's.
//!
//! - gzip: the runs are one deflate stream, each run ending in a sync flush
//!   (byte aligned, not final), so a later run may refer back to an earlier
//!   one, as in a page compressed whole. Where digits go, the compressor is
//!   told of as many bytes of `0xFF` (`set_dictionary`, which a raw stream
//!   takes after a flush): they count in its window, so distances past them
//!   are right, but no match can use them, since `0xFF` never occurs in
//!   UTF-8. The digits then go in a stored block of exactly that length.
//!   The pieces therefore fit counts of the lengths they were made for
//!   (`GzPieces::fits`); a count that gains a digit has the page's pieces
//!   made again. Where the latest-news list goes, whose length changes with
//!   every new article, the stream starts afresh. The member's CRC-32 is
//!   combined from the pieces' CRCs (computed once) and the digits', and an
//!   empty final block, the CRC and the length close it.
//! - brotli: each piece is a stream made "catable" (it starts byte aligned
//!   and never refers to data or distances before it), digits are a tiny
//!   stream of one uncompressed meta-block, and `brotli::concat::BroCatli`
//!   splices the streams, which touches only the few bits where they meet.
//!   Pieces that cannot refer to each other make a page 1.8 times the size
//!   of its gzip chain (docs/PERFORMANCE.md, "Gzip chains"), so pages go in
//!   brotli only to a client that weighs it above gzip.

use super::compress::{BROTLI_LGWIN, GZIP_LEVEL, brotli};
use super::crc_join::{Shift, join};
use axum::body::Bytes;
use std::cell::RefCell;
use std::sync::atomic::{AtomicU32, Ordering};

/// The static runs of one page as a gzip chain, for counts of given lengths.
pub struct GzPieces {
    pieces: Vec<GzPiece>,
    /// What lies between run `i` and run `i + 1`.
    gaps: Vec<Gap>,
    level: u32,
    served: AtomicU32,
}

/// One run, compressed, with what joining it into a member's CRC takes.
struct GzPiece {
    bytes: Vec<u8>,
    /// The run's uncompressed length, CRC, and the shift its length gives.
    len: u64,
    crc: u32,
    shift: Shift,
}

/// What lies between two runs of a page.
#[derive(Debug, Clone)]
pub enum Gap {
    /// Digits of this length.
    Digits(u8),
    /// Text of changing length (the latest-news list): the chain restarts.
    Restart,
    /// Text that is always the same here, compressed on its own (a shared
    /// run, `crate::shared_runs`): the chain goes on through it, told of
    /// its bytes as of the digits', so later runs may refer back into it.
    Fixed(Bytes),
}

impl PartialEq for Gap {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Gap::Digits(a), Gap::Digits(b)) => a == b,
            (Gap::Restart, Gap::Restart) => true,
            // A page's fixed gaps are its own shared runs: the same bytes
            // where they are the same allocation.
            (Gap::Fixed(a), Gap::Fixed(b)) => a.as_ptr() == b.as_ptr() && a.len() == b.len(),
            _ => false,
        }
    }
}

impl Eq for Gap {}

pub struct BrPieces {
    pieces: Vec<Vec<u8>>,
}

/// A gzip header: no name, no time, unknown OS.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
/// A final, empty block with fixed Huffman codes: BFINAL=1, BTYPE=01, end of block.
const DEFLATE_END: [u8; 2] = [0x03, 0x00];
/// Stands for digits in the compressor's window: never a byte of UTF-8.
const PLACEHOLDER: [u8; 32] = [0xFF; 32];

/// The level a page's first pieces are made at. Most pages of a large site
/// are asked for once or twice, so making them costs more than sending
/// them: level 1 makes the demo's article page in a fifth of level 6's time
/// for a quarter more bytes.
pub const GZIP_FIRST_LEVEL: u32 = 1;
/// Pieces that have served this many responses are made again at
/// `GZIP_LEVEL`: the page has shown it is read.
pub const GZIP_HOT_AFTER: u32 = 8;

impl GzPieces {
    /// `runs` are UTF-8 text; `gaps` has one entry fewer.
    pub fn new<'a>(runs: impl Iterator<Item = &'a [u8]>, gaps: &[Gap], level: u32) -> Self {
        let pieces = with_compressor(level, |c| {
            runs.enumerate()
                .map(|(i, run)| {
                    let bytes = sync_flushed(c, run);
                    match gaps.get(i) {
                        Some(&Gap::Digits(n)) if n > 0 => {
                            let n = usize::from(n).min(PLACEHOLDER.len());
                            if c.set_dictionary(&PLACEHOLDER[..n]).is_err() {
                                // Not expected after a flush; a fresh start is always right.
                                c.reset();
                            }
                        }
                        Some(Gap::Restart) => c.reset(),
                        Some(Gap::Fixed(text)) => {
                            if c.set_dictionary(text).is_err() {
                                c.reset();
                            }
                        }
                        _ => {}
                    }
                    GzPiece {
                        bytes,
                        len: run.len() as u64,
                        crc: crc32fast::hash(run),
                        shift: Shift::of_len(run.len() as u64),
                    }
                })
                .collect()
        });
        Self {
            pieces,
            gaps: gaps.to_vec(),
            level,
            served: AtomicU32::new(0),
        }
    }

    /// Whether these pieces hold counts of the lengths in `gaps`.
    pub fn fits(&self, gaps: impl Iterator<Item = Gap>) -> bool {
        let mut n = 0;
        for g in gaps {
            if self.gaps.get(n) != Some(&g) {
                return false;
            }
            n += 1;
        }
        n == self.gaps.len()
    }

    /// Memory these pieces hold, give or take their bookkeeping.
    pub fn held_bytes(&self) -> usize {
        let pieces: usize = self.pieces.iter().map(|p| p.bytes.len() + 48).sum();
        pieces + self.gaps.len() * 40 + 64
    }

    pub fn level(&self) -> u32 {
        self.level
    }

    /// The compressed length of run `i`.
    pub fn piece_len(&self, i: usize) -> usize {
        self.pieces.get(i).map_or(0, |p| p.bytes.len())
    }

    /// Counts one response; true once the pieces have served enough to be
    /// made again at `GZIP_LEVEL` (once: the caller replaces them).
    pub fn turns_hot(&self) -> bool {
        self.level < GZIP_LEVEL && self.served.fetch_add(1, Ordering::Relaxed) + 1 == GZIP_HOT_AFTER
    }
}

thread_local! {
    /// A raw deflate compressor per level, reset between pages: making one
    /// (its window and tables) cost as much as compressing a page at level 1.
    static COMPRESSORS: RefCell<Vec<(u32, flate2::Compress)>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with a fresh raw deflate compressor at `level`, reused.
fn with_compressor<T>(level: u32, f: impl FnOnce(&mut flate2::Compress) -> T) -> T {
    let mut c = COMPRESSORS
        .with_borrow_mut(|cs| {
            cs.iter()
                .position(|(l, _)| *l == level)
                .map(|i| cs.swap_remove(i).1)
        })
        .unwrap_or_else(|| flate2::Compress::new(flate2::Compression::new(level), false));
    let out = f(&mut c);
    c.reset();
    COMPRESSORS.with_borrow_mut(|cs| {
        if cs.len() < 4 {
            cs.push((level, c));
        }
    });
    out
}

/// `run` through `c`, ending in a sync flush: the output ends byte aligned
/// and the compressor holds nothing back.
fn sync_flushed(c: &mut flate2::Compress, run: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(run.len() / 2 + 64);
    let mut input = run;
    loop {
        let before = c.total_in();
        let status = c.compress_vec(input, &mut out, flate2::FlushCompress::Sync);
        input = &input[(c.total_in() - before) as usize..];
        // Done when all went in and the flush left room to spare in `out`;
        // an error (none is expected writing to memory) ends the piece too.
        if status.is_err() || (input.is_empty() && out.len() < out.capacity()) {
            break;
        }
        out.reserve(out.capacity().max(256));
    }
    out
}

/// A gzip member being written from pieces and digits, in page order.
pub struct GzWriter<'o> {
    out: &'o mut Vec<u8>,
    crc: u32,
    len: u64,
}

impl<'o> GzWriter<'o> {
    pub fn start(out: &'o mut Vec<u8>) -> Self {
        out.extend_from_slice(&GZIP_HEADER);
        Self {
            out,
            crc: 0,
            len: 0,
        }
    }

    /// Static run `i` of `pieces`.
    pub fn piece(&mut self, pieces: &GzPieces, i: usize) {
        if let Some(p) = pieces.pieces.get(i) {
            self.out.extend_from_slice(&p.bytes);
            self.crc = join(self.crc, p.crc, p.shift);
            self.len += p.len;
        }
    }

    /// Live text, in a stored block (BFINAL=0; its 3 header bits pad to the
    /// byte). At most 65,535 bytes: digits are 20.
    pub fn digits(&mut self, d: &[u8]) {
        let d = &d[..d.len().min(u16::MAX as usize)];
        let n = d.len() as u16;
        self.out.push(0);
        self.out.extend_from_slice(&n.to_le_bytes());
        self.out.extend_from_slice(&(!n).to_le_bytes());
        self.out.extend_from_slice(d);
        // A few bytes: carried on directly, no shift needed.
        let mut crc = crc32fast::Hasher::new_with_initial(self.crc);
        crc.update(d);
        self.crc = crc.finalize();
        self.len += d.len() as u64;
    }

    pub fn finish(self) {
        self.out.extend_from_slice(&DEFLATE_END);
        self.out.extend_from_slice(&self.crc.to_le_bytes());
        // ISIZE is the length modulo 2^32.
        self.out.extend_from_slice(&(self.len as u32).to_le_bytes());
    }
}

impl BrPieces {
    /// All pieces' compressed length.
    pub fn len(&self) -> usize {
        self.pieces.iter().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.pieces.is_empty()
    }

    /// Memory these pieces hold, give or take their bookkeeping.
    pub fn held_bytes(&self) -> usize {
        self.len() + self.pieces.len() * 24 + 24
    }

    pub fn new<'a>(runs: impl Iterator<Item = &'a [u8]>) -> Self {
        let params = brotli::enc::BrotliEncoderParams {
            catable: true,
            appendable: true,
            use_dictionary: false,
            byte_align: true,
            ..super::compress::brotli_params()
        };
        Self {
            pieces: runs.map(|run| brotli(run, &params)).collect(),
        }
    }
}

/// A brotli stream being spliced from pieces and digits, in page order.
pub struct BrWriter<'o> {
    out: &'o mut Vec<u8>,
    cat: brotli::concat::BroCatli,
    framed: Vec<u8>,
}

impl<'o> BrWriter<'o> {
    pub fn start(out: &'o mut Vec<u8>) -> Self {
        Self {
            out,
            cat: brotli::concat::BroCatli::new_with_window_size(BROTLI_LGWIN as u8),
            framed: Vec::with_capacity(32),
        }
    }

    /// Static run `i` of `pieces`.
    pub fn piece(&mut self, pieces: &BrPieces, i: usize) {
        if let Some(p) = pieces.pieces.get(i) {
            feed(&mut self.cat, p, self.out);
        }
    }

    /// Live text, as a stream of one uncompressed meta-block (1 to 65,536 bytes).
    pub fn digits(&mut self, d: &[u8]) {
        if d.is_empty() {
            return;
        }
        self.framed.clear();
        uncompressed_stream(&d[..d.len().min(1 << 16)], &mut self.framed);
        feed(&mut self.cat, &self.framed, self.out);
    }

    pub fn finish(mut self) {
        loop {
            let start = self.out.len();
            self.out.resize(start + 64, 0);
            let mut at = start;
            let r = self.cat.finish(self.out, &mut at);
            self.out.truncate(at);
            if r != brotli::concat::BroCatliResult::NeedsMoreOutput {
                break;
            }
        }
    }
}

/// Appends one catable stream through `cat`.
fn feed(cat: &mut brotli::concat::BroCatli, stream: &[u8], out: &mut Vec<u8>) {
    cat.new_brotli_file();
    let mut read = 0;
    loop {
        let start = out.len();
        out.resize(start + stream.len() - read + 16, 0);
        let mut at = start;
        let r = cat.stream(stream, &mut read, out, &mut at);
        out.truncate(at);
        if r != brotli::concat::BroCatliResult::NeedsMoreOutput {
            break;
        }
    }
}

/// A whole brotli stream holding `data` (at most 65,536 bytes) as one
/// uncompressed meta-block: window bits `0` (16), then ISLAST=0, MNIBBLES=0
/// (four nibbles), MLEN-1 in 16 bits, ISUNCOMPRESSED=1, padding; the bytes;
/// then the final empty meta-block (ISLAST=1, ISLASTEMPTY=1).
fn uncompressed_stream(data: &[u8], out: &mut Vec<u8>) {
    debug_assert!(!data.is_empty() && data.len() <= 1 << 16);
    let header: u32 = (((data.len() as u32) - 1) << 4) | (1 << 20);
    out.extend_from_slice(&header.to_le_bytes()[..3]);
    out.extend_from_slice(data);
    out.push(0x03);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn gunzip(b: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(b)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    fn unbrotli(b: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        brotli::Decompressor::new(b, 4096)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn joined_pieces_decompress_to_the_identity_bytes() {
        let long: String = (0..3000)
            .map(|i| format!("<li>item {i} of the list</li>"))
            .collect();
        let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
            (vec!["<p>only text</p>"], vec![]),
            (vec!["", ""], vec!["0"]),
            (
                vec!["<a>", "</a><b>", ""],
                vec!["1367", "9223372036854775807"],
            ),
            (vec![long.as_str(), "<i>", long.as_str()], vec!["-5", "42"]),
        ];
        for (runs, digits) in cases {
            let want: String = runs
                .iter()
                .enumerate()
                .map(|(i, r)| format!("{r}{}", digits.get(i).unwrap_or(&"")))
                .collect();
            let d: Vec<&[u8]> = digits.iter().map(|s| s.as_bytes()).collect();
            let gaps: Vec<Gap> = d.iter().map(|x| Gap::Digits(x.len() as u8)).collect();
            let br = BrPieces::new(runs.iter().map(|r| r.as_bytes()));
            for level in [GZIP_FIRST_LEVEL, 2, GZIP_LEVEL, 9] {
                let gz = GzPieces::new(runs.iter().map(|r| r.as_bytes()), &gaps, level);
                assert!(gz.fits(gaps.iter().cloned()));
                let mut out = Vec::new();
                let mut w = GzWriter::start(&mut out);
                for i in 0..runs.len() {
                    w.piece(&gz, i);
                    if let Some(x) = d.get(i) {
                        w.digits(x);
                    }
                }
                w.finish();
                assert_eq!(gunzip(&out), want.as_bytes(), "gzip {level} {runs:?}");
            }
            for _ in 0..2 {
                let mut out = Vec::new();
                let mut w = BrWriter::start(&mut out);
                for i in 0..runs.len() {
                    w.piece(&br, i);
                    if let Some(x) = d.get(i) {
                        w.digits(x);
                    }
                }
                w.finish();
                assert_eq!(unbrotli(&out), want.as_bytes(), "brotli {runs:?}");
            }
        }
    }

    /// Assembles a gzip member from `gz`, putting `fill[i]` after run `i`.
    fn gz_page(gz: &GzPieces, runs: usize, fill: &[Vec<u8>]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut w = GzWriter::start(&mut out);
        for i in 0..runs {
            w.piece(gz, i);
            if let Some(x) = fill.get(i) {
                w.digits(x);
            }
        }
        w.finish();
        out
    }

    #[test]
    fn a_chain_holds_any_counts_of_its_lengths() {
        // List items alike but for their counts, so later runs refer back
        // across the holes, as on a real page.
        let item = "</span></a></li>\n<li class=\"item\"><a href=\"/a/1\">Same headline again <span data-views=\"";
        let runs: Vec<String> = (0..40).map(|i| format!("{item}{i}\">")).collect();
        let lens: Vec<usize> = (0..39).map(|i| 1 + i % 5).collect();
        let gaps: Vec<Gap> = lens.iter().map(|&n| Gap::Digits(n as u8)).collect();
        for level in [GZIP_FIRST_LEVEL, GZIP_LEVEL] {
            let gz = GzPieces::new(runs.iter().map(|r| r.as_bytes()), &gaps, level);
            for seed in 0..20u64 {
                let fill: Vec<Vec<u8>> = lens
                    .iter()
                    .enumerate()
                    .map(|(i, &n)| {
                        (0..n)
                            .map(|k| b'0' + ((seed * 31 + i as u64 * 7 + k as u64 * 3) % 10) as u8)
                            .collect()
                    })
                    .collect();
                let want: Vec<u8> = runs
                    .iter()
                    .enumerate()
                    .flat_map(|(i, r)| {
                        let mut v = r.as_bytes().to_vec();
                        v.extend(fill.get(i).into_iter().flatten());
                        v
                    })
                    .collect();
                assert_eq!(
                    gunzip(&gz_page(&gz, runs.len(), &fill)),
                    want,
                    "level {level}"
                );
            }
            // Compressed together: far smaller than the runs' total.
            let total: usize = gz.pieces.iter().map(|p| p.bytes.len()).sum();
            assert!(
                total * 4 < runs.iter().map(String::len).sum::<usize>(),
                "{total}"
            );
            let mut longer = gaps.clone();
            longer[3] = Gap::Digits(6);
            assert!(!gz.fits(longer.iter().cloned()));
            assert!(!gz.fits(gaps[1..].iter().cloned()));
            assert!(gz.fits(gaps.iter().cloned()));
        }
    }

    #[test]
    fn a_chain_restarts_where_text_of_any_length_goes() {
        let runs = [
            "<p>head text head text</p><ul>",
            "</ul><p>head text head text</p>",
            "<b>",
            "</b>",
        ];
        let gaps = [Gap::Restart, Gap::Digits(2), Gap::Digits(1)];
        let gz = GzPieces::new(runs.iter().map(|r| r.as_bytes()), &gaps, GZIP_LEVEL);
        for slot in ["", "<li>x</li>", &"<li>a much longer list</li>".repeat(50)] {
            let fill = [slot.as_bytes().to_vec(), b"42".to_vec(), b"7".to_vec()];
            // A slot is text of its own, not a stored block of digits: write
            // it as the writer would write the fragment, here stored.
            let got = gunzip(&gz_page(&gz, runs.len(), &fill));
            let want = format!("{}{slot}{}42{}7{}", runs[0], runs[1], runs[2], runs[3]);
            assert_eq!(String::from_utf8(got).unwrap(), want);
        }
    }

    #[test]
    fn hot_pieces_are_made_again_once() {
        let gz = GzPieces::new(
            [b"<p>".as_slice(), b"</p>"].into_iter(),
            &[Gap::Digits(1)],
            GZIP_FIRST_LEVEL,
        );
        let turned: Vec<bool> = (0..GZIP_HOT_AFTER * 3).map(|_| gz.turns_hot()).collect();
        assert_eq!(turned.iter().filter(|t| **t).count(), 1);
        assert!(turned[GZIP_HOT_AFTER as usize - 1]);
        let good = GzPieces::new(
            [b"<p>".as_slice(), b"</p>"].into_iter(),
            &[Gap::Digits(1)],
            GZIP_LEVEL,
        );
        assert!((0..GZIP_HOT_AFTER * 3).all(|_| !good.turns_hot()));
    }
}
