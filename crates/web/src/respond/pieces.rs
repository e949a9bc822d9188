//! Pages with count holes, compressed once and still live.
//!
//! A cached page is static text with holes where view counts go. Each run
//! of static text is compressed once, as a piece that can be joined to
//! others; per request only the digits are added, uncompressed, between
//! the pieces. So a compressed page costs a copy of its pieces and a few
//! bytes of framing, and its counts are as live as the identity page's.
//!
//! - gzip: each piece is raw deflate ending in a sync flush (byte aligned,
//!   not final), from a fresh compressor, so it refers to nothing before it.
//!   Digits go in a stored block. The member's CRC-32 is combined from the
//!   pieces' CRCs (computed once) and the digits', and an empty final block,
//!   the CRC and the length close it.
//! - brotli: each piece is a stream made "catable" (it starts byte aligned
//!   and never refers to data or distances before it), digits are a tiny
//!   stream of one uncompressed meta-block, and `brotli::concat::BroCatli`
//!   splices the streams, which touches only the few bits where they meet.

use super::compress::{BROTLI_LGWIN, GZIP_LEVEL, brotli};
use crc32fast::Hasher as Crc;
use std::io::Write;

/// The static runs of one page in each coding.
pub struct GzPieces {
    pieces: Vec<(Vec<u8>, Crc)>,
}

pub struct BrPieces {
    pieces: Vec<Vec<u8>>,
}

/// A gzip header: no name, no time, unknown OS.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
/// A final, empty block with fixed Huffman codes: BFINAL=1, BTYPE=01, end of block.
const DEFLATE_END: [u8; 2] = [0x03, 0x00];

impl GzPieces {
    pub fn new<'a>(runs: impl Iterator<Item = &'a [u8]>) -> Self {
        let pieces = runs
            .map(|run| {
                let mut enc = flate2::write::DeflateEncoder::new(
                    Vec::with_capacity(run.len() / 3 + 16),
                    flate2::Compression::new(GZIP_LEVEL),
                );
                let _ = enc.write_all(run);
                // A sync flush ends on a byte boundary without a final block.
                let _ = enc.flush();
                let bytes = std::mem::take(enc.get_mut());
                let mut crc = Crc::new();
                crc.update(run);
                (bytes, crc)
            })
            .collect();
        Self { pieces }
    }
}

/// A gzip member being written from pieces and digits, in page order.
pub struct GzWriter<'o> {
    out: &'o mut Vec<u8>,
    crc: Crc,
}

impl<'o> GzWriter<'o> {
    pub fn start(out: &'o mut Vec<u8>) -> Self {
        out.extend_from_slice(&GZIP_HEADER);
        Self {
            out,
            crc: Crc::new(),
        }
    }

    /// Static run `i` of `pieces`.
    pub fn piece(&mut self, pieces: &GzPieces, i: usize) {
        if let Some((bytes, crc)) = pieces.pieces.get(i) {
            self.out.extend_from_slice(bytes);
            self.crc.combine(crc);
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
        self.crc.update(d);
    }

    pub fn finish(self) {
        let len = self.crc.total_len();
        self.out.extend_from_slice(&DEFLATE_END);
        self.out
            .extend_from_slice(&self.crc.finalize().to_le_bytes());
        // ISIZE is the length modulo 2^32.
        self.out.extend_from_slice(&(len as u32).to_le_bytes());
    }
}

impl BrPieces {
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
            let gz = GzPieces::new(runs.iter().map(|r| r.as_bytes()));
            let br = BrPieces::new(runs.iter().map(|r| r.as_bytes()));
            for _ in 0..2 {
                let mut out = Vec::new();
                let mut w = GzWriter::start(&mut out);
                for i in 0..runs.len() {
                    w.piece(&gz, i);
                    if let Some(x) = d.get(i) {
                        w.digits(x);
                    }
                }
                w.finish();
                assert_eq!(gunzip(&out), want.as_bytes(), "gzip {runs:?}");
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
}
