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

use super::compress::{BROTLI_LGWIN, brotli};
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
                    flate2::Compression::best(),
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

    /// The page: `runs[0] digits[0] runs[1] digits[1] ... runs[n]`, one more
    /// run than digit strings.
    pub fn emit(&self, digits: &[&[u8]], out: &mut Vec<u8>) {
        out.extend_from_slice(&GZIP_HEADER);
        let mut crc = Crc::new();
        let mut len: u64 = 0;
        for (i, (bytes, piece_crc)) in self.pieces.iter().enumerate() {
            out.extend_from_slice(bytes);
            crc.combine(piece_crc);
            len += piece_crc.total_len();
            if let Some(d) = digits.get(i) {
                // A stored block, BFINAL=0: its 3 header bits pad to the byte.
                let n = d.len() as u16;
                out.push(0);
                out.extend_from_slice(&n.to_le_bytes());
                out.extend_from_slice(&(!n).to_le_bytes());
                out.extend_from_slice(d);
                crc.update(d);
                len += d.len() as u64;
            }
        }
        out.extend_from_slice(&DEFLATE_END);
        out.extend_from_slice(&crc.finalize().to_le_bytes());
        out.extend_from_slice(&(len as u32).to_le_bytes());
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

    pub fn emit(&self, digits: &[&[u8]], out: &mut Vec<u8>) {
        let mut cat = brotli::concat::BroCatli::new_with_window_size(BROTLI_LGWIN as u8);
        let mut framed = Vec::with_capacity(32);
        for (i, piece) in self.pieces.iter().enumerate() {
            feed(&mut cat, piece, out);
            if let Some(d) = digits.get(i) {
                framed.clear();
                uncompressed_stream(d, &mut framed);
                feed(&mut cat, &framed, out);
            }
        }
        loop {
            let start = out.len();
            out.resize(start + 64, 0);
            let mut at = start;
            let r = cat.finish(out, &mut at);
            out.truncate(at);
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
        flate2::read::GzDecoder::new(b).read_to_end(&mut out).unwrap();
        out
    }

    fn unbrotli(b: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        brotli::Decompressor::new(b, 4096).read_to_end(&mut out).unwrap();
        out
    }

    #[test]
    fn joined_pieces_decompress_to_the_identity_bytes() {
        let long: String = (0..3000).map(|i| format!("<li>item {i} of the list</li>")).collect();
        let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
            (vec!["<p>only text</p>"], vec![]),
            (vec!["", ""], vec!["0"]),
            (vec!["<a>", "</a><b>", ""], vec!["1367", "9223372036854775807"]),
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
                gz.emit(&d, &mut out);
                assert_eq!(gunzip(&out), want.as_bytes(), "gzip {runs:?}");
                let mut out = Vec::new();
                br.emit(&d, &mut out);
                assert_eq!(unbrotli(&out), want.as_bytes(), "brotli {runs:?}");
            }
        }
    }
}
