//! The one layer every request to the public site passes through, in this
//! order: the metrics (outermost: the status as sent and the whole time),
//! the request's public address (`public_base`), error pages
//! (`pages::errors`), then validators, 304s and compression (`respond`)
//! around the route's handler.
//!
//! These were four `from_fn` layers; each cost a boxed future and a clone
//! of the service per request, about 3% of a cached page's CPU apiece
//! (docs/PERFORMANCE.md, "The hot article page").

use crate::state::Shared;
use crate::{metrics, pages::errors, public_base, respond};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

pub async fn layer(State(state): State<Shared>, req: Request, next: Next) -> Response {
    let started = metrics::start(&req);
    // A shared handle on the address (no copy), for the error pages.
    let uri = req.uri().clone();
    let resp = match public_base::origin_of(&state, req.headers()) {
        Err(bad_host) => bad_host,
        Ok(origin) => {
            let asked = respond::Asked::of(&req);
            let inner = async {
                let resp = next.run(req).await;
                respond::finish(&state, asked, resp).await
            };
            public_base::within(origin, inner).await
        }
    };
    let resp = errors::dress(&state, uri.path(), resp).await;
    metrics::record(started, resp.status());
    resp
}
