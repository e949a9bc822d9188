//! A cached page's identity body as the page keeps it: its long runs of
//! static text sent as shared `Bytes` (no copy per request), the counts and
//! the short runs between them copied into one small buffer.
//!
//! hyper writes a body's chunks with one `writev` of at most 16 buffers, so
//! a page is cut into few chunks: runs shorter than `SHARE_AT` are copied,
//! and past `MAX_CHUNKS` everything is.

use axum::body::Bytes;
use http_body::{Frame, SizeHint};
use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Runs at least this long are shared rather than copied.
const SHARE_AT: usize = 1024;
/// Chunks of one body at most (hyper's write queue takes 16 with the headers).
const MAX_CHUNKS: usize = 12;
/// The first buffer for copied text.
const SMALL_ROOM: usize = 4096;

/// The body: its chunks, in order, and the bytes left to send.
pub struct Chunks {
    parts: VecDeque<Bytes>,
    left: u64,
}

/// Builds `Chunks` from runs and digits in page order.
pub struct ChunksBuilder {
    parts: VecDeque<Bytes>,
    small: Vec<u8>,
    len: u64,
}

impl ChunksBuilder {
    pub fn new() -> Self {
        Self {
            parts: VecDeque::with_capacity(MAX_CHUNKS),
            // Room for a page's short runs and counts: growing it by doubling
            // showed as reallocations in the profile.
            small: Vec::with_capacity(SMALL_ROOM),
            len: 0,
        }
    }

    /// A run of static text the page keeps.
    pub fn run(&mut self, b: &Bytes) {
        self.len += b.len() as u64;
        if b.len() >= SHARE_AT && self.parts.len() + 2 < MAX_CHUNKS {
            self.cut();
            self.parts.push_back(b.clone());
        } else {
            self.small.extend_from_slice(b);
        }
    }

    /// Text made for this request (the counts).
    pub fn copied(&mut self, d: &[u8]) {
        self.len += d.len() as u64;
        self.small.extend_from_slice(d);
    }

    fn cut(&mut self) {
        if !self.small.is_empty() {
            let small = std::mem::replace(&mut self.small, Vec::with_capacity(SMALL_ROOM / 4));
            self.parts.push_back(Bytes::from(small));
        }
    }

    pub fn finish(mut self) -> Chunks {
        self.cut();
        Chunks {
            parts: self.parts,
            left: self.len,
        }
    }
}

impl Default for ChunksBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl Chunks {
    /// The whole body in one buffer (tests, and callers that need the bytes).
    pub fn concat(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.left as usize);
        self.parts.iter().for_each(|p| out.extend_from_slice(p));
        out
    }

    pub fn chunk_count(&self) -> usize {
        self.parts.len()
    }
}

impl http_body::Body for Chunks {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let me = self.get_mut();
        Poll::Ready(me.parts.pop_front().map(|b| {
            me.left -= b.len() as u64;
            Ok(Frame::data(b))
        }))
    }

    fn is_end_stream(&self) -> bool {
        self.parts.is_empty()
    }

    /// Exact, so the answer carries a `Content-Length`, not chunked coding.
    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.left)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn chunks_are_the_page_in_order_with_its_length() {
        let long = Bytes::from(vec![b'a'; 3000]);
        let short = Bytes::from_static(b"<b>");
        let mut b = ChunksBuilder::new();
        b.run(&short);
        b.copied(b"12");
        b.run(&long);
        b.copied(b"-3");
        b.run(&short);
        let body = b.finish();
        let mut want = b"<b>12".to_vec();
        want.extend_from_slice(&long);
        want.extend_from_slice(b"-3<b>");
        assert_eq!(body.concat(), want);
        assert_eq!(
            body.chunk_count(),
            3,
            "the long run is shared, the rest joined"
        );
        assert_eq!(
            http_body::Body::size_hint(&body).exact(),
            Some(want.len() as u64)
        );
        let got = axum::body::to_bytes(axum::body::Body::new(body), usize::MAX)
            .await
            .unwrap();
        assert_eq!(&got[..], &want[..]);
    }

    #[test]
    fn many_long_runs_stay_within_the_chunk_bound() {
        let long = Bytes::from(vec![b'x'; 2000]);
        let mut b = ChunksBuilder::new();
        for i in 0..40 {
            b.run(&long);
            b.copied(i.to_string().as_bytes());
        }
        let body = b.finish();
        assert!(body.chunk_count() <= MAX_CHUNKS, "{}", body.chunk_count());
        assert_eq!(body.concat().len(), 40 * 2000 + 10 + 30 * 2);
    }
}
