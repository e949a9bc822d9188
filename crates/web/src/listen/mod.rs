//! Accepting connections. One loop takes every connection of the node, with
//! the bounds of [`ConnLimits`]: a global cap (at the cap, no connection is
//! accepted until one closes, so the rest wait in the kernel's queue rather
//! than the process running out of files), a per-address cap, a header read
//! timeout and an idle keep-alive timeout (`idle`), and a request body timeout.
//!
//! Requests go to the site once [`Front::open`] has handed it over; before
//! that (the database is still being reached) to the `starting` answers.

mod body;
mod idle;
mod limits;
mod starting;

pub use limits::ConnLimits;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::net::TcpListener;
use tower::ServiceExt;

/// How long shutdown waits for requests in flight.
const DRAIN: Duration = Duration::from_secs(20);

/// The HTTP front of a node. Clones share it.
#[derive(Clone)]
pub struct Front {
    inner: Arc<Inner>,
}

struct Inner {
    site: OnceLock<Router>,
    starting: Router,
    limits: ConnLimits,
}

impl Front {
    pub fn new(limits: ConnLimits) -> Self {
        Self {
            inner: Arc::new(Inner {
                site: OnceLock::new(),
                starting: starting::router(),
                limits,
            }),
        }
    }

    /// From now on every request goes to `site`. Only the first call counts.
    pub fn open(&self, site: Router) {
        let _ = self.inner.site.set(site);
    }

    /// Accepts connections until `shutdown` resolves, then waits (a while)
    /// for the requests in flight.
    pub async fn run(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send,
    ) -> std::io::Result<()> {
        let limits = &self.inner.limits;
        let cap = effective_cap(limits.max_connections);
        let slots = Arc::new(tokio::sync::Semaphore::new(cap));
        let per_ip = limits::PerIp::new(limits.max_connections_per_ip);
        let graceful = GracefulShutdown::new();
        let mut http = http1::Builder::new();
        // The header timeout is `idle`'s: hyper's arms a timer per request.
        http.header_read_timeout(None).keep_alive(true);
        let deadlines = idle::Deadlines {
            head: limits.header_timeout,
            keep_alive: limits.keep_alive_timeout,
        };
        tokio::pin!(shutdown);
        loop {
            // Backpressure: at the cap, stop accepting until a connection closes.
            let permit = tokio::select! {
                p = slots.clone().acquire_owned() => p.expect("the semaphore is never closed"),
                () = &mut shutdown => break,
            };
            let (stream, peer) = tokio::select! {
                r = listener.accept() => match r {
                    Ok(c) => c,
                    Err(e) => {
                        accept_failed(&e).await;
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            let Some(ip_slot) = per_ip.enter(peer.ip()) else {
                tracing::debug!(client = %peer.ip(), "too many connections from one address; closed");
                continue;
            };
            let _ = stream.set_nodelay(true);
            let io = TokioIo::new(idle::IdleIo::new(stream, deadlines));
            let front = self.inner.clone();
            let service = hyper::service::service_fn(move |req| handle(front.clone(), peer, req));
            let conn = graceful.watch(http.serve_connection(io, service));
            tokio::spawn(async move {
                // Errors here are the client's (timeouts, resets, bad requests).
                if let Err(e) = conn.await {
                    tracing::trace!(client = %peer, error = %e, "connection ended");
                }
                drop(ip_slot);
                drop(permit);
            });
        }
        drop(listener);
        if tokio::time::timeout(DRAIN, graceful.shutdown())
            .await
            .is_err()
        {
            tracing::warn!("requests still running at shutdown were cut off");
        }
        Ok(())
    }
}

async fn handle(
    front: Arc<Inner>,
    peer: SocketAddr,
    req: hyper::Request<Incoming>,
) -> Result<axum::response::Response, Infallible> {
    let mut req = match body::read_whole(req, front.limits.body_timeout).await {
        Ok(r) => r,
        Err(answer) => return Ok(answer),
    };
    req.extensions_mut().insert(ConnectInfo(peer));
    let router = front.site.get().unwrap_or(&front.starting).clone();
    router.oneshot(req).await
}

/// The configured cap, kept under the process's open-file limit (with room
/// for the database, log and data files), so the cap is what stops accepting.
fn effective_cap(configured: usize) -> usize {
    let configured = configured.max(1);
    match limits::open_files_limit() {
        Some(files) if files.saturating_sub(128) < configured => {
            let cap = files.saturating_sub(128).max(16);
            tracing::warn!(
                configured,
                open_files_limit = files,
                cap,
                "server.max_connections is above the open-file limit; capped (raise `ulimit -n` for more)"
            );
            cap
        }
        _ => configured,
    }
}

/// Accept errors are the system's (out of files, a connection reset before
/// it was taken): wait a moment rather than spin.
async fn accept_failed(e: &std::io::Error) {
    use std::io::ErrorKind::*;
    if matches!(e.kind(), ConnectionAborted | ConnectionReset | Interrupted) {
        return;
    }
    tracing::warn!(error = %e, "accept failed; pausing");
    tokio::time::sleep(Duration::from_millis(100)).await;
}
