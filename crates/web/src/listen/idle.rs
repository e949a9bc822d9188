//! The keep-alive idle timeout. hyper bounds the time to read a request's
//! headers; this bounds the quiet time after an answer: once a response has
//! been written and the client sends nothing more for the timeout, reading
//! fails and the connection closes, so idle keep-alive sockets do not pile up.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

pub(crate) struct IdleIo<T> {
    inner: T,
    timeout: Duration,
    /// Fires no later than `answered_at + timeout`; it may fire earlier (it
    /// is not moved on every write, which showed in the hot page's
    /// profile), and is then set again to the last answer's due time.
    deadline: Pin<Box<Sleep>>,
    /// An answer was written and nothing has been read since.
    after_answer: bool,
    answered_at: Instant,
}

impl<T> IdleIo<T> {
    pub(crate) fn new(inner: T, timeout: Duration) -> Self {
        Self {
            inner,
            timeout,
            deadline: Box::pin(tokio::time::sleep(timeout)),
            after_answer: false,
            answered_at: Instant::now(),
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
                if buf.filled().len() > before {
                    self.after_answer = false;
                }
                Poll::Ready(Ok(()))
            }
            Poll::Pending => {
                while self.after_answer && self.deadline.as_mut().poll(cx).is_ready() {
                    let due = self.answered_at + self.timeout;
                    // Within the timer's millisecond of it counts as due, so
                    // a wake-up a hair early never spins here.
                    if Instant::now() + Duration::from_millis(1) >= due {
                        return Poll::Ready(Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            "keep-alive connection idle",
                        )));
                    }
                    // Set for an earlier answer: wait for the last one's due time.
                    self.deadline.as_mut().reset(due);
                }
                Poll::Pending
            }
            other => other,
        }
    }
}

impl<T: AsyncWrite + Unpin> IdleIo<T> {
    fn wrote(&mut self, n: usize) {
        if n > 0 {
            self.after_answer = true;
            self.answered_at = Instant::now();
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
        self.wrote(n);
        Poll::Ready(Ok(n))
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let n = ready!(Pin::new(&mut self.inner).poll_write_vectored(cx, bufs))?;
        self.wrote(n);
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
