//! What the web layer tells the metrics recorder, through the `metrics`
//! facade (the binary installs the recorder; without one these cost
//! nothing), and the router that serves the recorder's text on the
//! operators' own listener.
//!
//! Requests are labelled by the route template they matched (`/news/{id_slug}`),
//! never by the path asked for, so a crawler walking random addresses adds no series.

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics::{
    Counter, Histogram, SharedString, Unit, counter, describe_counter, describe_gauge,
    describe_histogram, gauge, histogram,
};
use rustc_hash::FxHashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, RwLock};
use std::time::{Duration, Instant};

pub const REQUESTS: &str = "newsroom_http_requests_total";
pub const REQUEST_DURATION: &str = "newsroom_http_request_duration_seconds";
pub const CACHE_LOOKUPS: &str = "newsroom_page_cache_lookups_total";
pub const CACHE_BYTES: &str = "newsroom_page_cache_bytes";
pub const VIEWS: &str = "newsroom_views_total";
pub const VIEWS_PENDING: &str = "newsroom_views_pending";
pub const FLUSHES: &str = "newsroom_view_flushes_total";
pub const FLUSH_DURATION: &str = "newsroom_view_flush_duration_seconds";

/// Whether a recorder was installed (`describe`). Until then nothing is
/// reported: the `metrics` macros build each metric's key (a `Vec` of
/// labels) before they find there is no recorder, about 2% of a cached
/// page's CPU (docs/PERFORMANCE.md), and the route label takes a lock.
static RECORDING: AtomicBool = AtomicBool::new(false);

/// Whether the web layer reports to a recorder.
pub(crate) fn recording() -> bool {
    RECORDING.load(Ordering::Relaxed)
}

/// Help texts, once the recorder is installed; from then on the web layer
/// reports to it.
pub fn describe() {
    RECORDING.store(true, Ordering::Relaxed);
    describe_counter!(
        REQUESTS,
        "HTTP requests by route template (unmatched: no route) and status"
    );
    describe_histogram!(
        REQUEST_DURATION,
        Unit::Seconds,
        "Time to answer an HTTP request, by route template, until the response head"
    );
    describe_counter!(
        CACHE_LOOKUPS,
        "Rendered page cache lookups by cache (pages, search, fragment: the latest-news list) and result (hit, miss)"
    );
    describe_gauge!(
        CACHE_BYTES,
        Unit::Bytes,
        "Bytes of rendered pages held, by cache"
    );
    describe_counter!(
        VIEWS,
        "Article views by result: counted, duplicate (same visitor within 30 minutes), over_ip_share (server.max_visitors_per_ip), bot (not a reader), duplicate_across_nodes (counted here, but another node had counted that visitor: refused at flush)"
    );
    describe_gauge!(
        VIEWS_PENDING,
        Unit::Count,
        "Views counted on this node and not yet confirmed by the database"
    );
    describe_counter!(
        FLUSHES,
        "View batches written to the database, by outcome (ok, error: kept and retried)"
    );
    describe_histogram!(
        FLUSH_DURATION,
        Unit::Seconds,
        "Writing one view batch (the cross-node visitor check and the counts)"
    );
}

/// The request layer: the route it matched, its status, how long it took.
pub async fn track(req: Request, next: Next) -> Response {
    let started = start(&req);
    let resp = next.run(req).await;
    record(started, resp.status());
    resp
}

/// A request's route and start, when a recorder will be told of it.
pub(crate) fn start(req: &Request) -> Option<(Arc<Route>, Instant)> {
    recording().then(|| (route_of(req), Instant::now()))
}

/// One answered request, for `track` and `front`.
pub(crate) fn record(started: Option<(Arc<Route>, Instant)>, status: StatusCode) {
    let Some((route, start)) = started else {
        return;
    };
    route.took.record(start.elapsed().as_secs_f64());
    route.answered(status);
}

/// One route's metrics, registered once: a look-up in the recorder's
/// registry per metric per request (its key built and hashed) cost about
/// 2 µs a request (docs/PERFORMANCE.md, "Metrics cost").
pub(crate) struct Route {
    label: Arc<str>,
    took: Histogram,
    /// Requests by status, each counter registered on its first answer.
    by_status: RwLock<Vec<(StatusCode, Counter)>>,
}

