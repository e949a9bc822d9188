//! The admin area under /admin: sign-in, a dashboard, sources and articles,
//! stories (editors' decisions) and the audit log.
//!
//! Security in one place: [`guard`] wraps every admin route. It sends
//! `Cache-Control: no-store`, `X-Frame-Options: DENY` and a strict content
//! security policy on every response, and refuses any POST that comes from
//! another origin, is larger than [`MAX_FORM_BYTES`], or lacks the CSRF
//! token of its session (for the login itself, a keyed hash of the login
//! cookie's nonce under a server secret), before
//! any handler runs. So a handler added later cannot forget the check.
//! Handlers then ask for [`session::Authed`] (any signed-in user) or
//! [`session::AdminOnly`] (role admin); without a session a GET is sent to
//! the login page. Admin pages never go through the public page cache; a
//! change that shows on public pages clears it.

pub mod accounts;
mod article_detail;
mod articles;
mod audit;
mod charts;
pub mod csrf;
mod dashboard;
pub mod error;
mod history_charts;
mod layout;
mod login;
mod multipart;
pub mod session;
mod source_charts;
mod source_detail;
mod source_opml;
mod sources;
mod stories;
pub mod throttle;
mod users;

use crate::error::WebError;
use crate::state::Shared;
use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use std::sync::{Arc, OnceLock};

/// Every admin form is a few short fields; nothing legitimate comes near this.
pub const MAX_FORM_BYTES: usize = 16 * 1024;
/// An uploaded OPML file: a few thousand feeds fit in this.
pub const MAX_UPLOAD_BYTES: usize = 1024 * 1024;
/// The one path that takes an upload (as the nested router sees it), and
/// its address on the site.
const UPLOAD_PATH: &str = "/sources/import";
pub(crate) const UPLOAD_URL: &str = "/admin/sources/import";

/// What a POST to `path` may carry.
fn body_limit(path: &str) -> usize {
    if path == UPLOAD_PATH {
        MAX_UPLOAD_BYTES
    } else {
        MAX_FORM_BYTES
    }
}

pub struct AdminState {
    pub site: Shared,
    pub throttle: throttle::LoginThrottle,
    /// Cookies get `Secure` when the site's base URL is https.
    pub secure_cookies: bool,
    /// `scheme://host[:port]` of the site's base URL.
    pub base_origin: Option<String>,
    /// Argon2 takes ~19 MiB and a core per check: a few at a time at most.
    verify_slots: tokio::sync::Semaphore,
    /// Checked against when the user name is unknown, so that an unknown
    /// name takes as long as a wrong password.
    dummy_hash: OnceLock<String>,
    time_zone: jiff::tz::TimeZone,
}

pub type Admin = Arc<AdminState>;

impl AdminState {
    pub fn new(site: Shared) -> Self {
        let base = site.cfg.base_url.clone();
        let time_zone =
            jiff::tz::TimeZone::get(&site.cfg.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
        AdminState {
            secure_cookies: base.to_ascii_lowercase().starts_with("https:"),
            base_origin: csrf::origin_of(&base),
            throttle: throttle::LoginThrottle::default(),
            verify_slots: tokio::sync::Semaphore::new(2),
            dummy_hash: OnceLock::new(),
            time_zone,
            site,
        }
    }

    /// Checks a password off the async runtime; `stored` `None` (no such
    /// user) checks against a dummy hash and fails, taking the same time.
    pub async fn verify(&self, password: String, stored: Option<String>) -> bool {
        let Ok(_slot) = self.verify_slots.acquire().await else {
            return false;
        };
        let dummy = self.dummy_hash.get().cloned();
        let known = stored.is_some();
        let result = tokio::task::spawn_blocking(move || {
            let dummy = match dummy {
                Some(d) => d,
                None => accounts::hash_password(&session::new_token()).unwrap_or_default(),
            };
            let ok = accounts::verify_password(&password, stored.as_deref().unwrap_or(&dummy));
            (ok, dummy)
        })
        .await;
        match result {
            Ok((ok, dummy)) => {
                let _ = self.dummy_hash.set(dummy);
                ok && known
            }
            Err(_) => false,
        }
    }

    /// A time as the admin tables show it, in the site's time zone.
    pub fn time(&self, ts: i64) -> String {
        self.time_as(ts, "%Y-%m-%d %H:%M")
    }

    /// The same with seconds, where several events fall in one minute.
    pub fn time_seconds(&self, ts: i64) -> String {
        self.time_as(ts, "%Y-%m-%d %H:%M:%S")
    }

    fn time_as(&self, ts: i64, format: &str) -> String {
        jiff::Timestamp::from_second(ts)
            .map(|t| self.time_zone.to_datetime(t).strftime(format).to_string())
            .unwrap_or_else(|_| ts.to_string())
    }
}

/// The admin area, to be nested under /admin.
pub fn router(site: Shared) -> Router {
    let st: Admin = Arc::new(AdminState::new(site));
    Router::new()
        .route("/", get(dashboard::dashboard))
        .route("/login", get(login::form).post(login::login))
        .route("/logout", post(login::logout))
        .route("/articles", get(articles::list))
        .route("/articles/{id}/hide", post(articles::hide))
        .route("/articles/{id}/unhide", post(articles::unhide))
        .route("/sources", get(sources::list).post(sources::add))
        .route("/sources/{id}/enable", post(sources::enable))
        .route("/sources/{id}/disable", post(sources::disable))
        .route("/sources/{id}/remove", post(sources::remove))
        .route("/users", get(users::list))
        .route("/admin.css", get(css))
        .route("/audit", get(audit::list))
        .route("/stories/{id}", get(stories::show))
        .route("/stories/{id}/{action}", post(stories::act))
        .route("/sources/{id}", get(source_detail::show))
        .route("/sources/{id}/settings", post(source_detail::save))
        .route("/sources.opml", get(source_opml::export))
        .route(
            UPLOAD_PATH,
            post(source_opml::import).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route("/articles/{id}", get(article_detail::show))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(st.clone(), guard))
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
        .with_state(st)
}

async fn not_found() -> WebError {
    WebError::not_found()
}

async fn css() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/css; charset=utf-8"),
        )],
        include_str!("../../static/admin.css"),
    )
        .into_response()
}

