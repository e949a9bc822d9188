//! The connection's two read deadlines, on one timer: a request's head must
//! arrive within the header timeout of when the connection was ready for
//! it (opened, or its last answer written), and after an answer a client
//! that sends nothing for the keep-alive timeout is closed, so neither
//! trickled headers (slowloris) nor idle keep-alive sockets pile up.
//!
//! hyper can bound the head itself (`header_read_timeout`), but it makes a
//! new timer for every request and registers it while the connection waits
//! for the next one: a boxed sleep, two clock reads and a timer wheel
//! insert and removal per request, in the cached page's profile. Here the
//! end of the head is seen in the bytes read (its first blank line), and
//! the one timer is moved only when it fires early.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// How long each wait may last.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadlines {
    pub(crate) head: Duration,
    pub(crate) keep_alive: Duration,
}

impl Deadlines {
    /// The shortest wait: no deadline set from now on can fall earlier
    /// than now plus this, so the timer never needs moving earlier.
    fn shortest(&self) -> Duration {
        self.head.min(self.keep_alive)
    }
}

pub(crate) struct IdleIo<T> {
    inner: T,
    limits: Deadlines,
    /// Fires no later than the current deadline; it may fire earlier (it is
    /// not moved on every request), and is then set again.
    timer: Pin<Box<Sleep>>,
    /// When the connection became ready for a request: opened, or answered.
    since: Instant,
    /// An answer was written and nothing has been read since.
    quiet: bool,
    /// Reading a request's head, which has not ended yet.
    head: Option<HeadScan>,
}

impl<T> IdleIo<T> {
    pub(crate) fn new(inner: T, limits: Deadlines) -> Self {
        let since = Instant::now();
        Self {
            inner,
            limits,
            timer: Box::pin(tokio::time::sleep_until(since + limits.shortest())),
            since,
            quiet: false,
            head: Some(HeadScan::default()),
        }
    }

    /// When reading must have got further, if a deadline runs: the head's,
    /// or, before anything is read after an answer, the keep-alive one.
    fn due(&self) -> Option<Instant> {
        self.head.as_ref()?;
        let wait = if self.quiet {
            self.limits.shortest()
        } else {
            self.limits.head
        };
        Some(self.since + wait)
    }

    /// `Err` once the deadline has passed; otherwise the timer is set to
    /// wake the reader by then.
    fn check(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        if !self.timer_passed(cx) {
            return Ok(());
        }
        let what = if self.quiet {
            "keep-alive connection idle"
        } else {
            "request headers too slow"
        };
        Err(io::Error::new(io::ErrorKind::TimedOut, what))
    }

    /// Whether the deadline has passed; if not, the timer will wake the
    /// task by then (it is polled with `cx`).
    fn timer_passed(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(due) = self.due() else { return false };
        while self.timer.as_mut().poll(cx).is_ready() {
            let now = Instant::now();
            // Within the timer's millisecond of it counts as due, so a
            // wake-up a hair early never spins here.
            if now + Duration::from_millis(1) >= due {
                return true;
            }
            let next = due.min(now + self.limits.shortest());
            self.timer.as_mut().reset(next);
        }
        false
    }
}

/// Finds the end of a request's head: the first blank line after a line
/// with something on it (blank lines before the request line are skipped,
/// as HTTP parsers do, so they cannot end the wait).
#[derive(Debug, Default)]
struct HeadScan {
    /// A byte other than CR and LF was seen.
    content: bool,
    /// The current line has held only CRs so far.
    line_has_content: bool,
}

impl HeadScan {
    /// Whether the head ends within `bytes`.
    fn ends_in(&mut self, mut bytes: &[u8]) -> bool {
        loop {
            let nl = bytes.iter().position(|&b| b == b'\n');
            let line = &bytes[..nl.unwrap_or(bytes.len())];
            if line.iter().any(|&b| b != b'\r') {
                self.content = true;
                self.line_has_content = true;
            }
            let Some(nl) = nl else { return false };
            if self.content && !self.line_has_content {
                return true;
            }
            self.line_has_content = false;
            bytes = &bytes[nl + 1..];
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for IdleIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let read = &buf.filled()[before..];
                if !read.is_empty() {
                    self.quiet = false;
                    if let Some(scan) = self.head.as_mut()
                        && scan.ends_in(read)
                    {
                        self.head = None;
                    }
                }
                Poll::Ready(Ok(()))
            }
            Poll::Pending => match self.check(cx) {
                Ok(()) => Poll::Pending,
                Err(e) => Poll::Ready(Err(e)),
            },
            other => other,
        }
    }
}

impl<T: AsyncWrite + Unpin> IdleIo<T> {
    /// An answer (or part of one) went out: the connection is ready for the
    /// next request from now on. hyper may have polled the read already,
    /// while no deadline ran (the request's head had ended), so the timer
    /// is polled here: it wakes the task when the new deadline is due,
    /// and the read then fails.
    fn wrote(&mut self, n: usize, cx: &mut Context<'_>) {
        if n > 0 {
            self.since = Instant::now();
            self.quiet = true;
            self.head = Some(HeadScan::default());
            if self.timer_passed(cx) {
                cx.waker().wake_by_ref();
            }
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for IdleIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let n = ready!(Pin::new(&mut self.inner).poll_write(cx, buf))?;
        self.wrote(n, cx);
        Poll::Ready(Ok(n))
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let n = ready!(Pin::new(&mut self.inner).poll_write_vectored(cx, bufs))?;
        self.wrote(n, cx);
        Poll::Ready(Ok(n))
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::HeadScan;

    fn ends(chunks: &[&[u8]]) -> Option<usize> {
        let mut scan = HeadScan::default();
        chunks.iter().position(|c| scan.ends_in(c))
    }

    #[test]
    fn the_head_ends_at_its_first_blank_line_however_it_is_cut() {
        let head = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        assert_eq!(ends(&[head]), Some(0));
        for cut in 1..head.len() {
            assert_eq!(ends(&[&head[..cut], &head[cut..]]), Some(1), "cut at {cut}");
        }
        assert_eq!(ends(&[b"GET / HTTP/1.1\nHost: x\n\nbody\r\n\r\n"]), Some(0));
        assert_eq!(
            ends(&[b"GET / HTTP/1.1\r\n", b"X-a: b\r\n", b"X-a: b\r\n"]),
            None
        );
        // Blank lines before the request line do not end it (a client could
        // otherwise send them first and trickle the rest).
        assert_eq!(ends(&[b"\r\n\r\n\n", b"\r\n", b"GET / HTTP/1.1\r\n"]), None);
        assert_eq!(ends(&[b"\r\n\r\nGET / HTTP/1.1\r\n", b"\r\n"]), Some(1));
    }
}
