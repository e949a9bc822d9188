//! The request body timeout: a body must arrive whole, within the limit,
//! before any handler sees it. Every body the site takes is a small form, a
//! beacon or an admin's OPML file, so reading it up front costs little, and a client that sends a
//! byte every few seconds holds its connection for the timeout at most.

use axum::body::Body;
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body::Body as _;
use hyper::body::Incoming;
use std::time::Duration;

/// Above every route's own limit (the public site takes 64 KiB at most).
pub(crate) const MAX_BODY_BYTES: usize = 64 * 1024;

/// The admin's OPML upload takes more; the room above its own limit lets
/// its guard, which reads the body, answer a slightly larger one clearly.
fn limit_for(path: &str) -> usize {
    if path == crate::admin::UPLOAD_URL {
        crate::admin::MAX_UPLOAD_BYTES + MAX_BODY_BYTES
    } else {
        MAX_BODY_BYTES
    }
}

pub(crate) async fn read_whole(
    req: Request<Incoming>,
    timeout: Duration,
) -> Result<Request<Body>, Response> {
    if req.body().is_end_stream() {
        return Ok(req.map(Body::new));
    }
    let (parts, body) = req.into_parts();
    match tokio::time::timeout(
        timeout,
        axum::body::to_bytes(Body::new(body), limit_for(parts.uri.path())),
    )
    .await
    {
        Ok(Ok(bytes)) => Ok(Request::from_parts(parts, Body::from(bytes))),
        Ok(Err(_)) => Err(closing(
            parts.uri.path(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "request body too large or cut off",
        )),
        Err(_) => {
            tracing::debug!(path = %parts.uri.path(), "request body too slow; connection closed");
            Err(closing(
                parts.uri.path(),
                StatusCode::REQUEST_TIMEOUT,
                "request body too slow",
            ))
        }
    }
}

/// An answer after which the connection is closed: what is left of the
/// body is not worth reading. The API's in its JSON error shape.
fn closing(path: &str, status: StatusCode, text: &'static str) -> Response {
    let mut r = if crate::error::is_api_path(path) {
        crate::error::api_error(status, text)
    } else {
        (status, text).into_response()
    };
    r.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    r
}
