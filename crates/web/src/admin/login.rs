//! `/admin/login` and `/admin/logout`.

use super::accounts::{self, MAX_NAME_CHARS, MAX_PASSWORD_BYTES};
use super::layout::Layout;
use super::session::{self, Authed, COOKIE, LOGIN_COOKIE, SESSION_SECS};
use super::{Admin, see_other, throttle};
use crate::error::{WebError, WebResult};
use crate::state::now;
use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use newsroom_store::Session;
use serde::Deserialize;
use std::net::SocketAddr;
use std::time::Instant;

const FAILED: &str = "Unknown user name or wrong password.";

#[derive(Template)]
#[template(path = "admin/login.html")]
struct LoginPage {
    l: Layout,
    csrf: String,
    name: String,
    max_name: usize,
    max_password: usize,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
}

/// The form, its token made from `nonce`, which goes to the login cookie.
fn page(st: &Admin, nonce: &str, name: &str, status: StatusCode, error: &str) -> Response {
    let mut l = Layout::bare();
    l.site_name = st.site.cfg.name.clone();
    l.error = error.to_string();
    let html = LoginPage {
        l,
        csrf: super::csrf::login_token(&st.site.login_key, nonce),
        name: name.to_string(),
        max_name: MAX_NAME_CHARS,
        max_password: MAX_PASSWORD_BYTES,
    }
    .render();
    match html {
        Ok(html) => {
            let mut resp = (status, axum::response::Html(html)).into_response();
            resp.headers_mut().insert(
                header::SET_COOKIE,
                session::login_cookie(nonce, st.secure_cookies),
            );
            resp
        }
        Err(e) => WebError::from(e).into_response(),
    }
}

/// The login form. A signed-in browser goes straight to the dashboard. The
/// login nonce is kept while its cookie lives, so two open tabs both work.
pub async fn form(State(st): State<Admin>, headers: HeaderMap) -> WebResult<Response> {
    if session::lookup(&st, &headers).await?.is_some() {
        return Ok(see_other("/admin/"));
    }
    let token = session::cookie_token(&headers, LOGIN_COOKIE)
        .map(str::to_string)
        .unwrap_or_else(session::new_token);
    Ok(page(&st, &token, "", StatusCode::OK, ""))
}

pub async fn login(
    State(st): State<Admin>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> WebResult<Response> {
    // The guard has checked the form's token against this nonce already.
    let token = session::cookie_token(&headers, LOGIN_COOKIE)
        .map(str::to_string)
        .unwrap_or_else(session::new_token);
    let shown_name: String = f.name.trim().chars().take(MAX_NAME_CHARS).collect();
    let addr = crate::visitor_of(&st.site, &headers, peer);
    let throttle_name = shown_name.to_ascii_lowercase();
    let keys = throttle::keys(&throttle_name, &addr);
    if let Some(wait) = st.throttle.blocked(&keys, Instant::now()) {
        tracing::warn!(client = %addr, "admin: sign-in refused, too many failures");
        let minutes = wait.as_secs().div_ceil(60).max(1);
        return Ok(page(
            &st,
            &token,
            &shown_name,
            StatusCode::TOO_MANY_REQUESTS,
            &format!(
                "Too many failed sign-ins. Try again in {minutes} minute{}.",
                if minutes == 1 { "" } else { "s" }
            ),
        ));
    }
    let user = match accounts::normalize_name(&f.name) {
        Ok(name) => st.site.store.user_by_name(&name).await?,
        Err(_) => None,
    };
    let ok = st
        .verify(f.password, user.as_ref().map(|u| u.password_hash.clone()))
        .await;
    let Some(user) = user.filter(|_| ok) else {
        st.throttle.failed(&keys, Instant::now());
        tracing::info!(client = %addr, "admin: failed sign-in");
        return Ok(page(
            &st,
            &token,
            &shown_name,
            StatusCode::UNAUTHORIZED,
            FAILED,
        ));
    };
    st.throttle.succeeded(&keys[0]);
    let cookie = start_session(&st, user.id).await?;
    tracing::info!(user = %user.name, client = %addr, "admin: signed in");
    let mut resp = see_other("/admin/");
    let h = resp.headers_mut();
    h.append(header::SET_COOKIE, cookie);
    h.append(
        header::SET_COOKIE,
        session::clear_cookie(LOGIN_COOKIE, st.secure_cookies),
    );
    Ok(resp)
}

/// A fresh token for every sign-in, so a token planted before it is worth nothing.
async fn start_session(st: &Admin, user_id: i64) -> WebResult<HeaderValue> {
    let now = now();
    // Housekeeping rides on sign-ins: they are rare and already slow.
    st.site.store.delete_expired_sessions(now).await?;
    let token = session::new_token();
    st.site
        .store
        .create_session(&Session {
            token_hash: session::token_hash(&token),
            user_id,
            created_at: now,
            expires_at: now + SESSION_SECS,
            csrf_secret: session::new_token(),
        })
        .await?;
    Ok(session::set_cookie(
        COOKIE,
        &token,
        SESSION_SECS,
        st.secure_cookies,
    ))
}

pub async fn logout(State(st): State<Admin>, who: Authed) -> WebResult<Response> {
    st.site
        .store
        .delete_session(&who.session.token_hash)
        .await?;
    tracing::info!(user = %who.user.name, "admin: signed out");
    let mut resp = see_other(session::LOGIN_PATH);
    resp.headers_mut().insert(
        header::SET_COOKIE,
        session::clear_cookie(COOKIE, st.secure_cookies),
    );
    Ok(resp)
}