impl Route {
    fn answered(&self, status: StatusCode) {
        let known = self.by_status.read().unwrap_or_else(|p| p.into_inner());
        if let Some((_, c)) = known.iter().find(|(s, _)| *s == status) {
            c.increment(1);
            return;
        }
        drop(known);
        let c = counter!(REQUESTS, "route" => self.label.clone(), "status" => status_label(status));
        c.increment(1);
        // Two first answers at once register the same series twice: the
        // recorder hands out one counter for both.
        self.by_status
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .push((status, c));
    }
}

/// Each route's metrics, by route template. The set is the router's
/// templates, so it stays small.
static ROUTES: LazyLock<RwLock<FxHashMap<Box<str>, Arc<Route>>>> = LazyLock::new(Default::default);

fn route_of(req: &Request) -> Arc<Route> {
    let path = req.uri().path();
    // The admin's own router is nested whole (it matches no template here):
    // one route.
    let route = if path == "/admin" || path.starts_with("/admin/") {
        "/admin"
    } else {
        match req.extensions().get::<MatchedPath>() {
            Some(p) => p.as_str(),
            None => "unmatched",
        }
    };
    if let Some(r) = ROUTES.read().unwrap_or_else(|p| p.into_inner()).get(route) {
        return r.clone();
    }
    let label: Arc<str> = Arc::from(route);
    let shared = Arc::new(Route {
        took: histogram!(REQUEST_DURATION, "route" => label.clone()),
        label,
        by_status: RwLock::default(),
    });
    ROUTES
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .entry(route.into())
        .or_insert(shared)
        .clone()
}

fn status_label(status: StatusCode) -> SharedString {
    match status.as_u16() {
        200 => SharedString::const_str("200"),
        301 => SharedString::const_str("301"),
        304 => SharedString::const_str("304"),
        404 => SharedString::const_str("404"),
        _ => SharedString::from(status.as_str().to_string()),
    }
}

pub(crate) fn cache_lookup(cache: &'static str, hit: bool) {
    if !recording() {
        return;
    }
    let result = if hit { "hit" } else { "miss" };
    counter!(CACHE_LOOKUPS, "cache" => cache, "result" => result).increment(1);
}

pub(crate) fn cache_bytes(cache: &'static str, bytes: u64) {
    if !recording() {
        return;
    }
    gauge!(CACHE_BYTES, "cache" => cache).set(bytes as f64);
}

pub(crate) fn view(result: &'static str, n: u64) {
    if n > 0 && recording() {
        counter!(VIEWS, "result" => result).increment(n);
    }
}

pub(crate) fn views_pending(n: i64) {
    if !recording() {
        return;
    }
    gauge!(VIEWS_PENDING).set(n as f64);
}

pub(crate) fn flushed(ok: bool, took: Duration) {
    if !recording() {
        return;
    }
    let outcome = if ok { "ok" } else { "error" };
    counter!(FLUSHES, "outcome" => outcome).increment(1);
    histogram!(FLUSH_DURATION).record(took.as_secs_f64());
}

/// `GET /metrics`, answered with `render()` (the recorder's text), and 404
/// for anything else: what the operators' listener serves, never the site's.
pub fn router(render: Arc<dyn Fn() -> String + Send + Sync>) -> Router {
    Router::new()
        .route(
            "/metrics",
            get(move || {
                let render = render.clone();
                async move {
                    // Rendering walks every series; off the async threads.
                    match tokio::task::spawn_blocking(move || render()).await {
                        Ok(text) => {
                            let mut resp = text.into_response();
                            resp.headers_mut().insert(
                                header::CONTENT_TYPE,
                                HeaderValue::from_static(
                                    "text/plain; version=0.0.4; charset=utf-8",
                                ),
                            );
                            resp.headers_mut().insert(
                                header::CACHE_CONTROL,
                                HeaderValue::from_static("no-store"),
                            );
                            resp
                        }
                        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
                    }
                }
            }),
        )
        .fallback(|| async { StatusCode::NOT_FOUND })
}