/// See the module docs.
async fn guard(State(st): State<Admin>, req: Request, next: Next) -> Response {
    let mut resp = if req.method() == Method::GET || req.method() == Method::HEAD {
        next.run(req).await
    } else {
        match check_post(&st, req).await {
            Ok(req) => next.run(req).await,
            Err(resp) => resp,
        }
    };
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    resp
}

fn refused(text: &str) -> Response {
    error::message(StatusCode::FORBIDDEN, "Request refused", text.to_string())
}

/// Lets a POST through only from this site, small, and with the right
/// token; hands the handler the session it found and the body it read.
async fn check_post(st: &AdminState, req: Request) -> Result<Request, Response> {
    if !csrf::origin_allowed(req.headers(), st.base_origin.as_deref()) {
        tracing::warn!(path = %req.uri().path(), "admin: cross-origin POST refused");
        return Err(refused("This form was sent from another site."));
    }
    let (mut parts, body) = req.into_parts();
    let limit = body_limit(parts.uri.path());
    let too_big = || {
        error::message(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Too large",
            if limit == MAX_FORM_BYTES {
                format!("A form may be at most {limit} bytes.")
            } else {
                format!("An upload may be at most {} KiB.", limit / 1024)
            },
        )
    };
    if content_length(&parts.headers).is_some_and(|n| n > limit) {
        return Err(too_big());
    }
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| too_big())?;
    let given = if multipart::is_multipart(&parts.headers) {
        multipart::token(&parts.headers, bytes.clone()).await
    } else {
        csrf::form_token(&bytes)
    }
    .unwrap_or_default();
    let expected = if parts.uri.path() == "/login" {
        session::cookie_token(&parts.headers, session::LOGIN_COOKIE)
            .map(|nonce| csrf::login_token(&st.site.login_key, nonce))
    } else {
        match session::lookup(st, &parts.headers).await {
            Ok(Some(who)) => {
                let secret = who.session.csrf_secret.clone();
                parts.extensions.insert(who);
                Some(secret)
            }
            // Signed out (or expired): nothing to check against, nothing done.
            Ok(None) => return Err(session::to_login()),
            Err(e) => return Err(e.into_response()),
        }
    };
    if !expected.is_some_and(|e| csrf::tokens_match(&given, &e)) {
        tracing::warn!(path = %parts.uri.path(), "admin: POST without a valid CSRF token refused");
        return Err(refused(
            "The form's security token is missing or out of date. Reload the page and try again.",
        ));
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

fn content_length(h: &HeaderMap) -> Option<usize> {
    h.get(header::CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}

/// Redirect after a successful POST, so a reload does not repeat it.
pub(crate) fn see_other(path: &str) -> Response {
    Redirect::to(path).into_response()
}

/// A form field trimmed and bounded; `what` names it in the error.
pub(crate) fn field(value: &str, what: &str, max_chars: usize) -> Result<String, WebError> {
    let v = value.trim();
    if v.chars().count() > max_chars {
        return Err(WebError::BadRequest(format!(
            "{what} may be at most {max_chars} characters."
        )));
    }
    if v.chars().any(char::is_control) {
        return Err(WebError::BadRequest(format!(
            "{what} may not contain control characters."
        )));
    }
    Ok(v.to_string())
}
